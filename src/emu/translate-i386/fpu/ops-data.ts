// x87 data instructions: arithmetic (register and memory forms), compares, loads and stores.
// Each reads its memory operand first, computes, writes memory, and only then changes the FPU
// state, so that a faulting access (or a self-modifying-code restart) leaves the state as it was.
import { BCD_INDEF, f32IsDen, f64IsDen, fromBcd, fromF32, fromF64, toBcd, toF32, toF64, toInt } from './convert';
import {
  DEN_A, DEN_B, F80, FE_DE, FE_IE, FpStatus, INDEF, ONE, ZERO, add, compare, div, fromBigInt, isSNaN, mk, mul, quiet,
} from './float80';
import { Handler, Insn, lastInsn, lastReg, ld16, ld32, ld8, ld80, probeWrite, st16, st32, st80 } from './insn';
import { SW_C0, SW_C2, SW_C3 } from './state';

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
export function compareOp(c: Insn, b: F80, bDen: boolean, bEmpty: boolean, pops: number, quietCmp: boolean, eflags: boolean): void {
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

export const memF32: Handler = (c) => { const v = ld32(c); memArith(c, fromF32(v), f32IsDen(v)); };
export const memF64: Handler = (c) => { const lo = ld32(c), hi = ld32(c, 4); memArith(c, fromF64(hi, lo), f64IsDen(hi, lo)); };
export const memI32: Handler = (c) => memArith(c, fromBigInt(BigInt(ld32(c))), false);
export const memI16: Handler = (c) => memArith(c, fromBigInt(BigInt((ld16(c) << 16) >> 16)), false);

/** Register forms: D8 (dst ST0, src ST(i)), DC (dst ST(i), src ST0; sub/div reversed), DE (DC + pop). */
export function regArith(c: Insn, toSti: boolean, pop: boolean): void {
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
export const fldM32: Handler = (c) => { const v = ld32(c); fldConverted(c, fromF32(v), f32IsDen(v)); };
export const fldM64: Handler = (c) => { const lo = ld32(c), hi = ld32(c, 4); fldConverted(c, fromF64(hi, lo), f64IsDen(hi, lo)); };
export const fldM80: Handler = (c) => { const v = ld80(c); lastInsn(c, true); pushValue(c, v, null); };
export const fildM16: Handler = (c) => { const v = (ld16(c) << 16) >> 16; lastInsn(c, true); pushValue(c, fromBigInt(BigInt(v)), null); };
export const fildM32: Handler = (c) => { const v = ld32(c); lastInsn(c, true); pushValue(c, fromBigInt(BigInt(v)), null); };
export const fildM64: Handler = (c) => {
  const lo = ld32(c), hi = ld32(c, 4);
  lastInsn(c, true);
  pushValue(c, fromBigInt((BigInt(hi) << 32n) | BigInt(lo >>> 0)), null);
};
export const fbld: Handler = (c) => {
  const b: number[] = [];
  for (let i = 0; i < 10; i++) b.push(ld8(c, i));
  lastInsn(c, true);
  pushValue(c, fromBcd(b), null);
};

export const fldSti: Handler = (c) => {
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
export const fldConst: Handler = (c) => {
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

export function fstF32(c: Insn, pop: boolean): void {
  const x = c.x;
  if (x.isEmpty(0)) { storeUnderflow(c, () => st32(c, 0, 0xffc00000), pop); return; }
  const st = x.status0(); st.bias = false;
  const v = toF32(x.get(0), st);
  commitStore(c, st, () => st32(c, 0, v), pop);
}
export function fstF64(c: Insn, pop: boolean): void {
  const x = c.x;
  const w = (hi: number, lo: number) => () => { probeWrite(c, 8); st32(c, 0, lo); st32(c, 4, hi); };
  if (x.isEmpty(0)) { storeUnderflow(c, w(0xfff80000 | 0, 0), pop); return; }
  const st = x.status0(); st.bias = false;
  const [hi, lo] = toF64(x.get(0), st);
  commitStore(c, st, w(hi, lo), pop);
}
export const fstpM80: Handler = (c) => {
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
export function fistOp(c: Insn, bits: number, trunc: boolean, pop: boolean): void {
  const x = c.x;
  const indef = -(1n << BigInt(bits - 1));
  if (x.isEmpty(0)) { storeUnderflow(c, () => writeInt(c, bits, indef), pop); return; }
  const st = x.status0();
  const v = toInt(x.get(0), bits, trunc, st);
  commitStore(c, st, () => writeInt(c, bits, v), pop);
}
export const fbstp: Handler = (c) => {
  const x = c.x;
  const w = (b: number[]) => () => { probeWrite(c, 10); for (let i = 0; i < 10; i += 2) st16(c, i, b[i] | (b[i + 1] << 8)); };
  if (x.isEmpty(0)) { storeUnderflow(c, w(BCD_INDEF), true); return; }
  const st = x.status0();
  const b = toBcd(x.get(0), st) ?? BCD_INDEF;
  commitStore(c, st, w(b), true);
};

/** fst/fstp ST(i); FSTP1 (D9 D8+i) pops without a stack-underflow exception. */
export function fstSti(c: Insn, pop: boolean, quietEmpty = false): void {
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
