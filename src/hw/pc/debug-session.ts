// The PC machine as a DebugTarget: run control, debug memory access and breakpoints for
// the gdbstub and the monitor.
import { DebugTarget, StepFlags, StopEvent, WatchType } from '../../emu/cpu-exec/debug-target';
import { debugPhys } from '../../emu/translate-i386/paging';
import { PcMachine } from './machine';

export class MachineDebug implements DebugTarget {
  private readonly listeners = new Set<(ev: StopEvent) => void>();
  private readonly resumeListeners = new Set<() => void>();

  constructor(readonly machine: PcMachine) {
    machine.onStop = (why) => {
      const hit = machine.exec.watchHit;
      const ev: StopEvent = why === 'breakpoint' ? { kind: 'breakpoint', addr: machine.exec.bpHit >>> 0 }
        : why === 'watchpoint' && hit ? { kind: 'watchpoint', type: hit.type, addr: hit.addr }
          : why === 'exited' ? { kind: 'exited', status: machine.exitStatusValue() } : { kind: why === 'watchpoint' ? 'step' : why };
      for (const l of [...this.listeners]) l(ev);
    };
  }

  get cpu() { return this.machine.cpu; }
  get stats() { return this.machine.exec.stats; }

  isRunning(): boolean { return this.machine.running && !this.machine.paused; }
  requestStop(): void { this.machine.requestPause(); }
  resume(): void {
    const was = this.isRunning();
    this.machine.resumeRun();
    if (!was && this.isRunning()) this.resumed();
  }
  step(flags: StepFlags): void {
    if (this.machine.running && this.machine.paused) this.resumed(); // QEMU: a step is RESUME, then STOP
    this.machine.stepOnce(flags);
  }
  addStopListener(f: (ev: StopEvent) => void): void { this.listeners.add(f); }
  removeStopListener(f: (ev: StopEvent) => void): void { this.listeners.delete(f); }
  addResumeListener(f: () => void): void { this.resumeListeners.add(f); }
  removeResumeListener(f: () => void): void { this.resumeListeners.delete(f); }
  private resumed(): void { for (const l of [...this.resumeListeners]) l(); }

  translate(addr: number): number { return debugPhys(this.machine.cpu, addr); }

  /** Physical address for byte `i` of an access, page by page; -1 outside RAM or unmapped. */
  private physOf(addr: number, phys: boolean): number {
    const p = phys ? addr >>> 0 : this.translate(addr);
    return p >= 0 && p < this.machine.mem.size ? p : -1;
  }

  readMemory(addr: number, len: number, phys: boolean): Uint8Array | null {
    const out = new Uint8Array(len);
    const mem = this.machine.mem;
    for (let i = 0; i < len;) {
      const a = (addr + i) | 0;
      const p = this.physOf(a, phys);
      if (p < 0) return null;
      const n = Math.min(len - i, 4096 - (a & 0xfff), mem.size - p);
      out.set(mem.m8.subarray(p, p + n), i);
      i += n;
    }
    return out;
  }

  writeMemory(addr: number, data: Uint8Array, phys: boolean): boolean {
    const mem = this.machine.mem;
    const chunks: [number, number, number][] = [];
    for (let i = 0; i < data.length;) {
      const a = (addr + i) | 0;
      const p = this.physOf(a, phys);
      if (p < 0) return false;
      const n = Math.min(data.length - i, 4096 - (a & 0xfff), mem.size - p);
      chunks.push([p, i, n]);
      i += n;
    }
    for (const [p, i, n] of chunks) {
      mem.m8.set(data.subarray(i, i + n), p);
      this.machine.exec.invalidateRange(p, n);
    }
    return true;
  }

  insertBreakpoint(addr: number): void { this.machine.exec.insertBreakpoint(addr); }
  removeBreakpoint(addr: number): boolean { return this.machine.exec.removeBreakpoint(addr); }
  breakpoints(): number[] { return this.machine.exec.breakpoints().map(a => a >>> 0); }
  insertWatchpoint(addr: number, len: number, type: WatchType): void { this.machine.exec.insertWatchpoint(addr, len, type); }
  removeWatchpoint(addr: number, len: number, type: WatchType): boolean { return this.machine.exec.removeWatchpoint(addr, len, type); }

  stateChanged(): void {
    const m = this.machine;
    m.cpu.updateHflags();
    m.mem.flushTlb();
  }

  quit(status: number): void { this.machine.stop(status); }
  setDebuggerAttached(on: boolean): void { this.machine.debuggerAttached = on; }
}
