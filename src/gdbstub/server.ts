// GDB remote serial protocol server: a TCP listener serving one gdb at a time.
// Framing is in rsp.ts, the connection state in session.ts, the packets in packets.ts and
// queries.ts, the register layout and target description in i386-regs.ts.
import createDebug from 'debug';
import * as net from 'net';
import { DebugTarget, StopEvent } from '../emu/cpu-exec/debug-target';
import { GdbSession, SessionHost } from './session';

const dbg = createDebug('tcg86:gdbstub');

export interface GdbServerOptions {
  /** Answers gdb's `monitor` command (qRcmd); output text is streamed back. */
  monitor?: (line: string, write: (text: string) => void) => void;
}

export class GdbServer implements SessionHost {
  private server: net.Server | null = null;
  private session: GdbSession | null = null;
  /** The last stop of the target, whoever caused it: what `?` reports. */
  private last: StopEvent | null = null;
  private readonly onStop = (ev: StopEvent): void => {
    this.last = ev;
    try {
      this.session?.onStop(ev);
    } catch (e) {
      this.log(`stop event: ${(e as Error)?.stack ?? e}`);
    }
  };

  constructor(readonly target: DebugTarget, readonly opts: GdbServerOptions = {}) {}

  get monitor() { return this.opts.monitor; }

  /** Listen on host:port; rejects with the socket error (e.g. EADDRINUSE). */
  listen(host: string, port: number): Promise<void> {
    if (this.server) return Promise.reject(new Error('gdbstub: already listening'));
    return new Promise((resolve, reject) => {
      const srv = net.createServer((sock) => this.accept(sock));
      const failed = (e: Error): void => { srv.close(); reject(e); };
      srv.once('error', failed);
      srv.listen(port, host, () => {
        srv.off('error', failed);
        srv.on('error', (e) => this.log(`listener: ${e.message}`));
        this.server = srv;
        this.target.addStopListener(this.onStop);
        dbg('listening on %o', srv.address());
        resolve();
      });
    });
  }

  address(): { host: string; port: number } {
    const a = this.server?.address();
    return a && typeof a === 'object' ? { host: a.address, port: a.port } : { host: '', port: 0 };
  }

  /** Stop listening; an attached gdb gets what was already sent (e.g. the W packet), then EOF. */
  async close(): Promise<void> {
    const srv = this.server;
    this.server = null;
    this.target.removeStopListener(this.onStop);
    await this.session?.close();
    this.session = null;
    if (srv) await new Promise<void>((resolve) => srv.close(() => resolve()));
  }

  private accept(sock: net.Socket): void {
    const peer = `${sock.remoteAddress}:${sock.remotePort}`;
    if (this.session) {
      dbg('refusing %s: a gdb is already attached', peer);
      GdbSession.refuse(sock, 'tcg86: another gdb is already connected to this gdbstub');
      return;
    }
    if (this.last?.kind === 'exited') {
      GdbSession.refuse(sock, 'tcg86: the guest has exited');
      return;
    }
    dbg('gdb connected from %s', peer);
    const s = new GdbSession(this, sock);
    this.session = s;
    this.target.setDebuggerAttached(true);
    s.start();
  }

  // ---- SessionHost ----

  lastStop(): StopEvent | null { return this.last; }

  sessionClosed(s: GdbSession): void {
    if (this.session === s) { this.session = null; this.target.setDebuggerAttached(false); }
    dbg('gdb disconnected');
  }

  log(msg: string): void {
    dbg(msg);
    // Internal errors are bugs: make them visible, but keep serving.
    if (!/^(gdb connection|listener):/.test(msg)) process.stderr.write(`tcg86: gdbstub: ${msg}\n`);
  }
}
