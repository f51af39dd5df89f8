// What every part of a run shares: the pair of emulators, the comparer, the memory coverage,
// the disassembler, the counters and statistics, reading both states, and recording a divergence.
import { Comparer, Diff } from './compare';
import { Coverage, rangesFor } from './coverage';
import { Disassembler, Insn } from './disasm';
import { Pair } from './pair';
import { DescriptorTable } from './policy';
import { monitorPacket } from './rsp-client';
import { CpuState, Range, u32 } from './state';
import { Divergence, LockstepOptions, LockstepResult } from './types';

/** Stack bytes below esp read along, so that a push or a call does not need a second read. */
const STACK_SLACK = 512;
/** Instructions kept for the report: a short checkpoint window is shown whole. */
const HISTORY = 64;
export const INFO_JIT = monitorPacket('info jit');

/** tcg86's executed-instruction counter from `info jit` read along with a state. */
export function counterOf(s: CpuState): number | null {
  const m = /insns executed\s+(\d+)/.exec(s.extra?.[0] ?? '');
  return m ? Number(m[1]) : null;
}

/** EFLAGS.IF on either side: an interrupt may come. */
export function interruptible(...states: CpuState[]): boolean {
  return states.some((s) => (u32(s, 'eflags') & 0x200) !== 0);
}

export class RunContext {
  pair: Pair | null = null;
  comparer: Comparer | null = null;
  /** Instructions executed since the entry, at the current point. */
  count = 0;
  /** While bisecting: the only memory compared at each step (the spans that differed at the checkpoint). */
  focus: Range[] | null = null;
  /** Addresses with a breakpoint now: checkpoints and resync points (thinning removes the busiest). */
  active = new Set<number>();
  divergence: Divergence | null = null;
  /** Replaying to a point already compared: resyncs are not counted again. */
  replaying = false;
  /** A compared step saw EFLAGS.IF set since this was last cleared (see mayInterrupt). */
  sawIf = false;
  /** Some state read in this run had EFLAGS.IF set, or a step went over hlt (see mayHaveInterrupted). */
  everIf = false;
  private readonly history: number[] = [];
  readonly t0 = Date.now();

  constructor(readonly o: LockstepOptions, readonly r: LockstepResult, readonly coverage: Coverage, readonly disasm: Disassembler) {}

  get p(): Pair { return this.pair!; }

  log(level: number, line: string): void { if (this.o.verbose >= level) this.o.log(line); }

  timeUp(): boolean { return this.o.timeLimitMs !== null && Date.now() - this.t0 > this.o.timeLimitMs; }

  /**
   * Could an interrupt explain a difference? IF set in one of `states` or during the steps
   * since sawIf was cleared, and some IRQ unmasked at the master PIC (tcg86's `info pic`).
   */
  async mayInterrupt(...states: CpuState[]): Promise<boolean> {
    if (!this.sawIf && !interruptible(...states)) return false;
    return this.irqUnmasked();
  }

  /**
   * The same question for a replay from the start of the run: interrupts may have come anywhere
   * on the way if IF was ever seen set in this run, or if tcg86 delivered any (a replay runs the
   * code between breakpoints in longer blocks, so an interrupt can land at another instruction
   * boundary).
   */
  async mayHaveInterrupted(...states: CpuState[]): Promise<boolean> {
    if (this.everIf || interruptible(...states)) return this.irqUnmasked();
    // IF may have been set only between the states read (sti; hlt; cli): ask both whether they
    // delivered any hardware interrupt (`info irq` counts them per line, QEMU's and ours).
    if (this.p.t.rsp.closed || this.p.q.rsp.closed) return true;
    const counts = await Promise.all([this.p.t.monitor('info irq'), this.p.q.monitor('info irq')]);
    return counts.some((text) => /^\s*\d+: *[1-9]/m.test(text));
  }

  private async irqUnmasked(): Promise<boolean> {
    if (this.p.t.rsp.closed) return true;
    const imr = /pic0:.*?imr=([0-9a-f]{2})/.exec(await this.p.t.monitor('info pic'));
    return !imr || imr[1] !== 'ff';
  }

  /** Forget the executed instructions (a bisect reports its own window). */
  clearHistory(): void { this.history.length = 0; }

  /** Remember an executed instruction for the report. */
  executed(eip: number): void {
    this.history.push(eip);
    if (this.history.length > HISTORY) this.history.shift();
  }

  countResyncs(reasons: string[]): void {
    if (this.replaying) return;
    for (const r of reasons) this.r.resyncs.set(r, (this.r.resyncs.get(r) ?? 0) + 1);
  }

  /** Both states, with the covered memory; `counter` also reads tcg86's instruction counter. */
  async readBoth(tPrev: CpuState, qPrev: CpuState, counter = false): Promise<[CpuState, CpuState]> {
    const ranges = this.rangesNear(tPrev, qPrev);
    const states = await Promise.all([this.p.t.readState(ranges, counter ? [INFO_JIT] : []), this.p.q.readState(ranges)]);
    return this.coverFresh(states, ranges);
  }

  /** Memory was read for the stack pointer before; read again if the stack grew past the slack. */
  async coverFresh(states: [CpuState, CpuState], used: Range[]): Promise<[CpuState, CpuState]> {
    if (interruptible(...states)) this.everIf = true;
    const fresh = this.rangesNear(states[0], states[1]);
    if (JSON.stringify(fresh) === JSON.stringify(used)) return states;
    const [t, q] = await Promise.all([this.p.t.readState(fresh), this.p.q.readState(fresh)]);
    t.extra = states[0].extra;
    return [t, q];
  }

  rangesNear(t: CpuState, q: CpuState): Range[] {
    if (this.focus) return this.focus;
    const esp = (s: CpuState) => (s.regs.has('esp') ? u32(s, 'esp') : 0xffffffff);
    return rangesFor(this.coverage, Math.max(0, Math.min(esp(t), esp(q)) - STACK_SLACK));
  }

  /** tcg86's GDT and LDT (QEMU's stub does not give them; while in lockstep they are the same). */
  async tables(): Promise<DescriptorTable[]> {
    const r = await this.p.t.readNamed(['gdtr_base', 'gdtr_limit', 'ldtr_base', 'ldtr_limit']);
    const out: DescriptorTable[] = [];
    if (r.has('gdtr_base')) out.push({ base: r.get('gdtr_base')!, limit: r.get('gdtr_limit') ?? 0 });
    if (r.get('ldtr_limit')) out.push({ base: r.get('ldtr_base') ?? 0, limit: r.get('ldtr_limit')! });
    return out;
  }

  /** Record the divergence, with both `info registers` and the disassembled history. */
  async diverged(kind: Divergence['kind'], diff: Diff, before: [CpuState, CpuState] | null, after: [CpuState, CpuState],
    executed: Insn | null, note: string, async = false): Promise<void> {
    const info = async (side: 'tcg86' | 'qemu'): Promise<string> => {
      const s = this.p.stub(side);
      if (s.rsp.closed) return '(exited)';
      try { return await s.monitor('info registers'); } catch (e) { return `(${(e as Error).message})`; }
    };
    const history: Insn[] = [];
    for (const a of this.history) {
      const mem = this.p.q.rsp.closed ? null : await this.p.q.readMemory(a, 16);
      history.push(this.disasm.decode(a, mem, false));
    }
    this.divergence = {
      insn: this.count + 1, kind, diff, before, after, executed, history, note, async,
      infoRegisters: [await info('tcg86'), await info('qemu')],
    };
  }
}
