// A small QMP client for tests: reads \r\n-terminated JSON lines from a real socket, keeps
// events apart from replies, and waits for either with a timeout.
import * as net from 'net';

export type Msg = Record<string, any>;

export class QmpTestClient {
  /** Every line received, raw (without \r\n), in order. */
  readonly lines: string[] = [];
  /** Replies ({"return"} / {"error"}) not yet taken by reply(). */
  private replies: Msg[] = [];
  /** Every event received, in order; event() takes them one by one. */
  readonly events: Msg[] = [];
  private eventsTaken = 0;
  greeting: Msg | null = null;
  /** Lines that broke the protocol (not \r\n-terminated, not JSON): every wait fails on them. */
  readonly violations: string[] = [];
  closed = false;
  private buf = '';
  private waiters: (() => void)[] = [];

  private constructor(readonly sock: net.Socket) {
    sock.on('data', (d: Buffer) => this.onData(d.toString('latin1')));
    sock.on('close', () => { this.closed = true; this.wake(); });
    sock.on('error', () => undefined);
  }

  static connect(port: number, host = '127.0.0.1'): Promise<QmpTestClient> {
    return new Promise((resolve, reject) => {
      const sock = net.connect(port, host);
      const c = new QmpTestClient(sock);
      sock.once('connect', () => resolve(c));
      sock.once('error', reject);
    });
  }

  private onData(text: string): void {
    this.buf += text;
    let nl: number;
    while ((nl = this.buf.indexOf('\n')) >= 0) {
      const raw = this.buf.slice(0, nl);
      this.buf = this.buf.slice(nl + 1);
      if (!raw.endsWith('\r')) { this.violations.push(`line without \\r\\n: ${raw}`); continue; }
      const line = raw.slice(0, -1);
      this.lines.push(line);
      let m: Msg;
      try { m = JSON.parse(line) as Msg; } catch { this.violations.push(`not JSON: ${line}`); continue; }
      if ('QMP' in m) this.greeting = m;
      else if ('event' in m) this.events.push(m);
      else this.replies.push(m);
    }
    this.wake();
  }

  private wake(): void { const w = this.waiters; this.waiters = []; for (const f of w) f(); }

  /** Resolves once `cond` holds; fails after `ms`. */
  async until(cond: () => boolean, what: string, ms = 5000): Promise<void> {
    const t0 = Date.now();
    while (!cond()) {
      if (this.violations.length) throw new Error(`QMP protocol violation: ${this.violations.join('; ')}`);
      if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}; received ${JSON.stringify(this.lines)}`);
      await new Promise<void>((r) => { this.waiters.push(r); setTimeout(r, 50); });
    }
  }

  async waitGreeting(): Promise<Msg> {
    await this.until(() => this.greeting !== null, 'the greeting');
    return this.greeting!;
  }

  send(raw: string): void { this.sock.write(raw); }

  /** The next reply, in order. */
  async reply(): Promise<Msg> {
    await this.until(() => this.replies.length > 0, 'a reply');
    return this.replies.shift()!;
  }

  /** Send one command (with `id` when given) and wait for its reply. */
  async cmd(execute: string, args?: Msg, id?: unknown): Promise<Msg> {
    const req: Msg = { execute };
    if (args) req.arguments = args;
    if (id !== undefined) req.id = id;
    this.send(JSON.stringify(req) + '\n');
    return this.reply();
  }

  /** The next event not yet waited for; it must be named `name`. */
  async event(name: string, ms = 5000): Promise<Msg> {
    await this.until(() => this.events.length > this.eventsTaken, `event ${name}`, ms);
    const ev = this.events[this.eventsTaken++];
    if (ev.event !== name) throw new Error(`expected event ${name}, got ${JSON.stringify(ev)}`);
    return ev;
  }

  /** Events received and not yet waited for. */
  pendingEvents(): Msg[] { return this.events.slice(this.eventsTaken); }

  async waitClosed(ms = 5000): Promise<void> { await this.until(() => this.closed, 'the connection to close', ms); }

  close(): void { this.sock.destroy(); }
}

/** Connect and negotiate capabilities. */
export async function qmpConnect(port: number): Promise<QmpTestClient> {
  const c = await QmpTestClient.connect(port);
  await c.waitGreeting();
  const r = await c.cmd('qmp_capabilities');
  if (JSON.stringify(r) !== '{"return":{}}') throw new Error(`qmp_capabilities failed: ${JSON.stringify(r)}`);
  return c;
}
