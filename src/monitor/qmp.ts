// QMP, the QEMU Machine Protocol, over TCP: JSON requests and replies, asynchronous events.
//
// As QEMU: the server greets with {"QMP": {"version": ..., "capabilities": ["oob"]}}; until
// the client sends `qmp_capabilities`, every other command fails with CommandNotFound
// ("Expecting capabilities negotiation with 'qmp_capabilities'") and no events are sent.
// Replies are {"return": X} or {"error": {"class", "desc"}}, with the request's "id" echoed;
// JSON errors get a GenericError reply without "id" and the connection stays usable. Every
// line ends in \r\n. Requests run one after another. One client at a time; later clients wait
// until the current one leaves (QEMU's socket chardev), then get their own greeting.
//
// Events: STOP (the CPU stopped: `stop`, a breakpoint, a watchpoint, a single step, a stop by
// gdb or the human monitor), RESUME, RESET (system_reset through QMP or through
// human-monitor-command), SHUTDOWN (the machine ended: {"guest": false, "reason":
// "host-qmp-quit"} after QMP's or the human monitor's `quit`, {"guest": true, "reason":
// "guest-shutdown"} when the guest ended it (isa-debug-exit, triple fault with -no-reboot),
// or the reason given to shutdownCause() by the front end). The connection closes after
// SHUTDOWN. RESUME comes when the CPU starts running, whoever resumed it (QMP's `cont`,
// human-monitor-command, gdb, the human monitor on its own transport); a gdb single step gives
// RESUME then STOP, as in QEMU.
import createDebug from 'debug';
import * as fs from 'fs';
import * as net from 'net';
import * as path from 'path';
import { StringDecoder } from 'string_decoder';
import { DebugTarget, StopEvent } from '../emu/cpu-exec/debug-target';
import { PcMachine } from '../hw/pc/machine';
import { Monitor } from './monitor';
import { JsonMessage, JsonObject, JsonStreamParser, JsonValue, toJson } from './qmp-json';

const dbg = createDebug('tcg86:qmp');

/** How long `stop` waits for the CPU to report its stop. */
const STOP_TIMEOUT_MS = 5000;
/** Requests parsed but not yet run before the server stops reading the socket. */
const MAX_QUEUED = 8;
/** How long close() lets a client's pending output drain. */
const CLOSE_DRAIN_MS = 1000;

export type QmpErrorClass = 'GenericError' | 'CommandNotFound';

/** A command failure, sent as {"error": {"class": cls, "desc": message}}. */
export class QmpError extends Error {
  constructor(readonly cls: QmpErrorClass, message: string) { super(message); }
}
const generic = (desc: string) => new QmpError('GenericError', desc);

export interface QmpServer {
  close(): Promise<void>;
  address(): { host: string; port: number };
  /** Resolves when the first client has connected (for `-qmp tcp:...,server` without nowait). */
  firstClient(): Promise<void>;
  /**
   * The host is about to end the machine (say 'host-signal' before machine.stop() on SIGINT,
   * 'host-ui' for the console's quit key): the SHUTDOWN event then carries {"guest": false,
   * "reason": reason} instead of guest-shutdown.
   */
  shutdownCause(reason: string): void;
}

interface VersionInfo { qemu: { micro: number; minor: number; major: number }; package: string }

/** tcg86's version from package.json (0.0.0 when it cannot be read). */
export function qmpVersion(): VersionInfo {
  let v = [0, 0, 0];
  try {
    const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', '..', 'package.json'), 'utf8')) as { version?: unknown };
    const m = typeof pkg.version === 'string' ? /^(\d+)\.(\d+)\.(\d+)/.exec(pkg.version) : null;
    if (m) v = [Number(m[1]), Number(m[2]), Number(m[3])];
  } catch { /* no package.json next to the build */ }
  return { qemu: { micro: v[2], minor: v[1], major: v[0] }, package: '' };
}

type ArgType = 'string' | 'integer' | 'boolean' | 'string-list';
type ArgSpec = Record<string, { type: ArgType; required?: boolean }>;

interface CommandDef {
  args: ArgSpec;
  run(s: QmpSession, args: JsonObject): unknown | Promise<unknown>;
}

/** QEMU's argument checks: declared members in order (missing, wrong type), then unknown ones. */
function checkArgs(spec: ArgSpec, args: JsonObject): void {
  for (const [name, a] of Object.entries(spec)) {
    if (!args.has(name)) {
      if (a.required) throw generic(`Parameter '${name}' is missing`);
      continue;
    }
    const v = args.get(name);
    const bad = (what: string, where = name) => generic(`Invalid parameter type for '${where}', expected: ${what}`);
    switch (a.type) {
      case 'string': if (typeof v !== 'string') throw bad('string'); break;
      case 'integer': if (typeof v !== 'number' || !Number.isInteger(v)) throw bad('integer'); break;
      case 'boolean': if (typeof v !== 'boolean') throw bad('boolean'); break;
      default:
        if (!Array.isArray(v)) throw bad('array');
        v.forEach((x, i) => { if (typeof x !== 'string') throw bad('string', `${name}[${i}]`); });
    }
  }
  for (const k of args.keys()) if (!Object.prototype.hasOwnProperty.call(spec, k)) throw generic(`Parameter '${k}' is unexpected`);
}

/** Host wall-clock time as QMP events carry it. */
function timestamp(): { seconds: number; microseconds: number } {
  const us = Math.floor((performance.timeOrigin + performance.now()) * 1000);
  return { seconds: Math.floor(us / 1e6), microseconds: us % 1e6 };
}

/** The run state as query-status names it ("prelaunch" before machine.start()). */
function qmpStatus(machine: PcMachine): string {
  if (!machine.running && machine.runState === 'running') return 'prelaunch';
  return machine.runState;
}

/** Run `action`, then resolve with the next stop event (null after `timeoutMs`). */
function waitForStop(debug: DebugTarget, action: () => void, timeoutMs: number): Promise<StopEvent | null> {
  return new Promise((resolve) => {
    const finish = (ev: StopEvent | null) => {
      clearTimeout(timer);
      debug.removeStopListener(finish);
      resolve(ev);
    };
    const timer = setTimeout(() => finish(null), timeoutMs);
    debug.addStopListener(finish);
    action();
  });
}

/** One connected client. */
class QmpSession {
  negotiated = false;
  private oob = false;
  /** The run state the client was last told about (RESUME / STOP). */
  private announcedRunning = false;
  private readonly queue: JsonMessage[] = [];
  private readonly parser: JsonStreamParser;
  private readonly decoder = new StringDecoder('utf8');
  private busy = false;
  /** A request is being run: a SHUTDOWN waits until its reply is out. */
  private inFlight = false;
  private deferred: string[] = [];
  /** The machine has ended: close once the current reply (and SHUTDOWN) are written. */
  private closing = false;
  closed = false;

  constructor(private readonly srv: QmpServerImpl, private readonly sock: net.Socket) {
    this.parser = new JsonStreamParser((m) => this.queue.push(m));
  }

  begin(): void {
    this.sock.on('data', (d: Buffer) => this.onData(d));
    this.sock.resume();
    this.send({ QMP: { version: qmpVersion(), capabilities: ['oob'] } });
  }

  private onData(d: Buffer): void {
    if (this.closed || this.closing) return;
    try {
      this.parser.feed(this.decoder.write(d));
    } catch (e) {
      dbg('parser failure: %s', (e as Error).stack ?? e);
    }
    if (this.queue.length > MAX_QUEUED) this.sock.pause();
    void this.pump();
  }

  private write(line: string): void {
    if (!this.closed && !this.sock.destroyed && this.sock.writable) this.sock.write(line + '\r\n');
  }

  send(obj: unknown): void { this.write(toJson(obj)); }

  event(name: string, data?: Record<string, unknown>): void {
    if (!this.negotiated || this.closed) return;
    this.send({ timestamp: timestamp(), event: name, data });
  }

  /** The CPU starts running (or single-steps): RESUME unless the client already knows. */
  resumed(): void {
    if (!this.negotiated || this.srv.shutdownDone || this.announcedRunning) return;
    this.announcedRunning = true;
    this.event('RESUME');
  }

  /** Report a resume nobody told us about (gdb, the other monitor). */
  sync(): void {
    if (!this.negotiated || this.srv.shutdownDone) return;
    if (this.srv.debug.isRunning() && !this.announcedRunning) {
      this.announcedRunning = true;
      this.event('RESUME');
    }
  }

  machineStopped(): void {
    if (!this.negotiated) return;
    if (!this.announcedRunning) this.event('RESUME'); // it ran (a step, or a resume by someone else)
    this.announcedRunning = false;
    this.event('STOP');
  }

  machineShutdown(data: { guest: boolean; reason: string }): void {
    const line = toJson({ timestamp: timestamp(), event: 'SHUTDOWN', data });
    if (this.negotiated) {
      if (this.inFlight) this.deferred.push(line);
      else this.write(line);
    }
    this.closing = true;
    if (!this.inFlight) this.finishClose();
  }

  private finishClose(): void {
    if (this.closed) return;
    this.closed = true;
    this.sock.end();
  }

  private async pump(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    while (this.queue.length && !this.closed && !this.closing) {
      const msg = this.queue.shift()!;
      this.inFlight = true;
      this.send(await this.handle(msg));
      this.inFlight = false;
      for (const l of this.deferred) this.write(l);
      this.deferred = [];
      if (this.closing) { this.finishClose(); break; }
    }
    this.busy = false;
    if (!this.closed && this.sock.isPaused()) this.sock.resume();
  }

  /** One request to its reply (an object), following QEMU's qmp_dispatch checks. */
  private async handle(msg: JsonMessage): Promise<unknown> {
    this.sync();
    if (!msg.ok) return { error: { class: 'GenericError', desc: msg.error } };
    const req = msg.value;
    if (!(req instanceof Map)) return { error: { class: 'GenericError', desc: 'QMP input must be a JSON object' } };
    const id = req.get('id');
    const withId = (r: Record<string, unknown>) => (req.has('id') ? { ...r, id } : r);
    try {
      const ret = await this.dispatch(req);
      return withId({ return: ret });
    } catch (e) {
      if (e instanceof QmpError) return withId({ error: { class: e.cls, desc: e.message } });
      dbg('internal error: %s', (e as Error)?.stack ?? e);
      return withId({ error: { class: 'GenericError', desc: `internal error: ${(e as Error)?.message ?? String(e)}` } });
    }
  }

  private async dispatch(req: JsonObject): Promise<unknown> {
    let execKey: string | null = null;
    for (const [k, v] of req) {
      if (k === 'execute' || (k === 'exec-oob' && this.oob)) {
        if (typeof v !== 'string') throw generic(`QMP input member '${k}' must be a string`);
        if (execKey) throw generic(`QMP input member '${k}' clashes with '${execKey}'`);
        execKey = k;
      } else if (k === 'arguments') {
        if (!(v instanceof Map)) throw generic("QMP input member 'arguments' must be an object");
      } else if (k !== 'id') {
        throw generic(`QMP input member '${k}' is unexpected`);
      }
    }
    if (!execKey) throw generic("QMP input lacks member 'execute'");
    const name = req.get(execKey) as string;
    const cmd = this.negotiated ? this.srv.commands.get(name) : name === 'qmp_capabilities' ? this.srv.commands.get(name) : undefined;
    if (!cmd) {
      throw new QmpError('CommandNotFound', this.negotiated ? `The command ${name} has not been found` : "Expecting capabilities negotiation with 'qmp_capabilities'");
    }
    if (execKey === 'exec-oob') throw generic(`The command ${name} does not support OOB`);
    const args = (req.get('arguments') as JsonObject | undefined) ?? new Map<string, JsonValue>();
    checkArgs(cmd.args, args);
    return cmd.run(this, args);
  }

  /** qmp_capabilities: leave negotiation mode. */
  negotiate(args: JsonObject): void {
    if (this.negotiated) throw new QmpError('CommandNotFound', 'Capabilities negotiation is already complete, command ignored');
    const enable = (args.get('enable') as string[] | undefined) ?? [];
    for (const c of enable) if (c !== 'oob') throw generic(`Capability '${c}' not available`);
    this.oob = enable.includes('oob');
    this.negotiated = true;
    this.announcedRunning = this.srv.debug.isRunning();
  }
}

class QmpServerImpl {
  readonly commands: Map<string, CommandDef>;
  shutdownDone = false;
  private quitByQmp = false;
  private hostCause: string | null = null;
  active: QmpSession | null = null;

  constructor(readonly machine: PcMachine, readonly debug: DebugTarget, readonly mon: Monitor) {
    this.commands = this.commandTable();
  }

  readonly onResume = (): void => { this.active?.resumed(); };

  readonly onStop = (ev: StopEvent): void => {
    try {
      if (ev.kind === 'exited') this.shutdown();
      else this.active?.machineStopped();
    } catch (e) {
      dbg('stop listener: %s', (e as Error).stack ?? e);
    }
  };

  setHostCause(reason: string): void { this.hostCause = reason; }

  shutdown(): void {
    if (this.shutdownDone) return;
    this.shutdownDone = true;
    const data = this.quitByQmp || this.mon.quitRequested ? { guest: false, reason: 'host-qmp-quit' }
      : this.hostCause ? { guest: false, reason: this.hostCause } : { guest: true, reason: 'guest-shutdown' };
    this.active?.machineShutdown(data);
  }

  private reset(s: QmpSession): void {
    s.event('RESET', { guest: false, reason: 'host-qmp-system-reset' });
  }

  private commandTable(): Map<string, CommandDef> {
    const m = this.machine, debug = this.debug;
    const none: ArgSpec = {};
    const table: [string, CommandDef][] = [
      ['qmp_capabilities', { args: { enable: { type: 'string-list' } }, run: (s, a) => { s.negotiate(a); return {}; } }],
      ['query-status', { args: none, run: () => ({ status: qmpStatus(m), singlestep: false, running: debug.isRunning() }) }],
      ['stop', {
        args: none,
        run: async () => {
          if (!debug.isRunning()) return {};
          const ev = await waitForStop(debug, () => debug.requestStop(), STOP_TIMEOUT_MS);
          if (!ev) throw generic('the CPU did not stop in time');
          return {};
        },
      }],
      ['cont', {
        args: none,
        run: (s) => {
          if (m.runState === 'shutdown') throw generic('the VM has shut down');
          if (!m.running) throw generic('the VM has not been started');
          if (!debug.isRunning()) { debug.resume(); s.sync(); }
          return {};
        },
      }],
      ['system_reset', {
        args: none,
        run: (s) => {
          if (m.runState === 'shutdown') throw generic('the VM has shut down');
          // As the monitor's system_reset: now when paused, at the end of the slice when running.
          if (m.running && !m.paused) m.requestReset();
          else m.boot();
          this.reset(s);
          return {};
        },
      }],
      ['quit', {
        args: none,
        run: () => {
          this.quitByQmp = true;
          debug.quit(0);
          // A machine never started ends only when started: report the shutdown now.
          if (!m.running) this.shutdown();
          return {};
        },
      }],
      ['human-monitor-command', {
        args: { 'command-line': { type: 'string', required: true }, 'cpu-index': { type: 'integer' } },
        run: async (s, a) => {
          const cpu = a.get('cpu-index');
          if (cpu !== undefined && cpu !== 0) throw generic("Parameter 'cpu-index' expects a CPU number");
          const line = a.get('command-line') as string;
          let out = '';
          await this.mon.execute(line, (t) => { out += t; });
          s.sync();
          if (/^\s*system_reset\s*$/.test(line) && out === '') this.reset(s);
          return out.replace(/\r?\n/g, '\r\n');
        },
      }],
      ['query-version', { args: none, run: () => qmpVersion() }],
      ['query-commands', { args: none, run: () => [...this.commands.keys()].map(name => ({ name })) }],
    ];
    return new Map(table);
  }
}

/**
 * Serve QMP on host:port (127.0.0.1 when host is empty; port 0 picks a free port). Rejects
 * when the address cannot be bound. Never throws on a client's input.
 */
export async function serveQmp(machine: PcMachine, debug: DebugTarget, mon: Monitor, host: string, port: number): Promise<QmpServer> {
  const impl = new QmpServerImpl(machine, debug, mon);
  const server = net.createServer();
  const sockets = new Set<net.Socket>();
  const waiting: net.Socket[] = [];
  let clientSeen: () => void = () => undefined;
  const first = new Promise<void>((r) => { clientSeen = r; });

  const serve = (sock: net.Socket) => {
    const s = new QmpSession(impl, sock);
    impl.active = s;
    clientSeen();
    sock.on('close', () => {
      s.closed = true;
      if (impl.active === s) impl.active = null;
      const next = waiting.shift();
      if (next) serve(next);
    });
    s.begin();
  };

  server.on('connection', (sock) => {
    sockets.add(sock);
    sock.setNoDelay(true);
    sock.on('error', (e) => dbg('socket error: %s', e.message));
    sock.on('close', () => {
      sockets.delete(sock);
      const i = waiting.indexOf(sock);
      if (i >= 0) waiting.splice(i, 1);
    });
    if (impl.active) { sock.pause(); waiting.push(sock); } else serve(sock);
  });

  await new Promise<void>((resolve, reject) => {
    const onError = (e: Error) => reject(e);
    server.once('error', onError);
    server.listen(port, host || '127.0.0.1', () => { server.off('error', onError); resolve(); });
  });
  server.on('error', (e) => dbg('server error: %s', e.message));
  debug.addStopListener(impl.onStop);
  debug.addResumeListener(impl.onResume);

  let closing: Promise<void> | null = null;
  return {
    firstClient: () => first,
    address: () => {
      const a = server.address() as net.AddressInfo;
      return { host: a.address, port: a.port };
    },
    shutdownCause: (reason) => impl.setHostCause(reason),
    close: () => {
      closing ??= (async () => {
        debug.removeStopListener(impl.onStop);
        debug.removeResumeListener(impl.onResume);
        const serverClosed = new Promise<void>((r) => server.close(() => r()));
        // Let what was written (a reply, SHUTDOWN) reach the clients, then drop them.
        await Promise.all([...sockets].map((sock) => new Promise<void>((r) => {
          const t = setTimeout(() => { sock.destroy(); r(); }, CLOSE_DRAIN_MS);
          sock.once('close', () => { clearTimeout(t); r(); });
          sock.end(() => { clearTimeout(t); sock.destroy(); r(); });
        })));
        await serverClosed;
      })();
      return closing;
    },
  };
}
