// Software x87 double extended precision (float80) arithmetic (conversions: convert.ts).
//
// A value is { se, m }: se = sign << 15 | 15-bit biased exponent, m = the 64-bit significand
// with its explicit integer bit (J, bit 63), as a BigInt. Every operation works on exact BigInt
// values and rounds once (roundTo) to the destination format: precision p bits (24/53/64 for x87
// precision control, 24 or 53 for float32/float64 stores), exponent range [emin, emax], rounding
// control 0 nearest-even, 1 down, 2 up, 3 toward zero. Tininess is detected after rounding, as
// x86 does; masked underflow is reported only when the tiny result is also inexact.
//
// Exceptions go to an FpStatus: x87 flag bits IE DE ZE OE UE PE in `flags` (status word bit
// positions) and `roundedUp` (C1 for an inexact result). The x87 rules followed here, as the
// hardware does them (Intel SDM vol. 1 ch. 4.8 and 8.5): unsupported encodings (unnormals,
// pseudo-NaNs, pseudo-infinities) raise IE and give the QNaN indefinite; an SNaN operand raises
// IE; two NaNs give the one with the larger significand (positive one on a tie), an SNaN and a
// QNaN give the QNaN; a denormal operand raises DE unless a NaN, an invalid operation or a
// division by zero comes first; with OE/UE unmasked (st.umOE/umUE) and st.bias set, a register
// result overflowing/underflowing gets its exponent adjusted by -/+24576 instead.

export interface F80 { readonly se: number; readonly m: bigint }

export const FE_IE = 0x01, FE_DE = 0x02, FE_ZE = 0x04, FE_OE = 0x08, FE_UE = 0x10, FE_PE = 0x20;

export const RC_NEAR = 0, RC_DOWN = 1, RC_UP = 2, RC_CHOP = 3;

export const JBIT = 1n << 63n;
export const QBIT = 1n << 62n;
const FRAC63 = JBIT - 1n;
const M64 = (1n << 64n) - 1n;
/** e2 of a finite value: value = m * 2^e2 with e2 = max(exp, 1) - 16383 - 63. */
const E2_BIAS = 16446;
export const X_EMIN = -16382, X_EMAX = 16383;
/** Exponent adjustment of the unmasked overflow/underflow responses. */
const BIAS_ADJUST = 24576;

export class FpStatus {
  rc = RC_NEAR;
  /** Significand bits of x87 arithmetic results (precision control). */
  prec = 64;
  flags = 0;
  /** The last rounding increased the magnitude (C1 when PE is set). */
  roundedUp = false;
  /** Unmasked overflow / underflow: signal them the unmasked way. */
  umOE = false;
  umUE = false;
  /** ... and give the register result its exponent bias adjustment. */
  bias = false;
  /** Exponent range of results (SSE sets the float32/float64 range; x87 keeps extended). */
  emin = X_EMIN;
  emax = X_EMAX;

  /** Set up for one instruction from the x87 control word. */
  fromCw(cw: number): this {
    this.rc = (cw >> 10) & 3;
    const pc = (cw >> 8) & 3;
    this.prec = pc === 0 ? 24 : pc === 2 ? 53 : 64;
    this.flags = 0;
    this.roundedUp = false;
    this.umOE = (cw & FE_OE) === 0;
    this.umUE = (cw & FE_UE) === 0;
    this.bias = true;
    return this;
  }
}

export function mk(se: number, m: bigint): F80 { return { se: se & 0xffff, m }; }

export const INDEF: F80 = mk(0xffff, 0xc000000000000000n);
export const ZERO: F80 = mk(0, 0n), NZERO: F80 = mk(0x8000, 0n);
export const ONE: F80 = mk(0x3fff, JBIT);
export const INF: F80 = mk(0x7fff, JBIT), NINF: F80 = mk(0xffff, JBIT);

export const expOf = (a: F80): number => a.se & 0x7fff;
export const signOf = (a: F80): number => a.se >>> 15;
export const isZero = (a: F80): boolean => (a.se & 0x7fff) === 0 && a.m === 0n;
export const isDen = (a: F80): boolean => (a.se & 0x7fff) === 0 && a.m !== 0n;
export const isUnsupported = (a: F80): boolean => (a.se & 0x7fff) !== 0 && (a.m & JBIT) === 0n;
export const isNaN80 = (a: F80): boolean => (a.se & 0x7fff) === 0x7fff && (a.m & JBIT) !== 0n && (a.m & FRAC63) !== 0n;
export const isSNaN = (a: F80): boolean => isNaN80(a) && (a.m & QBIT) === 0n;
export const isInf = (a: F80): boolean => (a.se & 0x7fff) === 0x7fff && a.m === JBIT;
/** Finite value (zero, denormal, normal); also true for nothing unsupported. */
export const isFinite80 = (a: F80): boolean => (a.se & 0x7fff) !== 0x7fff && !isUnsupported(a);

const zeroOf = (s: number): F80 => (s ? NZERO : ZERO);
const infOf = (s: number): F80 => (s ? NINF : INF);
export const quiet = (a: F80): F80 => mk(a.se, a.m | QBIT);
export const neg = (a: F80): F80 => mk(a.se ^ 0x8000, a.m);
export const abs = (a: F80): F80 => mk(a.se & 0x7fff, a.m);
export const e2Of = (a: F80): number => ((a.se & 0x7fff) || 1) - E2_BIAS;

export function bitLength(x: bigint): number {
  let n = 0;
  while (x > M64) { x >>= 64n; n += 64; }
  const hi = Number(x >> 32n), lo = Number(x & 0xffffffffn);
  return n + (hi ? 64 - Math.clz32(hi) : 32 - Math.clz32(lo));
}

// ---- rounding ----

/** Outcome of the last roundShift. */
export const RQ = { inexact: false, up: false };

/** mag (n bits, > 0) shifted right by sh bits, rounded by rc for a value of sign `sign`. */
function roundShift(mag: bigint, n: number, sh: number, sign: number, rc: number): bigint {
  RQ.inexact = false; RQ.up = false;
  if (sh <= 0) return mag << BigInt(-sh);
  let kept: bigint, cmp: number; // remainder against half a unit: -1 below, 0 equal, 1 above
  if (sh > n) { kept = 0n; cmp = -1; } else {
    const s = BigInt(sh);
    kept = mag >> s;
    const rem = mag - (kept << s);
    if (rem === 0n) return kept;
    const half = 1n << (s - 1n);
    cmp = rem > half ? 1 : rem === half ? 0 : -1;
  }
  RQ.inexact = true;
  let up: boolean;
  switch (rc) {
    case RC_NEAR: up = cmp > 0 || (cmp === 0 && (kept & 1n) === 1n); break;
    case RC_DOWN: up = sign === 1; break;
    case RC_UP: up = sign === 0; break;
    default: up = false;
  }
  if (up) { kept += 1n; RQ.up = true; }
  return kept;
}

/** Result of roundTo: value = sig * 2^(exp - p + 1), or an infinity. */
export const RR = { sig: 0n, exp: 0, inf: false };

/**
 * Round (-1)^sign * mag * 2^e2 (mag > 0; its lowest bit may be a sticky bit) to p bits with
 * normal exponents emin..emax, setting exception flags.
 */
export function roundTo(sign: number, mag: bigint, e2: number, p: number, emin: number, emax: number, st: FpStatus): void {
  const n = bitLength(mag);
  let e = e2 + n - 1;
  let sig = roundShift(mag, n, n - p, sign, st.rc);
  let inexact = RQ.inexact, up = RQ.up;
  if (sig >> BigInt(p)) { sig >>= 1n; e++; }
  RR.inf = false;
  if (e < emin) {
    if (st.umUE) {
      st.flags |= FE_UE;
      if (inexact) { st.flags |= FE_PE; if (up) st.roundedUp = true; }
      RR.sig = sig; RR.exp = st.bias ? e + BIAS_ADJUST : e;
      return;
    }
    sig = roundShift(mag, n, emin - p + 1 - e2, sign, st.rc);
    inexact = RQ.inexact; up = RQ.up;
    if (inexact) { st.flags |= FE_UE | FE_PE; if (up) st.roundedUp = true; }
    RR.sig = sig; RR.exp = emin;
    return;
  }
  if (inexact) { st.flags |= FE_PE; if (up) st.roundedUp = true; }
  if (e > emax) {
    if (st.umOE) {
      st.flags |= FE_OE;
      RR.sig = sig; RR.exp = st.bias ? e - BIAS_ADJUST : e;
      return;
    }
    st.flags |= FE_OE | FE_PE;
    const rc = st.rc;
    if (rc === RC_NEAR || (rc === RC_DOWN && sign === 1) || (rc === RC_UP && sign === 0)) {
      RR.inf = true; st.roundedUp = true;
    } else {
      RR.sig = (1n << BigInt(p)) - 1n; RR.exp = emax; st.roundedUp = false;
    }
    return;
  }
  RR.sig = sig; RR.exp = e;
}

/** Pack the rounding result as a float80 with p significant bits. */
function packX(sign: number, p: number): F80 {
  if (RR.inf) return infOf(sign);
  if (RR.sig === 0n) return zeroOf(sign);
  let m = RR.sig << BigInt(64 - p);
  let be = RR.exp + 16383;
  if ((m & JBIT) === 0n) {
    if (RR.exp > X_EMIN) { const sh = 64 - bitLength(m); m <<= BigInt(sh); be -= sh; } // a float32/64 denormal: normal here
    else be = 0; // denormal (exponent emin)
  }
  if (be <= 0 && (m & JBIT) !== 0n) return zeroOf(sign); // beyond the bias-adjusted range
  if (be >= 0x7fff) return infOf(sign);
  return mk((sign << 15) | be, m);
}

/** Round an exact value to float80 under the x87 precision control. */
export function roundPackX(sign: number, mag: bigint, e2: number, st: FpStatus, p = st.prec): F80 {
  if (mag === 0n) return zeroOf(sign);
  roundTo(sign, mag, e2, p, st.emin, st.emax, st);
  return packX(sign, p);
}

/** Exact small integer (or any exact value with < 64 significant bits) as float80. */
export function fromBigInt(v: bigint): F80 {
  if (v === 0n) return ZERO;
  const s = v < 0n ? 1 : 0;
  const mag = s ? -v : v;
  const n = bitLength(mag);
  if (n > 64) throw new Error('fromBigInt: too wide');
  return mk((s << 15) | (16383 + n - 1), mag << BigInt(64 - n));
}

// ---- NaNs ----

/** The x87 choice between two operands at least one of which is a NaN. */
export function pickNaN(a: F80, b: F80, st: FpStatus): F80 {
  const an = isNaN80(a), bn = isNaN80(b);
  const as = an && (a.m & QBIT) === 0n, bs = bn && (b.m & QBIT) === 0n;
  if (as || bs) st.flags |= FE_IE;
  if (an && bn) {
    if (as !== bs) return quiet(as ? b : a);
    if (a.m > b.m) return quiet(a);
    if (b.m > a.m) return quiet(b);
    return quiet(a.se < b.se ? a : b);
  }
  return quiet(an ? a : b);
}

/** Unsupported or NaN operands: the result (and flags), or null to go on. */
function specials2(a: F80, b: F80, st: FpStatus): F80 | null {
  if (isUnsupported(a) || isUnsupported(b)) { st.flags |= FE_IE; return INDEF; }
  if (isNaN80(a) || isNaN80(b)) return pickNaN(a, b, st);
  return null;
}

/** One-operand version: unsupported → indefinite, NaN → quieted. */
export function specials1(a: F80, st: FpStatus): F80 | null {
  if (isUnsupported(a)) { st.flags |= FE_IE; return INDEF; }
  if (isNaN80(a)) { if ((a.m & QBIT) === 0n) st.flags |= FE_IE; return quiet(a); }
  return null;
}

// ---- arithmetic ----

/**
 * Operands that came from float32/float64 denormals are normal float80 values: `den` tells the
 * operations about them for DE (bit 0: a, bit 1: b).
 */
export const DEN_A = 1, DEN_B = 2;

/** a + b (or a - b with negB). */
export function add(a: F80, b: F80, st: FpStatus, negB = false, den = 0): F80 {
  const sp = specials2(a, b, st);
  if (sp) return sp;
  const sa = a.se >>> 15, sb = (b.se >>> 15) ^ (negB ? 1 : 0);
  const ea = a.se & 0x7fff, eb = b.se & 0x7fff;
  if (ea === 0x7fff) {
    if (eb === 0x7fff) {
      if (sa !== sb) { st.flags |= FE_IE; return INDEF; }
    } else if ((den & DEN_B) || isDen(b)) st.flags |= FE_DE;
    return infOf(sa);
  }
  if (eb === 0x7fff) { if ((den & DEN_A) || isDen(a)) st.flags |= FE_DE; return infOf(sb); }
  if (den || isDen(a) || isDen(b)) st.flags |= FE_DE;
  let ma = a.m, mb = b.m;
  if (ma === 0n && mb === 0n) return zeroOf(sa === sb ? sa : st.rc === RC_DOWN ? 1 : 0);
  if (ma === 0n) return roundPackX(sb, mb, e2Of(b), st);
  if (mb === 0n) return roundPackX(sa, ma, e2Of(a), st);
  let e2a = e2Of(a), e2b = e2Of(b);
  // An operand far below the other's last bit only matters as a sticky bit.
  if (e2a - e2b > 200) { ma <<= 140n; e2a -= 140; mb = 1n; e2b = e2a; }
  else if (e2b - e2a > 200) { mb <<= 140n; e2b -= 140; ma = 1n; e2a = e2b; }
  const e = Math.min(e2a, e2b);
  const A = ma << BigInt(e2a - e), B = mb << BigInt(e2b - e);
  const S = (sa ? -A : A) + (sb ? -B : B);
  if (S === 0n) return zeroOf(st.rc === RC_DOWN ? 1 : 0);
  return S < 0n ? roundPackX(1, -S, e, st) : roundPackX(0, S, e, st);
}

export function mul(a: F80, b: F80, st: FpStatus, den = 0): F80 {
  const sp = specials2(a, b, st);
  if (sp) return sp;
  const s = (a.se ^ b.se) >>> 15;
  if ((a.se & 0x7fff) === 0x7fff || (b.se & 0x7fff) === 0x7fff) {
    if (isZero(a) || isZero(b)) { st.flags |= FE_IE; return INDEF; }
    if (den || isDen(a) || isDen(b)) st.flags |= FE_DE;
    return infOf(s);
  }
  if (den || isDen(a) || isDen(b)) st.flags |= FE_DE;
  if (a.m === 0n || b.m === 0n) return zeroOf(s);
  return roundPackX(s, a.m * b.m, e2Of(a) + e2Of(b), st);
}

/** a / b. */
export function div(a: F80, b: F80, st: FpStatus, den = 0): F80 {
  const sp = specials2(a, b, st);
  if (sp) return sp;
  const s = (a.se ^ b.se) >>> 15;
  const ea = a.se & 0x7fff, eb = b.se & 0x7fff;
  if (ea === 0x7fff) {
    if (eb === 0x7fff) { st.flags |= FE_IE; return INDEF; }
    if ((den & DEN_B) || isDen(b)) st.flags |= FE_DE;
    return infOf(s);
  }
  if (eb === 0x7fff) { if ((den & DEN_A) || isDen(a)) st.flags |= FE_DE; return zeroOf(s); }
  if (b.m === 0n) {
    if (a.m === 0n) { st.flags |= FE_IE; return INDEF; }
    st.flags |= FE_ZE;
    return infOf(s);
  }
  if (den || isDen(a) || isDen(b)) st.flags |= FE_DE;
  if (a.m === 0n) return zeroOf(s);
  const k = Math.max(0, 68 + bitLength(b.m) - bitLength(a.m));
  const num = a.m << BigInt(k);
  let q = num / b.m;
  let e2 = e2Of(a) - e2Of(b) - k;
  if (num !== q * b.m) { q = (q << 1n) | 1n; e2--; }
  return roundPackX(s, q, e2, st);
}

/** floor(sqrt(n)). */
export function isqrt(n: bigint): bigint {
  if (n < 2n) return n;
  let x = 1n << BigInt((bitLength(n) + 1) >> 1);
  for (;;) {
    const y = (x + n / x) >> 1n;
    if (y >= x) return x;
    x = y;
  }
}

export function sqrt(a: F80, st: FpStatus): F80 {
  const sp = specials1(a, st);
  if (sp) return sp;
  if (isZero(a)) return a;
  if (a.se & 0x8000) { st.flags |= FE_IE; return INDEF; }
  if ((a.se & 0x7fff) === 0x7fff) return a;
  if (isDen(a)) st.flags |= FE_DE;
  let m = a.m, e2 = e2Of(a);
  if (e2 & 1) { m <<= 1n; e2--; }
  const k = Math.max(0, Math.ceil((140 - bitLength(m)) / 2));
  const M = m << BigInt(2 * k);
  let r = isqrt(M);
  let e = e2 / 2 - k;
  if (r * r !== M) { r = (r << 1n) | 1n; e--; }
  return roundPackX(0, r, e, st);
}

/** Magnitude order of two finite values: -1, 0, 1. */
function cmpMag(a: F80, b: F80): number {
  const ea = (a.se & 0x7fff) || 1, eb = (b.se & 0x7fff) || 1;
  if (a.m === 0n) return b.m === 0n ? 0 : -1;
  if (b.m === 0n) return 1;
  if (ea !== eb) return ea < eb ? -1 : 1;
  return a.m === b.m ? 0 : a.m < b.m ? -1 : 1;
}

export const CMP_LT = -1, CMP_EQ = 0, CMP_GT = 1, CMP_UN = 2;

/** Compare a with b: CMP_LT/EQ/GT/UN. quiet: only SNaNs raise IE (fucom). */
export function compare(a: F80, b: F80, quietCmp: boolean, st: FpStatus, den = 0): number {
  if (isUnsupported(a) || isUnsupported(b)) { st.flags |= FE_IE; return CMP_UN; }
  if (isNaN80(a) || isNaN80(b)) {
    if (!quietCmp || isSNaN(a) || isSNaN(b)) st.flags |= FE_IE;
    return CMP_UN;
  }
  if (den || isDen(a) || isDen(b)) st.flags |= FE_DE;
  return cmpValues(a, b);
}

/** Order of two non-NaN values (infinities included). */
export function cmpValues(a: F80, b: F80): number {
  if (isZero(a) && isZero(b)) return CMP_EQ;
  const sa = a.se >>> 15, sb = b.se >>> 15;
  if (sa !== sb) return sa ? CMP_LT : CMP_GT;
  const c = cmpMag(a, b);
  return sa ? -c : c;
}

/** frndint: round to an integer with the rounding control (no precision control). */
export function roundInt(a: F80, st: FpStatus, rc = st.rc): F80 {
  const sp = specials1(a, st);
  if (sp) return sp;
  if ((a.se & 0x7fff) === 0x7fff || a.m === 0n) return a;
  if (isDen(a)) st.flags |= FE_DE;
  const n = bitLength(a.m), e2 = e2Of(a);
  if (e2 + n - 1 >= 63) return a;
  const s = a.se >>> 15;
  const v = roundShift(a.m, n, -e2, s, rc);
  if (RQ.inexact) { st.flags |= FE_PE; if (RQ.up) st.roundedUp = true; }
  if (v === 0n) return zeroOf(s);
  const r = fromBigInt(v);
  return s ? neg(r) : r;
}

/** Integer magnitude of a finite a, rounded by rc; sets RQ. The caller checks the range. */
export function toIntegerMag(a: F80, rc: number): bigint {
  const n = bitLength(a.m), e2 = e2Of(a);
  return roundShift(a.m, n, -e2, a.se >>> 15, rc);
}

/** Exponent of the leading significant bit of a finite non-zero value. */
export function leadExp(a: F80): number { return e2Of(a) + bitLength(a.m) - 1; }

/** fscale: a * 2^trunc(b). */
export function scale(a: F80, b: F80, st: FpStatus): F80 {
  const sp = specials2(a, b, st);
  if (sp) return sp;
  if (isInf(b)) {
    if (b.se & 0x8000) {
      if (isInf(a)) { st.flags |= FE_IE; return INDEF; }
      if (isDen(a)) st.flags |= FE_DE;
      return zeroOf(a.se >>> 15);
    }
    if (isZero(a)) { st.flags |= FE_IE; return INDEF; }
    if (isDen(a)) st.flags |= FE_DE;
    return infOf(a.se >>> 15);
  }
  if (isDen(a) || isDen(b)) st.flags |= FE_DE;
  if (isInf(a) || a.m === 0n) return a;
  let n = 0;
  if (b.m !== 0n) {
    const le = leadExp(b);
    if (le >= 20) n = 1 << 20;
    else n = Number(toIntegerMag(b, RC_CHOP));
    if (b.se & 0x8000) n = -n;
  }
  return roundPackX(a.se >>> 15, a.m, e2Of(a) + n, st, 64);
}

/** fxtract: [exponent, significand] of a finite non-zero, non-NaN a (caller handles the rest). */
export function extract(a: F80, st: FpStatus): [F80, F80] {
  if (isDen(a)) st.flags |= FE_DE;
  const le = leadExp(a);
  const n = bitLength(a.m);
  return [fromBigInt(BigInt(le)), mk((a.se & 0x8000) | 0x3fff, a.m << BigInt(64 - n))];
}

export interface RemResult { r: F80; q: number; partial: boolean }

/**
 * fprem (round = false: quotient truncated) / fprem1 (round = true: nearest-even) of two finite
 * non-zero values a, b. A complete remainder when the exponents differ by less than 64; else a
 * partial one, reducing the exponent difference by 32..63 bits as Intel and AMD processors do.
 */
export function remainder(a: F80, b: F80, nearest: boolean, st: FpStatus): RemResult {
  const sa = a.se >>> 15;
  const ea = leadExp(a), eb = leadExp(b);
  const diff = ea - eb;
  if (diff < -1) return { r: roundPackX(sa, a.m, e2Of(a), st, 64), q: 0, partial: false }; // |a| < |b| / 2
  let ma = a.m, e2a = e2Of(a);
  let mb = b.m, e2b = e2Of(b);
  let partial = false, useNearest = nearest;
  if (diff >= 64) {
    const n = 32 + (diff % 32);
    e2b += diff - n; // b scaled by 2^(diff - n): the quotient has n + 1 bits at most
    partial = true;
    useNearest = false;
  }
  // Align both to the smaller e2.
  const e = Math.min(e2a, e2b);
  ma <<= BigInt(e2a - e);
  mb <<= BigInt(e2b - e);
  let q = ma / mb;
  let r = ma - q * mb;
  if (useNearest) {
    const twice = r << 1n;
    if (twice > mb || (twice === mb && (q & 1n) === 1n)) { q += 1n; r -= mb; }
  }
  let sign = sa;
  if (r < 0n) { r = -r; sign ^= 1; }
  const res = r === 0n ? zeroOf(sa) : roundPackX(sign, r, e, st, 64);
  return { r: res, q: Number(q & 7n), partial };
}

