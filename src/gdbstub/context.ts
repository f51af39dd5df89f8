// What the packet handlers see of a gdb session: the target, the negotiated features and
// per-connection settings, and the few session actions a packet can trigger.
import { DebugTarget, StopEvent, WatchType } from '../emu/cpu-exec/debug-target';

/** Features gdb offered in qSupported (stop replies and thread ids depend on them). */
export interface ClientFeatures {
  multiprocess: boolean;
  swbreak: boolean;
  hwbreak: boolean;
}

/** QEMU's single-step flags (qqemu.sstepbits). */
export const SSTEP_ENABLE = 1, SSTEP_NOIRQ = 2, SSTEP_NOTIMER = 4;

/**
 * A reply to send; null when the answer comes later (a stop reply after a resume); a promise
 * when the reply waits for something else (an asynchronous monitor command).
 */
export type Reply = string | Buffer | null | Promise<string | Buffer>;

export interface StubContext {
  readonly target: DebugTarget;
  readonly features: ClientFeatures;
  /** qqemu.sstep mask, default NOIRQ|NOTIMER|ENABLE. */
  sstepFlags: number;
  /** qqemu.PhyMemMode: m/M/X use physical addresses. */
  physMode: boolean;
  readonly monitor?: (line: string, write: (text: string) => void) => void;

  /** Send an extra packet now (console output `O...`), before the reply. */
  send(payload: string | Buffer): void;
  /** Run `f` once the reply of the current packet has been sent. */
  afterReply(f: () => void): void;
  /** Resume (continue or one step); the stop reply is sent when the target stops. */
  resume(how: 'continue' | 'step'): void;
  /** The stop reply for the last stop (`?`). */
  lastStop(): StopEvent | null;
  stopReply(ev: StopEvent | null): string;
  /** gdb breakpoints (Z0 = software, Z1 = hardware; both are exec-loop breakpoints). */
  insertBreakpoint(addr: number, hw: boolean): void;
  removeBreakpoint(addr: number, hw: boolean): void;
  removeAllBreakpoints(): void;
  /** gdb watchpoints: Z2 write, Z3 read, Z4 access. */
  insertWatchpoint(addr: number, len: number, type: WatchType): void;
  removeWatchpoint(addr: number, len: number, type: WatchType): void;
  /** End the emulator (k / vKill); `replied`: a reply was sent, so no W packet follows. */
  kill(replied: boolean): void;
  /** Acknowledgements off, after the OK to QStartNoAckMode. */
  startNoAckMode(): void;
  /** Detach: the session no longer expects stop replies. */
  detached(): void;
}

/** Our one thread: process 1, thread 1 (QEMU's numbering for CPU 0). */
export const PID = 1, TID = 1;

export interface ThreadId { pid: number | null; tid: number }

/** Parses `TID`, `-1`, `0`, `pPID.TID`, `pPID` (all threads of PID); null when malformed. */
export function parseThreadId(s: string): ThreadId | null {
  const num = (x: string): number | null => {
    if (x === '-1') return -1;
    return /^[0-9a-fA-F]{1,8}$/.test(x) ? parseInt(x, 16) : null;
  };
  if (s.startsWith('p')) {
    const [p, t] = s.slice(1).split('.', 2);
    const pid = num(p);
    const tid = t === undefined ? -1 : num(t);
    if (pid === null || tid === null || s.slice(1).split('.').length > 2) return null;
    return { pid, tid };
  }
  const tid = num(s);
  return tid === null ? null : { pid: null, tid };
}

/** True when the id names our thread (exactly, as "all" -1, or as "any" 0). */
export function threadMatches(id: ThreadId): boolean {
  const pidOk = id.pid === null || id.pid === PID || id.pid === -1 || id.pid === 0;
  const tidOk = id.tid === TID || id.tid === -1 || id.tid === 0;
  return pidOk && tidOk;
}

export function formatThreadId(f: ClientFeatures): string {
  return f.multiprocess ? `p${PID.toString(16).padStart(2, '0')}.${TID.toString(16).padStart(2, '0')}` : TID.toString(16).padStart(2, '0');
}
