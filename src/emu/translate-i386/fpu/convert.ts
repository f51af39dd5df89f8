// Conversions between float80 and the memory formats of the x87: float32, float64 (fld/fst),
// 16/32/64-bit integers (fild/fist/fistp/fisttp) and 18-digit packed BCD (fbld/fbstp), with the
// x87 responses to invalid operands (the integer/BCD indefinites, quieted NaNs).
import {
  F80, FE_IE, FE_PE, FpStatus, JBIT, QBIT, RC_CHOP, RQ, RR, bitLength, e2Of, fromBigInt, isFinite80, isInf, isNaN80,
  isUnsupported, leadExp, mk, neg, roundTo, toIntegerMag,
} from './float80';

const zeroOf = (s: number): F80 => mk(s << 15, 0n);

/**
 * fist/fistp/fisttp: a as a `bits`-bit signed integer (16, 32, 64), rounded by the rounding
 * control or toward zero (trunc). Invalid (NaN, infinity, unsupported, out of range): IE and
 * the integer indefinite (the most negative value).
 */
export function toInt(a: F80, bits: number, trunc: boolean, st: FpStatus): bigint {
  const indef = -(1n << BigInt(bits - 1));
  if (!isFinite80(a)) { st.flags |= FE_IE; return indef; }
  if (a.m === 0n) return 0n;
  if (leadExp(a) >= bits) { st.flags |= FE_IE; return indef; }
  const v = toIntegerMag(a, trunc ? RC_CHOP : st.rc);
  const inexact = RQ.inexact, up = RQ.up;
  const s = a.se >>> 15;
  if (v > (s ? -indef : -indef - 1n)) { st.flags |= FE_IE; return indef; }
  if (inexact) { st.flags |= FE_PE; if (up) st.roundedUp = true; }
  return s ? -v : v;
}

// ---- conversions ----

export const f32IsDen = (v: number): boolean => (v & 0x7f800000) === 0 && (v & 0x7fffff) !== 0;
export const f64IsDen = (hi: number, lo: number): boolean => (hi & 0x7ff00000) === 0 && ((hi & 0xfffff) | lo) !== 0;

/** float32 bits → float80, exactly (NaNs keep their signalling bit). */
export function fromF32(v: number): F80 {
  const s = v >>> 31, e = (v >>> 23) & 0xff, f = v & 0x7fffff;
  if (e === 0xff) return mk((s << 15) | 0x7fff, JBIT | (BigInt(f) << 40n));
  if (e === 0) {
    if (f === 0) return zeroOf(s);
    const n = 32 - Math.clz32(f);
    return mk((s << 15) | (16383 - 149 + n - 1), BigInt(f) << BigInt(64 - n));
  }
  return mk((s << 15) | (e - 127 + 16383), (BigInt(f | 0x800000)) << 40n);
}

/** float64 bits (hi, lo words) → float80, exactly. */
export function fromF64(hi: number, lo: number): F80 {
  const s = hi >>> 31, e = (hi >>> 20) & 0x7ff;
  const f = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo >>> 0);
  if (e === 0x7ff) return mk((s << 15) | 0x7fff, JBIT | (f << 11n));
  if (e === 0) {
    if (f === 0n) return zeroOf(s);
    const n = bitLength(f);
    return mk((s << 15) | (16383 - 1074 + n - 1), f << BigInt(64 - n));
  }
  return mk((s << 15) | (e - 1023 + 16383), (f | (1n << 52n)) << 11n);
}

/** float80 → float32 bits under st.rc (precision control does not apply). */
export function toF32(a: F80, st: FpStatus): number {
  const s = a.se >>> 15;
  if (isUnsupported(a)) { st.flags |= FE_IE; return 0xffc00000 | 0; }
  if (isNaN80(a)) {
    if ((a.m & QBIT) === 0n) st.flags |= FE_IE;
    return ((s << 31) | 0x7fc00000 | Number((a.m >> 40n) & 0x7fffffn)) | 0;
  }
  if (isInf(a)) return ((s << 31) | 0x7f800000) | 0;
  if (a.m === 0n) return (s << 31) | 0;
  roundTo(s, a.m, e2Of(a), 24, -126, 127, st);
  if (RR.inf) return ((s << 31) | 0x7f800000) | 0;
  const sig = Number(RR.sig);
  if (sig < 0x800000) return ((s << 31) | sig) | 0;
  const be = RR.exp + 127;
  if (be <= 0 || be >= 0xff) return ((s << 31) | (be >= 0xff ? 0x7f800000 : 0)) | 0; // unmasked O/U: not stored
  return ((s << 31) | (be << 23) | (sig & 0x7fffff)) | 0;
}

/** float80 → float64 bits as [hi, lo] under st.rc. */
export function toF64(a: F80, st: FpStatus): [number, number] {
  const s = a.se >>> 15;
  const sHi = s << 31;
  if (isUnsupported(a)) { st.flags |= FE_IE; return [0xfff80000 | 0, 0]; }
  if (isNaN80(a)) {
    if ((a.m & QBIT) === 0n) st.flags |= FE_IE;
    const f = (a.m >> 11n) & ((1n << 52n) - 1n);
    return [(sHi | 0x7ff80000 | Number(f >> 32n)) | 0, Number(f & 0xffffffffn) | 0];
  }
  if (isInf(a)) return [(sHi | 0x7ff00000) | 0, 0];
  if (a.m === 0n) return [sHi | 0, 0];
  roundTo(s, a.m, e2Of(a), 53, -1022, 1023, st);
  if (RR.inf) return [(sHi | 0x7ff00000) | 0, 0];
  let bits: bigint;
  if (RR.sig < (1n << 52n)) bits = RR.sig;
  else {
    const be = RR.exp + 1023;
    if (be <= 0 || be >= 0x7ff) return [(sHi | (be >= 0x7ff ? 0x7ff00000 : 0)) | 0, 0];
    bits = (BigInt(be) << 52n) | (RR.sig & ((1n << 52n) - 1n));
  }
  return [(sHi | Number(bits >> 32n)) | 0, Number(bits & 0xffffffffn) | 0];
}

// ---- packed BCD (fbld / fbstp): 18 digits, sign in bit 79 ----

/** fbld: 10 bytes → float80 (digits above 9 are taken at face value, as processors do). */
export function fromBcd(bytes: ArrayLike<number>): F80 {
  let v = 0n;
  for (let i = 8; i >= 0; i--) {
    const b = bytes[i] & 0xff;
    v = v * 100n + BigInt((b >> 4) * 10 + (b & 0xf));
  }
  const r = fromBigInt(v);
  return bytes[9] & 0x80 ? neg(r) : r;
}

/** fbstp: float80 → 10 bytes; null when invalid (the caller stores the BCD indefinite). */
export function toBcd(a: F80, st: FpStatus): number[] | null {
  if (!isFinite80(a)) { st.flags |= FE_IE; return null; }
  let v = 0n;
  if (a.m !== 0n) {
    if (leadExp(a) >= 64) { st.flags |= FE_IE; return null; }
    v = toIntegerMag(a, st.rc);
    const inexact = RQ.inexact, up = RQ.up;
    if (v > 999999999999999999n) { st.flags |= FE_IE; return null; }
    if (inexact) { st.flags |= FE_PE; if (up) st.roundedUp = true; }
  }
  const out: number[] = [];
  for (let i = 0; i < 9; i++) {
    const d0 = Number(v % 10n); v /= 10n;
    const d1 = Number(v % 10n); v /= 10n;
    out.push((d1 << 4) | d0);
  }
  out.push(a.se & 0x8000 ? 0x80 : 0);
  return out;
}

export const BCD_INDEF = [0, 0, 0, 0, 0, 0, 0, 0xc0, 0xff, 0xff];

// ---- helpers for callers and tests ----

/** float80 from its 80-bit memory image words: lo32, hi32 of the significand, and the 16-bit se. */
export function fromWords(lo: number, hi: number, se: number): F80 {
  return mk(se, (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0));
}

export function sigLo(a: F80): number { return Number(a.m & 0xffffffffn) | 0; }
export function sigHi(a: F80): number { return Number(a.m >> 32n) | 0; }

/** Exact value as a JavaScript number (for tests and debugging; rounds to double). */
export function toNumber(a: F80): number {
  if (isNaN80(a) || isUnsupported(a)) return NaN;
  if (isInf(a)) return a.se & 0x8000 ? -Infinity : Infinity;
  const st = new FpStatus();
  const [hi, lo] = toF64(a, st);
  const dv = new DataView(new ArrayBuffer(8));
  dv.setInt32(0, hi); dv.setInt32(4, lo);
  return dv.getFloat64(0);
}

/** A JavaScript number as float80 (exact). */
export function fromNumber(x: number): F80 {
  const dv = new DataView(new ArrayBuffer(8));
  dv.setFloat64(0, x);
  return fromF64(dv.getInt32(0), dv.getInt32(4));
}

export function f80Hex(a: F80): string {
  return a.se.toString(16).padStart(4, '0') + ':' + a.m.toString(16).padStart(16, '0');
}
