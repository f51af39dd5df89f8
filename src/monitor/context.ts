// What every monitor command gets: the machine, its debug interface, the sticky x/xp/p
// format, and an output function. Commands report bad input by throwing MonitorError; the
// interpreter prints its message as one line.
import { DebugTarget } from '../emu/cpu-exec/debug-target';
import { PcMachine } from '../hw/pc/machine';

/** A user error: printed as one line, never a stack trace. */
export class MonitorError extends Error {}

/** QEMU's default_fmt_format / default_fmt_size: sticky across x, xp and p. */
export interface FormatState {
  format: string;
  size: number;
}

export interface MonitorContext {
  readonly machine: PcMachine;
  readonly debug: DebugTarget;
  readonly fmt: FormatState;
  /** Write one line (or several joined by \n); the final newline is added. */
  line(text: string): void;
}
