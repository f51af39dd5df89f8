// Formatters shared by monitor commands: hex numbers, QEMU's printc, memory dumps (x/xp),
// value printing (p) and disassembly lines (x/i, step, info tb).
import { disassemble } from '../emu/translate-i386/disasm';
import { DumpFormat } from './args';
import { s64 } from './expr';

export const hex8 = (v: number): string => (v >>> 0).toString(16).padStart(8, '0');
export const hex4 = (v: number): string => (v & 0xffff).toString(16).padStart(4, '0');
export const hex2 = (v: number): string => (v & 0xff).toString(16).padStart(2, '0');
export const hex16 = (v: number | bigint): string => BigInt(v).toString(16).padStart(16, '0');

/** QEMU's monitor_printc: a character in quotes, escaped. */
export function printc(c: number): string {
  c &= 0xff;
  const ch = c === 0x27 ? "\\'" : c === 0x5c ? '\\\\' : c === 10 ? '\\n' : c === 13 ? '\\r'
    : c >= 32 && c <= 126 ? String.fromCharCode(c) : `\\x${hex2(c)}`;
  return `'${ch}'`;
}

/** `p /fmt` of a 64-bit value, as QEMU's hmp_print (C's %#x and %#o: zero prints "0"). */
export function formatValue(v: bigint, format: string): string {
  switch (format) {
    case 'x': return v === 0n ? '0' : '0x' + v.toString(16);
    case 'o': return v === 0n ? '0' : '0' + v.toString(8);
    case 'u': return v.toString();
    case 'c': return printc(Number(v & 0xffn));
    default: return s64(v).toString();
  }
}

/** Little-endian unsigned value of `size` bytes at `off`. */
function load(buf: Uint8Array, off: number, size: number): bigint {
  let v = 0n;
  for (let i = size - 1; i >= 0; i--) v = (v << 8n) | BigInt(buf[off + i]);
  return v;
}

/** One value of a memory dump, padded as QEMU's memory_dump does (d is signed here, unlike QEMU). */
function dumpValue(v: bigint, format: string, size: number): string {
  const bits = size * 8;
  switch (format) {
    case 'o': { const d = Math.ceil(bits / 3); const t = v === 0n ? '0' : '0' + v.toString(8); return t.padStart(d); }
    case 'u': return v.toString().padStart(Math.ceil((bits * 10) / 33));
    case 'd': return BigInt.asIntN(bits, v).toString().padStart(Math.ceil((bits * 10) / 33));
    case 'c': return printc(Number(v));
    default: return '0x' + v.toString(16).padStart(bits / 4, '0');
  }
}

export interface MemReader {
  /** Bytes at addr, or null when any of them is inaccessible. */
  read(addr: number, len: number): Uint8Array | null;
}

/**
 * QEMU's memory_dump for formats x d u o c: 16 bytes a line (8 with size b). As in QEMU, `c`
 * prints every byte of count units of the (sticky) size: `x/8c` after `x/4xw` shows 32 chars.
 */
export function memoryDump(mem: MemReader, addr: number, f: DumpFormat, physical: boolean, line: (s: string) => void): void {
  const lineSize = f.size === 1 ? 8 : 16;
  let len = f.size * f.count;
  const size = f.format === 'c' ? 1 : f.size;
  let a = addr;
  while (len > 0) {
    const l = Math.min(len, lineSize);
    const label = physical ? hex16(a) : hex8(a);
    const buf = mem.read(a, l);
    if (!buf) { line(`${label}: Cannot access memory`); return; }
    const parts: string[] = [];
    for (let i = 0; i + size <= l; i += size) parts.push(dumpValue(load(buf, i, size), f.format, size));
    line(`${label}: ${parts.join(' ')}`);
    a += l;
    len -= l;
  }
}

/** x/s: NUL-terminated strings (at most 1024 bytes each), one a line, gdb style. */
export function stringDump(mem: MemReader, addr: number, count: number, physical: boolean, line: (s: string) => void): void {
  let a = addr;
  for (let n = 0; n < count; n++) {
    const label = physical ? hex16(a) : hex8(a);
    let text = '';
    let i = 0;
    for (; i < 1024; i++) {
      const b = mem.read(a + i, 1);
      if (!b) { line(`${label}: Cannot access memory`); return; }
      if (b[0] === 0) break;
      const c = b[0];
      text += c === 0x22 ? '\\"' : c === 0x5c ? '\\\\' : c === 10 ? '\\n' : c === 13 ? '\\r' : c === 9 ? '\\t'
        : c >= 32 && c <= 126 ? String.fromCharCode(c) : `\\x${hex2(c)}`;
    }
    line(`${label}: "${text}"${i === 1024 ? '...' : ''}`);
    a += i + 1;
  }
}

/** Thrown by a fetch function when a code byte cannot be read. */
class FetchFailed extends Error {}

/** One disassembled instruction as a line: "0x00100000:  fa                       cli". */
export function disasmLine(fetchByte: (addr: number) => number | null, addr: number, code32: boolean, wide = false): { text: string; length: number } | null {
  const fetch = (a: number): number => {
    const b = fetchByte(a >>> 0);
    if (b === null) throw new FetchFailed();
    return b;
  };
  try {
    const d = disassemble(fetch, addr >>> 0, code32);
    const bytes = d.bytes.map(hex2).join(' ');
    const label = wide ? hex16(addr >>> 0) : hex8(addr);
    return { text: `0x${label}:  ${bytes.padEnd(23)}  ${d.text}`, length: d.length };
  } catch (e) {
    if (e instanceof FetchFailed) return null;
    throw e;
  }
}

/** x/Ni: `count` instructions from `addr`. */
export function disasmDump(mem: MemReader, addr: number, count: number, code32: boolean, physical: boolean, line: (s: string) => void): void {
  const fetchByte = (a: number): number | null => { const b = mem.read(a, 1); return b ? b[0] : null; };
  let a = addr;
  for (let n = 0; n < count; n++) {
    const r = disasmLine(fetchByte, a, code32, physical);
    if (!r) { line(`0x${physical ? hex16(a) : hex8(a)}: Cannot access memory`); return; }
    line(r.text);
    a = (a + r.length) >>> 0;
  }
}
