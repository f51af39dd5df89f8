// x87 instruction execution: the D8-DF decoder (two tables, memory and register forms, indexed
// by opcode and ModRM) and the instructions. Each instruction reads its memory operand first,
// computes, writes memory, and only then changes the FPU state, so that a faulting access (or a
// self-modifying-code restart) leaves the state as it was.
import type { X86Cpu } from '../cpu';
import { Access } from '../mmu';
import { CR0, CR0_EM, CR0_NE, CR0_TS, R_EAX, SEG_CS, SEG_SEL } from '../state';
import {
  BCD_INDEF, CMP_EQ, CMP_GT, CMP_LT, DEN_A, DEN_B, F80, FE_IE, FpStatus, INDEF, JBIT, ONE, ZERO, abs, add, compare, div,
  extract, f32IsDen, f64IsDen, fromBcd, fromBigInt, fromF32, fromF64, fromWords, isDen, isInf, isNaN80, isSNaN,
  isUnsupported, isZero, mk, mul, neg, quiet, remainder, roundInt, scale, sigHi, sigLo, specials1, sqrt, toBcd, toF32,
  toF64, toInt, FE_ZE, FE_DE,
} from './float80';
import { SW_C0, SW_C1, SW_C2, SW_C3, SW_CC, SW_ES, SW_B, X87State } from './state';
import { f2xm1, fpatan, fyl2x, fyl2xp1, sinCos, tan } from './transcend';
import { fldenv, fnsave, fnstenv, frstor } from './env';

export const EXC_UD = 6, EXC_NM = 7, EXC_GP = 13, EXC_MF = 16;

/** Decoded instruction being executed. */
export interface Insn {
  cpu: X86Cpu;
  x: X87State;
  /** Linear address of the memory operand; ea its offset (the FPU data pointer). */
  addr: number;
  ea: number;
  /** EIP of the instruction (its first prefix). */
  eip: number;
  opword: number;
  /** ModRM reg and rm fields. */
  reg: number;
  rm: number;
  o16: boolean;
  seg: number;
}
const I: Insn = { cpu: undefined as unknown as X86Cpu, x: undefined as unknown as X87State, addr: 0, ea: 0, eip: 0, opword: 0, reg: 0, rm: 0, o16: false, seg: 0 };

type Handler = (c: Insn) => void;
/** Handler flags: does not check pending exceptions (fn* forms). */
const NOWAIT = 1;
interface Entry { fn: Handler; flags: number }
const MEM: (Entry | undefined)[] = new Array(64);
const REG: (Entry | undefined)[] = new Array(512);

/** Called with CR0.NE = 0 when a waiting instruction finds a pending unmasked exception (FERR#). */
let ferrHandler: ((cpu: X86Cpu) => void) | null = null;
export function setFerrHandler(fn: ((cpu: X86Cpu) => void) | null): void { ferrHandler = fn; }

/** A waiting instruction with a pending unmasked exception: #MF (CR0.NE = 1) or FERR# (IRQ 13). */
export function pendingException(cpu: X86Cpu, eip: number): void {
  if (cpu.s[CR0] & CR0_NE) cpu.raise(EXC_MF, -1, eip);
  if (ferrHandler) ferrHandler(cpu);
}

export function fpuExec(cpu: X86Cpu, opword: number, addr: number, ea: number, eip: number): void {
  if (cpu.s[CR0] & (CR0_EM | CR0_TS)) cpu.raise(EXC_NM, -1, eip);
  const modrm = opword & 0xff;
  const op = (opword >> 8) & 7;
  const e = modrm >= 0xc0 ? REG[(op << 6) | (modrm & 0x3f)] : MEM[(op << 3) | ((modrm >> 3) & 7)];
  if (!e) cpu.raise(EXC_UD, -1, eip);
  const x = cpu.fpu;
  if (!(e.flags & NOWAIT) && (x.fsw & SW_ES)) pendingException(cpu, eip);
  const c = I;
  c.cpu = cpu; c.x = x; c.addr = addr; c.ea = ea; c.eip = eip; c.opword = opword;
  c.reg = (modrm >> 3) & 7; c.rm = modrm & 7; c.o16 = (opword & 0x800) !== 0; c.seg = (opword >> 12) & 7;
  e.fn(c);
}

// ---- memory access ----

const ld8 = (c: Insn, off: number): number => c.cpu.mem.ld(c.addr + off, 0, c.eip);
const ld16 = (c: Insn, off = 0): number => c.cpu.mem.ld(c.addr + off, 1, c.eip);
const ld32 = (c: Insn, off = 0): number => c.cpu.mem.ld(c.addr + off, 2, c.eip);
const ld80 = (c: Insn, off = 0): F80 => fromWords(ld32(c, off), ld32(c, off + 4), ld16(c, off + 8));
export const st8 = (c: Insn, off: number, v: number): void => c.cpu.mem.st(c.addr + off, v, 0, c.eip);
export const st16 = (c: Insn, off: number, v: number): void => c.cpu.mem.st(c.addr + off, v, 1, c.eip);
export const st32 = (c: Insn, off: number, v: number): void => c.cpu.mem.st(c.addr + off, v, 2, c.eip);
export function st80(c: Insn, off: number, v: F80): void {
  st32(c, off, sigLo(v)); st32(c, off + 4, sigHi(v)); st16(c, off + 8, v.se);
}
export function ld80At(c: Insn, off: number): F80 { return ld80(c, off); }
/** Fault now (before anything is written) if any byte of [addr+off, addr+off+len) is not writable. */
export function probeWrite(c: Insn, len: number, off = 0): void {
  const a = c.addr + off;
  const h = c.cpu.mem.hooks;
  h.translate(a, Access.WRITE, c.eip);
  if ((a & 0xfff) + len > 0x1000) h.translate(a + len - 1, Access.WRITE, c.eip);
}

/** Record the last non-control instruction (FIP, FCS, FOP; FDP/FDS for a memory operand). */
function lastInsn(c: Insn, mem: boolean): void {
  const x = c.x, s = c.cpu.s;
  x.fip = c.eip;
  x.fcs = s[SEG_SEL + SEG_CS] & 0xffff;
  x.fop = c.opword & 0x7ff;
  if (mem) { x.fdp = c.ea; x.fds = s[SEG_SEL + c.seg] & 0xffff; }
}
const lastReg = (c: Insn): void => lastInsn(c, false);

// ---- arithmetic: kind = D8 reg field: 0 add 1 mul 2 com 3 comp 4 sub 5 subr 6 div 7 divr ----

/** dst op src for dst = the register operand; srcDen: src was a float32/64 denormal. */
function arith(kind: number, dst: F80, src: F80, st: FpStatus, srcDen: boolean): F80 {
  switch (kind) {
    case 0: return add(dst, src, st, false, srcDen ? DEN_B : 0);
    case 1: return mul(dst, src, st, srcDen ? DEN_B : 0);
    case 4: return add(dst, src, st, true, srcDen ? DEN_B : 0);
    case 5: return add(src, dst, st, true, srcDen ? DEN_A : 0);
    case 6: return div(dst, src, st, srcDen ? DEN_B : 0);
    default: return div(src, dst, st, srcDen ? DEN_A : 0);
  }
}

/** Set C3 C2 C0 (or ZF PF CF) from a compare result; C1 cleared. */
const CC_OF = [SW_C0, SW_C3, 0, SW_C3 | SW_C2 | SW_C0];
const EFL_OF = [0x1, 0x40, 0, 0x45];
const EFL_MASK = 0x8d5; // OF SF ZF AF PF CF

function setCompare(c: Insn, rel: number, eflags: boolean): void {
  if (eflags) c.cpu.setEflags(EFL_OF[rel + 1], EFL_MASK);
  else c.x.setCC(CC_OF[rel + 1]);
}

/** fcom-family core: ST0 against b (bEmpty: b is an empty register). */
function compareOp(c: Insn, b: F80, bDen: boolean, bEmpty: boolean, pops: number, quietCmp: boolean, eflags: boolean): void {
  const x = c.x;
  x.setC1(false);
  if (x.isEmpty(0) || bEmpty) {
    setCompare(c, 2, eflags);
    if (x.underflow()) for (let i = 0; i < pops; i++) x.pop();
    return;
  }
  const st = x.status0();
  const rel = compare(x.get(0), b, quietCmp, st, bDen ? DEN_B : 0);
  setCompare(c, rel, eflags);
  if (!x.merge(st)) for (let i = 0; i < pops; i++) x.pop();
}

/** ST0 = ST0 op src (memory forms of D8 DA DC DE). */
function memArith(c: Insn, src: F80, srcDen: boolean): void {
  const x = c.x, kind = c.reg;
  lastInsn(c, true);
  if (kind === 2 || kind === 3) { compareOp(c, src, srcDen, false, kind - 2, false, false); return; }
  x.setC1(false);
  if (x.isEmpty(0)) { x.underflowTo(0, false); return; }
  const st = x.status0();
  const r = arith(kind, x.get(0), src, st, srcDen);
  if (!x.merge(st)) x.set(0, r);
}

const memF32: Handler = (c) => { const v = ld32(c); memArith(c, fromF32(v), f32IsDen(v)); };
const memF64: Handler = (c) => { const lo = ld32(c), hi = ld32(c, 4); memArith(c, fromF64(hi, lo), f64IsDen(hi, lo)); };
const memI32: Handler = (c) => memArith(c, fromBigInt(BigInt(ld32(c))), false);
const memI16: Handler = (c) => memArith(c, fromBigInt(BigInt((ld16(c) << 16) >> 16)), false);

/** Register forms: D8 (dst ST0, src ST(i)), DC (dst ST(i), src ST0; sub/div reversed), DE (DC + pop). */
function regArith(c: Insn, toSti: boolean, pop: boolean): void {
  const x = c.x, i = c.rm;
  lastReg(c);
  let kind = c.reg;
  if (kind === 2 || kind === 3) { // fcom/fcomp; DC D0/D8 and DE D0 are aliases (DE pops)
    compareOp(c, x.get(i), false, x.isEmpty(i), kind === 3 || pop ? 1 : 0, false, false);
    return;
  }
  if (toSti && kind >= 4) kind ^= 1;
  const d = toSti ? i : 0;
  x.setC1(false);
  if (x.isEmpty(0) || x.isEmpty(i)) { x.underflowTo(d, pop); return; }
  const st = x.status0();
  const r = toSti ? arith(kind, x.get(i), x.get(0), st, false) : arith(kind, x.get(0), x.get(i), st, false);
  if (!x.merge(st)) { x.set(d, r); if (pop) x.pop(); }
}

// ---- loads ----

/** Push a value (after the stack-overflow check); exceptions in st (null: none). */
function pushValue(c: Insn, v: F80, st: FpStatus | null): void {
  const x = c.x;
  x.setC1(false);
  if (!x.isEmpty(7)) { x.overflowPush(); return; }
  if (st && x.merge(st)) return;
  x.push(v);
}

function fldConverted(c: Insn, v: F80, den: boolean): void {
  lastInsn(c, true);
  const st = c.x.status0();
  if (isSNaN(v)) { st.flags |= FE_IE; v = quiet(v); }
  else if (den) st.flags |= FE_DE;
  pushValue(c, v, st);
}
const fldM32: Handler = (c) => { const v = ld32(c); fldConverted(c, fromF32(v), f32IsDen(v)); };
const fldM64: Handler = (c) => { const lo = ld32(c), hi = ld32(c, 4); fldConverted(c, fromF64(hi, lo), f64IsDen(hi, lo)); };
const fldM80: Handler = (c) => { const v = ld80(c); lastInsn(c, true); pushValue(c, v, null); };
const fildM16: Handler = (c) => { const v = (ld16(c) << 16) >> 16; lastInsn(c, true); pushValue(c, fromBigInt(BigInt(v)), null); };
const fildM32: Handler = (c) => { const v = ld32(c); lastInsn(c, true); pushValue(c, fromBigInt(BigInt(v)), null); };
const fildM64: Handler = (c) => {
  const lo = ld32(c), hi = ld32(c, 4);
  lastInsn(c, true);
  pushValue(c, fromBigInt((BigInt(hi) << 32n) | BigInt(lo >>> 0)), null);
};
const fbld: Handler = (c) => {
  const b: number[] = [];
  for (let i = 0; i < 10; i++) b.push(ld8(c, i));
  lastInsn(c, true);
  pushValue(c, fromBcd(b), null);
};

const fldSti: Handler = (c) => {
  const x = c.x;
  lastReg(c);
  x.setC1(false);
  if (!x.isEmpty(7)) { x.overflowPush(); return; }
  let v = x.get(c.rm);
  if (x.isEmpty(c.rm)) {
    if (!x.underflow()) return;
    v = INDEF;
  }
  x.push(v);
};

// Constants: the value rounded to nearest, and the one for round down/toward zero (or up for l2t).
const K = (se: number, m: bigint): F80 => mk(se, m);
const CONSTS: [F80, F80, boolean][] = [
  [ONE, ONE, false],
  [K(0x4000, 0xd49a784bcd1b8afen), K(0x4000, 0xd49a784bcd1b8affn), true], // log2(10): up differs
  [K(0x3fff, 0xb8aa3b295c17f0bcn), K(0x3fff, 0xb8aa3b295c17f0bbn), false], // log2(e)
  [K(0x4000, 0xc90fdaa22168c235n), K(0x4000, 0xc90fdaa22168c234n), false], // pi
  [K(0x3ffd, 0x9a209a84fbcff799n), K(0x3ffd, 0x9a209a84fbcff798n), false], // log10(2)
  [K(0x3ffe, 0xb17217f7d1cf79acn), K(0x3ffe, 0xb17217f7d1cf79abn), false], // ln(2)
  [ZERO, ZERO, false],
];
const fldConst: Handler = (c) => {
  const [near, other, upDiffers] = CONSTS[c.rm];
  const rc = (c.x.fcw >> 10) & 3;
  lastReg(c);
  pushValue(c, upDiffers ? (rc === 2 ? other : near) : rc === 1 || rc === 3 ? other : near, null);
};

// ---- stores ----

/**
 * Finish a store to memory: merge the exceptions (st null: none); unless an unmasked exception
 * suppresses it, write (write() may fault: then nothing changes) and pop.
 */
function commitStore(c: Insn, st: FpStatus | null, write: () => void, pop: boolean): void {
  const x = c.x;
  const sw0 = x.fsw;
  x.setC1(false);
  if (st && x.merge(st, true)) { lastInsn(c, true); return; }
  const sw1 = x.fsw;
  x.fsw = sw0;
  write();
  x.fsw = sw1;
  lastInsn(c, true);
  if (pop) x.pop();
}

/** Store of ST0 with an empty ST0: the indefinite (masked) or nothing (unmasked). */
function storeUnderflow(c: Insn, write: () => void, pop: boolean): void {
  const x = c.x;
  const sw0 = x.fsw;
  if (!x.underflow()) { lastInsn(c, true); return; }
  const sw1 = x.fsw;
  x.fsw = sw0;
  write();
  x.fsw = sw1;
  lastInsn(c, true);
  if (pop) x.pop();
}

function fstF32(c: Insn, pop: boolean): void {
  const x = c.x;
  if (x.isEmpty(0)) { storeUnderflow(c, () => st32(c, 0, 0xffc00000), pop); return; }
  const st = x.status0(); st.bias = false;
  const v = toF32(x.get(0), st);
  commitStore(c, st, () => st32(c, 0, v), pop);
}
function fstF64(c: Insn, pop: boolean): void {
  const x = c.x;
  const w = (hi: number, lo: number) => () => { probeWrite(c, 8); st32(c, 0, lo); st32(c, 4, hi); };
  if (x.isEmpty(0)) { storeUnderflow(c, w(0xfff80000 | 0, 0), pop); return; }
  const st = x.status0(); st.bias = false;
  const [hi, lo] = toF64(x.get(0), st);
  commitStore(c, st, w(hi, lo), pop);
}
const fstpM80: Handler = (c) => {
  const x = c.x;
  const w = (v: F80) => () => { probeWrite(c, 10); st80(c, 0, v); };
  if (x.isEmpty(0)) { storeUnderflow(c, w(INDEF), true); return; }
  commitStore(c, null, w(x.get(0)), true);
};

function writeInt(c: Insn, bits: number, v: bigint): void {
  if (bits === 16) st16(c, 0, Number(v & 0xffffn));
  else if (bits === 32) st32(c, 0, Number(BigInt.asIntN(32, v)));
  else { probeWrite(c, 8); st32(c, 0, Number(BigInt.asIntN(32, v))); st32(c, 4, Number(BigInt.asIntN(32, v >> 32n))); }
}
function fistOp(c: Insn, bits: number, trunc: boolean, pop: boolean): void {
  const x = c.x;
  const indef = -(1n << BigInt(bits - 1));
  if (x.isEmpty(0)) { storeUnderflow(c, () => writeInt(c, bits, indef), pop); return; }
  const st = x.status0();
  const v = toInt(x.get(0), bits, trunc, st);
  commitStore(c, st, () => writeInt(c, bits, v), pop);
}
const fbstp: Handler = (c) => {
  const x = c.x;
  const w = (b: number[]) => () => { probeWrite(c, 10); for (let i = 0; i < 10; i += 2) st16(c, i, b[i] | (b[i + 1] << 8)); };
  if (x.isEmpty(0)) { storeUnderflow(c, w(BCD_INDEF), true); return; }
  const st = x.status0();
  const b = toBcd(x.get(0), st) ?? BCD_INDEF;
  commitStore(c, st, w(b), true);
};

/** fst/fstp ST(i); FSTP1 (D9 D8+i) pops without a stack-underflow exception. */
function fstSti(c: Insn, pop: boolean, quietEmpty = false): void {
  const x = c.x;
  lastReg(c);
  x.setC1(false);
  if (x.isEmpty(0)) {
    if (quietEmpty) { x.pop(); return; }
    x.underflowTo(c.rm, pop);
    return;
  }
  x.set(c.rm, x.get(0));
  if (pop) x.pop();
}

// ---- control ----

const fnstcw: Handler = (c) => st16(c, 0, c.x.fcw);
const fldcw: Handler = (c) => {
  const v = ld16(c);
  c.x.fcw = (v & ~0xe0c0) | 0x40;
  c.x.updateSummary();
};
const fnstswM: Handler = (c) => st16(c, 0, c.x.status);
const fnstswAx: Handler = (c) => { const s = c.cpu.s; s[R_EAX] = (s[R_EAX] & ~0xffff) | c.x.status; };
const fnclex: Handler = (c) => { c.x.fsw &= ~(SW_B | SW_ES | 0x7f); };
const fninit: Handler = (c) => c.x.init();
const fnop: Handler = (c) => lastReg(c);

// ---- register-only instructions ----

const fxch: Handler = (c) => {
  const x = c.x, i = c.rm;
  lastReg(c);
  x.setC1(false);
  let a = x.get(0), b = x.get(i);
  if (x.isEmpty(0) || x.isEmpty(i)) {
    if (!x.underflow()) return;
    if (x.isEmpty(0)) a = INDEF;
    if (x.isEmpty(i)) b = INDEF;
  }
  x.set(0, b); x.set(i, a);
};

/** Unary ST0 operation: fchs fabs (no exceptions besides stack underflow). */
function unarySign(c: Insn, f: (v: F80) => F80): void {
  const x = c.x;
  lastReg(c);
  x.setC1(false);
  if (x.isEmpty(0)) { x.underflowTo(0, false); return; }
  x.set(0, f(x.get(0)));
}

const ftst: Handler = (c) => { lastReg(c); compareOp(c, ZERO, false, false, 0, false, false); };

const fxam: Handler = (c) => {
  const x = c.x, v = x.get(0);
  lastReg(c);
  let cc: number;
  const e = v.se & 0x7fff;
  if (x.isEmpty(0)) cc = SW_C3 | SW_C0;
  else if (isUnsupported(v)) cc = 0;
  else if (isNaN80(v)) cc = SW_C0;
  else if (isInf(v)) cc = SW_C2 | SW_C0;
  else if (e === 0) cc = v.m === 0n ? SW_C3 : SW_C3 | SW_C2;
  else cc = SW_C2;
  if (v.se & 0x8000) cc |= SW_C1;
  x.setCC(cc);
};

/** One-operand arithmetic on ST0 with exceptions: fsqrt frndint. */
function unaryArith(c: Insn, f: (v: F80, st: FpStatus) => F80): void {
  const x = c.x;
  lastReg(c);
  x.setC1(false);
  if (x.isEmpty(0)) { x.underflowTo(0, false); return; }
  const st = x.status0();
  const r = f(x.get(0), st);
  if (!x.merge(st)) x.set(0, r);
}

/** Full-precision status (transcendentals, fscale: precision control does not apply). */
function status64(x: X87State): FpStatus { const st = x.status0(); st.prec = 64; return st; }

/** ST1 = f(ST0, ST1), pop (fyl2x fyl2xp1 fpatan). */
function binPop(c: Insn, f: (a: F80, b: F80, st: FpStatus) => F80): void {
  const x = c.x;
  lastReg(c);
  x.setC1(false);
  if (x.isEmpty(0) || x.isEmpty(1)) { x.underflowTo(1, true); return; }
  const st = status64(x);
  const r = f(x.get(0), x.get(1), st);
  if (!x.merge(st)) { x.set(1, r); x.pop(); }
}

const fscale: Handler = (c) => {
  const x = c.x;
  lastReg(c);
  x.setC1(false);
  if (x.isEmpty(0) || x.isEmpty(1)) { x.underflowTo(0, false); return; }
  const st = status64(x);
  const r = scale(x.get(0), x.get(1), st);
  if (!x.merge(st)) x.set(0, r);
};

/** Replace ST0 by two values (fxtract, fptan, fsincos): ST0 = first, push second. */
function pushTwoChecks(c: Insn): boolean {
  const x = c.x;
  lastReg(c);
  x.setC1(false);
  if (x.isEmpty(0) || !x.isEmpty(7)) {
    const masked = x.isEmpty(0) ? x.underflow() : x.overflow();
    if (masked) { x.set(0, INDEF); x.push(INDEF); }
    return false;
  }
  return true;
}

const fxtract: Handler = (c) => {
  if (!pushTwoChecks(c)) return;
  const x = c.x, v = x.get(0);
  const st = x.status0();
  let e: F80, m: F80;
  const sp = specials1(v, st);
  if (sp) { e = sp; m = sp; }
  else if (isZero(v)) { st.flags |= FE_ZE; e = mk(0xffff, JBIT); m = v; }
  else if (isInf(v)) { e = mk(0x7fff, JBIT); m = v; }
  else [e, m] = extract(v, st);
  if (!x.merge(st)) { x.set(0, e); x.push(m); }
};

const fptan: Handler = (c) => {
  const x = c.x;
  x.fsw &= ~SW_C2;
  if (!pushTwoChecks(c)) return;
  const v = x.get(0);
  const st = status64(x);
  const r = tan(v, st);
  if (r === 'range') { x.fsw |= SW_C2; return; }
  if (!x.merge(st)) { x.set(0, r); x.push(isNaN80(r) ? r : ONE); }
};

const fsincos: Handler = (c) => {
  const x = c.x;
  x.fsw &= ~SW_C2;
  if (!pushTwoChecks(c)) return;
  const st = status64(x);
  const r = sinCos(x.get(0), st);
  if (r === 'range') { x.fsw |= SW_C2; return; }
  if (!x.merge(st)) { x.set(0, r[0]); x.push(r[1]); }
};

function sinOrCos(c: Insn, which: 0 | 1): void {
  const x = c.x;
  lastReg(c);
  x.setC1(false);
  x.fsw &= ~SW_C2;
  if (x.isEmpty(0)) { x.underflowTo(0, false); return; }
  const st = status64(x);
  const r = sinCos(x.get(0), st);
  if (r === 'range') { x.fsw |= SW_C2; return; }
  if (!x.merge(st)) x.set(0, r[which]);
}

const f2xm1Op: Handler = (c) => {
  const x = c.x;
  lastReg(c);
  x.setC1(false);
  if (x.isEmpty(0)) { x.underflowTo(0, false); return; }
  const st = status64(x);
  const r = f2xm1(x.get(0), st);
  if (!x.merge(st)) x.set(0, r);
};

/** fprem (nearest = false) / fprem1. */
function fpremOp(c: Insn, nearest: boolean): void {
  const x = c.x;
  lastReg(c);
  x.fsw &= ~(SW_C1 | SW_C2);
  if (x.isEmpty(0) || x.isEmpty(1)) { x.underflowTo(0, false); return; }
  const a = x.get(0), b = x.get(1);
  const st = status64(x);
  let r: F80;
  let cc = -1;
  if (isUnsupported(a) || isUnsupported(b) || isNaN80(a) || isNaN80(b)) r = add(a, b, st); // NaN rules
  else if (isInf(a) || isZero(b)) { st.flags |= FE_IE; r = INDEF; }
  else if (isZero(a) || isInf(b)) {
    if (isDen(a) || isDen(b)) st.flags |= FE_DE;
    r = a; // quotient 0, remainder a
    cc = 0;
  } else {
    if (isDen(a) || isDen(b)) st.flags |= FE_DE;
    const rr = remainder(a, b, nearest, st);
    r = rr.r;
    cc = rr.partial ? SW_C2 : ((rr.q & 1) ? SW_C1 : 0) | ((rr.q & 2) ? SW_C3 : 0) | ((rr.q & 4) ? SW_C0 : 0);
  }
  if (!x.merge(st)) {
    if (cc >= 0) x.setCC(cc);
    x.set(0, r);
  }
}

const fincstp: Handler = (c) => { lastReg(c); c.x.setC1(false); c.x.top = (c.x.top + 1) & 7; };
const fdecstp: Handler = (c) => { lastReg(c); c.x.setC1(false); c.x.top = (c.x.top - 1) & 7; };
const ffree: Handler = (c) => { lastReg(c); c.x.empty |= 1 << c.x.phys(c.rm); };
const ffreep: Handler = (c) => { lastReg(c); c.x.empty |= 1 << c.x.phys(c.rm); c.x.pop(); };

/** fcmovcc: the EFLAGS condition of the DA/DB register forms. */
function fcmov(c: Insn, negate: boolean): void {
  const x = c.x;
  lastReg(c);
  x.setC1(false);
  const f = c.cpu.getEflags();
  const cf = f & 1, zf = (f >> 6) & 1, pf = (f >> 2) & 1;
  let cond = [cf, zf, cf | zf, pf][c.reg & 3] !== 0;
  if (negate) cond = !cond;
  if (x.isEmpty(0) || x.isEmpty(c.rm)) { x.underflowTo(0, false); return; }
  if (cond) x.set(0, x.get(c.rm));
}

// ---- tables ----

function mem(op: number, reg: number, fn: Handler, flags = 0): void { MEM[(op << 3) | reg] = { fn, flags }; }
function regs(op: number, reg: number, fn: Handler, flags = 0): void {
  for (let rm = 0; rm < 8; rm++) REG[(op << 6) | (reg << 3) | rm] = { fn, flags };
}
function reg1(op: number, modrm: number, fn: Handler, flags = 0): void { REG[(op << 6) | (modrm & 0x3f)] = { fn, flags }; }

for (let r = 0; r < 8; r++) {
  mem(0, r, memF32); mem(2, r, memI32); mem(4, r, memF64); mem(6, r, memI16);
  regs(0, r, (c) => regArith(c, false, false));
  regs(4, r, (c) => regArith(c, true, false));
  if (r !== 3) regs(6, r, (c) => regArith(c, true, true));
}
// D9
mem(1, 0, fldM32);
mem(1, 2, (c) => fstF32(c, false));
mem(1, 3, (c) => fstF32(c, true));
mem(1, 4, (c) => fldenv(c));
mem(1, 5, fldcw);
mem(1, 6, (c) => fnstenv(c), NOWAIT);
mem(1, 7, fnstcw, NOWAIT);
regs(1, 0, fldSti);
regs(1, 1, fxch);
reg1(1, 0xd0, fnop);
regs(1, 3, (c) => fstSti(c, true, true));
reg1(1, 0xe0, (c) => unarySign(c, neg));
reg1(1, 0xe1, (c) => unarySign(c, abs));
reg1(1, 0xe4, ftst);
reg1(1, 0xe5, fxam);
for (let i = 0; i < 7; i++) reg1(1, 0xe8 + i, fldConst);
reg1(1, 0xf0, f2xm1Op);
reg1(1, 0xf1, (c) => binPop(c, fyl2x));
reg1(1, 0xf2, fptan);
reg1(1, 0xf3, (c) => binPop(c, fpatan));
reg1(1, 0xf4, fxtract);
reg1(1, 0xf5, (c) => fpremOp(c, true));
reg1(1, 0xf6, fdecstp);
reg1(1, 0xf7, fincstp);
reg1(1, 0xf8, (c) => fpremOp(c, false));
reg1(1, 0xf9, (c) => binPop(c, fyl2xp1));
reg1(1, 0xfa, (c) => {
  // C0 C2 C3 are undefined after fsqrt; a negative operand leaves C2 set and C0, C3 clear, as QEMU does.
  if (c.x.get(0).se & 0x8000) c.x.setCC(SW_C2, SW_C0 | SW_C2 | SW_C3);
  unaryArith(c, sqrt);
});
reg1(1, 0xfb, fsincos);
reg1(1, 0xfc, (c) => unaryArith(c, (v, st) => roundInt(v, st)));
reg1(1, 0xfd, fscale);
reg1(1, 0xfe, (c) => sinOrCos(c, 0));
reg1(1, 0xff, (c) => sinOrCos(c, 1));
// DA
for (let r = 0; r < 4; r++) regs(2, r, (c) => fcmov(c, false));
reg1(2, 0xe9, (c) => { lastReg(c); compareOp(c, c.x.get(1), false, c.x.isEmpty(1), 2, true, false); });
// DB
mem(3, 0, fildM32);
mem(3, 1, (c) => fistOp(c, 32, true, true));
mem(3, 2, (c) => fistOp(c, 32, false, false));
mem(3, 3, (c) => fistOp(c, 32, false, true));
mem(3, 5, fldM80);
mem(3, 7, fstpM80);
for (let r = 0; r < 4; r++) regs(3, r, (c) => fcmov(c, true));
reg1(3, 0xe0, () => undefined, NOWAIT); // fneni (8087 only): no-op
reg1(3, 0xe1, () => undefined, NOWAIT); // fndisi
reg1(3, 0xe2, fnclex, NOWAIT);
reg1(3, 0xe3, fninit, NOWAIT);
reg1(3, 0xe4, () => undefined, NOWAIT); // fnsetpm (287 only)
regs(3, 5, (c) => { lastReg(c); compareOp(c, c.x.get(c.rm), false, c.x.isEmpty(c.rm), 0, true, true); });
regs(3, 6, (c) => { lastReg(c); compareOp(c, c.x.get(c.rm), false, c.x.isEmpty(c.rm), 0, false, true); });
// DD
mem(5, 0, fldM64);
mem(5, 1, (c) => fistOp(c, 64, true, true));
mem(5, 2, (c) => fstF64(c, false));
mem(5, 3, (c) => fstF64(c, true));
mem(5, 4, (c) => frstor(c));
mem(5, 6, (c) => fnsave(c), NOWAIT);
mem(5, 7, fnstswM, NOWAIT);
regs(5, 0, ffree);
regs(5, 1, fxch);
regs(5, 2, (c) => fstSti(c, false));
regs(5, 3, (c) => fstSti(c, true));
regs(5, 4, (c) => { lastReg(c); compareOp(c, c.x.get(c.rm), false, c.x.isEmpty(c.rm), 0, true, false); });
regs(5, 5, (c) => { lastReg(c); compareOp(c, c.x.get(c.rm), false, c.x.isEmpty(c.rm), 1, true, false); });
// DE
reg1(6, 0xd9, (c) => { lastReg(c); compareOp(c, c.x.get(1), false, c.x.isEmpty(1), 2, false, false); });
// DF
mem(7, 0, fildM16);
mem(7, 1, (c) => fistOp(c, 16, true, true));
mem(7, 2, (c) => fistOp(c, 16, false, false));
mem(7, 3, (c) => fistOp(c, 16, false, true));
mem(7, 4, fbld);
mem(7, 5, fildM64);
mem(7, 6, fbstp);
mem(7, 7, (c) => fistOp(c, 64, false, true));
regs(7, 0, ffreep);
regs(7, 1, fxch);
regs(7, 2, (c) => fstSti(c, true));
regs(7, 3, (c) => fstSti(c, true));
reg1(7, 0xe0, fnstswAx, NOWAIT);
regs(7, 5, (c) => { lastReg(c); compareOp(c, c.x.get(c.rm), false, c.x.isEmpty(c.rm), 1, true, true); });
regs(7, 6, (c) => { lastReg(c); compareOp(c, c.x.get(c.rm), false, c.x.isEmpty(c.rm), 1, false, true); });

/** An Insn for the 0F AE group (fxsave/fxrstor/ldmxcsr/stmxcsr). */
export function insnAt(cpu: X86Cpu, addr: number, eip: number): Insn {
  const c = I;
  c.cpu = cpu; c.x = cpu.fpu; c.addr = addr; c.ea = addr; c.eip = eip; c.opword = 0;
  c.reg = 0; c.rm = 0; c.o16 = false; c.seg = 3;
  return c;
}
