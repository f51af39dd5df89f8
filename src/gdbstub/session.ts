// One gdb connection: framing, the run state as gdb sees it, and the packet queue.
//
// gdb works in all-stop mode: it sends packets only while the target is stopped, resumes
// it with c/s/vCont and then waits for one stop reply. So:
//  - while the target runs on gdb's behalf ('running'), a 0x03 byte stops it (T02); any
//    packet that arrives meanwhile is queued and handled after the stop reply;
//  - when gdb attaches to a running target, or sends a packet while someone else (the
//    monitor) has resumed it, the target is stopped first ('stopping', no stop reply: gdb
//    did not ask for one) and the packets run after that.
import type { Socket } from 'net';
import { DebugTarget, StopEvent, WatchType } from '../emu/cpu-exec/debug-target';
import { ClientFeatures, formatThreadId, Reply, SSTEP_ENABLE, SSTEP_NOIRQ, SSTEP_NOTIMER, StubContext } from './context';
import { handlePacket } from './packets';
import { RspChannel, RspEvent } from './rsp';

/** Breakpoints one client inserted, by kind, so that they can be removed as gdb expects. */
export class BreakpointSet {
  private readonly kinds = new Map<number, { sw: boolean; hw: boolean }>();
  constructor(private readonly target: DebugTarget) {}

  insert(addr: number, hw: boolean): void {
    addr |= 0;
    let k = this.kinds.get(addr);
    if (!k) {
      k = { sw: false, hw: false };
      this.kinds.set(addr, k);
      this.target.insertBreakpoint(addr);
    }
    if (hw) k.hw = true; else k.sw = true;
  }

  remove(addr: number, hw: boolean): void {
    addr |= 0;
    const k = this.kinds.get(addr);
    if (!k) return;
    if (hw) k.hw = false; else k.sw = false;
    if (!k.sw && !k.hw) {
      this.kinds.delete(addr);
      this.target.removeBreakpoint(addr);
    }
  }

  removeAll(): void {
    for (const addr of this.kinds.keys()) this.target.removeBreakpoint(addr);
    this.kinds.clear();
  }

  /** True when only a hardware breakpoint (Z1) sits at `addr`. */
  isHardwareOnly(addr: number): boolean {
    const k = this.kinds.get(addr | 0);
    return !!k && k.hw && !k.sw;
  }
}

/**
 * idle: stopped, packets are handled; running: resumed for gdb, a stop reply is due;
 * stopping: being stopped without a stop reply; busy: a packet's reply is pending (monitor).
 */
type RunState = 'idle' | 'running' | 'stopping' | 'busy';

export interface SessionHost {
  readonly target: DebugTarget;
  readonly monitor?: (line: string, write: (text: string) => void) => void;
  lastStop(): StopEvent | null;
  log(msg: string): void;
  sessionClosed(s: GdbSession): void;
}

export class GdbSession implements StubContext {
  readonly features: ClientFeatures = { multiprocess: false, swbreak: false, hwbreak: false };
  /** QEMU's default: interrupts and timers stay frozen while stepping. */
  sstepFlags = SSTEP_ENABLE | SSTEP_NOIRQ | SSTEP_NOTIMER;
  physMode = false;
  private readonly channel: RspChannel;
  private readonly breakpoints: BreakpointSet;
  private state: RunState = 'idle';
  private readonly queue: { text: string; malformed: boolean }[] = [];
  private after: (() => void)[] = [];
  private noStopReplyForExit = false;
  private closed = false;

  constructor(private readonly host: SessionHost, sock: Socket) {
    this.breakpoints = new BreakpointSet(host.target);
    this.channel = new RspChannel(sock, (ev) => this.onRsp(ev), (what, e) => this.host.log(`${what}: ${(e as Error)?.stack ?? e}`));
    sock.on('data', (d: Buffer) => this.channel.input(d));
    sock.on('error', (e) => this.host.log(`gdb connection: ${e.message}`));
    sock.on('close', () => this.onClose());
  }

  /** Called once the server routes stop events here: gdb expects a stopped target. */
  start(): void {
    // As QEMU does on connect, but without its unsolicited stop reply.
    if (this.target.isRunning()) this.stopSilently();
  }

  get target(): DebugTarget { return this.host.target; }
  get monitor() { return this.host.monitor; }

  // ---- events from the connection ----

  private onRsp(ev: RspEvent): void {
    if (ev.kind === 'interrupt') {
      if (this.state === 'running' && this.target.isRunning()) this.target.requestStop();
      return;
    }
    if (ev.kind !== 'packet') return;
    this.queue.push({ text: ev.data.toString('latin1'), malformed: ev.malformed });
    this.pump();
  }

  /** Handle queued packets while the target is stopped for gdb. */
  private pump(): void {
    while (!this.closed && this.state === 'idle' && this.queue.length) {
      if (this.target.isRunning()) { this.stopSilently(); return; }
      const pkt = this.queue.shift()!;
      this.dispatch(pkt.text, pkt.malformed);
    }
  }

  private dispatch(pkt: string, malformed: boolean): void {
    let reply: Reply;
    try {
      // A bad escape, run length or an oversized packet: the content cannot be trusted.
      reply = malformed ? 'E22' : handlePacket(this, pkt);
    } catch (e) {
      this.host.log(`packet '${pkt.slice(0, 40)}': ${(e as Error)?.stack ?? e}`);
      this.after = [];
      reply = 'E01';
    }
    const after = this.after;
    this.after = [];
    if (reply instanceof Promise) {
      this.state = 'busy';
      reply.catch((e) => {
        this.host.log(`packet '${pkt.slice(0, 40)}': ${(e as Error)?.stack ?? e}`);
        return 'E01';
      }).then((r) => {
        if (this.closed) return;
        this.channel.send(r);
        if (this.state === 'busy') this.state = 'idle';
        this.runAfter(pkt, after);
        this.pump();
      }).catch((e) => this.host.log(`after packet '${pkt.slice(0, 40)}': ${(e as Error)?.stack ?? e}`));
      return;
    }
    if (reply !== null) this.channel.send(reply);
    this.runAfter(pkt, after);
  }

  private runAfter(pkt: string, after: (() => void)[]): void {
    for (const f of after) {
      try { f(); } catch (e) { this.host.log(`after packet '${pkt.slice(0, 40)}': ${(e as Error)?.stack ?? e}`); }
    }
  }

  private stopSilently(): void {
    this.state = 'stopping';
    this.target.requestStop();
  }

  /** The target stopped (or exited); called by the server for every stop. */
  onStop(ev: StopEvent): void {
    if (this.closed) return;
    if (ev.kind === 'exited') {
      if (!this.noStopReplyForExit) this.channel.send(this.stopReply(ev));
      this.state = 'idle';
      void this.close();
      return;
    }
    if (this.state === 'running') this.channel.send(this.stopReply(ev));
    else if (this.state !== 'stopping') return;   // not gdb's stop (e.g. a monitor `step`): only recorded
    this.state = 'idle';
    this.pump();
  }

  private onClose(): void {
    if (this.closed) return;
    this.closed = true;
    this.channel.markClosed();
    // gdb is gone: its breakpoints go with it; the guest keeps running or stays stopped.
    this.breakpoints.removeAll();
    this.host.sessionClosed(this);
  }

  /** Close the connection after flushing what was sent. */
  async close(): Promise<void> {
    await this.channel.end();
    this.onClose();
  }

  /**
   * Refuse a connection (a client is already attached): the first packet is answered with
   * an `E.message` error (gdb prints it as a failure reply), then the connection closes. A
   * client that sends nothing gets the message anyway after `waitMs`.
   */
  static refuse(sock: Socket, message: string, waitMs = 1000): void {
    let done = false;
    const finish = (): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      ch.send('E.' + message);
      void ch.end();
    };
    const ch = new RspChannel(sock, (ev) => { if (ev.kind === 'packet') finish(); }, () => undefined);
    const timer = setTimeout(finish, waitMs);
    sock.on('data', (d: Buffer) => ch.input(d));
    sock.on('error', () => undefined);
    sock.on('close', () => { done = true; clearTimeout(timer); });
  }

  // ---- StubContext ----

  send(payload: string | Buffer): void { this.channel.send(payload); }
  afterReply(f: () => void): void { this.after.push(f); }

  resume(how: 'continue' | 'step'): void {
    this.state = 'running';   // before resuming: a stop may be reported at once
    if (how === 'step') this.target.step({ noIrq: (this.sstepFlags & SSTEP_NOIRQ) !== 0, noTimer: (this.sstepFlags & SSTEP_NOTIMER) !== 0 });
    else this.target.resume();
  }

  lastStop(): StopEvent | null { return this.host.lastStop(); }

  stopReply(ev: StopEvent | null): string {
    // pc, sp and fp expedited (gdb numbers 8, 4, 5) so gdb needs no `g` after a stop.
    const s = this.target.cpu.s;
    const le = (v: number) => [0, 8, 16, 24].map(b => ((v >>> b) & 0xff).toString(16).padStart(2, '0')).join('');
    const thread = `08:${le(s[8])};04:${le(s[4])};05:${le(s[5])};thread:${formatThreadId(this.features)};`;
    if (!ev) return `T05${thread}`;
    switch (ev.kind) {
      case 'breakpoint': {
        const hw = this.breakpoints.isHardwareOnly(ev.addr);
        if (hw && this.features.hwbreak) return `T05${thread}hwbreak:;`;
        if (this.features.swbreak) return `T05${thread}swbreak:;`;
        if (this.features.hwbreak) return `T05${thread}hwbreak:;`;
        return `T05${thread}`;
      }
      case 'watchpoint': {
        const name = ev.type === 'write' ? 'watch' : ev.type === 'read' ? 'rwatch' : 'awatch';
        return `T05${thread}${name}:${(ev.addr >>> 0).toString(16)};`;
      }
      case 'step': return `T05${thread}`;
      case 'triple-fault': return `T0b${thread}`; // SIGSEGV: the exception could not be delivered
      case 'interrupt': return `T02${thread}`;
      case 'exited': return `W${(ev.status & 0xff).toString(16).padStart(2, '0')}`;
    }
  }

  insertBreakpoint(addr: number, hw: boolean): void { this.breakpoints.insert(addr, hw); }
  removeBreakpoint(addr: number, hw: boolean): void { this.breakpoints.remove(addr, hw); }
  removeAllBreakpoints(): void { this.breakpoints.removeAll(); this.removeAllWatchpoints(); }

  private readonly watchpoints: { addr: number; len: number; type: WatchType }[] = [];
  insertWatchpoint(addr: number, len: number, type: WatchType): void {
    this.watchpoints.push({ addr, len, type });
    this.target.insertWatchpoint(addr, len, type);
  }
  removeWatchpoint(addr: number, len: number, type: WatchType): void {
    const i = this.watchpoints.findIndex(w => w.addr === addr && w.len === len && w.type === type);
    if (i >= 0) this.watchpoints.splice(i, 1);
    this.target.removeWatchpoint(addr, len, type);
  }
  private removeAllWatchpoints(): void {
    for (const w of this.watchpoints) this.target.removeWatchpoint(w.addr, w.len, w.type);
    this.watchpoints.length = 0;
  }

  kill(replied: boolean): void {
    this.noStopReplyForExit = replied;
    this.target.quit(0);
  }

  startNoAckMode(): void { this.channel.startNoAckMode(); }

  detached(): void { this.state = 'idle'; }
}
