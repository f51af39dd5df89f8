// Run control and debug access that the gdbstub and the monitor need from a machine.
// Implemented by the PC board (src/hw/pc/debug-session.ts). Registers are read and written
// through `cpu` directly (the register layout belongs to translate-i386 and the gdbstub).
import { X86Cpu } from '../translate-i386/cpu';
import { ExecStats } from './stats';

/** Why the CPU stopped. */
export type StopEvent =
  | { kind: 'breakpoint'; addr: number }      // about to execute `addr`, where a breakpoint is
  | { kind: 'watchpoint'; type: WatchType; addr: number } // after the instruction that accessed a watched range
  | { kind: 'step' }                          // a single-step completed
  | { kind: 'interrupt' }                     // stopped on request (Ctrl-C, monitor `stop`)
  | { kind: 'triple-fault' }                  // at the instruction whose exception could not be delivered
  | { kind: 'exited'; status: number };       // the guest ended the machine (isa-debug-exit, -no-reboot)

export type WatchType = 'write' | 'read' | 'access';

export interface StepFlags { noIrq: boolean; noTimer: boolean }

export interface DebugTarget {
  readonly cpu: X86Cpu;
  readonly stats: ExecStats;
  /** True while the CPU runs (not stopped by a debugger or the monitor). */
  isRunning(): boolean;
  /** Stop soon; listeners get { kind: 'interrupt' } (or an earlier stop). No-op when stopped. */
  requestStop(): void;
  /** Resume execution; listeners get the next stop. */
  resume(): void;
  /** Execute one instruction, then stop with { kind: 'step' }. */
  step(flags: StepFlags): void;
  /** Stop notifications (one listener per client: gdbstub, monitor). */
  addStopListener(f: (ev: StopEvent) => void): void;
  removeStopListener(f: (ev: StopEvent) => void): void;
  /** Resume notifications: the CPU starts running (a continue or a single step, by any client). */
  addResumeListener(f: () => void): void;
  removeResumeListener(f: () => void): void;

  /** Debug memory access by linear address (or physical with `phys`); null/false when inaccessible. */
  readMemory(addr: number, len: number, phys: boolean): Uint8Array | null;
  writeMemory(addr: number, data: Uint8Array, phys: boolean): boolean;
  /** Linear -> physical without side effects; -1 when unmapped. */
  translate(addr: number): number;

  /** Breakpoints on linear addresses (instruction starts). */
  insertBreakpoint(addr: number): void;
  removeBreakpoint(addr: number): boolean;
  breakpoints(): number[];
  /** Watchpoints on linear ranges: the stop comes after the accessing instruction completes. */
  insertWatchpoint(addr: number, len: number, type: WatchType): void;
  removeWatchpoint(addr: number, len: number, type: WatchType): boolean;

  /** After a guest write to CR0/CR3/CR4 or a segment register through a debugger: refresh modes and TLB. */
  stateChanged(): void;
  /**
   * A debugger client is attached: a triple fault then stops the machine at the faulting
   * instruction (reported as a stop) instead of resetting; continuing performs the reset.
   */
  setDebuggerAttached(on: boolean): void;
  /** End the emulator (gdb `kill`, monitor `quit`). */
  quit(status: number): void;
}
