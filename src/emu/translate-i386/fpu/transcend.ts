// x87 transcendental functions (f2xm1, fyl2x, fyl2xp1, fpatan, fsin, fcos, fsincos, fptan),
// computed in software from the exact float80 operands with BigInt floating point of about 200
// significant bits and rounded once to float80 (64 bits, precision control does not apply).
// Results are correctly rounded except in cases closer than ~2^-190 to a rounding boundary.
// Special operands follow the Intel SDM tables (and QEMU where the SDM leaves results undefined:
// f2xm1 outside [-1, 1] and fyl2xp1 outside its range give IE and the indefinite).
// Argument reduction for the trigonometric functions uses pi to 448 bits (exact for |x| < 2^63),
// not the 66-bit pi of Intel's microcode, so results near multiples of pi/2 are the exact ones.
import {
  F80, FE_DE, FE_IE, FE_ZE, FpStatus, INDEF, JBIT, ONE, bitLength, cmpValues, fromBigInt, isDen, isInf, isNaN80,
  isUnsupported, isZero, leadExp, mk, mul, pickNaN, roundPackX, specials1, CMP_EQ, CMP_LT, CMP_GT,
} from './float80';

/** A big float: m * 2^e (m signed). */
interface BF { m: bigint; e: number }
const W = 200;

function bfNorm(m: bigint, e: number): BF {
  if (m === 0n) return { m, e: 0 };
  const neg = m < 0n;
  let a = neg ? -m : m;
  const n = bitLength(a);
  if (n > W) { a >>= BigInt(n - W); e += n - W; }
  return { m: neg ? -a : a, e };
}
const bfMul = (a: BF, b: BF): BF => bfNorm(a.m * b.m, a.e + b.e);
function bfAdd(a: BF, b: BF): BF {
  if (a.m === 0n) return b;
  if (b.m === 0n) return a;
  const ta = a.e + bitLength(a.m < 0n ? -a.m : a.m), tb = b.e + bitLength(b.m < 0n ? -b.m : b.m);
  if (ta - tb > W + 8) return a;
  if (tb - ta > W + 8) return b;
  const e = Math.min(a.e, b.e);
  return bfNorm((a.m << BigInt(a.e - e)) + (b.m << BigInt(b.e - e)), e);
}
const bfNeg = (a: BF): BF => ({ m: -a.m, e: a.e });
const bfSub = (a: BF, b: BF): BF => bfAdd(a, bfNeg(b));
function bfDiv(a: BF, b: BF): BF {
  const na = bitLength(a.m < 0n ? -a.m : a.m), nb = bitLength(b.m < 0n ? -b.m : b.m);
  const k = W + 4 + nb - na;
  const num = k >= 0 ? a.m << BigInt(k) : a.m >> BigInt(-k);
  return bfNorm(num / b.m, a.e - b.e - k);
}
function bfSqrt(a: BF): BF {
  let m = a.m, e = a.e;
  if (e & 1) { m <<= 1n; e--; }
  const k = Math.max(0, Math.ceil((2 * W + 8 - bitLength(m)) / 2));
  m <<= BigInt(2 * k);
  let x = 1n << BigInt((bitLength(m) + 1) >> 1);
  for (;;) { const y = (x + m / x) >> 1n; if (y >= x) break; x = y; }
  return bfNorm(x, e / 2 - k);
}
const bfInt = (v: bigint): BF => bfNorm(v, 0);
const bfFromF80 = (a: F80): BF => bfNorm(a.se & 0x8000 ? -a.m : a.m, ((a.se & 0x7fff) || 1) - 16446);
const bfSign = (a: BF): number => (a.m < 0n ? 1 : 0);

/** Round a big float to float80; always inexact (the caller's value is not exact). */
function bfToF80(a: BF, st: FpStatus): F80 {
  const s = bfSign(a);
  const mag = s ? -a.m : a.m;
  return roundPackX(s, (mag << 1n) | 1n, a.e - 1, st, 64);
}

// ---- constants, computed once to 448 bits ----
const CB = 448;
function atanInvFixed(n: bigint): bigint { // atan(1/n) * 2^CB
  const one = 1n << BigInt(CB + 8);
  let term = one / n, sum = term, k = 1n;
  const n2 = n * n;
  for (;;) {
    term /= n2;
    const t = term / (2n * k + 1n);
    if (t === 0n) break;
    sum += k & 1n ? -t : t;
    k++;
  }
  return sum >> 8n;
}
const PI_FIXED = 16n * atanInvFixed(5n) - 4n * atanInvFixed(239n);
/** ln 2 = 2 atanh(1/3). */
function ln2Fixed(): bigint {
  const one = 1n << BigInt(CB + 8);
  let p = one / 3n, sum = p, k = 1n;
  for (;;) {
    p /= 9n;
    const t = p / (2n * k + 1n);
    if (t === 0n) break;
    sum += t; k++;
  }
  return (2n * sum) >> 8n;
}
const LN2_FIXED = ln2Fixed();
const PI: BF = { m: PI_FIXED, e: -CB };
const PI_2: BF = { m: PI_FIXED, e: -CB - 1 };
const PI_4: BF = { m: PI_FIXED, e: -CB - 2 };
const LN2: BF = bfNorm(LN2_FIXED, -CB);
const ONE_BF: BF = bfInt(1n);

/** Sum of a series c_k * x^k, k >= 0, in big floats: terms(k, prevTerm) gives the next term. */
function series(first: BF, next: (k: number, t: BF) => BF, minExp: number): BF {
  let sum = first, t = first;
  for (let k = 1; k < 400; k++) {
    t = next(k, t);
    if (t.m === 0n || t.e + bitLength(t.m < 0n ? -t.m : t.m) < minExp) break;
    sum = bfAdd(sum, t);
  }
  return sum;
}

/** exp(t) - 1 for |t| < 1, with relative accuracy: t * sum t^k / (k+1)!. */
function expm1(t: BF): BF {
  const s = series(ONE_BF, (k, p) => bfDiv(bfMul(p, t), bfInt(BigInt(k + 1))), -W - 4);
  return bfMul(t, s);
}

/** ln((1+z)/(1-z)) = 2 z sum z^2k / (2k+1), |z| <= 0.18. */
function lnRatio(z: BF): BF {
  const z2 = bfMul(z, z);
  let sum = ONE_BF, p = ONE_BF;
  for (let k = 1; k < 400; k++) {
    p = bfMul(p, z2);
    const t = bfDiv(p, bfInt(BigInt(2 * k + 1)));
    if (t.m === 0n || t.e + bitLength(t.m) < -W - 4) break;
    sum = bfAdd(sum, t);
  }
  return bfMul(bfMul(z, sum), bfInt(2n));
}

/** log2 of a positive finite non-zero float80. */
function log2Of(a: F80): BF {
  let E = leadExp(a);
  // mantissa in [1, 2)
  const n = bitLength(a.m);
  let mant: BF = bfNorm(a.m, -(n - 1));
  // 0xb504f333f9de6484 / 2^63 ~ sqrt(2)
  if ((a.m << BigInt(64 - n)) > 0xb504f333f9de6484n) { mant = { m: mant.m, e: mant.e - 1 }; E++; }
  const z = bfDiv(bfSub(mant, ONE_BF), bfAdd(mant, ONE_BF));
  const l = z.m === 0n ? { m: 0n, e: 0 } : bfDiv(lnRatio(z), LN2);
  return bfAdd(bfInt(BigInt(E)), l);
}

/** atan(r) for 0 <= r <= 1. */
function atanSmall(r: BF): BF {
  // Halve the argument twice: atan(r) = 2 atan(r / (1 + sqrt(1 + r^2))).
  let x = r, mult = 1n;
  for (let i = 0; i < 3; i++) {
    x = bfDiv(x, bfAdd(ONE_BF, bfSqrt(bfAdd(ONE_BF, bfMul(x, x)))));
    mult *= 2n;
  }
  const x2 = bfMul(x, x);
  let sum = ONE_BF, p = ONE_BF;
  for (let k = 1; k < 400; k++) {
    p = bfNeg(bfMul(p, x2));
    const t = bfDiv(p, bfInt(BigInt(2 * k + 1)));
    if (t.m === 0n || t.e + bitLength(t.m < 0n ? -t.m : t.m) < -W - 4) break;
    sum = bfAdd(sum, t);
  }
  return bfMul(bfMul(x, sum), bfInt(mult));
}

/** sin(r) and cos(r) for |r| <= pi/4 (roughly). */
function sinCosSmall(r: BF): [BF, BF] {
  const r2 = bfMul(r, r);
  // sin r = r * sum (-r^2)^k / (2k+1)!, cos r = sum (-r^2)^k / (2k)!
  const s = series(ONE_BF, (k, t) => bfNeg(bfDiv(bfMul(t, r2), bfInt(BigInt((2 * k) * (2 * k + 1))))), -W - 4);
  const c = series(ONE_BF, (k, t) => bfNeg(bfDiv(bfMul(t, r2), bfInt(BigInt((2 * k - 1) * (2 * k))))), -W - 4);
  return [bfMul(r, s), c];
}

/** Reduce x (|x| < 2^63) modulo pi/2: [quadrant 0..3, remainder]. */
function reduce(x: F80): [number, BF] {
  const xb = bfFromF80(x);
  const q = bfDiv(xb, PI_2);
  // nearest integer to q
  let k: bigint;
  if (q.e >= 0) k = q.m << BigInt(q.e);
  else {
    const sh = BigInt(-q.e);
    const neg = q.m < 0n;
    const a = neg ? -q.m : q.m;
    const kk = (a + (1n << (sh - 1n))) >> sh;
    k = neg ? -kk : kk;
  }
  if (k === 0n) return [0, xb];
  // r = x - k * pi/2 with the full-precision pi
  const e = Math.min(xb.e, PI_2.e);
  const r = (xb.m << BigInt(xb.e - e)) - ((k * PI_2.m) << BigInt(PI_2.e - e));
  return [Number(((k % 4n) + 4n) % 4n), bfNorm(r, e)];
}

export const TRIG_OUT_OF_RANGE = 'range';

/** Common checks of the trigonometric functions: a result to store (NaN/indefinite), 'range', or null. */
function trigSpecial(a: F80, st: FpStatus): F80 | 'range' | null {
  const sp = specials1(a, st);
  if (sp) return sp;
  if (isInf(a)) { st.flags |= FE_IE; return INDEF; }
  if (!isZero(a) && leadExp(a) >= 63) return TRIG_OUT_OF_RANGE;
  if (isDen(a)) st.flags |= FE_DE;
  return null;
}

/** fsin and fcos: [sin, cos]; or 'range' (C2 = 1, ST0 unchanged). */
export function sinCos(a: F80, st: FpStatus): [F80, F80] | 'range' {
  const sp = trigSpecial(a, st);
  if (sp === TRIG_OUT_OF_RANGE) return sp;
  if (sp) return [sp, sp];
  if (isZero(a)) return [a, ONE];
  const [q, r] = reduce(a);
  const [s, c] = sinCosSmall(r);
  const sinV = [s, c, bfNeg(s), bfNeg(c)][q];
  const cosV = [c, bfNeg(s), bfNeg(c), s][q];
  // Both roundings go to the same status: their flags (and C1) are combined.
  return [bfToF80(sinV, st), bfToF80(cosV, st)];
}

/** fptan: tan(a); or 'range'. */
export function tan(a: F80, st: FpStatus): F80 | 'range' {
  const sp = trigSpecial(a, st);
  if (sp === TRIG_OUT_OF_RANGE || sp) return sp;
  if (isZero(a)) return a;
  const [q, r] = reduce(a);
  const [s, c] = sinCosSmall(r);
  return bfToF80(q & 1 ? bfNeg(bfDiv(c, s)) : bfDiv(s, c), st);
}

/** f2xm1: 2^a - 1 for -1 <= a <= 1. */
export function f2xm1(a: F80, st: FpStatus): F80 {
  const sp = specials1(a, st);
  if (sp) return sp;
  if (isZero(a)) return a;
  const le = isInf(a) ? 99999 : leadExp(a);
  if (le > 0 || (le === 0 && a.m !== JBIT)) { st.flags |= FE_IE; return INDEF; }
  if (isDen(a)) st.flags |= FE_DE;
  if (le === 0) return a.se & 0x8000 ? mk(0xbffe, JBIT) : a; // 2^1 - 1 = 1, 2^-1 - 1 = -0.5
  return bfToF80(expm1(bfMul(bfFromF80(a), LN2)), st);
}

/** fyl2x: b * log2(a) (a = ST0, b = ST1). */
export function fyl2x(a: F80, b: F80, st: FpStatus): F80 {
  if (isUnsupported(a) || isUnsupported(b)) { st.flags |= FE_IE; return INDEF; }
  if (isNaN80(a) || isNaN80(b)) return pickNaN(a, b, st);
  if ((a.se & 0x8000) && !isZero(a)) { st.flags |= FE_IE; return INDEF; }
  if (isDen(a) || isDen(b)) st.flags |= FE_DE;
  const bs = b.se >>> 15;
  if (isInf(b)) {
    const c = cmpValues(a, ONE);
    if (c === CMP_LT) return mk(b.se ^ 0x8000, b.m);
    if (c === CMP_GT) return b;
    st.flags = (st.flags & ~FE_DE) | FE_IE; return INDEF;
  }
  if (isInf(a)) {
    if (isZero(b)) { st.flags |= FE_IE; return INDEF; }
    return mk((bs << 15) | 0x7fff, JBIT);
  }
  if (isZero(a)) {
    if (isZero(b)) { st.flags |= FE_IE; return INDEF; }
    st.flags |= FE_ZE;
    return mk(((bs ^ 1) << 15) | 0x7fff, JBIT);
  }
  const c1 = cmpValues(a, ONE);
  if (isZero(b)) return c1 === CMP_LT ? mk(b.se ^ 0x8000, 0n) : b;
  if (c1 === CMP_EQ) return mk(bs << 15, 0n);
  if ((a.m & (a.m - 1n)) === 0n) { // a power of two: log2 is an exact integer
    const p = st.prec; st.prec = 64;
    const r = mul(fromBigInt(BigInt(leadExp(a))), b, st);
    st.prec = p;
    return r;
  }
  return bfToF80(bfMul(log2Of(a), bfFromF80(b)), st);
}

/** fyl2xp1: b * log2(a + 1) for |a| < 1 - sqrt(2)/2 (a = ST0, b = ST1). */
export function fyl2xp1(a: F80, b: F80, st: FpStatus): F80 {
  if (isUnsupported(a) || isUnsupported(b)) { st.flags |= FE_IE; return INDEF; }
  if (isNaN80(a) || isNaN80(b)) return pickNaN(a, b, st);
  const ae = a.se & 0x7fff;
  if (ae > 0x3ffd || (ae === 0x3ffd && a.m > (a.se & 0x8000 ? 0x95f619980c4336f7n : 0xd413cccfe7799211n))) {
    st.flags |= FE_IE; return INDEF;
  }
  if (isZero(a) || isZero(b) || (b.se & 0x7fff) === 0x7fff) return mul(a, b, st);
  if (isDen(a) || isDen(b)) st.flags |= FE_DE;
  const ab = bfFromF80(a);
  const z = bfDiv(ab, bfAdd(bfInt(2n), ab));
  return bfToF80(bfMul(bfDiv(lnRatio(z), LN2), bfFromF80(b)), st);
}

/** fpatan: atan2(b, a) (a = ST0, b = ST1). */
export function fpatan(a: F80, b: F80, st: FpStatus): F80 {
  if (isUnsupported(a) || isUnsupported(b)) { st.flags |= FE_IE; return INDEF; }
  if (isNaN80(a) || isNaN80(b)) return pickNaN(a, b, st);
  if (isDen(a) || isDen(b)) st.flags |= FE_DE;
  const as = a.se >>> 15, bs = b.se >>> 15;
  const sgn = (v: BF): BF => (bs ? bfNeg(v) : v);
  if (isZero(b)) return as ? bfToF80(sgn(PI), st) : b;
  if (isInf(b)) {
    if (isInf(a)) return bfToF80(sgn(as ? bfSub(PI, PI_4) : PI_4), st);
    return bfToF80(sgn(PI_2), st);
  }
  if (isZero(a)) return bfToF80(sgn(PI_2), st);
  if (isInf(a)) return as ? bfToF80(sgn(PI), st) : mk(bs << 15, 0n);
  const ax = bfFromF80(mk(a.se & 0x7fff, a.m)), ay = bfFromF80(mk(b.se & 0x7fff, b.m));
  const swap = cmpValues(mk(b.se & 0x7fff, b.m), mk(a.se & 0x7fff, a.m)) === CMP_GT; // |y| > |x|
  let t = atanSmall(swap ? bfDiv(ax, ay) : bfDiv(ay, ax));
  if (swap) t = bfSub(PI_2, t);
  if (as) t = bfSub(PI, t);
  return bfToF80(sgn(t), st);
}

