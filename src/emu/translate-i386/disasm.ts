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
 * use printed by name before the mnemonic (`data16`, `es`, `repz`, ...),
 * objdump's pseudo-op names (cmpeqps, pclmullqlqdq), branch hints (`,pt`),
 * bnd/notrack/xacquire/xrelease prefixes.  The legacy (non-VEX) encodings
 * objdump 2.40 knows are covered, from the 8086 to SSE4, AES, SHA, CET...
 *
 * Where this differs from objdump, on purpose:
 *  - an invalid encoding is `(bad)` with length 1 (objdump's length for
 *    `(bad)` depends on how far its tables got);
 *  - VEX/EVEX/XOP encodings (C4/C5/62 with ModRM.mod = 3, 8F with a
 *    nonzero reg field), which objdump decodes as AVX/AVX-512/XOP, are
 *    `(bad)`: on the emulated i386..P6 CPUs they are #UD;
 *  - an instruction longer than 15 bytes is `(bad)` with length 1.
 * The tests (test/emu/translate-i386/disasm.test.ts) compare with objdump
 * listings instruction by instruction.
 */

import { Entry, ONE_BYTE, TWO_BYTE, THREE_BYTE_38, THREE_BYTE_3A, X87_MEM, X87_REG, THREEDNOW } from './disasm-tables';

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
  /** An fwait prefix precedes an x87 opcode. */
  fwait = false;
  /** Name an unused F3 prefix takes on a string instruction (rep, repz). */
  repName: string | null = null;
  /** Conditional jump: cs/ds prefixes are branch hints. */
  condJump = false;
  /** Branch for which F2 is the MPX bnd prefix. */
  bndBranch = false;
  /** Indirect branch for which 3E is the CET notrack prefix. */
  notrack = false;
  /** Lock elision class of the instruction (xacquire/xrelease names). */
  hle: 'lock' | 'xchg' | 'mov' | null = null;
  /** A ds prefix is the notrack prefix: no segment override applies. */
  notrackActive = false;

  constructor(private readonly fetch: (addr: number) => number, readonly start: number, private readonly code32: boolean) {
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
    if (i < 0 || this.notrackActive) return null;
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
    const mod = this.mod;
    const rm = this.rm;
    if (!this.adsize32) {
      this.use(PK.Addr);
      let disp = 0;
      if (mod === 0 && rm === 6) {
        disp = this.s16();
        return this.segOverride() + shex(disp);
      }
      let d = '';
      if (mod === 1) d = shex(this.s8());
      else if (mod === 2) d = shex(this.s16());
      return this.segOverride() + d + '(' + MEM16[rm] + ')';
    }
    // 32-bit addressing.
    let base = rm;
    let index = 4;
    let scale = 0;
    const hasSib = rm === 4;
    if (hasSib) {
      const sib = this.byte();
      scale = sib >> 6;
      index = (sib >> 3) & 7;
      base = sib & 7;
    }
    const haveBase = !(mod === 0 && base === 5);
    const haveIndex = index !== 4;
    // In 32-bit code a SIB without base and index needs %eiz to be told
    // apart from a plain absolute address.
    const needIndex = hasSib && !haveBase && !haveIndex && this.code32;
    const haveDisp = haveBase || needIndex || (hasSib && (haveIndex || scale !== 0));
    let disp = 0;
    if (mod === 1) disp = this.s8();
    else if (mod === 2 || !haveBase) disp = this.s32();
    if (haveBase || haveIndex || needIndex) this.use(PK.Addr);
    let s = this.segOverride();
    if (mod !== 0 || !haveBase) s += haveDisp ? shex(disp) : hex(disp);
    if (haveDisp) {
      let inner = haveBase ? '%' + REG32[base] : '';
      if (hasSib && (scale !== 0 || needIndex || haveIndex || (haveBase && base !== 4))) {
        inner += ',%' + (haveIndex ? REG32[index] : 'eiz') + ',' + (1 << scale);
      }
      s += '(' + inner + ')';
    }
    return s;
  }

  /**
   * MMX register prefix.  objdump names an MMX register operand %xmm when
   * an (otherwise unused) 66 prefix is present.
   */
  mmx(): string {
    if (!this.has(PK.Data) || this.prefixes[this.last[PK.Data]].used) return '%mm';
    this.use(PK.Data);
    return '%xmm';
  }

  /** MPX memory operand: 32-bit addressing only. */
  bndMem(): string {
    if (!this.adsize32) throw new BadInsn();
    return this.memOperand();
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
  operand(spec: string): Operand {
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
    if (spec[0] === '%') return op(spec);
    switch (spec) {
      case 'XMM0': return op('%xmm0');
      case 'aAX': this.use(PK.Addr); return op(this.adsize32 ? '%eax' : '%ax');
      case 'Ga': this.use(PK.Addr); return op(this.gpr(this.adsize32 ? 4 : 2, this.reg), true);
      case 'Ra': this.use(PK.Addr); return op(this.gpr(this.adsize32 ? 4 : 2, this.rm), true);
      case 'Ic': case 'Ik': {
        const v = this.byte();
        this.predicate = v;
        return op('$' + hex(v));
      }
    }
    const k = spec[0];
    const sz = spec.slice(1);
    switch (k) {
      case 'V': return op('%xmm' + this.reg);
      case 'P': return op(this.mmx() + this.reg);
      case 'W': case 'Q': {
        if (this.mod === 3) return op((k === 'W' ? '%xmm' : this.mmx()) + this.rm);
        return op(this.memOperand(), false, 0, true);
      }
      case 'U': case 'N': {
        if (this.mod !== 3) throw new BadInsn();
        return op((k === 'U' ? '%xmm' : this.mmx()) + this.rm);
      }
      case 'C': {
        // AMD: a lock prefix selects CR8-CR15.
        if (this.has(PK.Lock)) { this.use(PK.Lock); return op('%cr' + (this.reg + 8)); }
        return op('%cr' + this.reg);
      }
      case 'D': return op('%db' + this.reg);
      case 'T': return op('%tr' + this.reg);
      case 'B': {
        if (sz[0] === 'E') {
          if (this.mod === 3) return op(this.gpr(4, this.rm), true);
          return op(this.bndMem(), false, 0, true);
        }
        if (sz[0] === 'M') {
          if (this.mod === 3) {
            if (this.rm > 3) throw new BadInsn();
            return op('%bnd' + this.rm);
          }
          return op(this.bndMem(), false, 0, true);
        }
        if (this.reg > 3) throw new BadInsn();
        return op('%bnd' + this.reg);
      }
      case '*': {
        const o = this.operand(sz);
        return { ...o, text: '*' + o.text };
      }
      case 'E': case 'M': case 'R': {
        const size = sz === 'p' ? this.sizeOf('v') : this.sizeOf(sz);
        if (this.mod === 3 || k === 'R') {
          if (k === 'M') throw new BadInsn();
          return op(this.gpr(size, this.rm), true);
        }
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
        if (sz === 'b') {
          const d = this.s8();
          return op(hex(this.pos + d));
        }
        this.use(PK.Data);
        if (this.opsize32) {
          const d = this.s32();
          return op(hex(this.pos + d));
        }
        // A 16-bit target wraps within the 64K segment of the instruction
        // in 16-bit code; under a 66 prefix in 32-bit code it is truncated.
        const d = this.s16();
        const seg = this.code32 ? 0 : this.pos & ~0xffff;
        return op(hex(((this.pos + d) & 0xffff) | seg));
      }
      case 'A': {
        this.use(PK.Data);
        const off = this.opsize32 ? this.u32() : this.u16();
        const seg = this.u16();
        return op('$' + hex(seg) + ',$' + hex(off));
      }
      case 'O': {
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
  /** Immediate of a compare-predicate operand (cmpps, pclmulqdq). */
  predicate = -1;
}

/** Suffix letter for an operand size in bytes. */
function suffix(size: number): string {
  return size === 1 ? 'b' : size === 2 ? 'w' : size === 4 ? 'l' : size === 8 ? 'q' : '';
}

const CMP_PRED = ['eq', 'lt', 'le', 'unord', 'neq', 'nlt', 'nle', 'ord'];
const PCLMUL_PRED: Record<number, string> = { 0x00: 'lqlq', 0x01: 'hqlq', 0x10: 'lqhq', 0x11: 'hqhq' };

/** Expands the mnemonic decorations (see disasm-tables.ts). */
function mnemonic(d: Decoder, m: string, ops: Operand[]): string {
  let out = '';
  for (let i = 0; i < m.length; i++) {
    const c = m[i];
    switch (c) {
      case '^':
        if (!ops.some((o) => o.sizing)) out += suffix(ops.find((o) => o.size)?.size ?? 0);
        break;
      case '#':
        out += suffix(ops.find((o) => o.mem)?.size ?? 0);
        break;
      case '*':
        out += suffix(ops.find((o) => o.size)?.size ?? 0);
        break;
      case '~':
        d.use(PK.Data);
        if (d.has(PK.Data)) out += d.opsize32 ? 'l' : 'w';
        break;
      case ':':
        d.use(PK.Data);
        if (d.has(PK.Data) && ops.some((o) => o.mem)) out += d.opsize32 ? 'l' : 'w';
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
      case '@':
        out += m.startsWith('pclmul') ? PCLMUL_PRED[d.predicate] : CMP_PRED[d.predicate];
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
      case '_':
        out += ' ';
        break;
      default:
        out += c;
    }
  }
  return out;
}

interface Decoded { mnem: string; ops: string[] }

/** Resolves sub-tables down to an entry string ('' invalid, '-' see pfx). */
function selectEntry(d: Decoder, e: Entry): string {
  if (typeof e === 'string') return e;
  switch (e.sel) {
    case 'grp': return selectEntry(d, e.e[d.reg]);
    case 'mod': return selectEntry(d, e.e[d.mod === 3 ? 1 : 0]);
    case 'rm': return selectEntry(d, e.e[d.rm]);
    case 'pfx': {
      // The last of F3/F2 selects, else 66; a '-' form means the prefix is
      // not part of the opcode (it keeps its ordinary meaning).
      const iz = d.last[PK.Repz];
      const inz = d.last[PK.Repnz];
      let idx = 0;
      let pi = -1;
      if (iz >= 0 || inz >= 0) {
        idx = iz > inz ? 2 : 3;
        pi = Math.max(iz, inz);
      } else if (d.has(PK.Data)) {
        idx = 1;
        pi = d.last[PK.Data];
      }
      if (idx === 0) return selectEntry(d, e.e[0]);
      const r = selectEntry(d, e.e[idx]);
      if (r === '-') return selectEntry(d, e.e[0]);
      if (r[0] === '-') return r.slice(1);
      d.prefixes[pi].used = true;
      return r;
    }
    default: throw new Error('disasm: unexpected table kind');
  }
}

function decodeEntry(d: Decoder, entry: string): Decoded {
  if (entry === '' || entry === '-') throw new BadInsn();
  let s = entry;
  let intelOrder = false;
  let keepData = false;
  if (s[0] === '?') { keepData = true; s = s.slice(1); }
  if (s[0] === '=') { intelOrder = true; s = s.slice(1); }
  const sp = s.indexOf(' ');
  const m = sp < 0 ? s : s.slice(0, sp);
  const specs = sp < 0 ? [] : s.slice(sp + 1).split(',');
  const ops: Operand[] = [];
  for (const spec of specs) ops.push(d.operand(spec));
  if (m.includes('@')) {
    // Compare pseudo-ops: the predicate immediate becomes part of the name.
    const known = m.startsWith('pclmul') ? PCLMUL_PRED[d.predicate] !== undefined : d.predicate < 8;
    if (known) ops.pop();
  }
  let mn: string;
  if (m.includes('@') && !(m.startsWith('pclmul') ? PCLMUL_PRED[d.predicate] !== undefined : d.predicate < 8)) {
    mn = mnemonic(d, m.replace('@', m.startsWith('pclmul') ? 'q' : ''), ops);
  } else {
    mn = mnemonic(d, m, ops);
  }
  if (keepData && d.last[PK.Data] >= 0) d.prefixes[d.last[PK.Data]].used = false;
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

/** Lock elision class of a one-byte opcode with a memory operand. */
function hleClass(d: Decoder, op: number): Decoder['hle'] {
  const modrmOps = (op < 0x40 && (op & 7) < 2 && (op & 0x38) !== 0x38) || (op >= 0x80 && op <= 0x89) ||
    op === 0xc6 || op === 0xc7 || op === 0xf6 || op === 0xf7 || op === 0xfe || op === 0xff;
  if (!modrmOps || d.mod === 3) return null;
  if (op < 0x40) return 'lock';
  if (op <= 0x83) return d.reg === 7 ? null : 'lock';
  if (op === 0x86 || op === 0x87) return 'xchg';
  if (op === 0x88 || op === 0x89) return 'mov';
  if (op === 0xc6 || op === 0xc7) return d.reg === 0 ? 'mov' : null;
  if (op === 0xf6 || op === 0xf7) return d.reg === 2 || d.reg === 3 ? 'lock' : null;
  if (op === 0xfe || op === 0xff) return d.reg <= 1 ? 'lock' : null;
  return null;
}

/** Lock elision class of a 0F opcode with a memory operand. */
function hleClass0f(d: Decoder, op: number): Decoder['hle'] {
  const lockable = [0xab, 0xb3, 0xbb, 0xb0, 0xb1, 0xc0, 0xc1].includes(op) || op === 0xba || op === 0xc7;
  if (!lockable || d.mod === 3) return null;
  if (op === 0xba) return d.reg >= 5 ? 'lock' : null;
  if (op === 0xc7) return d.reg === 1 ? 'lock' : null;
  return 'lock';
}

const STRING_REP = new Set([0x6c, 0x6d, 0x6e, 0x6f, 0xa4, 0xa5, 0xaa, 0xab, 0xac, 0xad]);
const STRING_REPZ = new Set([0xa6, 0xa7, 0xae, 0xaf]);

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
      const xmm = d.has(PK.Data);
      d.use(PK.Data);
      const src = d.mod === 3 ? (xmm ? '%xmm' : '%mm') + d.rm : d.memOperand();
      const m = THREEDNOW[d.byte()];
      if (!m) throw new BadInsn();
      return { mnem: m, ops: [src, (xmm ? '%xmm' : '%mm') + d.reg] };
    }
    if (op2 >= 0x80 && op2 <= 0x8f) { d.condJump = true; d.bndBranch = true; }
    d.hle = hleClass0f(d, op2);
    return decodeEntry(d, selectEntry(d, TWO_BYTE[op2]));
  }
  if (op >= 0xd8 && op <= 0xdf) return decodeX87(d, op);
  if (op === 0x90) {
    if (d.last[PK.Repz] > d.last[PK.Repnz]) { d.use(PK.Repz); return { mnem: 'pause', ops: [] }; }
    if (d.has(PK.Data)) return decodeEntry(d, 'xchg Zv,eAX');
    return { mnem: 'nop', ops: [] };
  }
  if (STRING_REP.has(op)) d.repName = 'rep';
  else if (STRING_REPZ.has(op)) d.repName = 'repz';
  if ((op >= 0x70 && op <= 0x7f) || (op >= 0xe0 && op <= 0xe3)) d.condJump = true;
  d.hle = hleClass(d, op);
  if (op === 0xe8 || op === 0xe9 || op === 0xc2 || op === 0xc3 || (op >= 0x70 && op <= 0x7f) || op === 0xeb) d.bndBranch = true;
  if (op === 0xff) {
    const r = d.reg;
    if (r === 2 || r === 4) {
      d.bndBranch = true;
      d.notrack = true;
      d.notrackActive = d.prefixes.some((p) => p.byte === 0x3e);
    }
  }
  return decodeEntry(d, selectEntry(d, ONE_BYTE[op]));
}

const PREFIX_NAMES: Record<number, string> = {
  0x26: 'es', 0x2e: 'cs', 0x36: 'ss', 0x3e: 'ds', 0x64: 'fs', 0x65: 'gs',
  0xf0: 'lock', 0xf3: 'repz', 0xf2: 'repnz',
};

/**
 * Disassembles one instruction at addr.  fetch(addr) returns the byte at
 * addr (0..255) or throws; code32 selects 32-bit default operand and
 * address size (false: 16-bit code).
 */
export function disassemble(fetch: (addr: number) => number, addr: number, code32: boolean): DisasmResult {
  const d = new Decoder(fetch, addr, code32);
  let dec: Decoded;
  let length: number;
  try {
    d.readPrefixes();
    const fw = d.last[PK.Fwait];
    if (fw >= 0) {
      const op = d.peek();
      if (op < 0xd8 || op > 0xdf) {
        // A plain fwait; the prefixes before it are its own.  As objdump
        // does, an earlier fwait byte is not counted in the length.
        const own = d.prefixes.slice(0, fw).filter((p) => p.kind !== PK.Fwait);
        const text = [...own.map((p) => prefixName(p, code32)), 'fwait'].join(' ');
        return finish(fetch, addr, own.length + 1, text);
      }
    }
    dec = decode(d);
    length = d.pos - addr;
  } catch (e) {
    if (!(e instanceof BadInsn)) throw e;
    return finish(fetch, addr, 1, '(bad)');
  }
  // Branch hints: a cs (not taken) or ds (taken) prefix on a conditional
  // jump, when only one of the two is present.
  if (d.condJump) {
    const segs = new Set(d.prefixes.filter((p) => p.kind === PK.Seg).map((p) => p.byte));
    const cs = segs.has(0x2e);
    const ds = segs.has(0x3e);
    if (cs !== ds) {
      d.use(PK.Seg);
      dec.mnem += ds ? ',pt' : ',pn';
    }
  }
  const names: string[] = [];
  const lastRep = Math.max(d.last[PK.Repz], d.last[PK.Repnz]);
  d.prefixes.forEach((p, i) => {
    if (p.kind === PK.Fwait) return;
    const lastOfKind = d.last[p.kind] === i;
    if (lastOfKind && (p.kind === PK.Repz || p.kind === PK.Repnz) && !p.used) {
      if (d.bndBranch && p.kind === PK.Repnz) { names.push('bnd'); return; }
      if (d.repName && p.kind === PK.Repz) { names.push(d.repName); return; }
      // Hardware lock elision hints on lockable memory instructions.
      if (d.hle === 'xchg' || (d.hle === 'lock' && d.has(PK.Lock))) {
        names.push(p.kind === PK.Repnz ? 'xacquire' : 'xrelease');
        return;
      }
      if (d.hle === 'mov' && p.kind === PK.Repz && i === lastRep) { names.push('xrelease'); return; }
    }
    if (lastOfKind && p.kind === PK.Seg && d.notrackActive) { names.push('notrack'); return; }
    if (p.used && lastOfKind) return;
    names.push(prefixName(p, code32));
  });
  let text = [...names, dec.mnem].join(' ');
  if (dec.ops.length) text = text.padEnd(6) + ' ' + dec.ops.join(',');
  return finish(fetch, addr, length, text);
}

function finish(fetch: (addr: number) => number, addr: number, length: number, text: string): DisasmResult {
  const bytes: number[] = [];
  for (let i = 0; i < length; i++) bytes.push(fetch((addr + i) >>> 0) & 0xff);
  return { length, text, bytes };
}

function prefixName(p: Prefix, code32: boolean): string {
  if (p.byte === 0x66) return code32 ? 'data16' : 'data32';
  if (p.byte === 0x67) return code32 ? 'addr16' : 'addr32';
  return PREFIX_NAMES[p.byte];
}
