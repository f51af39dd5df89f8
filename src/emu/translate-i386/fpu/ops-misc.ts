// x87 control and register-only instructions: fnstcw/fldcw/fnstsw/fnclex/fninit, fxch, fchs,
// fabs, ftst, fxam, fsqrt, frndint, fscale, fxtract, fprem/fprem1, the transcendentals, the
// stack pointer and tag operations, fcmovcc.
import { R_EAX } from '../state';
import {
  F80, FE_DE, FE_IE, FE_ZE, FpStatus, INDEF, JBIT, ONE, ZERO, add, extract, isDen, isInf, isNaN80, isUnsupported, isZero,
  mk, remainder, scale, specials1,
} from './float80';
import { Handler, Insn, lastReg, ld16, st16 } from './insn';
import { compareOp } from './ops-data';
import { SW_B, SW_C0, SW_C1, SW_C2, SW_C3, SW_ES, X87State } from './state';
import { sinCos, tan, f2xm1 } from './transcend';

// ---- control ----

export const fnstcw: Handler = (c) => st16(c, 0, c.x.fcw);
export const fldcw: Handler = (c) => {
  const v = ld16(c);
  c.x.fcw = (v & ~0xe0c0) | 0x40;
  c.x.updateSummary();
};
export const fnstswM: Handler = (c) => st16(c, 0, c.x.status);
export const fnstswAx: Handler = (c) => { const s = c.cpu.s; s[R_EAX] = (s[R_EAX] & ~0xffff) | c.x.status; };
export const fnclex: Handler = (c) => { c.x.fsw &= ~(SW_B | SW_ES | 0x7f); };
export const fninit: Handler = (c) => c.x.init();
export const fnop: Handler = (c) => lastReg(c);

// ---- register-only instructions ----

export const fxch: Handler = (c) => {
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
export function unarySign(c: Insn, f: (v: F80) => F80): void {
  const x = c.x;
  lastReg(c);
  x.setC1(false);
  if (x.isEmpty(0)) { x.underflowTo(0, false); return; }
  x.set(0, f(x.get(0)));
}

export const ftst: Handler = (c) => { lastReg(c); compareOp(c, ZERO, false, false, 0, false, false); };

export const fxam: Handler = (c) => {
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
export function unaryArith(c: Insn, f: (v: F80, st: FpStatus) => F80): void {
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
export function binPop(c: Insn, f: (a: F80, b: F80, st: FpStatus) => F80): void {
  const x = c.x;
  lastReg(c);
  x.setC1(false);
  if (x.isEmpty(0) || x.isEmpty(1)) { x.underflowTo(1, true); return; }
  const st = status64(x);
  const r = f(x.get(0), x.get(1), st);
  if (!x.merge(st)) { x.set(1, r); x.pop(); }
}

export const fscale: Handler = (c) => {
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

export const fxtract: Handler = (c) => {
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

export const fptan: Handler = (c) => {
  const x = c.x;
  x.fsw &= ~SW_C2;
  if (!pushTwoChecks(c)) return;
  const v = x.get(0);
  const st = status64(x);
  const r = tan(v, st);
  if (r === 'range') { x.fsw |= SW_C2; return; }
  if (!x.merge(st)) { x.set(0, r); x.push(isNaN80(r) ? r : ONE); }
};

export const fsincos: Handler = (c) => {
  const x = c.x;
  x.fsw &= ~SW_C2;
  if (!pushTwoChecks(c)) return;
  const st = status64(x);
  const r = sinCos(x.get(0), st);
  if (r === 'range') { x.fsw |= SW_C2; return; }
  if (!x.merge(st)) { x.set(0, r[0]); x.push(r[1]); }
};

export function sinOrCos(c: Insn, which: 0 | 1): void {
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

export const f2xm1Op: Handler = (c) => {
  const x = c.x;
  lastReg(c);
  x.setC1(false);
  if (x.isEmpty(0)) { x.underflowTo(0, false); return; }
  const st = status64(x);
  const r = f2xm1(x.get(0), st);
  if (!x.merge(st)) x.set(0, r);
};

/** fprem (nearest = false) / fprem1. */
export function fpremOp(c: Insn, nearest: boolean): void {
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

export const fincstp: Handler = (c) => { lastReg(c); c.x.setC1(false); c.x.top = (c.x.top + 1) & 7; };
export const fdecstp: Handler = (c) => { lastReg(c); c.x.setC1(false); c.x.top = (c.x.top - 1) & 7; };
export const ffree: Handler = (c) => { lastReg(c); c.x.empty |= 1 << c.x.phys(c.rm); };
export const ffreep: Handler = (c) => { lastReg(c); c.x.empty |= 1 << c.x.phys(c.rm); c.x.pop(); };

/** fcmovcc: the EFLAGS condition of the DA/DB register forms. */
export function fcmov(c: Insn, negate: boolean): void {
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
