// GDB remote serial protocol framing: `$payload#cs` packets, +/- acknowledgements with
// retransmission, no-ack mode, `}` escapes and `*` run-length encoding on input, binary
// escaping on output, and the out-of-band 0x03 interrupt byte.
import type { Socket } from 'net';

/** Largest packet we accept (announced as PacketSize, in hex) and the payload limit of our replies. */
export const PACKET_SIZE = 0x4000;
/** Decoded packets longer than this are dropped (answered with an error once complete). */
const MAX_INPUT = PACKET_SIZE * 4;

export type RspEvent =
  | { kind: 'packet'; data: Buffer; malformed: boolean }  // checksum verified (or ack mode off)
  | { kind: 'ack' }
  | { kind: 'nack' }
  | { kind: 'interrupt' }                                   // 0x03 outside a packet
  | { kind: 'bad-checksum' };

const enum St { IDLE, DATA, ESC, RLE, CS1, CS2 }

function hexDigit(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x61 + 10;
  if (c >= 0x41 && c <= 0x46) return c - 0x41 + 10;
  return -1;
}

/**
 * Incremental decoder of the byte stream coming from gdb. Escapes and run-length
 * encoding are undone while the packet is read (the checksum covers the encoded bytes).
 */
export class RspDecoder {
  private st = St.IDLE;
  private buf = Buffer.alloc(256);
  private len = 0;
  private sum = 0;
  private cs = 0;
  private malformed = false;
  private overflow = false;

  /** When false (no-ack mode) a wrong checksum is not fatal: the packet is taken as it is. */
  verifyChecksums = true;

  push(chunk: Uint8Array): RspEvent[] {
    const out: RspEvent[] = [];
    for (const b of chunk) this.byte(b, out);
    return out;
  }

  private put(b: number): void {
    if (this.len >= MAX_INPUT) { this.overflow = true; return; }
    if (this.len === this.buf.length) {
      const n = Buffer.alloc(this.buf.length * 2);
      this.buf.copy(n, 0, 0, this.len);
      this.buf = n;
    }
    this.buf[this.len++] = b;
  }

  private start(): void {
    this.st = St.DATA;
    this.len = 0;
    this.sum = 0;
    this.malformed = false;
    this.overflow = false;
  }

  private byte(b: number, out: RspEvent[]): void {
    switch (this.st) {
      case St.IDLE:
        if (b === 0x24) this.start();                       // '$'
        else if (b === 0x2b) out.push({ kind: 'ack' });     // '+'
        else if (b === 0x2d) out.push({ kind: 'nack' });    // '-'
        else if (b === 0x03) out.push({ kind: 'interrupt' });
        return;                                             // anything else between packets: noise
      case St.DATA:
        if (b === 0x23) { this.st = St.CS1; return; }       // '#'
        if (b === 0x24) { this.start(); return; }           // '$' again: the previous packet was cut short
        this.sum = (this.sum + b) & 0xff;
        if (b === 0x7d) this.st = St.ESC;                   // '}'
        else if (b === 0x2a) this.st = St.RLE;              // '*'
        else this.put(b);
        return;
      case St.ESC:
      case St.RLE: {
        if (b === 0x23) { this.malformed = true; this.st = St.CS1; return; }  // '}' or '*' right before '#'
        if (b === 0x24) { this.start(); return; }
        this.sum = (this.sum + b) & 0xff;
        if (this.st === St.ESC) {
          this.put(b ^ 0x20);
        } else {
          // `X*N`: X repeated N - 29 more times.
          const n = b - 29;
          if (this.len === 0 || n < 1) this.malformed = true;
          else { const prev = this.buf[this.len - 1]; for (let i = 0; i < n; i++) this.put(prev); }
        }
        this.st = St.DATA;
        return;
      }
      case St.CS1:
        this.cs = hexDigit(b) << 4;
        if (this.cs < 0) this.cs = -256;
        this.st = St.CS2;
        return;
      case St.CS2: {
        const lo = hexDigit(b);
        this.st = St.IDLE;
        const ok = this.cs >= 0 && lo >= 0 && ((this.cs | lo) === this.sum);
        if (!ok && this.verifyChecksums) { out.push({ kind: 'bad-checksum' }); return; }
        out.push({ kind: 'packet', data: Buffer.from(this.buf.subarray(0, this.len)), malformed: this.malformed || this.overflow });
        return;
      }
    }
  }
}

/** `$payload#cs` for a payload that is already safe to send (no unescaped `$ # }`). */
export function framePacket(payload: Buffer): Buffer {
  let sum = 0;
  for (const b of payload) sum = (sum + b) & 0xff;
  const out = Buffer.alloc(payload.length + 4);
  out[0] = 0x24;
  payload.copy(out, 1);
  out[payload.length + 1] = 0x23;
  out.write(sum.toString(16).padStart(2, '0'), payload.length + 2, 'latin1');
  return out;
}

/** Binary data for replies (qXfer, ...): `# $ } *` become `}` followed by the byte xor 0x20. */
export function escapeBinary(data: Uint8Array): Buffer {
  const out: number[] = [];
  for (const b of data) {
    if (b === 0x23 || b === 0x24 || b === 0x7d || b === 0x2a) out.push(0x7d, b ^ 0x20);
    else out.push(b);
  }
  return Buffer.from(out);
}

/** How many bytes of `data` (from `start`) fit in `budget` bytes once escaped. */
export function escapedPrefixLength(data: Uint8Array, start: number, budget: number): number {
  let used = 0, n = 0;
  for (let i = start; i < data.length; i++) {
    const b = data[i];
    const w = b === 0x23 || b === 0x24 || b === 0x7d || b === 0x2a ? 2 : 1;
    if (used + w > budget) break;
    used += w;
    n++;
  }
  return n;
}

export function toHex(data: Uint8Array): string {
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('hex');
}

/** Strict hex decoding: null when the length is odd or a character is not a hex digit. */
export function fromHex(s: string): Buffer | null {
  if (s.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(s)) return null;
  return Buffer.from(s, 'hex');
}

/**
 * One connection's framing: sends packets (keeping the last one for retransmission on `-`),
 * acknowledges incoming packets, and hands packets and interrupts to `onEvent`.
 */
export class RspChannel {
  private readonly decoder = new RspDecoder();
  private lastSent: Buffer | null = null;
  private ackMode = true;
  private closed = false;
  private ending: Promise<void> | null = null;

  constructor(private readonly sock: Socket, private readonly onEvent: (ev: RspEvent) => void,
    private readonly onError: (what: string, e: unknown) => void) {
    sock.setNoDelay(true);
  }

  get noAck(): boolean { return !this.ackMode; }

  /** Switch acknowledgements off (after the reply to QStartNoAckMode has been sent). */
  startNoAckMode(): void {
    this.ackMode = false;
    this.decoder.verifyChecksums = false;
  }

  /** Bytes received from the socket. */
  input(chunk: Buffer): void {
    for (const ev of this.decoder.push(chunk)) {
      if (this.closed) return;
      switch (ev.kind) {
        case 'ack': break;
        case 'nack':
          if (this.ackMode && this.lastSent) this.write(this.lastSent);
          break;
        case 'bad-checksum':
          if (this.ackMode) this.write(Buffer.from('-'));
          break;
        case 'packet':
          if (this.ackMode) this.write(Buffer.from('+'));
          this.dispatch(ev);
          break;
        case 'interrupt':
          this.dispatch(ev);
          break;
      }
    }
  }

  private dispatch(ev: RspEvent): void {
    try {
      this.onEvent(ev);
    } catch (e) {
      this.onError('packet handling', e);
    }
  }

  /** Send one packet; `payload` must already be escaped where binary. */
  send(payload: string | Buffer): void {
    const p = typeof payload === 'string' ? Buffer.from(payload, 'latin1') : payload;
    const f = framePacket(p);
    this.lastSent = f;
    this.write(f);
  }

  private write(b: Buffer): void {
    if (this.closed || this.sock.destroyed) return;
    try { this.sock.write(b); } catch (e) { this.onError('socket write', e); }
  }

  /** Flush what was written, then close. Resolves when done (or after `timeoutMs`); idempotent. */
  end(timeoutMs = 1000): Promise<void> {
    if (this.ending) return this.ending;
    this.closed = true;
    const sock = this.sock;
    this.ending = sock.destroyed ? Promise.resolve() : new Promise((resolve) => {
      const t = setTimeout(() => { sock.destroy(); resolve(); }, timeoutMs);
      sock.end(() => { clearTimeout(t); sock.destroy(); resolve(); });
    });
    return this.ending;
  }

  markClosed(): void { this.closed = true; }
}
