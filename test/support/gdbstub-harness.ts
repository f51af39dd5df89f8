// Helpers for the gdbstub tests: the emulator as a child process with a gdb port, a raw
// RSP client (packet-level tests), a gdb runner (batch mode), and a small ELF32 reader.
import { ChildProcess, spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as path from 'path';
import { BIN, ROOT } from './run-tcg86';
import { freePort } from '../../tools/free-port';
export { freePort };

export const GUEST_BIN = path.join(ROOT, 'test', 'guest', 'bin');
export const GDB = process.env.GDB ?? '/usr/bin/gdb';

export function haveGdb(): boolean {
  try { return spawnSync(GDB, ['--version'], { timeout: 10000 }).status === 0; } catch { return false; }
}


const live = new Set<ChildProcess>();
/** Kill every child still running (mocha afterEach: tests that fail leave none behind). */
export function killAll(): void {
  for (const p of live) { try { p.kill('SIGKILL'); } catch { /* gone */ } }
  live.clear();
}

export interface Emulator {
  proc: ChildProcess;
  port: number;
  stdout(): string;
  stderr(): string;
  /** Exit status (null when killed by a signal). */
  exited: Promise<number | null>;
  running(): boolean;
  kill(): void;
}

/**
 * Starts `node bin/tcg86.js -kernel <kernel> ... -S -gdb tcp:127.0.0.1:PORT` and resolves
 * once the gdb port listens (the CLI prints the gdb command line when it does).
 */
export async function startEmulator(kernel: string, extra: string[] = []): Promise<Emulator> {
  for (let attempt = 0; ; attempt++) {
    const port = await freePort();
    const args = [BIN, '-kernel', path.join(GUEST_BIN, kernel), '-serial', 'stdio', '-device', 'isa-debug-exit,iobase=0xf4,iosize=0x04',
      '-no-reboot', '-S', '-gdb', `tcp:127.0.0.1:${port}`, ...extra];
    const proc = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    live.add(proc);
    let out = '', err = '', done = false;
    proc.stdout!.on('data', (d) => { out += d; });
    proc.stderr!.on('data', (d) => { err += d; });
    const exited = new Promise<number | null>((resolve) => proc.on('close', (status) => { done = true; live.delete(proc); resolve(status); }));
    const ready = await new Promise<boolean>((resolve) => {
      const t = setInterval(() => {
        if (/target remote/.test(err)) { clearInterval(t); resolve(true); } else if (done) { clearInterval(t); resolve(false); }
      }, 10);
    });
    if (ready) {
      return {
        proc, port, exited, stdout: () => out, stderr: () => err, running: () => !done,
        kill: () => { if (!done) proc.kill('SIGKILL'); },
      };
    }
    if (attempt >= 2 || !/already in use/.test(err)) throw new Error(`emulator did not start: ${err}`);
  }
}

/** Resolves with the exit status, or rejects after `ms`. */
export function waitExit(emu: Emulator, ms: number): Promise<number | null> {
  return Promise.race([emu.exited, new Promise<never>((_, rej) => setTimeout(() => rej(new Error(`emulator still running after ${ms} ms`)), ms))]);
}

export function checksum(payload: Buffer | string): string {
  const b = typeof payload === 'string' ? Buffer.from(payload, 'latin1') : payload;
  let s = 0;
  for (const x of b) s = (s + x) & 0xff;
  return s.toString(16).padStart(2, '0');
}

export function frame(payload: string): string { return `$${payload}#${checksum(payload)}`; }

export type Item = { kind: 'ack' } | { kind: 'nack' } | { kind: 'packet'; data: string; raw: string };

/** A raw RSP client that shows everything the stub sends: acks, packets, and EOF. */
export class RspClient {
  private buf = '';
  private readonly items: Item[] = [];
  private waiter: (() => void) | null = null;
  closed = false;
  ackMode = true;

  private constructor(readonly sock: net.Socket) {
    sock.setNoDelay(true);
    sock.on('data', (d) => { this.buf += d.toString('latin1'); this.parse(); this.wake(); });
    sock.on('close', () => { this.closed = true; this.wake(); });
    sock.on('error', () => undefined);
  }

  static connect(port: number): Promise<RspClient> {
    return new Promise((resolve, reject) => {
      const s = net.connect(port, '127.0.0.1', () => resolve(new RspClient(s)));
      s.once('error', reject);
    });
  }

  private wake(): void { const w = this.waiter; this.waiter = null; w?.(); }

  private parse(): void {
    for (;;) {
      if (!this.buf.length) return;
      const c = this.buf[0];
      if (c === '+') { this.items.push({ kind: 'ack' }); this.buf = this.buf.slice(1); continue; }
      if (c === '-') { this.items.push({ kind: 'nack' }); this.buf = this.buf.slice(1); continue; }
      if (c !== '$') { this.buf = this.buf.slice(1); continue; }
      const hash = this.buf.indexOf('#');
      if (hash < 0 || this.buf.length < hash + 3) return;
      const data = this.buf.slice(1, hash);
      const cs = this.buf.slice(hash + 1, hash + 3);
      if (cs !== checksum(data)) throw new Error(`bad checksum from the stub: ${this.buf.slice(0, hash + 3)}`);
      this.items.push({ kind: 'packet', data, raw: this.buf.slice(0, hash + 3) });
      this.buf = this.buf.slice(hash + 3);
    }
  }

  /** Next item from the stub, or null on timeout / EOF. */
  async next(timeoutMs = 3000): Promise<Item | null> {
    const end = Date.now() + timeoutMs;
    while (!this.items.length) {
      if (this.closed) return null;
      const left = end - Date.now();
      if (left <= 0) return null;
      await new Promise<void>((resolve) => {
        const t = setTimeout(() => { this.waiter = null; resolve(); }, left);
        this.waiter = () => { clearTimeout(t); resolve(); };
      });
    }
    return this.items.shift()!;
  }

  /** Everything received during `ms` (used to check that nothing arrives). */
  async drain(ms: number): Promise<Item[]> {
    await new Promise((r) => setTimeout(r, ms));
    return this.items.splice(0);
  }

  write(raw: string | Buffer): void { this.sock.write(typeof raw === 'string' ? Buffer.from(raw, 'latin1') : raw); }

  /** Next packet, acknowledging it (in ack mode); acks before it are skipped. */
  async packet(timeoutMs = 3000): Promise<string> {
    for (;;) {
      const it = await this.next(timeoutMs);
      if (!it) throw new Error(this.closed ? 'connection closed' : 'timed out waiting for a packet');
      if (it.kind !== 'packet') continue;
      if (this.ackMode) this.write('+');
      this.lastRaw = it.data;
      return stripExpedited(it.data);
    }
  }

  /** Send a packet, check the stub's ack (in ack mode) and return its reply. */
  async request(payload: string, timeoutMs = 3000): Promise<string> {
    this.write(frame(payload));
    if (this.ackMode) {
      const a = await this.next(timeoutMs);
      if (!a || a.kind !== 'ack') throw new Error(`no ack for ${payload.slice(0, 40)}: ${JSON.stringify(a)}`);
    }
    return this.packet(timeoutMs);
  }

  close(): void { this.sock.destroy(); }

  /** The last packet as received (packet() and request() strip expedited registers). */
  lastRaw = '';
}

/** Stop replies expedite pc/sp/fp (`08:...;04:...;05:...;`); most tests compare the rest. */
export function stripExpedited(data: string): string {
  return /^T[0-9a-f]{2}/.test(data) ? data.replace(/0[458]:[0-9a-f]{8};/g, '') : data;
}

// ---- gdb ----

export interface GdbResult { status: number | null; stdout: string; stderr: string; timedOut: boolean }

/** gdb in batch mode against 127.0.0.1:port, with `cmds` as -ex commands after `target remote`. */
export function runGdb(elf: string, port: number, cmds: string[], timeoutMs = 15000): Promise<GdbResult> {
  const args = ['-nx', '-batch', '-ex', 'set confirm off', '-ex', 'set pagination off', '-ex', `target remote 127.0.0.1:${port}`];
  for (const c of cmds) args.push('-ex', c);
  args.push(path.join(GUEST_BIN, elf));
  return new Promise((resolve) => {
    const p = spawn(GDB, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    live.add(p);
    let stdout = '', stderr = '', timedOut = false;
    p.stdout.on('data', (d) => { stdout += d; });
    p.stderr.on('data', (d) => { stderr += d; });
    const t = setTimeout(() => { timedOut = true; p.kill('SIGKILL'); }, timeoutMs);
    p.on('close', (status) => { clearTimeout(t); live.delete(p); resolve({ status, stdout, stderr, timedOut }); });
  });
}

// ---- ELF32 (little-endian) ----

export interface Elf {
  entry: number;
  symbols: Map<string, { value: number; size: number }>;
  /** File bytes that load at virtual address `addr` (from a PT_LOAD segment). */
  bytesAt(addr: number, len: number): Buffer;
}

export function readElf(file: string): Elf {
  const b = fs.readFileSync(path.isAbsolute(file) ? file : path.join(GUEST_BIN, file));
  if (b.readUInt32BE(0) !== 0x7f454c46 || b[4] !== 1) throw new Error(`${file}: not an ELF32 file`);
  const entry = b.readUInt32LE(24);
  const phoff = b.readUInt32LE(28), shoff = b.readUInt32LE(32);
  const phentsize = b.readUInt16LE(42), phnum = b.readUInt16LE(44);
  const shentsize = b.readUInt16LE(46), shnum = b.readUInt16LE(48);
  const segs: { vaddr: number; off: number; filesz: number }[] = [];
  for (let i = 0; i < phnum; i++) {
    const o = phoff + i * phentsize;
    if (b.readUInt32LE(o) === 1) segs.push({ off: b.readUInt32LE(o + 4), vaddr: b.readUInt32LE(o + 8), filesz: b.readUInt32LE(o + 16) });
  }
  const symbols = new Map<string, { value: number; size: number }>();
  for (let i = 0; i < shnum; i++) {
    const o = shoff + i * shentsize;
    if (b.readUInt32LE(o + 4) !== 2) continue;   // SHT_SYMTAB
    const off = b.readUInt32LE(o + 16), size = b.readUInt32LE(o + 20), link = b.readUInt32LE(o + 24), entsize = b.readUInt32LE(o + 36);
    const strOff = b.readUInt32LE(shoff + link * shentsize + 16);
    for (let s = off; s < off + size; s += entsize) {
      const nameOff = b.readUInt32LE(s);
      const end = b.indexOf(0, strOff + nameOff);
      const name = b.toString('latin1', strOff + nameOff, end);
      if (name) symbols.set(name, { value: b.readUInt32LE(s + 4), size: b.readUInt32LE(s + 8) });
    }
  }
  return {
    entry, symbols,
    bytesAt(addr, len) {
      const s = segs.find(g => addr >= g.vaddr && addr + len <= g.vaddr + g.filesz);
      if (!s) throw new Error(`0x${addr.toString(16)}: not in a loaded segment`);
      return b.subarray(s.off + addr - s.vaddr, s.off + addr - s.vaddr + len);
    },
  };
}

export function sym(elf: Elf, name: string): number {
  const s = elf.symbols.get(name);
  if (!s) throw new Error(`no symbol ${name}`);
  return s.value;
}

/** Little-endian 32-bit value from the hex of a register or memory reply. */
export function le32(hex: string, byteOffset = 0): number {
  return Buffer.from(hex.slice(byteOffset * 2, byteOffset * 2 + 8), 'hex').readUInt32LE(0);
}

export function hex32(v: number): string {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(v >>> 0);
  return b.toString('hex');
}
