// The two emulators side by side: started together, stepped and continued together, and the
// copy of QEMU's values into tcg86 that every normalisation and resync uses.
import { MemDiff } from './compare';
import { Side } from './launch';
import { StopResult } from './rsp-client';
import { CpuState, Range, SEGS } from './state';
import { Stub, StubOptions } from './stub';

export class Pair {
  /** Fields both stubs give. */
  readonly fields: string[];
  /** QEMU single steps that executed nothing and were repeated (see stepBoth). */
  nullSteps = 0;

  private constructor(readonly t: Stub, readonly q: Stub) {
    this.fields = t.fields.filter((f) => q.fields.includes(f));
  }

  /** Both sides; `serial` names each side's COM1 file (null: nowhere). */
  static async start(o: Omit<StubOptions, 'serialFile'>, serial: (side: Side) => string | null): Promise<Pair> {
    const [a, b] = await Promise.allSettled([Stub.start('tcg86', { ...o, serialFile: serial('tcg86') }), Stub.start('qemu', { ...o, serialFile: serial('qemu') })]);
    if (a.status === 'rejected' || b.status === 'rejected') {
      if (a.status === 'fulfilled') a.value.close();
      if (b.status === 'fulfilled') b.value.close();
      throw (a.status === 'rejected' ? a.reason : (b as PromiseRejectedResult).reason);
    }
    return new Pair(a.value, b.value);
  }

  stub(side: Side): Stub { return side === 'tcg86' ? this.t : this.q; }

  readBoth(ranges: Range[]): Promise<[CpuState, CpuState]> {
    return Promise.all([this.t.readState(ranges), this.q.readState(ranges)]);
  }

  /**
   * One instruction on both. QEMU 7.2 now and then ends a single step before executing
   * anything (an exit request wins the race); such a step leaves every register as it was,
   * so when QEMU's registers did not move but tcg86's did, QEMU is stepped again.
   */
  async stepBoth(tPre: CpuState, qPre: CpuState, ranges: Range[]): Promise<{ stops: [StopResult, StopResult]; states: [CpuState, CpuState] | null }> {
    const stops = await Promise.all([this.t.step(), this.q.step()]);
    if (stops[0].kind !== 'stopped' || stops[1].kind !== 'stopped') return { stops, states: null };
    let states = await this.readBoth(ranges);
    for (let retry = 0; retry < 3 && sameRegs(states[1], qPre, this.fields) && !sameRegs(states[0], tPre, this.fields); retry++) {
      this.nullSteps++;
      const again = await this.q.step();
      if (again.kind !== 'stopped') return { stops: [stops[0], again], states: null };
      states = [states[0], await this.q.readState(ranges)];
    }
    return { stops, states };
  }

  /**
   * Leave the current checkpoint (one step) and continue both; each stops at a breakpoint,
   * after `timeoutMs` (interrupted), or exits.
   */
  leaveBoth(timeoutMs: number): Promise<[StopResult & { timedOut: boolean }, StopResult & { timedOut: boolean }]> {
    return Promise.all([this.t.stepAndContinue(timeoutMs), this.q.stepAndContinue(timeoutMs)]);
  }

  /**
   * Make tcg86 hold QEMU's values: the given register fields (selectors excepted: writing one
   * reloads its descriptor from tcg86's own tables) and memory spans.
   */
  async copyToTcg(fields: string[], q: CpuState, mem: MemDiff[] = []): Promise<void> {
    const fstat = q.regs.get('fstat');
    for (const f of fields) {
      if (SEGS.includes(f)) continue;
      const v = q.regs.get(f);
      if (v !== undefined) await this.t.writeRegister(f, v, fstat);
    }
    for (const m of mem) if (m.qemu) await this.t.writeMemory(m.addr, m.qemu);
  }

  /** Make QEMU hold tcg86's bytes (for what QEMU gets wrong: descriptor accessed bits). */
  async copyToQemu(mem: MemDiff[]): Promise<void> {
    for (const m of mem) if (m.tcg) await this.q.writeMemory(m.addr, m.tcg);
  }

  /** Continue both (from a point that is no breakpoint, or to stop there at once). */
  contBoth(timeoutMs: number): Promise<[StopResult & { timedOut: boolean }, StopResult & { timedOut: boolean }]> {
    return Promise.all([this.t.cont(timeoutMs), this.q.cont(timeoutMs)]);
  }

  close(): void {
    this.t.close();
    this.q.close();
  }
}

function sameRegs(a: CpuState, b: CpuState, fields: string[]): boolean {
  return fields.every((f) => a.regs.get(f) === b.regs.get(f));
}
