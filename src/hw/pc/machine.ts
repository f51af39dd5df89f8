// The PC board: RAM, port bus, devices, the multiboot loader and the CPU run loop.
// Runs the CPU in slices and yields to Node's event loop in between (sockets, stdin, timers).
import createDebug from 'debug';
import { CpuExec, StopReason, Backend } from '../../emu/cpu-exec/exec';
import { TbLog } from '../../emu/cpu-exec/tblog';
import { X86Cpu } from '../../emu/translate-i386/cpu';
import { Memory } from '../../emu/translate-i386/mmu';
import { DESC_B, DESC_G, EFLAGS, EIP, R_EAX, R_EBX, R_ESI, GDTR_BASE, GDTR_LIMIT, SEG_CS, SEG_DS, SEG_ES, SEG_FS, SEG_GS, SEG_SS, CR0, CR0_ET, CR0_PE } from '../../emu/translate-i386/state';
import { Clock, IoBus, MachineControl } from './bus';
import { DebugConsoleE9, IsaDebugExit, Port80, Port92 } from './debug-ports';
import { Kbc8042 } from './kbc8042';
import { isBzImage, loadBzImage, BOOT_CS, BOOT_DS } from './bzimage';
import { loadMultiboot, MultibootModule } from './multiboot';
import { PicPair } from './pic8259';
import { Pit8254 } from './pit8254';
import { RtcCmos } from './rtc-cmos';
import { Uart16550 } from './uart16550';

const dbg = createDebug('tcg86:machine');

export interface MachineOptions {
  ramBytes: number;
  kernel: Uint8Array;
  /** The multiboot command line (file name first, as QEMU passes it). */
  cmdline: string;
  /** -append alone: a Linux kernel's command line. */
  append?: string;
  modules: MultibootModule[];
  serialOut: (byte: number) => void;
  debugConOut?: (byte: number) => void;
  debugExit: { iobase: number; iosize: number } | null;
  noReboot: boolean;
  /** -icount shift: virtual ns per instruction = 2^shift; null = host clock. */
  icountShift: number | null;
  backend: Backend;
  log?: TbLog;
  nochain?: boolean;
  hotThreshold?: number;
  /** Page units compiled in the background (ExecOptions.asyncUnits; default true). */
  asyncUnits?: boolean;
  /** Called with a one-line message when the machine stops by itself. */
  message?: (line: string) => void;
  /** -S: do not start the CPU until a debugger or the monitor resumes it. */
  startPaused?: boolean;
}

export type StopWhy = 'interrupt' | 'breakpoint' | 'watchpoint' | 'step' | 'triple-fault' | 'exited';

/** QEMU's run states as `info status` and query-status name them ('prelaunch': -S, never resumed). */
export type RunState = 'running' | 'prelaunch' | 'paused' | 'debug' | 'shutdown';

/** Instructions per slice before yielding to the event loop. */
const SLICE_INSNS = 2_000_000;
const SLICE_MS = 20;
const CHUNK_INSNS = 50_000;
/** Guest time lagging host time by more than this jumps instead of slewing. */
const CLOCK_MAX_SLEW_NS = 5e9;

export class PcMachine implements MachineControl, Clock {
  readonly mem: Memory;
  readonly cpu: X86Cpu;
  readonly exec: CpuExec;
  readonly io = new IoBus();
  readonly pic = new PicPair();
  readonly pit: Pit8254;
  readonly rtc: RtcCmos;
  readonly uart: Uart16550;
  private readonly startHr = process.hrtime.bigint();
  private exitStatus: number | null = null;
  private resetRequested = false;
  private timer: NodeJS.Timeout | null = null;
  private immediate: NodeJS.Immediate | null = null;
  private finish: ((status: number) => void) | null = null;
  /** Virtual time offset added while halted under -icount (time warps to the next event). */
  private warpNs = 0;
  running = false;
  /** Stopped by a debugger or the monitor (-S, Ctrl-C, breakpoint, step). */
  paused = false;
  runState: RunState = 'running';
  private pauseRequested = false;
  private stepPending: { noIrq: boolean; noTimer: boolean } | null = null;
  /** Notified with the reason of every stop of a paused machine. */
  onStop: ((why: StopWhy) => void) | null = null;
  private booted = false;

  constructor(readonly opts: MachineOptions) {
    this.mem = new Memory(opts.ramBytes);
    this.cpu = new X86Cpu(this.mem, this.io);
    this.exec = new CpuExec(this.cpu, {
      backend: opts.backend, hotThreshold: opts.hotThreshold ?? 40, compileBatch: 16, maxTbs: 1 << 18, nochain: !!opts.nochain,
      asyncUnits: opts.asyncUnits ?? true,
    }, opts.log);
    this.exec.irq = this.pic;
    this.exec.onTripleFault = () => this.tripleFault();
    this.cpu.hooks.tsc = () => this.tscNow();
    this.cpu.hooks.unimplemented = (eip, what) => this.exec.log.unimplemented(eip, what);
    // FERR# -> IRQ 13 (the PC's external x87 error path); a write to port 0xF0 clears it.
    this.cpu.hooks.ferr = () => this.pic.setIrq(13, true);
    this.io.register(0xf0, 1, { ioRead: () => 0xff, ioWrite: () => this.pic.setIrq(13, false) });
    this.pic.attach(this.io);
    this.pic.onChange = () => { this.exec.irqLine = this.pic.hasPendingInterrupt(); this.wake(); };
    this.pit = new Pit8254(this.pic, this);
    this.pit.attach(this.io);
    this.rtc = new RtcCmos(this.pic, this, { memoryBytes: opts.ramBytes });
    this.rtc.attach(this.io);
    this.uart = new Uart16550(this.pic, 4, opts.serialOut);
    this.uart.attach(this.io);
    new DebugConsoleE9(opts.debugConOut ?? (() => undefined)).attach(this.io);
    if (opts.debugExit) this.io.register(opts.debugExit.iobase, opts.debugExit.iosize, new IsaDebugExit(this, opts.debugExit.iobase, opts.debugExit.iosize));
    this.io.register(0x92, 1, new Port92(this, (on) => this.cpu.setA20(on)));
    this.io.register(0x80, 1, new Port80());
    // Reset control register (PIIX3 0xCF9): bit 2 set resets the machine (Linux reboot=pci and fallbacks).
    let rcr = 0;
    this.io.register(0xcf9, 1, { ioRead: () => rcr, ioWrite: (_p: number, _s: number, v: number) => { rcr = v & 0x0a; if (v & 4) this.requestReset(); } });
    new Kbc8042(this, { onA20: (on) => this.cpu.setA20(on), irqs: this.pic }).attach(this.io);
    this.boot();
  }

  // ---- Clock ----
  // Without -icount, guest time follows the host clock, but not directly: inside a slice it
  // advances with the instruction count at a steady rate, and between slices the rate is
  // steered so that guest time catches up with host time. A guest timing loop (Linux's TSC
  // calibration against the PIT, delay-loop calibration) then sees a clock without the jitter
  // of compilation, garbage collection and event-loop turns, while long-run time stays real.
  nowNs(): number {
    const insns = this.exec.insnsNow();
    if (this.opts.icountShift !== null) return insns * 2 ** this.opts.icountShift + this.warpNs;
    return this.vBaseNs + (insns - this.vBaseInsns) * this.nsPerInsn;
  }
  private vBaseNs = 0;
  private vBaseInsns = 0;
  private nsPerInsn = 4;
  /** Host nanoseconds per guest instruction, as measured over the last busy slice. */
  private hostNsPerInsn = 4;
  /** Host time since start, less the time spent paused (guest time stands still then, as QEMU's virtual clock does). */
  hostNs(): number {
    const end = this.pausedSinceHr ?? process.hrtime.bigint();
    return Number(end - this.startHr - this.pausedNs);
  }
  /** At a slice boundary: re-base guest time and pick the rate for the next slice. */
  private steerClock(idle: boolean): void {
    if (this.opts.icountShift !== null) return;
    const v = this.nowNs(), h = this.hostNs();
    this.vBaseNs = v;
    this.vBaseInsns = this.exec.insns;
    const lag = h - v;
    const r = this.hostNsPerInsn;
    // After an idle wait guest time jumps to the host's, but never past the next timer event,
    // so that no periodic tick is lost (Linux's clocksource watchdog counts them). Only a host
    // stall too long to slew makes a running guest's time jump.
    if (idle) { this.vBaseNs = Math.max(v, Math.min(h, this.nextEventNs())); this.nsPerInsn = r; return; }
    if (lag > CLOCK_MAX_SLEW_NS) { this.vBaseNs = h; this.nsPerInsn = r; return; }
    // Close the gap over about one slice, staying within a factor 4 of the measured rate.
    this.nsPerInsn = Math.min(r * 4, Math.max(r / 4, r * (1 + lag / (SLICE_MS * 1e6))));
  }
  /** Host time spent paused, and when the current pause began. */
  private pausedNs = 0n;
  private pausedSinceHr: bigint | null = null;
  private setPausedClock(paused: boolean): void {
    if (paused && this.pausedSinceHr === null) this.pausedSinceHr = process.hrtime.bigint();
    else if (!paused && this.pausedSinceHr !== null) {
      this.pausedNs += process.hrtime.bigint() - this.pausedSinceHr;
      this.pausedSinceHr = null;
    }
  }
  private tscNow(): number {
    // A 1 GHz time-stamp counter: guest cycles = virtual nanoseconds.
    return Math.floor(this.nowNs());
  }

  // ---- MachineControl ----
  requestReset(): void {
    // -no-reboot turns every reset request (8042 pulse, port 0xCF9, triple fault) into an exit, as in QEMU.
    if (this.opts.noReboot) { this.requestExit(0); return; }
    this.resetRequested = true; this.exec.exitRequest = true;
  }
  exitStatusValue(): number { return this.exitStatus ?? 0; }
  requestExit(status: number): void { this.exitStatus = status; this.exec.exitRequest = true; }

  /** Load the kernel (multiboot or Linux bzImage) and put the CPU in the state its boot protocol requires. */
  boot(): void {
    this.cpu.reset();
    if (this.booted) this.mem.m8.fill(0);
    this.booted = true;
    this.exec.flush();
    const o = this.opts;
    const cpu = this.cpu, s = cpu.s;
    const code = 0x9b00 | DESC_B | DESC_G | (1 << 15) | (1 << 12);
    const data = 0x9300 | DESC_B | DESC_G | (1 << 15) | (1 << 12);
    let cs = 0x10, ds = 0x18;
    if (isBzImage(o.kernel)) {
      const initrd = o.modules.length ? Buffer.concat(o.modules.map((m) => m.data)) : null;
      const b = loadBzImage(o.kernel, this.mem.m8, { cmdline: o.append ?? '', initrd, ramSize: o.ramBytes });
      cs = BOOT_CS; ds = BOOT_DS;
      s[GDTR_BASE] = b.gdtAddr;
      s[GDTR_LIMIT] = b.gdtLimit;
      s[R_ESI] = b.bootParams;
      s[EIP] = b.entry;
      dbg('bzImage at %s, boot_params %s, initrd %o', b.loadAddr.toString(16), b.bootParams.toString(16), b.initrd);
    } else {
      const b = loadMultiboot(o.kernel, this.mem.m8, { cmdline: o.cmdline, modules: o.modules, ramSize: o.ramBytes, bootloaderName: 'tcg86' });
      s[R_EAX] = b.magic;
      s[R_EBX] = b.mbiAddr;
      s[EIP] = b.entry;
      dbg('multiboot entry %s, mbi %s', b.entry.toString(16), b.mbiAddr.toString(16));
    }
    cpu.setSegmentFlat(SEG_CS, cs, 0, -1, code);
    for (const seg of [SEG_DS, SEG_ES, SEG_FS, SEG_GS, SEG_SS]) cpu.setSegmentFlat(seg, ds, 0, -1, data);
    s[CR0] = CR0_PE | CR0_ET;
    s[EFLAGS] = 2;
    cpu.setCpl(0);
    cpu.updateHflags();
  }

  /** A debugger is attached: triple faults stop the machine first (see DebugTarget). */
  debuggerAttached = false;
  private tripleFaultPending = false;

  private tripleFault(): void {
    if (this.debuggerAttached && !this.tripleFaultPending) {
      this.tripleFaultPending = true;
      this.exec.exitRequest = true;
      this.pauseRequested = true;
      return;
    }
    this.tripleFaultAction();
  }

  private tripleFaultAction(): void {
    if (this.opts.noReboot) {
      this.opts.message?.('tcg86: triple fault, guest reset suppressed by -no-reboot; exiting');
      this.requestExit(0);
    } else {
      this.opts.message?.('tcg86: triple fault, resetting the machine');
      this.requestReset();
    }
  }

  private updateDevices(): void {
    const now = this.nowNs();
    this.pit.update(now);
    this.rtc.update(now);
  }

  private nextEventNs(): number {
    const now = this.nowNs();
    return Math.min(this.pit.nextEventNs(now), this.rtc.nextEventNs(now));
  }

  /** Run until the guest exits (isa-debug-exit, triple fault with -no-reboot) or stop(). */
  start(): Promise<number> {
    this.running = true;
    if (this.opts.startPaused) { this.paused = true; this.runState = 'prelaunch'; this.setPausedClock(true); }
    return new Promise((resolve) => {
      this.finish = resolve;
      if (!this.paused) this.schedule(0);
    });
  }

  // ---- run control for the debugger and the monitor ----

  /** Stop the CPU at the next TB boundary; onStop('interrupt') follows. */
  requestPause(): void {
    if (this.paused || !this.running) return;
    this.pauseRequested = true;
    this.exec.exitRequest = true;
    // Sleeping in hlt (a timer is pending): stop right now.
    if (this.timer) { this.clearSchedule(); this.enterPause('interrupt'); }
  }

  private enterPause(why: Exclude<StopWhy, 'exited'>): void {
    this.pauseRequested = false;
    this.paused = true;
    this.setPausedClock(true);
    this.runState = why === 'interrupt' ? 'paused' : 'debug';
    this.onStop?.(why);
  }

  resumeRun(): void {
    if (!this.paused || !this.running) return;
    this.paused = false;
    this.setPausedClock(false);
    this.runState = 'running';
    if (this.tripleFaultPending) {
      // Continuing after a triple-fault stop does what the machine would have done.
      this.tripleFaultPending = false;
      this.tripleFaultAction();
    }
    // Continuing from a breakpoint stop: execute that instruction instead of stopping again.
    if (this.exec.bpHit === this.cpu.linearPc()) this.exec.bpSkip = true;
    this.exec.bpHit = -1;
    this.exec.watchHit = null;
    this.schedule(0);
  }

  /** One instruction, then onStop('step'). */
  stepOnce(flags: { noIrq: boolean; noTimer: boolean }): void {
    if (!this.paused || !this.running) return;
    this.stepPending = flags;
    this.exec.watchHit = null;
    this.paused = false;
    this.schedule(0);
  }

  private runStep(flags: { noIrq: boolean; noTimer: boolean }): void {
    if (!flags.noTimer) this.updateDevices();
    if (this.exec.bpHit === this.cpu.linearPc()) this.exec.bpSkip = true;
    this.exec.bpHit = -1;
    const wasHalted = this.cpu.halted;
    this.exec.run(1, true, flags.noIrq);
    if (wasHalted && this.cpu.halted && !flags.noTimer) { /* still waiting for an interrupt */ }
    this.exec.idle();
  }

  stop(status = 0): void {
    this.exitStatus = status;
    this.exec.exitRequest = true;
    if (this.timer || this.immediate || this.paused) { this.clearSchedule(); if (this.running) this.end(); }
  }

  private clearSchedule(): void {
    if (this.timer) { clearTimeout(this.timer); this.timer = null; }
    if (this.immediate) { clearImmediate(this.immediate); this.immediate = null; }
  }

  private schedule(ms: number): void {
    this.clearSchedule();
    if (ms <= 0) this.immediate = setImmediate(() => { this.immediate = null; this.slice(); });
    else this.timer = setTimeout(() => { this.timer = null; this.slice(); }, ms);
  }

  /** A device raised an interrupt: a sleeping (halted) CPU runs again now. */
  private wake(): void {
    if (this.timer && this.cpu.halted) this.schedule(0);
  }

  private end(): void {
    this.running = false;
    this.runState = 'shutdown';
    this.onStop?.('exited');
    const f = this.finish;
    this.finish = null;
    f?.(this.exitStatus ?? 0);
  }

  /** Run the CPU for one slice: bounded instructions and host time. */
  runSlice(): StopReason {
    const t0 = Date.now();
    const h0 = this.hostNs(), i0 = this.exec.insns;
    this.steerClock(this.cpu.halted);
    let done = 0;
    let reason = StopReason.BUDGET;
    const icount = this.opts.icountShift !== null;
    while (done < SLICE_INSNS) {
      this.updateDevices();
      // Stop at the next timer event: under -icount so that runs are reproducible, and always
      // so that a periodic timer never fires twice within one run (the second edge would be lost).
      let budget = CHUNK_INSNS;
      const dt = this.nextEventNs() - this.nowNs();
      const n = Math.ceil(dt / (icount ? 2 ** this.opts.icountShift! : this.nsPerInsn));
      if (n > 0 && n < budget) budget = n;
      const before = this.exec.insns;
      reason = this.exec.run(budget);
      done += this.exec.insns - before;
      if (reason !== StopReason.BUDGET || this.pauseRequested) break;
      if (this.exec.watchHit) { reason = StopReason.WATCHPOINT; break; }
      if (Date.now() - t0 > SLICE_MS) break;
    }
    this.exec.idle();
    this.updateDevices();
    const n = this.exec.insns - i0;
    if (n > 100_000) this.hostNsPerInsn = (this.hostNs() - h0) / n;
    return reason;
  }

  private slice(): void {
    if (this.exitStatus !== null) { this.end(); return; }
    if (this.paused) return;
    let reason: StopReason;
    try {
      if (this.stepPending) {
        const f = this.stepPending;
        this.stepPending = null;
        this.runStep(f);
        if (this.exitStatus !== null) { this.end(); return; }
        if (this.tripleFaultPending) { this.enterPause('triple-fault'); return; }
        this.enterPause(this.exec.watchHit ? 'watchpoint' : 'step');
        return;
      }
      reason = this.runSlice();
    } catch (e) {
      this.opts.message?.(`tcg86: internal error: ${(e as Error).stack ?? e}`);
      this.exitStatus = 2;
      this.end();
      return;
    }
    if (this.exitStatus !== null) { this.end(); return; }
    if (this.tripleFaultPending && this.pauseRequested) { this.enterPause('triple-fault'); return; }
    if (reason === StopReason.BREAKPOINT) { this.enterPause('breakpoint'); return; }
    if (reason === StopReason.WATCHPOINT) { this.enterPause('watchpoint'); return; }
    if (this.pauseRequested) { this.enterPause('interrupt'); return; }
    if (this.resetRequested) {
      this.resetRequested = false;
      this.boot();
      this.schedule(0);
      return;
    }
    if (reason === StopReason.HALTED && this.cpu.halted) {
      if (this.pic.hasPendingInterrupt() && (this.cpu.s[EFLAGS] & 0x200)) { this.schedule(0); return; }
      const next = this.nextEventNs();
      if (next === Infinity) {
        if (this.opts.icountShift !== null && !(this.cpu.s[EFLAGS] & 0x200)) {
          this.opts.message?.('tcg86: guest halted with interrupts disabled');
        }
        this.schedule(50); // nothing scheduled: wait for input
        return;
      }
      const dt = next - this.nowNs();
      if (this.opts.icountShift !== null) {
        // Deterministic time: jump straight to the event.
        if (dt > 0) this.warpNs += dt;
        this.schedule(0);
      } else this.schedule(Math.max(0, Math.floor(dt / 1e6)));
      return;
    }
    this.schedule(0);
  }
}
