/**
 * i386 disassembler producing AT&T syntax in the style of GNU objdump, for
 * QEMU-style `-d in_asm` logs and the monitor's `x/i`.
 *
 * Table driven: the opcode maps live in disasm-tables.ts, written with the
 * Intel manual's operand specifiers; this file holds the prefix handling,
 * the operand decoders and the AT&T printer.
 *
 * Conventions follow objdump (binutils 2.40): operands in AT&T order, the
 * mnemonic padded to 6 columns plus one space, size suffixes only where no
 * register operand shows the size, prefixes that the instruction does not
 * use printed by name before the mnemonic (`data16`, `es`, `repz`, ...).
 * An invalid encoding gives `(bad)` with length 1.
 */

import { CC, Entry, ONE_BYTE, Table, TWO_BYTE, THREE_BYTE_38, THREE_BYTE_3A, X87_MEM, X87_REG, THREEDNOW } from './disasm-tables';

export interface DisasmResult {
  length: number;
  text: string;
  bytes: number[];
}

/** Raised internally for an invalid encoding; never escapes disassemble(). */
class BadInsn extends Error {}

const REG8 = ['al', 'cl', 'dl', 'bl', 'ah', 'ch', 'dh', 'bh'];
const REG16 = ['ax', 'cx', 'dx', 'bx', 'sp', 'bp', 'si', 'di'];
const REG32 = ['eax', 'ecx', 'edx', 'ebx', 'esp', 'ebp', 'esi', 'edi'];
const SREG = ['es', 'cs', 'ss', 'ds', 'fs', 'gs', '?', '?'];
const MEM16 = ['%bx,%si', '%bx,%di', '%bp,%si', '%bp,%di', '%si', '%di', '%bp', '%bx'];

const MAX_LEN = 15;

/** Prefix kinds, in the order objdump names them. */
const enum PK { Seg, Data, Addr, Lock, Repz, Repnz, Fwait }

interface Prefix { byte: number; kind: PK; used: boolean }

interface Operand {
  text: string;
  /** A general register whose name shows the operand size. */
  sizing: boolean;
  /** Size in bytes for the suffix of a memory operand (0: none). */
  size: number;
  mem: boolean;
}

function hex(n: number): string {
  return '0x' + (n >>> 0).toString(16);
}
function shex(n: number): string {
  return n < 0 ? '-0x' + (-n).toString(16) : '0x' + n.toString(16);
}

class Decoder {
  pos: number;
  prefixes: Prefix[] = [];
  /** Index in prefixes of the last prefix of each kind (-1: none). */
  last: number[] = [-1, -1, -1, -1, -1, -1, -1];
  opsize32: boolean;
  adsize32: boolean;
  modrmByte = -1;
  /** Mandatory prefix used to select an SSE form: -1 none, else its index. */
  fwait = false;
  /** The instruction takes rep as "rep" (string ops). */
  repName: string | null = null;
  /** Extra prefix text required by the instruction (e.g. notrack, bnd). */
  branch = false;
  private opcodeBytes = 0;

  constructor(private readonly fetch: (addr: number) => number, private readonly start: number, private readonly code32: boolean) {
    this.pos = start;
    this.opsize32 = code32;
    this.adsize32 = code32;
  }

  byte(): number {
    if (this.pos - this.start >= MAX_LEN) throw new BadInsn();
    const b = this.fetch(this.pos >>> 0) & 0xff;
    this.pos++;
    return b;
  }
  peek(): number {
    if (this.pos - this.start >= MAX_LEN) throw new BadInsn();
    return this.fetch(this.pos >>> 0) & 0xff;
  }
  u16(): number {
    const lo = this.byte();
    return lo | (this.byte() << 8);
  }
  u32(): number {
    const a = this.u16();
    return (a | (this.u16() << 16)) >>> 0;
  }
  s8(): number {
    return (this.byte() << 24) >> 24;
  }
  s16(): number {
    return (this.u16() << 16) >> 16;
  }
  s32(): number {
    return this.u32() | 0;
  }

  get modrm(): number {
    if (this.modrmByte < 0) this.modrmByte = this.byte();
    return this.modrmByte;
  }
  get mod(): number { return this.modrm >> 6; }
  get reg(): number { return (this.modrm >> 3) & 7; }
  get rm(): number { return this.modrm & 7; }

  has(k: PK): boolean { return this.last[k] >= 0; }
  use(k: PK): void { if (this.last[k] >= 0) this.prefixes[this.last[k]].used = true; }

  /** Reads the prefixes; returns false if only prefixes could be read. */
  readPrefixes(): void {
    for (;;) {
      const b = this.peek();
      let kind: PK;
      switch (b) {
        case 0x26: case 0x2e: case 0x36: case 0x3e: case 0x64: case 0x65: kind = PK.Seg; break;
        case 0x66: kind = PK.Data; break;
        case 0x67: kind = PK.Addr; break;
        case 0xf0: kind = PK.Lock; break;
        case 0xf3: kind = PK.Repz; break;
        case 0xf2: kind = PK.Repnz; break;
        case 0x9b: kind = PK.Fwait; break;
        default: return;
      }
      if (kind === PK.Fwait) {
        // fwait is an instruction of its own unless an x87 opcode follows;
        // prefixes before it belong to it.
        this.pos++;
        this.fwait = true;
        this.prefixes.push({ byte: b, kind, used: true });
        this.last[kind] = this.prefixes.length - 1;
        if (this.prefixes.length > 1) return;
        continue;
      }
      this.pos++;
      this.prefixes.push({ byte: b, kind, used: false });
      this.last[kind] = this.prefixes.length - 1;
      if (kind === PK.Data) this.opsize32 = !this.code32;
      if (kind === PK.Addr) this.adsize32 = !this.code32;
    }
  }

  segName(): string | null {
    const i = this.last[PK.Seg];
    if (i < 0) return null;
    const b = this.prefixes[i].byte;
    return b === 0x26 ? 'es' : b === 0x2e ? 'cs' : b === 0x36 ? 'ss' : b === 0x3e ? 'ds' : b === 0x64 ? 'fs' : 'gs';
  }

  /** Segment override text for a memory operand, marking the prefix used. */
  segOverride(): string {
    const s = this.segName();
    if (s === null) return '';
    this.use(PK.Seg);
    return '%' + s + ':';
  }

  /** Decodes the ModRM memory operand (mod != 3) in AT&T form. */
  memOperand(): string {
    this.use(PK.Addr);
    const mod = this.mod;
    const rm = this.rm;
    if (!this.adsize32) {
      let disp = 0;
      if (mod === 0 && rm === 6) {
        disp = this.u16();
        return this.segOverride() + hex(disp);
      }
      let d = '';
      if (mod === 1) d = shex(this.s8());
      else if (mod === 2) d = shex(this.s16());
      return this.segOverride() + d + '(' + MEM16[rm] + ')';
    }
    let base = -1;
    let index = -1;
    let scale = 0;
    let hasSib = false;
    let disp = 0;
    let hasDisp = false;
    if (rm === 4) {
      hasSib = true;
      const sib = this.byte();
      scale = sib >> 6;
      index = (sib >> 3) & 7;
      base = sib & 7;
      if (base === 5 && mod === 0) {
        base = -1;
        disp = this.s32();
        hasDisp = true;
      }
    } else if (rm === 5 && mod === 0) {
      disp = this.u32();
      return this.segOverride() + hex(disp);
    } else {
      base = rm;
    }
    if (mod === 1) { disp = this.s8(); hasDisp = true; }
    else if (mod === 2) { disp = this.s32(); hasDisp = true; }
    let s = this.segOverride();
    if (hasDisp) s += base < 0 ? hex(disp) : shex(disp);
    let inner = '';
    if (base >= 0) inner += '%' + REG32[base];
    if (hasSib && (index !== 4 || base !== 4 || scale !== 0)) {
      inner += ',%' + (index === 4 ? 'eiz' : REG32[index]) + ',' + (1 << scale);
    }
    if (inner) s += '(' + inner + ')';
    return s;
  }

  gpr(size: number, n: number): string {
    return '%' + (size === 1 ? REG8[n] : size === 2 ? REG16[n] : REG32[n]);
  }

  /** Operand size in bytes of a size letter (v/z use the operand size). */
  sizeOf(c: string): number {
    switch (c) {
      case 'b': return 1;
      case 'w': return 2;
      case 'd': return 4;
      case 'q': return 8;
      case 'v': case 'z':
        this.use(PK.Data);
        return this.opsize32 ? 4 : 2;
      default: return 0;
    }
  }

  imm(size: number): number {
    return size === 1 ? this.byte() : size === 2 ? this.u16() : this.u32();
  }

  /** Decodes one operand given its specifier. */
  operand(spec: string, insnAddrEnd: () => number): Operand {
    const op = (text: string, sizing = false, size = 0, mem = false): Operand => ({ text, sizing, size, mem });
    switch (spec) {
      case 'AL': return op('%al', true);
      case 'CL': return op('%cl');
      case 'AX': return op('%ax');
      case 'DX': return op('(%dx)');
      case 'eAX': return op(this.gpr(this.sizeOf('v'), 0), true);
      case 'ES': case 'CS': case 'SS': case 'DS': case 'FS': case 'GS': return op('%' + spec.toLowerCase());
      case '1': return op('');
      case 'ST': return op('%st');
      case 'STi': return op('%st(' + this.rm + ')');
      case 'XBX': {
        this.use(PK.Addr);
        return op((this.segName() !== null ? this.segOverride() : '%ds:') + (this.adsize32 ? '(%ebx)' : '(%bx)'), false, 0, true);
      }
    }
    const k = spec[0];
    const sz = spec.slice(1);
    switch (k) {
      case '*': {
        const o = this.operand(sz, insnAddrEnd);
        return { ...o, text: '*' + o.text };
      }
      case 'E': case 'M': case 'R': {
        const size = sz === 'p' ? this.sizeOf('v') : this.sizeOf(sz);
        if (this.mod === 3) {
          if (k === 'M') throw new BadInsn();
          return op(this.gpr(size, this.rm), true);
        }
        if (k === 'R') throw new BadInsn();
        return op(this.memOperand(), false, size, true);
      }
      case 'G': return op(this.gpr(this.sizeOf(sz), this.reg), true);
      case 'Z': return op(this.gpr(this.sizeOf(sz), this.opcodeLow), true);
      case 'S': return op('%' + SREG[this.reg]);
      case 'I': {
        const size = this.sizeOf(sz);
        return op('$' + hex(this.imm(size)), false, size);
      }
      case 's': { // sIb: imm8 sign-extended to the operand size
        const v = this.s8();
        const size = this.sizeOf('v');
        return op('$' + hex(size === 2 ? v & 0xffff : v >>> 0), false, size);
      }
      case 'J': {
        const d = sz === 'b' ? this.s8() : this.opsize32 ? this.s32() : this.s16();
        if (sz !== 'b') this.use(PK.Data);
        let target = (insnAddrEnd() + d) >>> 0;
        if (!this.opsize32) target &= 0xffff;
        return op(hex(target));
      }
      case 'A': {
        this.use(PK.Data);
        const off = this.opsize32 ? this.u32() : this.u16();
        const seg = this.u16();
        return op('$' + hex(seg) + ',$' + hex(off));
      }
      case 'O': {
        this.use(PK.Addr);
        const a = this.adsize32 ? this.u32() : this.u16();
        const size = this.sizeOf(sz);
        return op(this.segOverride() + hex(a), false, size, true);
      }
      case 'X': {
        this.use(PK.Addr);
        const size = this.sizeOf(sz);
        return op((this.segName() !== null ? this.segOverride() : '%ds:') + (this.adsize32 ? '(%esi)' : '(%si)'), false, size, true);
      }
      case 'Y': {
        this.use(PK.Addr);
        const size = this.sizeOf(sz);
        return op('%es:' + (this.adsize32 ? '(%edi)' : '(%di)'), false, size, true);
      }
      default:
        throw new Error('disasm: bad operand spec ' + spec);
    }
  }

  opcodeLow = 0;
}

/** Expands the mnemonic decorations. */
function mnemonic(d: Decoder, m: string, ops: Operand[]): string {
  let out = '';
  for (let i = 0; i < m.length; i++) {
    const c = m[i];
    switch (c) {
      case '^': {
        if (ops.some((o) => o.sizing)) break;
        const size = ops.find((o) => o.size)?.size ?? 0;
        out += size === 1 ? 'b' : size === 2 ? 'w' : size === 4 ? 'l' : size === 8 ? 'q' : '';
        break;
      }
      case '*': {
        const size = ops.find((o) => o.size)?.size ?? 0;
        out += size === 1 ? 'b' : size === 2 ? 'w' : size === 4 ? 'l' : '';
        break;
      }
      case '~':
        d.use(PK.Data);
        if (d.has(PK.Data)) out += d.opsize32 ? 'l' : 'w';
        break;
      case '"':
        d.use(PK.Addr);
        if (d.has(PK.Addr)) out += d.adsize32 ? 'l' : 'w';
        break;
      case '&':
        d.use(PK.Data);
        if (d.has(PK.Data)) out += d.opsize32 ? 'l' : 's';
        break;
      case '!':
        if (!d.fwait) out += 'n';
        break;
      case '{': case '[': {
        const close = m.indexOf(c === '{' ? '}' : ']', i);
        const [a, b] = m.slice(i + 1, close).split('|');
        let big: boolean;
        if (c === '{') { d.use(PK.Data); big = d.opsize32; } else { d.use(PK.Addr); big = d.adsize32; }
        out += big ? b : a;
        i = close;
        break;
      }
      default:
        out += c;
    }
  }
  return out;
}

interface Decoded { mnem: string; ops: string[] }

function selectEntry(d: Decoder, e: Entry): string {
  while (typeof e !== 'string') {
    const t: Table = e;
    switch (t.sel) {
      case 'grp': e = t.e[d.reg]; break;
      case 'mod': e = t.e[d.mod === 3 ? 1 : 0]; break;
      case 'rm': e = t.e[d.rm]; break;
      case 'pfx': e = selectPrefixed(d, t); break;
      default: throw new Error('disasm: unexpected table kind');
    }
  }
  return e;
}

/** Picks the mandatory-prefix form: the last of F2/F3 wins, else 66. */
function selectPrefixed(d: Decoder, t: Table): Entry {
  const iz = d.last[PK.Repz];
  const inz = d.last[PK.Repnz];
  if (iz >= 0 || inz >= 0) {
    const useZ = iz > inz;
    const e = t.e[useZ ? 2 : 3];
    if (e !== '') {
      d.prefixes[useZ ? iz : inz].used = true;
      return e;
    }
    return t.e[0] === '' ? '' : t.e[0];
  }
  if (d.has(PK.Data) && t.e[1] !== '') {
    d.use(PK.Data);
    // The 66 prefix selects the form; it no longer changes the operand size.
    d.opsize32 = d.opsize32;
    return t.e[1];
  }
  return t.e[0];
}

function decodeEntry(d: Decoder, entry: string): Decoded {
  if (entry === '') throw new BadInsn();
  let s = entry;
  let intelOrder = false;
  if (s[0] === '=') { intelOrder = true; s = s.slice(1); }
  const sp = s.indexOf(' ');
  const m = sp < 0 ? s : s.slice(0, sp);
  const specs = sp < 0 ? [] : s.slice(sp + 1).split(',');
  const ops: Operand[] = [];
  let endAddr = 0;
  // Relative branch targets are relative to the end of the instruction;
  // the only operands after a J are none, so the end is known when J is read.
  for (const spec of specs) {
    ops.push(d.operand(spec, () => { endAddr = d.pos; return endAddr; }));
  }
  const mn = mnemonic(d, m, ops);
  const texts = ops.map((o) => o.text).filter((t) => t !== '');
  if (!intelOrder) texts.reverse();
  return { mnem: mn, ops: texts };
}

function decodeX87(d: Decoder, op: number): Decoded {
  const row = op - 0xd8;
  if (d.mod !== 3) {
    const m = X87_MEM[row][d.reg];
    if (m === '') throw new BadInsn();
    const mem = d.memOperand();
    return { mnem: mnemonic(d, m, []), ops: [mem] };
  }
  let e = X87_REG[row][d.reg];
  if (typeof e !== 'string') e = e[d.rm];
  return decodeEntry(d, e);
}

function decode(d: Decoder): Decoded {
  const op = d.byte();
  d.opcodeLow = op & 7;
  if (op === 0x0f) {
    const op2 = d.byte();
    d.opcodeLow = op2 & 7;
    if (op2 === 0x38) return decodeEntry(d, selectEntry(d, THREE_BYTE_38[d.byte()]));
    if (op2 === 0x3a) return decodeEntry(d, selectEntry(d, THREE_BYTE_3A[d.byte()]));
    if (op2 === 0x0f) {
      // 3DNow!: ModRM, then the opcode as an immediate suffix byte.
      const ops = [d.operand('Qq', () => d.pos), d.operand('Pq', () => d.pos)];
      const m = THREEDNOW[d.byte()];
      if (!m) throw new BadInsn();
      return { mnem: m, ops: ops.map((o) => o.text) };
    }
    return decodeEntry(d, selectEntry(d, TWO_BYTE[op2]));
  }
  if (op >= 0xd8 && op <= 0xdf) return decodeX87(d, op);
  if (op === 0x90) {
    if (d.has(PK.Repz)) { d.use(PK.Repz); return { mnem: 'pause', ops: [] }; }
    if (d.has(PK.Data)) return decodeEntry(d, 'xchg Zv,eAX');
    return { mnem: 'nop', ops: [] };
  }
  return decodeEntry(d, selectEntry(d, ONE_BYTE[op]));
}

const PREFIX_NAMES: Record<number, string> = {
  0x26: 'es', 0x2e: 'cs', 0x36: 'ss', 0x3e: 'ds', 0x64: 'fs', 0x65: 'gs',
  0xf0: 'lock', 0xf3: 'repz', 0xf2: 'repnz', 0x9b: 'fwait',
};

function prefixName(d: Decoder, p: Prefix, code32: boolean): string {
  if (p.byte === 0x66) return code32 ? 'data16' : 'data32';
  if (p.byte === 0x67) return code32 ? 'addr16' : 'addr32';
  return PREFIX_NAMES[p.byte];
}

/**
 * Disassembles one instruction at addr.  fetch(addr) returns the byte at
 * addr (0..255) or throws; code32 selects 32-bit default operand and
 * address size (false: 16-bit code).
 */
export function disassemble(fetch: (addr: number) => number, addr: number, code32: boolean): DisasmResult {
  const d = new Decoder(fetch, addr, code32);
  let dec: Decoded;
  try {
    d.readPrefixes();
    dec = decode(d);
  } catch (e) {
    if (!(e instanceof BadInsn)) throw e;
    return { length: 1, text: '(bad)', bytes: [fetch(addr >>> 0) & 0xff] };
  }
  const names: string[] = [];
  for (const p of d.prefixes) {
    if (p.kind === PK.Fwait) continue;
    if (p.kind === PK.Lock) { names.push('lock'); continue; }
    if (p.used && d.last[p.kind] === d.prefixes.indexOf(p)) continue;
    names.push(prefixName(d, p, code32));
  }
  let text = [...names, dec.mnem].join(' ');
  if (dec.ops.length) text = text.padEnd(6) + ' ' + dec.ops.join(',');
  const length = d.pos - addr;
  const bytes: number[] = [];
  for (let i = 0; i < length; i++) bytes.push(fetch((addr + i) >>> 0) & 0xff);
  return { length, text, bytes };
}
