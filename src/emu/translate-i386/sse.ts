// MMX, SSE and SSE2 (helper side). The translator (ops-sse.ts) decodes prefixes, ModRM and the
// immediate and calls helperSse with them packed in one word; everything else happens here, on
// the architectural storage the x87 already has: XMM registers are the bytes of X87State.xmm
// (fxsave/fxrstor and gdb see them), MMX registers are the significands of the physical x87
// registers R0..R7 (writing one sets its exponent/sign field to all ones; any MMX instruction
// sets TOP = 0 and all tags valid; emms empties them).
//
// Floating point reuses the exact software arithmetic of fpu/float80.ts with the precision and
// exponent range of float32/float64 and MXCSR's rounding control, so results and the six
// exception flags are exact in every rounding mode; NaN selection, DAZ/FTZ and the unmasked
// exception response (#XM, or #UD without CR4.OSXMMEXCPT) follow the SSE rules, not the x87 ones.
//
// Operand values pass through three scratch vectors (A destination, B source, R result) with
// typed views of every lane width.
import type { X86Cpu } from './cpu';
import { Access } from './mmu';
import { CR0, CR0_EM, CR0_TS, CR4, CR4_OSFXSR, CR4_OSXMMEXCPT, EXC_GP, EXC_NM, EXC_UD, EXC_XM } from './state';
import {
  CMP_EQ, CMP_GT, CMP_LT, CMP_UN, DEN_A, DEN_B, F80, FE_DE, FE_IE, FE_OE, FE_PE, FE_UE, FE_ZE, FpStatus, add, compare, div,
  fromBigInt, isNaN80, isSNaN, mk, mul, quiet, sqrt,
} from './fpu/float80';
import { fromF32, fromF64, toF32, toF64, toInt } from './fpu/convert';
import { pendingException } from './fpu/exec';
import { SW_ES } from './fpu/state';
import type { X87State } from './fpu/state';

const MX_DAZ = 0x40, MX_FTZ = 0x8000;

class Vec {
  readonly b = new Uint8Array(16);
  readonly i8 = new Int8Array(this.b.buffer);
  readonly u16 = new Uint16Array(this.b.buffer);
  readonly i16 = new Int16Array(this.b.buffer);
  readonly u32 = new Uint32Array(this.b.buffer);
  readonly i32 = new Int32Array(this.b.buffer);
  readonly u64 = new BigUint64Array(this.b.buffer);
  readonly f32 = new Float32Array(this.b.buffer);
  readonly f64 = new Float64Array(this.b.buffer);
}
const A = new Vec(), B = new Vec(), R = new Vec(), T = new Vec();

/** Operand classes of the source (r/m) operand. */
const enum Src {
  /** mm register or m64 */ Q,
  /** xmm register or m128, aligned */ W,
  /** xmm register or m128, no alignment check */ WU,
  /** xmm register or m64 */ W64,
  /** xmm register or m32 */ W32,
  /** r32 or m32 */ E,
  /** register only (xmm) */ U,
  /** register only (mm) */ N,
  /** memory only */ M,
}

/** The instruction being executed. */
interface Ins {
  cpu: X86Cpu;
  x: X87State;
  eip: number;
  addr: number;
  mod: number;
  reg: number;
  rm: number;
  imm: number;
  /** Operands are MMX registers. */
  mmx: boolean;
  /** Operand width in bytes: 8 (MMX) or 16. */
  n: number;
}
const I: Ins = { cpu: undefined as unknown as X86Cpu, x: undefined as unknown as X87State, eip: 0, addr: 0, mod: 0, reg: 0, rm: 0, imm: 0, mmx: false, n: 16 };

type Fn = (c: Ins) => void;
/** Entry of the dispatch table. kind: 0 SSE/SSE2 on xmm, 1 MMX, 2 SSE on MMX registers. */
interface Entry { fn: Fn; kind: number }
/** Index: prefix (0 none, 1 66, 2 F3, 3 F2) * 256 + opcode. */
const TABLE: (Entry | undefined)[] = new Array(1024);
const K_SSE = 0, K_MMX = 1, K_SSEMMX = 2;

// ---- register and memory access ----

function xmmGet(c: Ins, r: number, v: Vec): void { v.b.set(c.x.xmm.subarray(16 * r, 16 * r + 16)); }
function xmmSet(c: Ins, r: number, v: Vec): void { c.x.xmm.set(v.b, 16 * r); }

/** SSE instructions with an MMX register operand check for a pending x87 exception (#MF). */
function pendingX87(c: Ins): void { if (c.x.fsw & SW_ES) pendingException(c.cpu, c.eip); }

/** Enter MMX mode: TOP = 0, all tags valid. */
function mmxEnter(x: X87State): void { x.top = 0; x.empty = 0; }
function mmGet(c: Ins, r: number, v: Vec): void {
  v.u64[0] = c.x.regs[r].m; v.u64[1] = 0n;
}
function mmSet(c: Ins, r: number, v: Vec): void {
  c.x.regs[r] = mk(0xffff, v.u64[0]);
}

function ld32(c: Ins, off: number): number { return c.cpu.mem.ld((c.addr + off) | 0, 2, c.eip); }
/**
 * The alignment a memory operand needs: 16-byte aligned forms #GP (checked first); m32 and m64
 * #AC when alignment checking is on. 16-byte unaligned forms (movups, movdqu...) are left
 * unchecked: the SDM leaves their #AC to the implementation.
 */
function memAlign(c: Ins, bytes: number, align: boolean): void {
  if (align && (c.addr & 15)) c.cpu.raise(EXC_GP, 0, c.eip);
  if (bytes <= 8) c.cpu.alignCheck(c.addr, bytes, c.eip);
}
function memLoad(c: Ins, v: Vec, bytes: number, align: boolean): void {
  memAlign(c, bytes, align);
  for (let i = 0; i < bytes; i += 4) v.i32[i >> 2] = ld32(c, i);
  for (let i = bytes; i < 16; i += 4) v.i32[i >> 2] = 0;
}
function memStore(c: Ins, v: Vec, bytes: number, align: boolean): void {
  memAlign(c, bytes, align);
  const h = c.cpu.mem.hooks;
  h.translate(c.addr, Access.WRITE, c.eip);
  if ((c.addr & 0xfff) + bytes > 0x1000) h.translate((c.addr + bytes - 1) | 0, Access.WRITE, c.eip);
  for (let i = 0; i < bytes; i += 4) c.cpu.mem.st((c.addr + i) | 0, v.i32[i >> 2], 2, c.eip);
}

/** Load the r/m operand of class `s` into B. */
function loadSrc(c: Ins, s: Src): void {
  if (c.mod === 3) {
    switch (s) {
      case Src.Q: case Src.N: mmGet(c, c.rm, B); return;
      case Src.E: B.i32[0] = c.cpu.s[c.rm]; B.i32[1] = 0; B.u64[1] = 0n; return;
      case Src.M: c.cpu.raise(EXC_UD, -1, c.eip); return;
      default: xmmGet(c, c.rm, B); return;
    }
  }
  switch (s) {
    case Src.Q: case Src.W64: memLoad(c, B, 8, false); return;
    case Src.W: memLoad(c, B, 16, true); return;
    case Src.WU: memLoad(c, B, 16, false); return;
    case Src.W32: case Src.E: memLoad(c, B, 4, false); return;
    case Src.M: memLoad(c, B, 16, false); return;
    default: c.cpu.raise(EXC_UD, -1, c.eip);
  }
}
/** Source of an integer op: Q for MMX, W for xmm. */
const srcPQ = (c: Ins): void => loadSrc(c, c.mmx ? Src.Q : Src.W);
function getDst(c: Ins, v: Vec): void { if (c.mmx) mmGet(c, c.reg, v); else xmmGet(c, c.reg, v); }
function setDst(c: Ins, v: Vec): void { if (c.mmx) mmSet(c, c.reg, v); else xmmSet(c, c.reg, v); }

// ---- dispatch ----

/** word = opcode | prefix << 8 | modrm << 10 | imm8 << 18. */
export function helperSse(cpu: X86Cpu, word: number, addr: number, eip: number): void {
  const op = word & 0xff, pfx = (word >> 8) & 3, modrm = (word >> 10) & 0xff;
  const e = TABLE[pfx * 256 + op];
  if (!e) cpu.raise(EXC_UD, -1, eip);
  const cr0 = cpu.s[CR0];
  if (cr0 & CR0_EM) cpu.raise(EXC_UD, -1, eip);
  if (e.kind === K_SSE && !(cpu.s[CR4] & CR4_OSFXSR)) cpu.raise(EXC_UD, -1, eip);
  if (cr0 & CR0_TS) cpu.raise(EXC_NM, -1, eip);
  const x = cpu.fpu;
  if (e.kind !== K_SSE && (x.fsw & SW_ES)) pendingException(cpu, eip);
  const c = I;
  c.cpu = cpu; c.x = x; c.eip = eip; c.addr = addr;
  c.mod = modrm >> 6; c.reg = (modrm >> 3) & 7; c.rm = modrm & 7; c.imm = (word >> 18) & 0xff;
  c.mmx = e.kind !== K_SSE; c.n = c.mmx ? 8 : 16;
  e.fn(c);
}

/** Opcodes (0F xx) handled here with some prefix, for the translator. */
export function sseOpcode(op: number): boolean {
  for (let p = 0; p < 4; p++) if (TABLE[p * 256 + op]) return true;
  return false;
}

/** True when 0F `op` exists with the mandatory prefix `pfx` (0 none, 1 66, 2 F3, 3 F2). */
export function sseDefined(pfx: number, op: number): boolean { return !!TABLE[pfx * 256 + op]; }

function def(pfx: number, op: number, kind: number, fn: Fn): void { TABLE[pfx * 256 + op] = { fn, kind }; }
/** An instruction on MMX registers (no prefix) and on xmm registers (66). */
function defPQ(op: number, fn: Fn, mmxKind = K_MMX): void { def(0, op, mmxKind, fn); def(1, op, K_SSE, fn); }
/** An instruction on MMX registers: enters MMX mode once its accesses have succeeded. */
function withMmx(fn: Fn): Fn { return (c) => { fn(c); mmxEnter(c.x); }; }

// ---- integer operations: R = f(A, B) over n bytes ----

type Op2 = (n: number) => void;
/** dst = op(dst, src). */
function intOp(f: Op2): Fn {
  return (c) => {
    srcPQ(c);
    if (c.mmx) mmxEnter(c.x);
    getDst(c, A);
    R.u64[0] = A.u64[0]; R.u64[1] = A.u64[1];
    f(c.n);
    setDst(c, R);
  };
}
const sat = (v: number, lo: number, hi: number): number => (v < lo ? lo : v > hi ? hi : v);
type Lanes = 'b' | 'i8' | 'u16' | 'i16' | 'u32' | 'i32';
function lanes(view: Lanes, f: (a: number, b: number) => number): Op2 {
  const size = view === 'b' || view === 'i8' ? 1 : view === 'u16' || view === 'i16' ? 2 : 4;
  return (n) => {
    const a = A[view], b = B[view], r = R[view];
    for (let i = 0; i < n / size; i++) r[i] = f(a[i], b[i]);
  };
}
const q2 = (f: (a: bigint, b: bigint) => bigint): Op2 => (n) => { for (let i = 0; i < n / 8; i++) R.u64[i] = f(A.u64[i], B.u64[i]); };

/** Shift count from the source operand's low quadword (huge when above 32 bits). */
function shiftCount(): number { return B.u32[1] !== 0 ? 0xffff : B.u32[0] > 0xffff ? 0xffff : B.u32[0]; }
/** Shift lanes of width w (2, 4, 8 bytes) by count: kind 0 logical right, 1 arithmetic right, 2 left. */
function shift(n: number, w: number, kind: number, count: number): void {
  const bits = w * 8;
  if (w === 8) {
    for (let i = 0; i < n / 8; i++) {
      const v = A.u64[i];
      R.u64[i] = count >= 64 ? 0n : kind === 2 ? BigInt.asUintN(64, v << BigInt(count)) : v >> BigInt(count);
    }
    return;
  }
  const a = w === 2 ? (kind === 1 ? A.i16 : A.u16) : (kind === 1 ? A.i32 : A.u32);
  const r = w === 2 ? R.u16 : R.u32;
  for (let i = 0; i < n / w; i++) {
    const v = a[i];
    if (kind === 1) r[i] = count >= bits ? (v < 0 ? -1 : 0) : v >> count;
    else if (count >= bits) r[i] = 0;
    else r[i] = kind === 0 ? v >>> count : v << count;
  }
}
function shiftReg(w: number, kind: number): Fn { return intOp((n) => shift(n, w, kind, shiftCount())); }

function pack(view: 'i16' | 'i32', lo: number, hi: number, outView: 'i8' | 'b' | 'i16'): Op2 {
  return (n) => {
    const per = view === 'i16' ? n / 2 : n / 4;
    const out = R[outView];
    for (let i = 0; i < per; i++) { out[i] = sat(A[view][i], lo, hi); out[per + i] = sat(B[view][i], lo, hi); }
  };
}
function unpack(w: number, high: boolean): Op2 {
  return (n) => {
    const cnt = n / (2 * w), base = high ? cnt * w : 0;
    T.u64[0] = A.u64[0]; T.u64[1] = A.u64[1];
    for (let i = 0; i < cnt; i++) {
      for (let k = 0; k < w; k++) {
        R.b[2 * i * w + k] = T.b[base + i * w + k];
        R.b[(2 * i + 1) * w + k] = B.b[base + i * w + k];
      }
    }
  };
}

function initIntOps(): void {
  const L = lanes;
  const I = (op: number, f: Op2, kind = K_MMX) => defPQ(op, intOp(f), kind);
  I(0x60, unpack(1, false)); I(0x61, unpack(2, false)); I(0x62, unpack(4, false));
  I(0x63, pack('i16', -128, 127, 'i8'));
  I(0x64, L('i8', (a, b) => (a > b ? -1 : 0))); I(0x65, L('i16', (a, b) => (a > b ? -1 : 0))); I(0x66, L('i32', (a, b) => (a > b ? -1 : 0)));
  I(0x67, pack('i16', 0, 255, 'b'));
  I(0x68, unpack(1, true)); I(0x69, unpack(2, true)); I(0x6a, unpack(4, true));
  I(0x6b, pack('i32', -32768, 32767, 'i16'));
  def(1, 0x6c, K_SSE, intOp(unpack(8, false))); def(1, 0x6d, K_SSE, intOp(unpack(8, true)));
  I(0x74, L('b', (a, b) => (a === b ? 0xff : 0))); I(0x75, L('u16', (a, b) => (a === b ? 0xffff : 0))); I(0x76, L('i32', (a, b) => (a === b ? -1 : 0)));
  defPQ(0xd1, shiftReg(2, 0)); defPQ(0xd2, shiftReg(4, 0)); defPQ(0xd3, shiftReg(8, 0));
  I(0xd4, q2((a, b) => a + b)); // BigUint64Array stores wrap
  I(0xd5, L('i16', (a, b) => Math.imul(a, b)));
  I(0xd8, L('b', (a, b) => sat(a - b, 0, 255))); I(0xd9, L('u16', (a, b) => sat(a - b, 0, 65535)));
  I(0xda, L('b', (a, b) => Math.min(a, b)), K_SSEMMX);
  I(0xdb, q2((a, b) => a & b));
  I(0xdc, L('b', (a, b) => sat(a + b, 0, 255))); I(0xdd, L('u16', (a, b) => sat(a + b, 0, 65535)));
  I(0xde, L('b', (a, b) => Math.max(a, b)), K_SSEMMX);
  I(0xdf, q2((a, b) => ~a & b));
  I(0xe0, L('b', (a, b) => (a + b + 1) >> 1), K_SSEMMX);
  defPQ(0xe1, shiftReg(2, 1)); defPQ(0xe2, shiftReg(4, 1));
  I(0xe3, L('u16', (a, b) => (a + b + 1) >> 1), K_SSEMMX);
  I(0xe4, L('u16', (a, b) => (a * b) / 65536), K_SSEMMX);
  I(0xe5, L('i16', (a, b) => (a * b) >> 16));
  I(0xe8, L('i8', (a, b) => sat(a - b, -128, 127))); I(0xe9, L('i16', (a, b) => sat(a - b, -32768, 32767)));
  I(0xea, L('i16', (a, b) => Math.min(a, b)), K_SSEMMX);
  I(0xeb, q2((a, b) => a | b));
  I(0xec, L('i8', (a, b) => sat(a + b, -128, 127))); I(0xed, L('i16', (a, b) => sat(a + b, -32768, 32767)));
  I(0xee, L('i16', (a, b) => Math.max(a, b)), K_SSEMMX);
  I(0xef, q2((a, b) => a ^ b));
  defPQ(0xf1, shiftReg(2, 2)); defPQ(0xf2, shiftReg(4, 2)); defPQ(0xf3, shiftReg(8, 2));
  I(0xf4, (n) => { for (let i = 0; i < n / 8; i++) R.u64[i] = BigInt(A.u32[2 * i]) * BigInt(B.u32[2 * i]); });
  I(0xf5, (n) => { for (let i = 0; i < n / 4; i++) R.i32[i] = (A.i16[2 * i] * B.i16[2 * i] + A.i16[2 * i + 1] * B.i16[2 * i + 1]) | 0; });
  I(0xf6, (n) => {
    for (let i = 0; i < n / 8; i++) {
      let s = 0;
      for (let k = 0; k < 8; k++) s += Math.abs(A.b[8 * i + k] - B.b[8 * i + k]);
      R.u64[i] = BigInt(s);
    }
  }, K_SSEMMX);
  I(0xf8, L('b', (a, b) => a - b)); I(0xf9, L('u16', (a, b) => a - b)); I(0xfa, L('i32', (a, b) => a - b));
  I(0xfb, q2((a, b) => a - b));
  I(0xfc, L('b', (a, b) => a + b)); I(0xfd, L('u16', (a, b) => a + b)); I(0xfe, L('i32', (a, b) => a + b));

  // shift groups by immediate: 0F 71/72/73, register operand only
  const grp = (op: number, ops: (((c: Ins) => void) | undefined)[], xmmOnly: boolean[]) => {
    const mk1 = (xmm: boolean): Fn => (c) => {
      const f = ops[c.reg];
      if (c.mod !== 3 || !f || (!xmm && xmmOnly[c.reg])) c.cpu.raise(EXC_UD, -1, c.eip);
      if (c.mmx) { mmxEnter(c.x); mmGet(c, c.rm, A); } else xmmGet(c, c.rm, A);
      R.u64[0] = A.u64[0]; R.u64[1] = A.u64[1];
      (f as Fn)(c);
      if (c.mmx) mmSet(c, c.rm, R); else xmmSet(c, c.rm, R);
    };
    def(0, op, K_MMX, mk1(false)); def(1, op, K_SSE, mk1(true));
  };
  const sh = (w: number, kind: number) => (c: Ins) => shift(c.n, w, kind, c.imm);
  const none = [false, false, false, false, false, false, false, false];
  grp(0x71, [undefined, undefined, sh(2, 0), undefined, sh(2, 1), undefined, sh(2, 2), undefined], none);
  grp(0x72, [undefined, undefined, sh(4, 0), undefined, sh(4, 1), undefined, sh(4, 2), undefined], none);
  const byteShift = (left: boolean) => (c: Ins) => {
    const k = c.imm > 16 ? 16 : c.imm;
    for (let i = 0; i < 16; i++) {
      const j = left ? i - k : i + k;
      R.b[i] = j >= 0 && j < 16 ? A.b[j] : 0;
    }
  };
  grp(0x73, [undefined, undefined, sh(8, 0), byteShift(false), undefined, undefined, sh(8, 2), byteShift(true)],
    [false, false, false, true, false, false, false, true]);
}

// ---- moves ----

function initMoves(): void {
  // movd/movq
  def(0, 0x6e, K_MMX, withMmx((c) => { loadSrc(c, Src.E); mmSet(c, c.reg, B); }));
  def(1, 0x6e, K_SSE, (c) => { loadSrc(c, Src.E); xmmSet(c, c.reg, B); });
  const storeE = (c: Ins, v: number) => {
    if (c.mod === 3) c.cpu.s[c.rm] = v;
    else { T.i32[0] = v; memStore(c, T, 4, false); }
  };
  def(0, 0x7e, K_MMX, withMmx((c) => { mmGet(c, c.reg, A); storeE(c, A.i32[0]); }));
  def(1, 0x7e, K_SSE, (c) => { xmmGet(c, c.reg, A); storeE(c, A.i32[0]); });
  def(2, 0x7e, K_SSE, (c) => { loadSrc(c, Src.W64); B.u64[1] = 0n; xmmSet(c, c.reg, B); }); // movq xmm, xmm/m64
  def(0, 0x6f, K_MMX, withMmx((c) => { loadSrc(c, Src.Q); mmSet(c, c.reg, B); }));
  def(1, 0x6f, K_SSE, (c) => { loadSrc(c, Src.W); xmmSet(c, c.reg, B); });
  def(2, 0x6f, K_SSE, (c) => { loadSrc(c, Src.WU); xmmSet(c, c.reg, B); });
  def(0, 0x7f, K_MMX, withMmx((c) => {
    mmGet(c, c.reg, A);
    if (c.mod === 3) mmSet(c, c.rm, A); else memStore(c, A, 8, false);
  }));
  const store128 = (align: boolean) => (c: Ins) => {
    xmmGet(c, c.reg, A);
    if (c.mod === 3) xmmSet(c, c.rm, A); else memStore(c, A, 16, align);
  };
  def(1, 0x7f, K_SSE, store128(true)); def(2, 0x7f, K_SSE, store128(false));
  // movups/movupd, movaps/movapd
  def(0, 0x10, K_SSE, (c) => { loadSrc(c, Src.WU); xmmSet(c, c.reg, B); });
  def(1, 0x10, K_SSE, TABLE[0x10]!.fn);
  def(0, 0x11, K_SSE, store128(false)); def(1, 0x11, K_SSE, store128(false));
  def(0, 0x28, K_SSE, (c) => { loadSrc(c, Src.W); xmmSet(c, c.reg, B); });
  def(1, 0x28, K_SSE, TABLE[0x28]!.fn);
  def(0, 0x29, K_SSE, store128(true)); def(1, 0x29, K_SSE, store128(true));
  // movss / movsd
  const movs = (bytes: number) => (c: Ins) => {
    xmmGet(c, c.reg, A);
    if (c.mod === 3) { xmmGet(c, c.rm, B); for (let i = 0; i < bytes; i++) A.b[i] = B.b[i]; }
    else { memLoad(c, B, bytes, false); A.u64[0] = B.u64[0]; A.u64[1] = 0n; }
    xmmSet(c, c.reg, A);
  };
  def(2, 0x10, K_SSE, movs(4)); def(3, 0x10, K_SSE, movs(8));
  const movsStore = (bytes: number) => (c: Ins) => {
    xmmGet(c, c.reg, A);
    if (c.mod === 3) { xmmGet(c, c.rm, B); for (let i = 0; i < bytes; i++) B.b[i] = A.b[i]; xmmSet(c, c.rm, B); }
    else memStore(c, A, bytes, false);
  };
  def(2, 0x11, K_SSE, movsStore(4)); def(3, 0x11, K_SSE, movsStore(8));
  // movlps/movhlps, movlpd; movhps/movlhps, movhpd
  const half = (hiDst: boolean, pd: boolean) => (c: Ins) => {
    xmmGet(c, c.reg, A);
    if (c.mod === 3) {
      if (pd) c.cpu.raise(EXC_UD, -1, c.eip);
      xmmGet(c, c.rm, B);
      if (hiDst) A.u64[1] = B.u64[0]; else A.u64[0] = B.u64[1]; // movlhps / movhlps
    } else {
      memLoad(c, B, 8, false);
      A.u64[hiDst ? 1 : 0] = B.u64[0];
    }
    xmmSet(c, c.reg, A);
  };
  def(0, 0x12, K_SSE, half(false, false)); def(1, 0x12, K_SSE, half(false, true));
  def(0, 0x16, K_SSE, half(true, false)); def(1, 0x16, K_SSE, half(true, true));
  const halfStore = (hi: boolean) => (c: Ins) => {
    if (c.mod === 3) c.cpu.raise(EXC_UD, -1, c.eip);
    xmmGet(c, c.reg, A);
    T.u64[0] = A.u64[hi ? 1 : 0];
    memStore(c, T, 8, false);
  };
  def(0, 0x13, K_SSE, halfStore(false)); def(1, 0x13, K_SSE, halfStore(false));
  def(0, 0x17, K_SSE, halfStore(true)); def(1, 0x17, K_SSE, halfStore(true));
  // non-temporal stores
  const memOnly = (f: Fn): Fn => (c) => { if (c.mod === 3) c.cpu.raise(EXC_UD, -1, c.eip); f(c); };
  def(0, 0x2b, K_SSE, memOnly(store128(true))); def(1, 0x2b, K_SSE, memOnly(store128(true)));
  def(1, 0xe7, K_SSE, memOnly(store128(true)));
  def(0, 0xe7, K_SSEMMX, memOnly(withMmx((c) => { mmGet(c, c.reg, A); memStore(c, A, 8, false); })));
  // movq xmm/m64, xmm (66 D6); movq2dq; movdq2q
  def(1, 0xd6, K_SSE, (c) => {
    xmmGet(c, c.reg, A);
    if (c.mod === 3) { A.u64[1] = 0n; xmmSet(c, c.rm, A); } else memStore(c, A, 8, false);
  });
  def(2, 0xd6, K_SSE, (c) => {
    if (c.mod !== 3) c.cpu.raise(EXC_UD, -1, c.eip);
    pendingX87(c); mmxEnter(c.x); mmGet(c, c.rm, A); xmmSet(c, c.reg, A);
  });
  def(3, 0xd6, K_SSE, (c) => {
    if (c.mod !== 3) c.cpu.raise(EXC_UD, -1, c.eip);
    pendingX87(c); mmxEnter(c.x); xmmGet(c, c.rm, A); mmSet(c, c.reg, A);
  });
  // movmskps/pd, pmovmskb
  def(0, 0x50, K_SSE, (c) => { loadSrc(c, Src.U); let m = 0; for (let i = 0; i < 4; i++) m |= (B.u32[i] >>> 31) << i; c.cpu.s[c.reg] = m; });
  def(1, 0x50, K_SSE, (c) => { loadSrc(c, Src.U); c.cpu.s[c.reg] = (B.u32[1] >>> 31) | ((B.u32[3] >>> 31) << 1); });
  const movmskb = (c: Ins) => {
    loadSrc(c, c.mmx ? Src.N : Src.U);
    if (c.mmx) mmxEnter(c.x);
    let m = 0;
    for (let i = 0; i < c.n; i++) m |= (B.b[i] >> 7) << i;
    c.cpu.s[c.reg] = m;
  };
  def(0, 0xd7, K_SSEMMX, movmskb); def(1, 0xd7, K_SSE, movmskb);
  // movnti
  def(0, 0xc3, K_SSE, memOnly((c) => { T.i32[0] = c.cpu.s[c.reg]; memStore(c, T, 4, false); }));
  // emms
  def(0, 0x77, K_MMX, (c) => { c.x.top = 0; c.x.empty = 0xff; });
  // shuffles, insert/extract
  const pshufw = (c: Ins) => {
    srcPQ(c); if (c.mmx) mmxEnter(c.x);
    getDst(c, R);
    for (let i = 0; i < 4; i++) R.u16[i] = B.u16[(c.imm >> (2 * i)) & 3];
    setDst(c, R);
  };
  def(0, 0x70, K_SSEMMX, pshufw);
  def(1, 0x70, K_SSE, (c) => { loadSrc(c, Src.W); for (let i = 0; i < 4; i++) R.u32[i] = B.u32[(c.imm >> (2 * i)) & 3]; xmmSet(c, c.reg, R); });
  const pshufhl = (hi: boolean) => (c: Ins) => {
    loadSrc(c, Src.W);
    R.u64[0] = B.u64[0]; R.u64[1] = B.u64[1];
    const o = hi ? 4 : 0;
    for (let i = 0; i < 4; i++) R.u16[o + i] = B.u16[o + ((c.imm >> (2 * i)) & 3)];
    xmmSet(c, c.reg, R);
  };
  def(2, 0x70, K_SSE, pshufhl(true)); def(3, 0x70, K_SSE, pshufhl(false));
  const pinsrw = (c: Ins) => {
    if (c.mod === 3) B.i32[0] = c.cpu.s[c.rm];
    else { c.cpu.alignCheck(c.addr, 2, c.eip); B.i32[0] = c.cpu.mem.ld(c.addr, 1, c.eip); }
    if (c.mmx) mmxEnter(c.x);
    getDst(c, R);
    R.u16[c.imm & (c.mmx ? 3 : 7)] = B.u16[0];
    setDst(c, R);
  };
  def(0, 0xc4, K_SSEMMX, pinsrw); def(1, 0xc4, K_SSE, pinsrw);
  const pextrw = (c: Ins) => {
    loadSrc(c, c.mmx ? Src.N : Src.U);
    if (c.mmx) mmxEnter(c.x);
    c.cpu.s[c.reg] = B.u16[c.imm & (c.mmx ? 3 : 7)];
  };
  def(0, 0xc5, K_SSEMMX, pextrw); def(1, 0xc5, K_SSE, pextrw);
  def(0, 0xc6, K_SSE, (c) => {
    loadSrc(c, Src.W); xmmGet(c, c.reg, A);
    const s = c.imm;
    R.u32[0] = A.u32[s & 3]; R.u32[1] = A.u32[(s >> 2) & 3]; R.u32[2] = B.u32[(s >> 4) & 3]; R.u32[3] = B.u32[(s >> 6) & 3];
    xmmSet(c, c.reg, R);
  });
  def(1, 0xc6, K_SSE, (c) => {
    loadSrc(c, Src.W); xmmGet(c, c.reg, A);
    R.u64[0] = A.u64[c.imm & 1]; R.u64[1] = B.u64[(c.imm >> 1) & 1];
    xmmSet(c, c.reg, R);
  });
  // unpcklps/pd, unpckhps/pd
  const unp = (w: number, high: boolean): Fn => (c) => { loadSrc(c, Src.W); xmmGet(c, c.reg, A); unpack(w, high)(16); xmmSet(c, c.reg, R); };
  def(0, 0x14, K_SSE, unp(4, false)); def(1, 0x14, K_SSE, unp(8, false));
  def(0, 0x15, K_SSE, unp(4, true)); def(1, 0x15, K_SSE, unp(8, true));
  // logic on packed floats
  const logic = (f: (a: bigint, b: bigint) => bigint): Fn => (c) => {
    loadSrc(c, Src.W); xmmGet(c, c.reg, A);
    R.u64[0] = f(A.u64[0], B.u64[0]); R.u64[1] = f(A.u64[1], B.u64[1]);
    xmmSet(c, c.reg, R);
  };
  for (const p of [0, 1]) {
    def(p, 0x54, K_SSE, logic((a, b) => a & b));
    def(p, 0x55, K_SSE, logic((a, b) => ~a & b));
    def(p, 0x56, K_SSE, logic((a, b) => a | b));
    def(p, 0x57, K_SSE, logic((a, b) => a ^ b));
  }
  // maskmovq / maskmovdqu: byte stores to DS:EDI where the mask byte's top bit is set
  const maskmov = (c: Ins) => {
    if (c.mod !== 3) c.cpu.raise(EXC_UD, -1, c.eip);
    if (c.mmx) { mmxEnter(c.x); mmGet(c, c.reg, A); mmGet(c, c.rm, B); } else { xmmGet(c, c.reg, A); xmmGet(c, c.rm, B); }
    for (let i = 0; i < c.n; i++) if (B.b[i] & 0x80) c.cpu.mem.st((c.addr + i) | 0, A.b[i], 0, c.eip);
  };
  def(0, 0xf7, K_SSEMMX, maskmov); def(1, 0xf7, K_SSE, maskmov);
}

// ---- floating point ----

const st = new FpStatus();
/** Denormal flags of the operands just read (DEN_A / DEN_B). */
let den = 0;

/** Set up `st` for a float32 (single) or float64 operation under MXCSR. */
function fpBegin(c: Ins, single: boolean): void {
  const mx = c.x.mxcsr;
  st.rc = (mx >> 13) & 3;
  st.prec = single ? 24 : 53;
  st.emin = single ? -126 : -1022;
  st.emax = single ? 127 : 1023;
  st.flags = 0;
  st.roundedUp = false;
  st.umOE = (mx & 0x400) === 0;
  st.umUE = (mx & 0x800) === 0 || (mx & MX_FTZ) !== 0;
  st.bias = false;
}

/** Lane i of v as float80 (float32 lanes when single); DAZ flushes denormals; sets `den` bit `bit`. */
function lane(c: Ins, v: Vec, i: number, single: boolean, bit: number): F80 {
  if (single) {
    const w = v.i32[i];
    if ((w & 0x7f800000) === 0 && (w & 0x7fffff) !== 0) {
      if (c.x.mxcsr & MX_DAZ) return mk((w >>> 31) << 15, 0n);
      den |= bit;
    }
    return fromF32(w);
  }
  const lo = v.i32[2 * i], hi = v.i32[2 * i + 1];
  if ((hi & 0x7ff00000) === 0 && ((hi & 0xfffff) | lo) !== 0) {
    if (c.x.mxcsr & MX_DAZ) return mk((hi >>> 31) << 15, 0n);
    den |= bit;
  }
  return fromF64(hi, lo);
}

/** Store float80 r (already rounded to the format, or a NaN) into lane i of v; FTZ applies. */
function setLane(c: Ins, v: Vec, i: number, single: boolean, r: F80, flags: number): void {
  const ftz = (c.x.mxcsr & MX_FTZ) !== 0 && (c.x.mxcsr & 0x800) !== 0;
  if (ftz && (flags & FE_UE)) { st.flags |= FE_UE | FE_PE; r = mk(r.se & 0x8000, 0n); }
  if (single) v.i32[i] = toF32(r, st);
  else { const [hi, lo] = toF64(r, st); v.i32[2 * i] = lo; v.i32[2 * i + 1] = hi; }
}

/** The flags of one lane's result: an unmasked overflow or underflow does not report PE. */
function postFlags(c: Ins, f: number): number {
  const mx = c.x.mxcsr;
  if ((f & FE_OE) && !(mx & 0x400)) f &= ~FE_PE;
  if ((f & FE_UE) && !(mx & 0x800)) f &= ~FE_PE;
  return f;
}

/**
 * Merge st.flags into MXCSR and raise the unmasked exceptions (#XM, or #UD without
 * CR4.OSXMMEXCPT); the caller writes its destination only when this returns. An unmasked
 * pre-computation exception (IE DE ZE, in any lane) stops the instruction before the results
 * exist: only the pre-computation flags are recorded.
 */
function fpEnd(c: Ins): void {
  const x = c.x;
  const f = st.flags & 0x3f, masks = (x.mxcsr >> 7) & 0x3f;
  const pre = f & (FE_IE | FE_DE | FE_ZE);
  const fault = (): never => c.cpu.raise(c.cpu.s[CR4] & CR4_OSXMMEXCPT ? EXC_XM : EXC_UD, -1, c.eip);
  if (pre & ~masks) { x.mxcsr |= pre; fault(); }
  x.mxcsr |= f;
  if (f & ~masks) fault();
}

/** SSE NaN rule for two operands: the first NaN (destination first), quieted; IE for an SNaN. */
function nan2(a: F80, b: F80): F80 | null {
  const an = isNaN80(a), bn = isNaN80(b);
  if (!an && !bn) return null;
  if (isSNaN(a) || isSNaN(b)) st.flags |= FE_IE;
  return quiet(an ? a : b);
}

const OP_ADD = 0, OP_SUB = 1, OP_MUL = 2, OP_DIV = 3, OP_MIN = 4, OP_MAX = 5, OP_SQRT = 6;
function arith(op: number, a: F80, b: F80, d: number): F80 {
  if (op === OP_SQRT) {
    if (isNaN80(b)) { if (isSNaN(b)) st.flags |= FE_IE; return quiet(b); }
    const r = sqrt(b, st);
    if ((d & DEN_B) && !(st.flags & FE_IE)) st.flags |= FE_DE;
    return r;
  }
  const n = nan2(a, b);
  if (n) return n;
  switch (op) {
    case OP_ADD: return add(a, b, st, false, d);
    case OP_SUB: return add(a, b, st, true, d);
    case OP_MUL: return mul(a, b, st, d);
    default: return div(a, b, st, d);
  }
}

// ---- fast path: round to nearest on normal operands with a normal result, in host doubles ----
//
// A float32 operation done in binary64 and rounded again to float32 (Math.fround) is correctly
// rounded for + - * / sqrt (53 >= 2 * 24 + 2). Exactness (PE) comes from error-free
// transformations: TwoSum for sums, Dekker's product for products, quotients and roots. Anything
// else (NaN, infinity, denormal operand, zero divisor, tiny or huge result, other rounding
// modes) returns -1 and takes the exact software path.

/** Lane i of v is zero or a normal number (float32 lanes when single). */
function plain(v: Vec, i: number, single: boolean): boolean {
  if (single) { const w = v.i32[i], e = (w >>> 23) & 0xff; return e === 0 ? (w & 0x7fffffff) === 0 : e !== 0xff; }
  const hi = v.i32[2 * i + 1], e = (hi >>> 20) & 0x7ff;
  return e === 0 ? ((hi & 0x7fffffff) | v.i32[2 * i]) === 0 : e !== 0x7ff;
}
const SPLIT = 134217729; // 2^27 + 1
let prodLo = 0;
/** x * y = returned value + prodLo exactly (no overflow/underflow in the range checked by callers). */
function twoProd(x: number, y: number): number {
  const p = x * y;
  let t = SPLIT * x; const xh = t - (t - x), xl = x - xh;
  t = SPLIT * y; const yh = t - (t - y), yl = y - yh;
  prodLo = ((xh * yh - p) + xh * yl + xl * yh) + xl * yl;
  return p;
}
/** |x| is 0 or within the range where products of it split exactly. */
const safe = (x: number): boolean => x === 0 || (Math.abs(x) < 2 ** 995 && Math.abs(x) > 2 ** -900);
/**
 * A nonzero result the fast path may deliver: finite, and strictly above the smallest normal
 * (a result rounded up to it may still be tiny); doubles keep well clear of the range where
 * Dekker's product loses bits.
 */
const normal = (r: number, single: boolean): boolean =>
  single ? Math.abs(r) > 2 ** -126 && Math.abs(r) < Infinity : Math.abs(r) > 2 ** -900 && Math.abs(r) < Infinity;

/** Tuning knob for tests: compare the fast path against the exact software path. */
export const sseTuning = { fastPath: true };

/** Compute lane i of op into R; returns the flags (0 or PE), or -1 for the slow path. */
function fastLane(op: number, single: boolean, i: number): number {
  if (!plain(B, i, single) || (op !== OP_SQRT && !plain(A, i, single))) return -1;
  const x = single ? A.f32[i] : A.f64[i], y = single ? B.f32[i] : B.f64[i];
  let r: number, exact: boolean;
  switch (op) {
    case OP_ADD: case OP_SUB: {
      const yy = op === OP_SUB ? -y : y;
      const s = x + yy, bb = s - x, e = (x - (s - bb)) + (yy - bb);
      r = single ? Math.fround(s) : s;
      exact = r === s && e === 0;
      break;
    }
    case OP_MUL: {
      if (single) { const p = x * y; r = Math.fround(p); exact = r === p; break; }
      if (!safe(x) || !safe(y)) return -1;
      r = twoProd(x, y);
      exact = prodLo === 0;
      break;
    }
    case OP_DIV: {
      if (y === 0) return -1;
      const q = x / y;
      r = single ? Math.fround(q) : q;
      if (single) { exact = r * y === x; break; } // 24 x 24 bits: exact in binary64
      if (!safe(r) || !safe(y) || !safe(x)) return -1;
      exact = twoProd(r, y) === x && prodLo === 0;
      break;
    }
    case OP_SQRT: {
      if (y < 0) return -1;
      const q = Math.sqrt(y);
      r = single ? Math.fround(q) : q;
      if (single) { exact = r * r === y; break; }
      if (!safe(r) || !safe(y)) return -1;
      exact = twoProd(r, r) === y && prodLo === 0;
      break;
    }
    default: return -1;
  }
  if (r === 0) {
    // only a true zero (an operand zero, or an exact cancellation), never an underflow
    const zero = op === OP_MUL ? x === 0 || y === 0 : op === OP_DIV ? x === 0 : op === OP_SQRT ? y === 0 : exact;
    if (!zero) return -1;
  } else if (!normal(r, single)) return -1;
  if (single) R.f32[i] = r; else R.f64[i] = r;
  return exact ? 0 : FE_PE;
}

/** Binary float op over `count` lanes (scalar: count 1, the rest of the destination kept). */
function fpArith(op: number, single: boolean, count: number): Fn {
  const scalar = count === 1;
  const src = scalar ? (single ? Src.W32 : Src.W64) : Src.W;
  return (c) => {
    loadSrc(c, src);
    xmmGet(c, c.reg, A);
    R.u64[0] = A.u64[0]; R.u64[1] = A.u64[1];
    fpBegin(c, single);
    const fast = st.rc === 0 && op !== OP_MIN && op !== OP_MAX && sseTuning.fastPath;
    for (let i = 0; i < count; i++) {
      if (fast) {
        const fl = fastLane(op, single, i);
        if (fl >= 0) { st.flags |= fl; continue; }
      }
      den = 0;
      const a = lane(c, A, i, single, DEN_A), b = lane(c, B, i, single, DEN_B);
      if (op === OP_MIN || op === OP_MAX) {
        // min/max: a NaN or two zeros give the source; any NaN raises IE
        const r = compare(a, b, false, st, den);
        const pickA = r !== CMP_UN && (op === OP_MIN ? r === CMP_LT : r === CMP_GT);
        // the chosen operand as it is (an SNaN stays signalling), or its DAZ-flushed zero
        const v = pickA ? A : B, fz = pickA ? a : b;
        if (single) R.i32[i] = fz.m === 0n ? (fz.se & 0x8000) << 16 : v.i32[i];
        else if (fz.m === 0n) { R.i32[2 * i] = 0; R.i32[2 * i + 1] = (fz.se & 0x8000) << 16; }
        else R.u64[i] = v.u64[i];
        continue;
      }
      const before = st.flags;
      st.flags = 0;
      const r = arith(op, a, b, den);
      setLane(c, R, i, single, r, st.flags);
      st.flags = before | postFlags(c, st.flags);
    }
    fpEnd(c);
    xmmSet(c, c.reg, R);
  };
}

/** cmpps/pd/ss/sd: predicate imm & 7 (EQ LT LE UNORD NEQ NLT NLE ORD). */
function fpCmp(single: boolean, count: number): Fn {
  const src = count === 1 ? (single ? Src.W32 : Src.W64) : Src.W;
  return (c) => {
    loadSrc(c, src);
    xmmGet(c, c.reg, A);
    R.u64[0] = A.u64[0]; R.u64[1] = A.u64[1];
    fpBegin(c, single);
    const p = c.imm & 7;
    const signaling = p === 1 || p === 2 || p === 5 || p === 6;
    for (let i = 0; i < count; i++) {
      den = 0;
      const a = lane(c, A, i, single, DEN_A), b = lane(c, B, i, single, DEN_B);
      const r = compare(a, b, !signaling, st, den);
      let t: boolean;
      switch (p & 3) {
        case 0: t = r === CMP_EQ; break;
        case 1: t = r === CMP_LT; break;
        case 2: t = r === CMP_LT || r === CMP_EQ; break;
        default: t = r === CMP_UN; break;
      }
      if (p & 4) t = !t;
      if (single) R.i32[i] = t ? -1 : 0; else R.u64[i] = t ? 0xffffffffffffffffn : 0n;
    }
    fpEnd(c);
    xmmSet(c, c.reg, R);
  };
}

/** comiss/ucomiss/comisd/ucomisd: ZF PF CF from the comparison, OF SF AF cleared. */
function fpComi(single: boolean, quietCmp: boolean): Fn {
  return (c) => {
    loadSrc(c, single ? Src.W32 : Src.W64);
    xmmGet(c, c.reg, A);
    fpBegin(c, single);
    den = 0;
    const a = lane(c, A, 0, single, DEN_A), b = lane(c, B, 0, single, DEN_B);
    const r = compare(a, b, quietCmp, st, den);
    fpEnd(c);
    const f = r === CMP_UN ? 0x45 : r === CMP_EQ ? 0x40 : r === CMP_LT ? 0x01 : 0;
    c.cpu.setEflags(f, 0x8d5);
  };
}

/** rcp/rsqrt approximations: the exactly rounded single result (within Intel's 1.5 * 2^-12). */
function fpApprox(rsqrt: boolean, count: number): Fn {
  return (c) => {
    loadSrc(c, count === 1 ? Src.W32 : Src.W);
    xmmGet(c, c.reg, R);
    for (let i = 0; i < count; i++) {
      T.i32[0] = B.i32[i];
      let v = new Float32Array(T.b.buffer, 0, 1)[0];
      if ((B.i32[i] & 0x7f800000) === 0) v = (B.i32[i] < 0 ? -0 : 0); // denormal inputs count as zero
      const r = rsqrt ? (v < 0 ? NaN : 1 / Math.sqrt(v)) : 1 / v;
      const f = new Float32Array(1);
      f[0] = Number.isNaN(r) ? NaN : r;
      let bits = new Int32Array(f.buffer)[0];
      if (Number.isNaN(v)) bits = B.i32[i] | 0x400000;
      else if (Number.isNaN(r)) bits = 0xffc00000 | 0;
      else if ((bits & 0x7f800000) === 0) bits &= 0x80000000; // tiny results flush to zero
      R.i32[i] = bits;
    }
    xmmSet(c, c.reg, R);
  };
}

// ---- conversions ----

/** float80 to int32 (trunc or MXCSR rounding); IE → 0x80000000. */
function toI32(a: F80, trunc: boolean): number {
  return Number(toInt(a, 32, trunc, st)) | 0;
}
function fromI32(v: number): F80 { return fromBigInt(BigInt(v | 0)); }

function initFloat(): void {
  const ops: [number, number][] = [[0x58, OP_ADD], [0x59, OP_MUL], [0x5c, OP_SUB], [0x5d, OP_MIN], [0x5e, OP_DIV], [0x5f, OP_MAX], [0x51, OP_SQRT]];
  for (const [opc, op] of ops) {
    def(0, opc, K_SSE, fpArith(op, true, 4));
    def(1, opc, K_SSE, fpArith(op, false, 2));
    def(2, opc, K_SSE, fpArith(op, true, 1));
    def(3, opc, K_SSE, fpArith(op, false, 1));
  }
  def(0, 0xc2, K_SSE, fpCmp(true, 4)); def(1, 0xc2, K_SSE, fpCmp(false, 2));
  def(2, 0xc2, K_SSE, fpCmp(true, 1)); def(3, 0xc2, K_SSE, fpCmp(false, 1));
  def(0, 0x2e, K_SSE, fpComi(true, true)); def(1, 0x2e, K_SSE, fpComi(false, true));
  def(0, 0x2f, K_SSE, fpComi(true, false)); def(1, 0x2f, K_SSE, fpComi(false, false));
  def(0, 0x52, K_SSE, fpApprox(true, 4)); def(2, 0x52, K_SSE, fpApprox(true, 1));
  def(0, 0x53, K_SSE, fpApprox(false, 4)); def(2, 0x53, K_SSE, fpApprox(false, 1));

  /**
   * A conversion: read the source (class s), then for each of `count` lanes convert; `out`
   * writes the result (R starts as the destination register's value).
   */
  type Conv = (c: Ins, i: number) => void;
  const conv = (s: Src, single: boolean, count: number, f: Conv, opts: { clearHigh?: boolean; mmDst?: boolean; mmSrc?: boolean; gpr?: boolean } = {}): Fn => (c) => {
    // an MMX register operand: a pending x87 exception first (#MF), MMX mode once done
    const mmx = opts.mmDst || (opts.mmSrc && c.mod === 3);
    if (mmx) pendingX87(c);
    if (opts.mmSrc && c.mod === 3) { mmGet(c, c.rm, B); } else loadSrc(c, s);
    if (opts.mmDst) R.u64[0] = R.u64[1] = 0n; else xmmGet(c, c.reg, R);
    if (opts.clearHigh) R.u64[1] = 0n;
    fpBegin(c, single);
    for (let i = 0; i < count; i++) { den = 0; f(c, i); }
    fpEnd(c);
    if (mmx) mmxEnter(c.x);
    if (opts.gpr) c.cpu.s[c.reg] = R.i32[0];
    else if (opts.mmDst) mmSet(c, c.reg, R);
    else xmmSet(c, c.reg, R);
  };
  /** float → int32 lanes */
  const f2i = (single: boolean, trunc: boolean): Conv => (c, i) => { R.i32[i] = toI32(lane(c, B, i, single, 0), trunc); };
  const i2f = (single: boolean): Conv => (c, i) => { setLane(c, R, i, single, fromI32(B.i32[i]), 0); };
  const f2f = (fromSingle: boolean): Conv => (c, i) => {
    const a = lane(c, B, i, fromSingle, DEN_A);
    const before = st.flags;
    st.flags = 0;
    let r: F80;
    if (isNaN80(a)) { if (isSNaN(a)) st.flags |= FE_IE; r = quiet(a); }
    else {
      if (den) st.flags |= FE_DE;
      // round to the destination format: the exact value through the arithmetic rounding
      r = mul(a, fromI32(1), st);
    }
    setLane(c, R, i, !fromSingle, r, st.flags);
    st.flags = before | postFlags(c, st.flags);
  };
  // cvtsi2ss/sd, cvtpi2ps/pd
  def(2, 0x2a, K_SSE, conv(Src.E, true, 1, i2f(true)));
  def(3, 0x2a, K_SSE, conv(Src.E, false, 1, i2f(false)));
  def(0, 0x2a, K_SSE, conv(Src.Q, true, 2, i2f(true), { mmSrc: true }));
  def(1, 0x2a, K_SSE, conv(Src.Q, false, 2, i2f(false), { mmSrc: true }));
  // cvt(t)ss2si, cvt(t)sd2si, cvt(t)ps2pi, cvt(t)pd2pi
  for (const trunc of [true, false]) {
    const opc = trunc ? 0x2c : 0x2d;
    def(2, opc, K_SSE, conv(Src.W32, true, 1, f2i(true, trunc), { gpr: true }));
    def(3, opc, K_SSE, conv(Src.W64, false, 1, f2i(false, trunc), { gpr: true }));
    def(0, opc, K_SSE, conv(Src.W64, true, 2, f2i(true, trunc), { mmDst: true }));
    def(1, opc, K_SSE, conv(Src.W, false, 2, f2i(false, trunc), { mmDst: true }));
  }
  // 5A: cvtps2pd cvtpd2ps cvtss2sd cvtsd2ss — the lane layout differs, so convert via T
  const widen = (count: number, s: Src): Fn => (c) => {
    loadSrc(c, s);
    xmmGet(c, c.reg, R);
    if (count === 2) R.u64[1] = 0n;
    fpBegin(c, false);
    for (let i = 0; i < count; i++) { den = 0; f2f(true)(c, i); }
    fpEnd(c);
    xmmSet(c, c.reg, R);
  };
  def(0, 0x5a, K_SSE, widen(2, Src.W64));
  def(2, 0x5a, K_SSE, widen(1, Src.W32));
  const narrow = (count: number, s: Src): Fn => (c) => {
    loadSrc(c, s);
    xmmGet(c, c.reg, R);
    if (count === 2) { R.u64[0] = 0n; R.u64[1] = 0n; }
    fpBegin(c, true);
    for (let i = 0; i < count; i++) { den = 0; f2f(false)(c, i); }
    fpEnd(c);
    xmmSet(c, c.reg, R);
  };
  def(1, 0x5a, K_SSE, narrow(2, Src.W));
  def(3, 0x5a, K_SSE, narrow(1, Src.W64));
  // 5B: cvtdq2ps cvtps2dq cvttps2dq
  def(0, 0x5b, K_SSE, conv(Src.W, true, 4, i2f(true)));
  def(1, 0x5b, K_SSE, conv(Src.W, true, 4, f2i(true, false)));
  def(2, 0x5b, K_SSE, conv(Src.W, true, 4, f2i(true, true)));
  // E6: cvttpd2dq cvtdq2pd cvtpd2dq
  def(1, 0xe6, K_SSE, conv(Src.W, false, 2, f2i(false, true), { clearHigh: true }));
  def(3, 0xe6, K_SSE, conv(Src.W, false, 2, f2i(false, false), { clearHigh: true }));
  def(2, 0xe6, K_SSE, (c) => {
    loadSrc(c, Src.W64);
    fpBegin(c, false);
    for (let i = 1; i >= 0; i--) { const v = B.i32[i]; setLane(c, R, i, false, fromI32(v), 0); }
    fpEnd(c);
    xmmSet(c, c.reg, R);
  });
}

initIntOps();
initMoves();
initFloat();
