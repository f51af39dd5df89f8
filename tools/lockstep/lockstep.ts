// The differential run: tcg86 and QEMU on one kernel, compared after every instruction
// (--step-only) or at checkpoints.
//
// Checkpoint mode: a breakpoint on every function symbol of the ELF; both sides continue to
// the next hit and are compared there (registers and covered memory). Resync points are
// breakpoints on the instructions whose results legitimately differ often (policy.isVolatile):
// each is single-stepped with a compare, so that its difference is resynced at once. On a
// mismatch both are restarted, replayed to the last agreeing hit (re-applying the journal)
// and single-stepped from there with a compare after every instruction: the first difference
// the policy does not explain is the divergence. If stepping reaches the hit with explained
// differences only, the hit is marked in the journal (later replays patch it) and the run
// goes on. A breakpoint hit often in agreement is dropped (thinning): fewer stops, and tcg86
// then runs its normal multi-instruction blocks there (breakpoints make their page single-step).
// Replays stop only where the journal says something must be done again (journal.ts).
import { Comparer, Diff, isEmpty } from './compare';
import { comparedStep, patchCheckpoint, Stop } from './compared-step';
import { coverageOf } from './coverage';
import { Disassembler } from './disasm';
import { ElfInfo, readElf } from './elf32';
import { End, ended } from './endings';
import { enterBoth } from './entry';
import { explain } from './explain';
import { Action, HitCounter, Journal, key, Position } from './journal';
import { Pair } from './pair';
import { isVolatile } from './policy';
import { counterOf, RunContext } from './run-context';
import { CpuState, u32 } from './state';
import { stepOnlyLoop } from './step-mode';
import { LockstepOptions, LockstepResult } from './types';

export * from './types';

/** Time a bisect may take beyond the run's time budget. */
const BISECT_GRACE_MS = 5000;

export class Lockstep {
  private readonly elf: ElfInfo;
  private readonly checkpoints: Set<number>;
  private readonly resyncPoints: Set<number>;
  private readonly journal = new Journal();
  private readonly c: RunContext;
  /** Breakpoint hits so far (all addresses), and per address (positions for the journal). */
  private hits = 0;
  private readonly perAddr = new HitCounter();
  private lastGood: { pos: Position | null; hits: number; count: number } = { pos: null, hits: 0, count: 0 };
  /** Register fields both stubs give (known once started). */
  fields: string[] = [];

  constructor(private readonly o: LockstepOptions) {
    this.elf = readElf(o.kernel);
    const disasm = new Disassembler(o.kernel, this.elf.symbols);
    const text = this.elf.sections.filter((s) => s.exec);
    const inText = (a: number) => text.some((s) => a >= s.addr && a < s.addr + s.size);
    this.checkpoints = new Set(this.elf.symbols.filter((s) => s.isFunc && inText(s.value) && s.value !== this.elf.entry).map((s) => s.value));
    this.resyncPoints = o.stepOnly ? new Set() : new Set([...disasm.all()].filter((i) => isVolatile(i.text)).map((i) => i.addr));
    const r: LockstepResult = {
      kernel: o.kernel, outcome: 'budget', insns: 0, checkpoints: 0, steps: 0, stepMs: { tcg86: 0, qemu: 0 }, ms: 0, restarts: 0,
      nullSteps: 0, resyncs: new Map(), exitStatus: null, entry: null, divergence: null, note: '', commands: null,
    };
    this.c = new RunContext(o, r, coverageOf(this.elf), disasm);
  }

  symbolize(addr: number): string { return this.c.disasm.symbolize(addr); }

  async run(): Promise<LockstepResult> {
    const r = this.c.r;
    try {
      await this.startPair(true, this.o.stepOnly ? new Set() : new Set([...this.checkpoints, ...this.resyncPoints]));
      const end = this.o.stepOnly ? await this.stepLoop(await this.entryStates()) : await this.checkpointLoop(await this.entryStates());
      r.outcome = !this.c.divergence ? end.outcome : this.c.divergence.async && !this.o.strict ? 'async' : 'divergence';
      if (end.note) r.note = end.note;
      r.insns = this.c.divergence ? Math.max(0, this.c.divergence.insn - 1) : end.outcome === 'exit' || this.o.stepOnly ? this.c.count : this.lastGood.count;
    } catch (e) {
      // An emulator that died says why on stderr (tcg86's internal errors, QEMU's aborts).
      const p = this.c.pair;
      const said = p ? [p.t, p.q].map((s) => ({ side: s.side, last: s.emu.stderr().trim().split('\n').filter((l) => !/target remote/.test(l)).pop() }))
        .filter((x) => x.last).map((x) => `${x.side} said: ${x.last}`) : [];
      if (said.length && e instanceof Error) e.message += ` (${said.join('; ')})`;
      throw e;
    } finally {
      this.closePair();
      r.ms = Date.now() - this.c.t0;
      r.divergence = this.c.divergence;
    }
    return r;
  }

  // ---- starting, replaying ----

  private closePair(): void {
    const p = this.c.pair;
    if (!p) return;
    this.c.r.steps += p.t.steps;
    this.c.r.stepMs.tcg86 += p.t.stepMs;
    this.c.r.stepMs.qemu += p.q.stepMs;
    this.c.r.nullSteps += p.nullSteps;
    p.close();
    this.c.pair = null;
  }

  /** Both emulators at the kernel entry, normalised, with breakpoints on `bps`. */
  private async startPair(record: boolean, bps: Set<number>): Promise<[CpuState, CpuState]> {
    const c = this.c;
    const serial = (side: string) => (this.o.serialDir ? `${this.o.serialDir}/${side}.txt` : null);
    const trace = this.o.verbose >= 3 ? this.o.log : undefined;
    c.pair = await Pair.start({ kernel: this.o.kernel, icount: this.o.icount, sstep: 7, trace }, serial);
    c.comparer = new Comparer(c.p.fields);
    this.fields = c.p.fields;
    const entry = await enterBoth(c.p, this.elf.entry, c.comparer, record);
    if (record) {
      c.r.entry = entry;
      c.r.commands = { tcg86: c.p.t.emu.args, qemu: c.p.q.emu.args };
      for (const d of entry.differences) c.log(1, `entry: ${d}`);
      for (const n of entry.normalised) c.log(1, `entry: normalised: ${n}`);
      c.active = new Set(bps);
    }
    await this.setBreakpoints([...bps], true);
    c.count = 0;
    return c.readBoth(entry.states[0], entry.states[1]);
  }

  private setBreakpoints(addrs: number[], insert: boolean): Promise<unknown> {
    return Promise.all([this.c.p.t.setBreakpoints(addrs, insert), this.c.p.q.setBreakpoints(addrs, insert)]);
  }

  /**
   * Restart both and bring them back to the last agreeing hit: breakpoints only where the
   * journal has actions and on the target, counting hits per address. Null when the replay
   * arrives with a difference (recorded as the divergence).
   */
  private async replayToLastGood(): Promise<[CpuState, CpuState] | null> {
    const c = this.c;
    const target = this.lastGood;
    this.closePair();
    c.r.restarts++;
    c.log(1, `restart: replaying to hit #${target.hits}`);
    const stops = this.journal.addresses();
    if (target.pos) stops.add(target.pos.addr);
    let [t, q] = await this.startPair(false, stops);
    c.replaying = true;   // resyncs on the way were counted the first time
    try {
      if (target.pos) [t, q] = await this.replayHits(target.pos, t, q);
    } finally {
      c.replaying = false;
    }
    // Back to the live breakpoints.
    await this.setBreakpoints([...stops].filter((a) => !c.active.has(a)), false);
    await this.setBreakpoints([...c.active].filter((a) => !stops.has(a)), true);
    [t, q] = await c.readBoth(t, q, true);
    c.count = counterOf(t) ?? c.count;
    if (c.count !== target.count) c.log(1, `replay: hit #${target.hits} after ${c.count} instructions, ${target.count} the first time`);
    const d = c.comparer!.diff(t, q);
    if (!isEmpty(d)) {
      const irq = await c.mayHaveInterrupted(t, q);
      await c.diverged('checkpoint', d, null, [t, q], null, `restarted and replayed to hit #${target.hits} (instruction ${target.count}) with breakpoints ` +
        `only where the journal needs them, the machines arrive with a difference they did not have the first time: ${irq ? 'interrupt timing differs'
          : 'with fewer breakpoints tcg86 runs more of this code in multi-instruction blocks, and those differ'}`, irq);
      return null;
    }
    return [t, q];
  }

  private async replayHits(target: Position, t: CpuState, q: CpuState): Promise<[CpuState, CpuState]> {
    const counter = new HitCounter();
    let leave = true;
    for (;;) {
      const s = await this.continueBoth(t, q, leave, false);
      if (s.kind !== 'ok') throw new Error(`replay: ${s.note ?? s.outcome} before reaching the target`);
      ({ t, q } = s);
      const pos = counter.hit(u32(q, 'eip'));
      const actions = this.journal.get(pos);
      [t, q] = await this.applyActions(actions, t, q);
      if (key(pos) === key(target)) return [t, q];
      leave = true;
      if (actions.some((a) => a.kind === 'step')) {
        const st = await comparedStep(this.c, t, q);
        if (st.kind !== 'ok') throw new Error(`replay: the instruction at 0x${pos.addr.toString(16)} differs this time`);
        ({ t, q } = st);
        leave = false;
      }
    }
  }

  private async applyActions(actions: Action[], t: CpuState, q: CpuState): Promise<[CpuState, CpuState]> {
    let changed = false;
    for (const a of actions) {
      if (a.kind === 'inject') { await this.injectNow(); changed = true; }
      if (a.kind === 'patch') {
        [t, q] = await this.c.readBoth(t, q);
        await patchCheckpoint(this.c, t, q);
        changed = true;
      }
    }
    return changed ? this.c.readBoth(t, q) : [t, q];
  }

  private async injectNow(): Promise<void> {
    const inj = this.o.inject!;
    this.c.log(1, `inject: tcg86 ${inj.field} = 0x${inj.value.toString(16)}`);
    const mem = /^mem:(0x[0-9a-f]+|\d+)$/i.exec(inj.field);
    if (mem) await this.c.p.t.writeMemory(Number(mem[1]), Buffer.from([Number(inj.value & 0xffn)]));
    else await this.c.p.t.writeRegister(inj.field, inj.value);
  }

  // ---- the two modes ----

  private budgetLeft(): boolean { return this.c.count < this.o.maxInsns && !this.c.timeUp(); }

  private async entryStates(): Promise<[CpuState, CpuState]> {
    const c = this.c;
    const [t, q] = await c.readBoth(await c.p.t.readState([]), await c.p.q.readState([]));
    const d = c.comparer!.diff(t, q);
    if (!isEmpty(d)) await c.diverged('entry', d, null, [t, q], null, 'the states differ at the kernel entry after normalisation');
    return [t, q];
  }

  private stepLoop(entry: [CpuState, CpuState]): Promise<End> {
    return stepOnlyLoop(this.c, entry, {
      budgetLeft: () => this.budgetLeft(),
      injectAt: this.o.inject?.after ?? null,
      inject: () => this.injectNow(),
      restart: async () => {
        this.closePair();
        this.c.r.restarts++;
        return this.startPair(false, new Set());
      },
    });
  }

  private async checkpointLoop([t, q]: [CpuState, CpuState]): Promise<End> {
    const c = this.c;
    if (c.divergence) return { kind: 'end', outcome: 'divergence' };
    c.log(1, `${this.checkpoints.size} checkpoints (function symbols), ${this.resyncPoints.size} resync points`);
    const quiet = new Map<number, number>();
    let leave = true;
    while (this.budgetLeft()) {
      const s = await this.continueBoth(t, q, leave, true);
      if (s.kind !== 'ok') return s;
      ({ t, q } = s);
      this.hits++;
      const eip = u32(q, 'eip');
      const pos = this.perAddr.hit(eip);
      c.r.checkpoints = Math.max(c.r.checkpoints, this.hits);
      if (this.o.inject?.after === this.hits) {
        await this.injectNow();
        this.journal.add(pos, { kind: 'inject' });
        [t, q] = await c.readBoth(t, q);
      }
      const d = c.comparer!.diff(t, q);
      c.log(2, `hit #${this.hits} at ${this.symbolize(eip) || `0x${eip.toString(16)}`} (${c.count} instructions)${isEmpty(d) ? '' : ': differs'}` +
        (u32(t, 'eip') !== eip ? ` (tcg86 at ${this.symbolize(u32(t, 'eip')) || `0x${u32(t, 'eip').toString(16)}`})` : ''));
      if (!isEmpty(d)) {
        const b = await this.explainHit(d, t, q, pos);
        if (b.kind !== 'ok') return b;
        ({ t, q } = b);
      }
      this.lastGood = { pos, hits: this.hits, count: c.count };
      leave = true;
      if (this.resyncPoints.has(eip)) {
        const st = await comparedStep(c, t, q);
        if (st.kind !== 'ok') return st;
        ({ t, q } = st);
        c.count += st.insns;
        leave = false;
        if (st.resynced) { this.journal.add(pos, { kind: 'step' }); quiet.set(eip, 0); continue; }
      }
      // Thinning: a breakpoint hit often in agreement goes (a resync point only while it needs no resync).
      const n = (quiet.get(eip) ?? 0) + 1;
      quiet.set(eip, n);
      if (n > this.o.thinAfter && c.active.has(eip)) {
        c.log(2, `${this.symbolize(eip) || `0x${eip.toString(16)}`} hit ${n} times in agreement: breakpoint dropped`);
        c.active.delete(eip);
        await this.setBreakpoints([eip], false);
      }
    }
    return { kind: 'end', outcome: 'budget' };
  }

  /** A hit that differs: patched when the difference is a known deviation, else bisected. */
  private async explainHit(d: Diff, t: CpuState, q: CpuState, pos: Position): Promise<Stop> {
    const c = this.c;
    const ex = explain(d, null, await c.tables(), this.o.strict);
    if (isEmpty(ex.unexplained)) {
      await patchCheckpoint(c, t, q);
      this.journal.add(pos, { kind: 'patch' });
      c.countResyncs(ex.reasons);
      c.log(2, `hit #${this.hits}: patched (${ex.reasons.join('; ')})`);
      const [nt, nq] = await c.readBoth(t, q);
      return { kind: 'ok', t: nt, q: nq, insns: 0, resynced: true };
    }
    return this.bisect(d, [t, q], pos);
  }

  /**
   * On to the next hit: `leave` steps over the current breakpoint first (both stubs stop at
   * once on a breakpoint at the current pc); then the states, with tcg86's instruction counter.
   */
  private async continueBoth(t: CpuState, q: CpuState, leave: boolean, full: boolean): Promise<Stop> {
    const c = this.c;
    const left = this.o.timeLimitMs === null || !full ? Infinity : this.o.timeLimitMs - (Date.now() - c.t0);
    const limit = Math.max(100, Math.min(this.o.contTimeoutMs, left));
    const stops = leave ? await c.p.leaveBoth(limit) : await c.p.contBoth(limit);
    if (stops[0].kind !== 'stopped' || stops[1].kind !== 'stopped') return ended(c, stops, [t, q]);
    const to = [stops[0].timedOut, stops[1].timedOut];
    if (to[0] && to[1]) return { kind: 'end', outcome: 'budget', note: `a continue took longer than ${Math.round(limit)} ms (interrupted)` };
    const [nt, nq] = full ? await c.readBoth(t, q, true) : await Promise.all([c.p.t.readState([]), c.p.q.readState([])]);
    if (to[0] || to[1]) {
      if (c.timeUp()) return { kind: 'end', outcome: 'budget', note: 'time budget used up during a continue' };
      const who = to[0] ? 'tcg86' : 'qemu';
      await c.diverged('checkpoint', c.comparer!.diff(nt, nq), null, [nt, nq], null,
        `${who} did not reach the next breakpoint within ${limit} ms; the other side stopped at 0x${u32(to[0] ? nq : nt, 'eip').toString(16)}`,
        await c.mayInterrupt(t, q, nt, nq));
      return { kind: 'end', outcome: 'divergence' };
    }
    if (full) c.count = counterOf(nt) ?? c.count;
    return leave ? this.settle(t, q, nt, nq, full) : { kind: 'ok', t: nt, q: nq, insns: 0, resynced: false };
  }

  /**
   * QEMU's single step over the breakpoint sometimes executes nothing (see Pair.stepBoth); its
   * continue then stops at once on the same breakpoint. Seen as: QEMU's registers exactly as
   * at the previous hit while tcg86's moved. QEMU then leaves the breakpoint again.
   */
  private async settle(t: CpuState, q: CpuState, nt: CpuState, nq: CpuState, full: boolean): Promise<Stop> {
    const c = this.c;
    const same = (a: CpuState, b: CpuState) => c.p.fields.every((f) => a.regs.get(f) === b.regs.get(f));
    for (let retry = 0; retry < 3 && same(nq, q) && !same(nt, t); retry++) {
      c.p.nullSteps++;
      c.log(2, `qemu did not leave hit #${this.hits} (null step): leaving again`);
      const again = await c.p.q.stepAndContinue(this.o.contTimeoutMs);
      if (again.kind !== 'stopped' || again.timedOut) return ended(c, [{ kind: 'stopped', signal: 5, reply: '' }, again], [t, q]);
      nq = await c.p.q.readState(full ? c.rangesNear(nt, nq) : []);
    }
    return { kind: 'ok', t: nt, q: nq, insns: 0, resynced: false };
  }

  /** Mismatch at the current hit: replay to the last agreeing one and step from there. */
  private async bisect(atHit: Diff, atStates: [CpuState, CpuState], pos: Position): Promise<Stop> {
    const c = this.c;
    const names = [...atHit.regs.map((r) => r.field), ...atHit.mem.map((m) => `memory 0x${m.addr.toString(16)}+${m.len}`)];
    c.log(1, `hit #${this.hits} differs (${names.join(', ')}): stepping from hit #${this.lastGood.hits}`);
    const from = this.lastGood;
    const replayed = await this.replayToLastGood();
    if (!replayed) return { kind: 'end', outcome: 'divergence' };
    let [t, q] = replayed;
    c.sawIf = false;
    c.clearHistory();
    const resyncsBefore = sum(c.r.resyncs);
    c.focus = atHit.mem.map((m) => ({ addr: m.addr, len: m.len }));
    try {
      // The step that lands on the next breakpoint is the arrival there (where an injection happens).
      const arrive = async (nq: CpuState): Promise<boolean> => {
        if (!c.active.has(u32(nq, 'eip')) || this.o.inject?.after !== from.hits + 1) return false;
        await this.injectNow();
        return true;
      };
      c.count = from.count;
      // A bisect that started may finish a little beyond the time budget: its answer is the result.
      const deadline = Date.now() + BISECT_GRACE_MS;
      const outOfTime = () => c.timeUp() && Date.now() > deadline;
      for (let k = 1; ; k++) {
        if (k > this.o.bisectSteps || outOfTime()) {
          await c.diverged('checkpoint', atHit, null, atStates, null,
            `hit #${this.hits} differs; ${k - 1} single steps from hit #${from.hits} (instruction ${from.count}) found no difference yet ` +
            `(${outOfTime() ? 'time' : 'step'} budget used up): the first difference is after instruction ${c.count}`, await c.mayInterrupt(t, q, ...atStates));
          return { kind: 'end', outcome: 'divergence' };
        }
        const s = await comparedStep(c, t, q, arrive);
        if (s.kind !== 'ok') return s;
        ({ t, q } = s);
        c.count += s.insns;
        if (c.active.has(u32(q, 'eip'))) return await this.arrived(t, q, atHit, atStates, from, pos, resyncsBefore);
      }
    } finally {
      c.focus = null;
    }
  }

  /** Stepping reached the next breakpoint: it must be the hit that differed when continuing. */
  private async arrived(t: CpuState, q: CpuState, atHit: Diff, atStates: [CpuState, CpuState], from: { hits: number; count: number },
    pos: Position, resyncsBefore: number): Promise<Stop> {
    const c = this.c;
    c.focus = null;   // the whole covered memory again (stepping compared only the focus)
    [t, q] = await c.readBoth(t, q);
    const full = c.comparer!.diff(t, q);
    if (!isEmpty(full)) {
      await c.diverged('checkpoint', full, null, [t, q], null, `single-stepping from hit #${from.hits} arrives at #${this.hits} with memory outside the stepped focus differing`);
      return { kind: 'end', outcome: 'divergence' };
    }
    const eip = u32(q, 'eip');
    if (eip !== pos.addr) throw new Error(`stepping from hit #${from.hits} reached 0x${eip.toString(16)}, expected 0x${pos.addr.toString(16)}`);
    if (sum(c.r.resyncs) === resyncsBefore || atHit.regs.some((r) => r.field === 'eip')) {
      await c.diverged('checkpoint', atHit, null, atStates, null,
        `hit #${this.hits} differed after continuing, but single-stepping from hit #${from.hits} (instruction ${from.count}) to it shows no ` +
        'unexplained difference: what differs happens only while running freely (interrupt or device timing, or ' +
        'tcg86\'s multi-instruction blocks: a breakpoint or a single step makes tcg86 translate one instruction at a time)',
        await c.mayInterrupt(t, q, ...atStates));
      c.divergence!.insn = c.count;
      return { kind: 'end', outcome: 'divergence' };
    }
    this.journal.add(pos, { kind: 'patch' });
    c.log(1, `hit #${this.hits}: explained by resyncs on the way; going on`);
    return { kind: 'ok', t, q, insns: 0, resynced: true };
  }
}

function sum(m: Map<string, number>): number { let n = 0; for (const v of m.values()) n += v; return n; }
