// GDB remote serial protocol server (placeholder API; the protocol lives in this folder).
import { DebugTarget } from '../emu/cpu-exec/debug-target';

export interface GdbServerOptions {
  /** Answers gdb's `monitor` command (qRcmd); output text is streamed back. */
  monitor?: (line: string, write: (text: string) => void) => void;
}

export class GdbServer {
  constructor(readonly target: DebugTarget, readonly opts: GdbServerOptions = {}) {}
  /** Listen on host:port; rejects with the socket error (e.g. EADDRINUSE). */
  listen(host: string, port: number): Promise<void> { void host; void port; return Promise.reject(new Error('gdbstub not implemented yet')); }
  address(): { host: string; port: number } { return { host: '', port: 0 }; }
  close(): Promise<void> { return Promise.resolve(); }
}
