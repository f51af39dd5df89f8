// A small gdb remote-protocol client: framing, acks (until no-ack mode), pipelined requests,
// resume/stop replies, qRcmd output. One client per stub; both QEMU's and tcg86's stubs answer
// packets strictly in order, so replies are matched to requests by position.
import * as net from 'net';

export class RspError extends Error {}

/** How a resume (s/c) ended: a stop reply, or the target went away (exit or closed socket). */
export type StopResult =
  | { kind: 'stopped'; signal: number; reply: string }
  | { kind: 'exited'; status: number | null; reply: string };

export function checksum(b: Buffer): string {
  let s = 0;
  for (const x of b) s = (s + x) & 0xff;
  return s.toString(16).padStart(2, '0');
}

/** Undo `}` escapes and `*` run-length encoding of a received payload. */
export function decodePayload(raw: Buffer): Buffer {
  const out: number[] = [];
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i];
    if (c === 0x7d && i + 1 < raw.length) out.push(raw[++i] ^ 0x20);
    else if (c === 0x2a && out.length && i + 1 < raw.length) {
      const n = raw[++i] - 29;
      const prev = out[out.length - 1];
      for (let k = 0; k < n; k++) out.push(prev);
    } else out.push(c);
  }
  return Buffer.from(out);
}

/** The qRcmd packet for a monitor command (its reply, through request/pipeline, is the output). */
export function monitorPacket(cmd: string): string {
  return `qRcmd,${Buffer.from(cmd, 'utf8').toString('hex')}`;
}

export class RspClient {
  private buf = Buffer.alloc(0);
  private readonly packets: Buffer[] = [];
  private waiter: (() => void) | null = null;
  private ackMode = true;
  private closedFlag = false;
  /** Every packet sent and received, when tracing (-v -v). */
  trace: ((dir: '>' | '<', text: string) => void) | null = null;

  private constructor(readonly name: string, private readonly sock: net.Socket) {
    sock.setNoDelay(true);
    sock.on('data', (d: Buffer) => { this.buf = Buffer.concat([this.buf, d]); this.parse(); this.wake(); });
    sock.on('close', () => { this.closedFlag = true; this.wake(); });
    sock.on('error', () => undefined);
  }

  static connect(name: string, port: number, timeoutMs = 10000): Promise<RspClient> {
    return new Promise((resolve, reject) => {
      const s = net.connect(port, '127.0.0.1');
      const t = setTimeout(() => { s.destroy(); reject(new RspError(`${name}: connect to port ${port} timed out`)); }, timeoutMs);
      s.once('connect', () => { clearTimeout(t); resolve(new RspClient(name, s)); });
      s.once('error', (e) => { clearTimeout(t); reject(new RspError(`${name}: connect to port ${port}: ${e.message}`)); });
    });
  }

  get closed(): boolean { return this.closedFlag; }

  private wake(): void { const w = this.waiter; this.waiter = null; w?.(); }

  /** Split the byte stream into packets; acks are dropped (we never retransmit: TCP is reliable). */
  private parse(): void {
    for (;;) {
      const start = this.buf.indexOf(0x24);   // '$'
      if (start < 0) { this.buf = Buffer.alloc(0); return; }
      const hash = this.buf.indexOf(0x23, start);   // '#'
      if (hash < 0 || this.buf.length < hash + 3) { this.buf = this.buf.subarray(start); return; }
      const raw = this.buf.subarray(start + 1, hash);
      const cs = this.buf.toString('latin1', hash + 1, hash + 3);
      if (this.ackMode) {
        if (cs !== checksum(raw)) throw new RspError(`${this.name}: bad checksum in packet ${raw.toString('latin1').slice(0, 60)}`);
        this.sock.write('+');
      }
      const data = decodePayload(raw);
      this.trace?.('<', data.toString('latin1'));
      this.packets.push(data);
      this.buf = this.buf.subarray(hash + 3);
    }
  }

  private frame(payload: string): string {
    const b = Buffer.from(payload, 'latin1');
    this.trace?.('>', payload);
    return `$${payload}#${checksum(b)}`;
  }

  /** Next packet from the stub; null when the connection closed, RspError on timeout. */
  async next(timeoutMs: number): Promise<Buffer | null> {
    const end = Date.now() + timeoutMs;
    while (!this.packets.length) {
      if (this.closedFlag) return null;
      const left = end - Date.now();
      if (left <= 0) throw new RspError(`${this.name}: no reply within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(() => { this.waiter = null; resolve(); }, left);
        this.waiter = () => { clearTimeout(t); resolve(); };
      });
    }
    return this.packets.shift()!;
  }

  /**
   * The reply to one request. Console output packets (`O` + hex) are collected: for a qRcmd
   * the decoded output is the result (its final `OK` only ends it); otherwise they are dropped.
   */
  private async reply(what: string, timeoutMs: number): Promise<string> {
    let output = '';
    for (;;) {
      const p = await this.next(timeoutMs);
      if (p === null) throw new RspError(`${this.name}: connection closed while waiting for the reply to ${what.slice(0, 40)}`);
      const s = p.toString('latin1');
      if (s.startsWith('O') && s !== 'OK') { output += Buffer.from(s.slice(1), 'hex').toString('utf8'); continue; }
      if (what.startsWith('qRcmd,')) {
        if (s === '') throw new RspError(`${this.name}: qRcmd is not supported`);
        if (/^E[0-9a-fA-F]{2}$/.test(s)) throw new RspError(`${this.name}: monitor command failed: ${s}`);
        return s === 'OK' ? output : output + Buffer.from(s, 'hex').toString('utf8');
      }
      return s;
    }
  }

  send(payload: string): void {
    if (this.closedFlag) throw new RspError(`${this.name}: connection closed`);
    this.sock.write(Buffer.from(this.frame(payload), 'latin1'));
  }

  async request(payload: string, timeoutMs = 10000): Promise<string> {
    this.send(payload);
    return this.reply(payload, timeoutMs);
  }

  /** Several packets in one write; the replies in order (only for packets that do not resume). */
  async pipeline(payloads: string[], timeoutMs = 10000): Promise<string[]> {
    if (!payloads.length) return [];
    if (this.closedFlag) throw new RspError(`${this.name}: connection closed`);
    this.sock.write(Buffer.from(payloads.map((p) => this.frame(p)).join(''), 'latin1'));
    const out: string[] = [];
    for (const p of payloads) out.push(await this.reply(p, timeoutMs));
    return out;
  }

  /** qSupported, then no-ack mode when the stub offers it. Returns the qSupported reply. */
  async handshake(): Promise<string> {
    this.sock.write('+');
    const sup = await this.request('qSupported:multiprocess-;swbreak+;hwbreak+;xmlRegisters=i386');
    if (/QStartNoAckMode\+/.test(sup) && (await this.request('QStartNoAckMode')) === 'OK') this.ackMode = false;
    return sup;
  }

  /** qXfer:features:read of one annex, all chunks. */
  async readFeature(annex: string): Promise<string> {
    let off = 0, text = '';
    for (;;) {
      const r = await this.request(`qXfer:features:read:${annex}:${off.toString(16)},ffb`);
      if (!/^[ml]/.test(r)) throw new RspError(`${this.name}: qXfer:features:read:${annex} answered '${r.slice(0, 40)}'`);
      text += r.slice(1);
      off += Buffer.byteLength(r.slice(1), 'latin1');
      if (r[0] === 'l') return text;
    }
  }

  /** A monitor command through qRcmd: its output. */
  monitor(cmd: string, timeoutMs = 10000): Promise<string> {
    return this.request(monitorPacket(cmd), timeoutMs);
  }

  /**
   * Resume ('s' or 'c') and wait for the stop. After `timeoutMs` the target is interrupted
   * (0x03) and the stop reply that follows is returned.
   */
  async resume(cmd: 's' | 'c', timeoutMs = 10000): Promise<StopResult & { timedOut: boolean }> {
    this.send(cmd);
    return this.waitStop(cmd, timeoutMs);
  }

  /** The stop reply to a resume sent before (several may be in flight on a stub that queues packets). */
  async waitStop(cmd: string, timeoutMs: number): Promise<StopResult & { timedOut: boolean }> {
    let timedOut = false;
    for (;;) {
      let p: Buffer | null;
      try {
        p = await this.next(timedOut ? 10000 : timeoutMs);
      } catch (e) {
        if (timedOut) throw e;
        timedOut = true;
        this.sock.write(Buffer.from([3]));
        continue;
      }
      if (p === null) return { kind: 'exited', status: null, reply: '', timedOut };
      const s = p.toString('latin1');
      if (s.startsWith('O') && s !== 'OK') continue;
      if (/^[WX]/.test(s)) return { kind: 'exited', status: parseInt(s.slice(1, 3), 16), reply: s, timedOut };
      if (/^[TS][0-9a-fA-F]{2}/.test(s)) return { kind: 'stopped', signal: parseInt(s.slice(1, 3), 16), reply: s, timedOut };
      throw new RspError(`${this.name}: unexpected reply to '${cmd}': ${s.slice(0, 60)}`);
    }
  }

  close(): void { this.sock.destroy(); }
}
