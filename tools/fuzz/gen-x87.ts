// x87 basics: loads (memory floats and integers, constants), arithmetic, fsqrt and friends,
// stores, compares with fnstsw/fcomi, fldcw (rounding and precision control). The generator
// tracks the register-stack depth so that it neither overflows nor underflows (QEMU does not
// model x87 stack faults), and the condition codes C0..C3 like flags.
import { AF, ARITH, C0, C1, C2, C3, CF, OF, PF, SF, ZF } from './flags';
import { Ctx, mk } from './gen-common';
import { memOperand } from './operands';
import { hex } from './prng';
import { Insn, X87 } from './sequence';

export interface X87Ctx {
  fpuDepth: number;
  fpuUsed: boolean;
  /** Precision control (3: extended, as after fninit). */
  fpuPc: number;
}

/**
 * After arithmetic, loads and stores C0, C2, C3 are undefined (SDM). C1 is defined (rounded
 * up or not) but QEMU never sets it: treated as undefined too.
 */
const ARITH_CC: Partial<Insn> = { undefs: X87(C0 | C1 | C2 | C3) };
/** Compares define C0 C2 C3; their "C1 = 0" is not modelled by QEMU (it keeps C1). */
const CMP_CC: Partial<Insn> = { defs: X87(C0 | C2 | C3), undefs: X87(C1) };
/** fxam (C1 = sign), fprem (C1 = quotient bit 0) and fninit define all four. */
const ALL_CC: Partial<Insn> = { defs: X87(C0 | C1 | C2 | C3) };

/** Set-up at the start of a sequence that uses the FPU (the kernel already ran fninit). */
export function x87Init(): Insn[] { return [{ ...mk('x87', ['fninit'], ALL_CC), fpu: { need: 0, delta: 0 } }]; }

// Bit patterns worth loading: zeros, infinities, NaNs, denormals, extremes, integers at the
// edges of fistp's range.
const F32 = [0x00000000, 0x80000000, 0x3f800000, 0xbf800000, 0x7f800000, 0xff800000, 0x7fc00000, 0x7fa00000,
  0x00000001, 0x007fffff, 0x7f7fffff, 0x3f000000, 0x4f000000, 0xcf000000, 0x4effffff, 0x40490fdb];
const F64 = [[0, 0], [0, 0x80000000], [0, 0x3ff00000], [0, 0x7ff00000], [0, 0x7ff80000], [1, 0x7ff00000],
  [1, 0], [0xffffffff, 0x000fffff], [0xffffffff, 0x7fefffff], [0, 0x41e00000], [0, 0xc1e00000],
  [0, 0x43e00000], [0x54442d18, 0x400921fb], [0xffffffff, 0x41dfffff], [0, 0x3fe00000]];

const WORD: Record<number, string> = { 2: 'word', 4: 'dword', 8: 'qword', 10: 'tword' };

/** A memory operand for an x87 load; half the time an edge value is stored there first. */
function memLoad(c: Ctx, size: 2 | 4 | 8 | 10, float: boolean): { prep: string[]; op: string } {
  const m = memOperand(c.r, size, { esp: c.esp });
  const prep = [...m.prep];
  const at = (off: number): string => `[${m.bare.slice(1, -1)}+${off}]`;
  if (c.r.chance(0.5)) {
    if (size === 4 && float) prep.push(`mov dword ${m.bare}, 0x${hex(c.r.pick(F32))}`);
    else if (size === 8 && float) {
      const [lo, hi] = c.r.pick(F64);
      prep.push(`mov dword ${m.bare}, 0x${hex(lo)}`, `mov dword ${at(4)}, 0x${hex(hi)}`);
    } else if (size === 2) prep.push(`mov word ${m.bare}, 0x${hex(c.r.pick([0, 1, 0x7fff, 0x8000, 0xffff, 0x7ffe]), 4)}`);
    else if (size === 4) prep.push(`mov dword ${m.bare}, 0x${hex(c.r.pick([0, 1, 0x7fffffff, 0x80000000, 0xffffffff]))}`);
    else if (size === 8) prep.push(`mov dword ${m.bare}, 0x${hex(c.r.u32())}`, `mov dword ${at(4)}, 0x${hex(c.r.pick([0, 0x80000000, 0x7fffffff, 0xffffffff]))}`);
  }
  return { prep, op: `${WORD[size]} ${m.bare}` };
}

const st = (i: number): string => `st${i}`;

export function x87(g: X87Ctx, c: Ctx): Insn {
  g.fpuUsed = true;
  const d = g.fpuDepth;
  const r = c.r;
  const choices: string[] = ['fldcw'];
  if (d < 8) choices.push('load', 'load', 'const');
  if (d > 0 && d < 8) choices.push('fldst');
  if (d >= 1) choices.push('arith', 'arith', 'unary', 'store', 'compare', 'fcomi');
  if (d >= 2) choices.push('arithp', 'binary');
  let kind = r.pick(choices);
  if (kind === 'load' && g.fpuPc !== 3) kind = d > 0 ? 'fldst' : 'const';
  const i = build(kind, d, c);
  g.fpuDepth += i.fpu!.delta;
  if (i.fpu!.setPc !== undefined) g.fpuPc = i.fpu!.setPc;
  return i;
}

function x(asm: string[], flags: Partial<Insn>, need: number, delta: number): Insn {
  return { ...mk('x87', asm, flags), fpu: { need, delta } };
}

function build(kind: string, d: number, c: Ctx): Insn {
  const r = c.r;
  const any = (): number => r.int(d);
  switch (kind) {
    case 'fldst': {
      const k = any();
      return x([`fld ${st(k)}`], ARITH_CC, k + 1, 1);
    }
    case 'load': {
      const t = r.pick(['fld4', 'fld8', 'fld8', 'fild2', 'fild4', 'fild8', 'fld10']);
      const int = t.startsWith('fild');
      const size = Number(t.slice(int ? 4 : 3)) as 2 | 4 | 8 | 10;
      const m = memLoad(c, size, !int);
      return { ...x([...m.prep, `${int ? 'fild' : 'fld'} ${m.op}`], ARITH_CC, 0, 1), fpu: { need: 0, delta: 1, needExt: true } };
    }
    case 'const':
      return x([r.pick(['fld1', 'fldz', 'fldpi', 'fldl2e', 'fldl2t', 'fldlg2', 'fldln2'])], ARITH_CC, 0, 1);
    case 'arith': {
      const op = r.pick(['fadd', 'fsub', 'fsubr', 'fmul', 'fdiv', 'fdivr']);
      const t = r.int(4);
      if (t === 0) { const m = memLoad(c, r.pick([4, 8] as const), true); return x([...m.prep, `${op} ${m.op}`], ARITH_CC, 1, 0); }
      if (t === 1) { const m = memLoad(c, r.pick([2, 4] as const), false); return x([...m.prep, `fi${op.slice(1)} ${m.op}`], ARITH_CC, 1, 0); }
      const k = any();
      return x([t === 2 ? `${op} st0, ${st(k)}` : `${op} ${st(k)}, st0`], ARITH_CC, k + 1, 0);
    }
    case 'arithp': {
      const k = 1 + r.int(d - 1);
      return x([`${r.pick(['faddp', 'fsubp', 'fsubrp', 'fmulp', 'fdivp', 'fdivrp'])} ${st(k)}, st0`], ARITH_CC, k + 1, -1);
    }
    case 'unary':
      if (r.chance(0.25)) { const k = any(); return x([`fxch ${st(k)}`], ARITH_CC, k + 1, 0); }
      return x([r.pick(['fsqrt', 'fabs', 'fchs', 'frndint', 'fsqrt'])], ARITH_CC, 1, 0);
    case 'binary':
      // fprem: the low quotient bits in C0/C3/C1 and "incomplete" in C2, all defined.
      return r.chance(0.5) ? x(['fprem'], ALL_CC, 2, 0) : x(['fscale'], ARITH_CC, 2, 0);
    case 'store': {
      const t = r.pick(['fst4', 'fst8', 'fstp4', 'fstp8', 'fstp10', 'fist2', 'fist4', 'fistp2', 'fistp4', 'fistp8', 'fstpst']);
      if (t === 'fstpst') { const k = any(); return x([`fstp ${st(k)}`], ARITH_CC, k + 1, -1); }
      const size = Number(t.replace(/\D+/, '')) as 2 | 4 | 8 | 10;
      const m = memOperand(r, size, { esp: c.esp });
      return x([...m.prep, `${t.replace(/\d+$/, '')} ${WORD[size]} ${m.bare}`], ARITH_CC, 1, t.includes('p') ? -1 : 0);
    }
    case 'compare': return compare(c, d);
    case 'fcomi': {
      // ZF PF CF from the compare. OF SF AF are cleared on hardware but QEMU leaves them: undefined.
      const op = r.pick(['fcomi', 'fucomi', 'fcomip', 'fucomip']);
      const k = any();
      return x([`${op} st0, ${st(k)}`], { defs: ZF | PF | CF, undefs: OF | SF | AF | X87(C1) }, k + 1, op.endsWith('p') ? -1 : 0);
    }
    default: {
      // All exceptions masked; random rounding (bits 10-11) and precision (bits 8-9) control.
      const pc = r.chance(0.5) ? 3 : r.int(4);
      const cw = 0x3f | 0x40 | (pc << 8) | (r.int(4) << 10);
      const m = memOperand(r, 2, { esp: c.esp });
      return { ...x([...m.prep, `mov word ${m.bare}, 0x${hex(cw, 4)}`, `fldcw word ${m.bare}`], { undefs: X87(C0 | C1 | C2 | C3) }, 0, 0), fpu: { need: 0, delta: 0, setPc: pc } };
    }
  }
}

function compare(c: Ctx, d: number): Insn {
  const r = c.r;
  const t = r.int(5);
  let asm: string[], need = 1, delta = 0;
  if (t === 0) {
    const m = memLoad(c, r.pick([4, 8] as const), true);
    const op = r.pick(['fcom', 'fcomp']);
    asm = [...m.prep, `${op} ${m.op}`];
    delta = op === 'fcomp' ? -1 : 0;
  } else if (t === 1) {
    const op = r.pick(['fcom', 'fucom', 'fcomp', 'fucomp']);
    const k = r.int(d);
    asm = [`${op} ${st(k)}`];
    need = k + 1;
    delta = op.endsWith('p') ? -1 : 0;
  } else if (t === 4 && d >= 2) {
    asm = [r.pick(['fcompp', 'fucompp'])];
    need = 2;
    delta = -2;
  } else asm = [t === 3 ? 'fxam' : 'ftst'];
  const cc = asm[0] === 'fxam' ? ALL_CC : CMP_CC;
  if (!r.chance(0.6)) return x(asm, cc, need, delta);
  // The result into AX: C0 C2 C3 only (C1 and the exception bits are QEMU-dependent, see the
  // README), and sometimes on into EFLAGS.
  const tail = ['fnstsw ax', 'and ax, 0x4500'];
  if (r.chance(0.5)) tail.push('sahf');
  const flags = tail.length === 3 ? { defs: ARITH, undefs: 0 } : { defs: ARITH & ~AF, undefs: AF };
  return x([...asm, ...tail], { defs: cc.defs! | flags.defs, undefs: (cc.undefs ?? 0) | flags.undefs }, need, delta);
}
