// Arithmetic classes (ALU, inc/dec/neg/not, shifts and rotates, shld/shrd, mul/imul,
// div/idiv, BCD, flag instructions). Each returns one Insn with its flag effects: the flags it
// reads, defines, leaves undefined (Intel SDM vol. 2, "Flags Affected").
import { AF, ARITH, CF, OF, PF, SF, ZF } from './flags';
import { Bits, EAX, EBP, EBX, ECX, EDI, EDX, ESI, imm, memOperand, pickReg, regName } from './operands';
import { edge } from './prng';
import { Insn } from './sequence';
import { GenFn, immFor, lockIf, mk, pickBits, rm } from './gen-common';

const ALU_OPS = ['add', 'or', 'adc', 'sbb', 'and', 'sub', 'xor', 'cmp'];

const LOGIC = new Set(['and', 'or', 'xor']);

function aluFlags(op: string): Partial<Insn> {
  const reads = op === 'adc' || op === 'sbb' ? CF : 0;
  return LOGIC.has(op) ? { reads, defs: ARITH & ~AF, undefs: AF } : { reads, defs: ARITH };
}

export const alu: GenFn = (c) => {
  const op = c.r.pick(ALU_OPS);
  const bits = pickBits(c.r);
  const write = op !== 'cmp';
  const form = c.r.pick(['rr', 'rm', 'mr', 'ri', 'mi']);
  let asm: string[];
  if (form === 'rr' || form === 'ri') {
    const d = pickReg(c.r, bits, write);
    const s = form === 'rr' ? pickReg(c.r, bits, false) : immFor(c, bits);
    asm = [`${op} ${d}, ${s}`];
  } else {
    const m = memOperand(c.r, bits / 8, { esp: c.esp });
    const lock = write ? lockIf(c, true) : '';
    if (form === 'rm') asm = [...m.prep, `${op} ${pickReg(c.r, bits, write)}, ${m.op}`];
    else if (form === 'mr') asm = [...m.prep, `${lock}${op} ${m.op}, ${pickReg(c.r, bits, false)}`];
    else asm = [...m.prep, `${lock}${op} ${m.op}, ${immFor(c, bits)}`];
  }
  return mk('alu', asm, aluFlags(op));
};

export const test: GenFn = (c) => {
  const bits = pickBits(c.r);
  const d = rm(c, bits, false);
  const s = c.r.chance(0.5) ? pickReg(c.r, bits, false) : imm(c.r, bits);
  return mk('test', [...d.prep, `test ${d.op}, ${s}`], { defs: ARITH & ~AF, undefs: AF });
};

export const incDecNegNot: GenFn = (c) => {
  const op = c.r.pick(['inc', 'dec', 'neg', 'not']);
  const bits = pickBits(c.r);
  const d = rm(c, bits, true);
  const asm = [...d.prep, `${lockIf(c, d.mem)}${op} ${d.op}`];
  if (op === 'not') return mk('negnot', asm);
  if (op === 'neg') return mk('negnot', asm, { defs: ARITH });
  return mk('incdec', asm, { defs: ARITH & ~CF });
};

/** Flag effects of a shift/rotate by `count` (null: not known when generating). */
export function shiftFlags(op: string, bits: Bits, count: number | null): Partial<Insn> {
  const rot = op === 'rol' || op === 'ror' || op === 'rcl' || op === 'rcr';
  // CF of shl/shr is undefined once the (masked) count reaches the operand size.
  const cfUndef = (n: number): boolean => (op === 'shl' || op === 'sal' || op === 'shr') && n >= bits;
  if (count === null) {
    // The count may be 0 (flags unchanged) or anything: nothing becomes defined.
    return { undefs: rot ? OF : AF | OF | (bits < 32 ? (op === 'sar' ? 0 : CF) : 0) };
  }
  const n = count & 31;
  if (n === 0) return {};
  const of = n === 1 ? { d: OF, u: 0 } : { d: 0, u: OF };
  if (op === 'rol' || op === 'ror') return { defs: CF | of.d, undefs: of.u };
  if (op === 'rcl' || op === 'rcr') {
    const t = bits === 32 ? n : n % (bits + 1);
    return { defs: (t ? CF : 0) | of.d, undefs: of.u };
  }
  return { defs: (SF | ZF | PF | (cfUndef(n) ? 0 : CF) | of.d), undefs: AF | of.u | (cfUndef(n) ? CF : 0) };
}

const SHIFT_COUNTS = [0, 1, 2, 3, 4, 7, 8, 9, 15, 16, 17, 24, 31, 32, 33, 63, 64, 255];

export const shift: GenFn = (c) => {
  const op = c.r.pick(['rol', 'ror', 'rcl', 'rcr', 'shl', 'sal', 'shr', 'sar']);
  const bits = pickBits(c.r);
  const kind = c.r.pick(['1', 'imm', 'imm', 'cl', 'clset']);
  const count = kind === '1' ? 1 : c.r.chance(0.8) ? c.r.pick(SHIFT_COUNTS) : c.r.int(256);
  const reads = op === 'rcl' || op === 'rcr' ? CF : 0;
  if (kind === 'cl' || kind === 'clset') {
    const d = rm(c, bits, true, { avoid: new Set([ECX]) });
    const prep = kind === 'clset' ? [`mov cl, ${count}`] : [];
    return mk('shift', [...prep, ...d.prep, `${op} ${d.op}, cl`], { reads, ...shiftFlags(op, bits, kind === 'clset' ? count : null) });
  }
  const d = rm(c, bits, true);
  // `op x, 1` is the D0/D1 form; `strict byte 1` keeps the C0/C1 imm8 form.
  const cnt = kind === '1' ? (c.r.chance(0.7) ? '1' : 'strict byte 1') : String(count);
  return mk('shift', [...d.prep, `${op} ${d.op}, ${cnt}`], { reads, ...shiftFlags(op, bits, count) });
};

export const shiftDouble: GenFn = (c) => {
  const op = c.r.pick(['shld', 'shrd']);
  const bits: Bits = c.r.chance(0.6) ? 32 : 16;
  // 16-bit counts above 16 leave the result undefined: only 0..16 (mod 32) then.
  const count = bits === 16 ? c.r.pick([0, 1, 2, 8, 15, 16, 32, 33, 47, 48, c.r.int(17)]) : c.r.pick([...SHIFT_COUNTS, c.r.int(256)]);
  const useCl = c.r.chance(0.5);
  const dynamic = useCl && bits === 32 && c.r.chance(0.4);
  const d = rm(c, bits, true, { avoid: useCl ? new Set([ECX]) : undefined });
  const s = pickReg(c.r, bits, false, useCl ? new Set([ECX]) : undefined);
  const prep = useCl && !dynamic ? [`mov cl, ${count}`] : [];
  const flags = shiftDoubleFlags(dynamic ? null : count);
  return mk('shd', [...prep, ...d.prep, `${op} ${d.op}, ${s}, ${useCl ? 'cl' : String(count & 0xff)}`], flags);
};

function shiftDoubleFlags(count: number | null): Partial<Insn> {
  if (count === null) return { undefs: AF | OF };
  const n = count & 31;
  if (n === 0) return {};
  return { defs: CF | SF | ZF | PF | (n === 1 ? OF : 0), undefs: AF | (n === 1 ? 0 : OF) };
}

const MUL_FLAGS: Partial<Insn> = { defs: CF | OF, undefs: SF | ZF | AF | PF };

export const mul: GenFn = (c) => {
  const form = c.r.pick(['mul', 'imul1', 'imul2', 'imul3']);
  if (form === 'mul' || form === 'imul1') {
    const bits = pickBits(c.r);
    const s = rm(c, bits, false, { avoid: new Set([EAX, EDX]) });
    return mk('mul', [...s.prep, `${form === 'mul' ? 'mul' : 'imul'} ${s.op}`], MUL_FLAGS);
  }
  const bits = pickBits(c.r, false);
  const d = pickReg(c.r, bits, true);
  const s = rm(c, bits, false);
  if (form === 'imul2') return mk('mul', [...s.prep, `imul ${d}, ${s.op}`], MUL_FLAGS);
  return mk('mul', [...s.prep, `imul ${d}, ${s.op}, ${immFor(c, bits)}`], MUL_FLAGS);
};

/**
 * div/idiv. Policy: most get a set-up that rules out #DE (high half of the dividend zero or
 * sign-extended, divisor neither 0 nor -1); the rest divide whatever is there, and a #DE
 * then ends the sequence and is compared (vector, faulting instruction, registers, flags).
 */
export const div: GenFn = (c) => {
  const signed = c.r.chance(0.5);
  const op = signed ? 'idiv' : 'div';
  const bits = pickBits(c.r);
  const safe = c.r.chance(0.8);
  const avoid = new Set([EAX, EDX]);
  if (!safe) {
    const s = rm(c, bits, false, { avoid });
    return mk('div', [...s.prep, `${op} ${s.op}`], { undefs: ARITH });
  }
  let v = edge(c.r, bits);
  const mask = bits === 32 ? 0xffffffff : (1 << bits) - 1;
  if (v === 0) v = 1;
  if (signed && v === mask) v = 2;
  const high = bits === 8 ? 'ah' : bits === 16 ? 'dx' : 'edx';
  const extend = bits === 8 ? 'cbw' : bits === 16 ? 'cwd' : 'cdq';
  const prep = [signed ? extend : `mov ${high}, 0`];
  if (c.r.chance(0.5)) {
    const m = memOperand(c.r, bits / 8, { esp: c.esp, avoid });
    return mk('div', [...m.prep, `mov ${m.op}, 0x${v.toString(16)}`, ...prep, `${op} ${m.op}`], { undefs: ARITH });
  }
  const reg = regName(c.r.pick(bits === 8 ? [1, 3, 5, 7] : [ECX, EBX, EBP, ESI, EDI]), bits);
  return mk('div', [`mov ${reg}, 0x${v.toString(16)}`, ...prep, `${op} ${reg}`], { undefs: ARITH });
};

export const bcd: GenFn = (c) => {
  const op = c.r.pick(['daa', 'das', 'aaa', 'aas', 'aam', 'aad']);
  // Interesting AL/AH values: packed BCD digits, carries out of a nibble, non-BCD bytes.
  const prep = c.r.chance(0.5) ? [`mov ax, 0x${c.r.pick([0x0909, 0x0099, 0x009a, 0x00ff, 0x0f0f, 0x0000, 0x0a0a, c.r.int(0x10000)]).toString(16)}`] : [];
  if (op === 'daa' || op === 'das') return mk('bcd', [...prep, op], { reads: AF | CF, defs: CF | AF | SF | ZF | PF, undefs: OF });
  if (op === 'aaa' || op === 'aas') return mk('bcd', [...prep, op], { reads: AF, defs: AF | CF, undefs: OF | SF | ZF | PF });
  // aam 0 raises #DE: kept, rarely.
  const base = c.r.weighted([[6, 10], [3, c.r.range(1, 255)], [1, 0]]);
  return mk('bcd', [...prep, base === 10 && c.r.chance(0.5) ? op : `${op} ${base}`], { defs: SF | ZF | PF, undefs: OF | AF | CF });
};

export const lahfSahf: GenFn = (c) =>
  c.r.chance(0.5) ? mk('lahf', ['lahf'], { reads: SF | ZF | AF | PF | CF })
    : mk('sahf', [...(c.r.chance(0.5) ? [`mov ah, 0x${c.r.int(256).toString(16)}`] : []), 'sahf'], { defs: SF | ZF | AF | PF | CF });

export const flagOps: GenFn = (c) => {
  const op = c.r.pick(['cmc', 'clc', 'stc', 'cld', 'std']);
  if (op === 'cmc') return mk('flag', [op], { reads: CF, defs: CF });
  return mk('flag', [op], { defs: op === 'cld' || op === 'std' ? 0 : CF });
};

export const into: GenFn = () => mk('into', ['into'], { reads: OF });
