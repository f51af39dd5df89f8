// Classes around the machine state: string instructions, the stack (push/pop, pusha/popa,
// pushf/popf, enter/leave), segment loads, bound, arpl, and the single-step trap.
import { ARITH, ZF } from './flags';
import { HOT, imm, imm8s, memOperand, pickReg } from './operands';
import { edge, hex } from './prng';
import { Insn } from './sequence';
import { Ctx, GenFn, mk, rm } from './gen-common';

/** Registers used as a 16-bit address (a16 string ops): junk in their upper halves. */
const withJunk = (c: Ctx, v: number, a16: boolean): string => '0x' + hex(a16 && c.r.chance(0.7) ? (c.r.int(0x10000) << 16 | v) >>> 0 : v);

export const stringOp: GenFn = (c) => {
  const op = c.r.pick(['movs', 'cmps', 'scas', 'lods', 'stos']);
  const sz = c.r.pick(['b', 'w', 'd']);
  const cmp = op === 'cmps' || op === 'scas';
  const rep = c.r.chance(0.6) ? (cmp ? c.r.pick(['repe ', 'repne ']) : 'rep ') : '';
  const a16 = c.r.chance(0.2);
  const seg = (op === 'movs' || op === 'cmps' || op === 'lods') && c.r.chance(0.2) ? c.r.pick(['es ', 'ss ', 'cs ', 'fs ']) : '';
  const count = c.r.pick([0, 1, 2, 3, 5, 8]);
  // Source and destination near each other in the hot zone (they may overlap), DF either way.
  const prep = [c.r.chance(0.5) ? 'cld' : 'std'];
  prep.push(`mov esi, ${withJunk(c, HOT + 0x20 + c.r.int(0xc0), a16)}`);
  prep.push(`mov edi, ${withJunk(c, HOT + 0x20 + c.r.int(0xc0), a16)}`);
  if (rep) prep.push(`mov ecx, ${withJunk(c, count, a16)}`);
  const flags: Partial<Insn> = cmp && !(rep && count === 0) ? { defs: ARITH } : {};
  // cs: is readable code: only for reads (movs/cmps/lods read through the override).
  return mk('string', [...prep, `${a16 ? 'a16 ' : ''}${seg}${rep}${op}${sz}`], flags);
};


export const push: GenFn = (c) => {
  const k = c.r.int(7);
  if (k === 0) return mk('push', [`push ${pickReg(c.r, 32, false)}`], { esp: -4 });
  if (k === 1) return mk('push', [`push ${pickReg(c.r, 16, false)}`], { esp: -2 });
  if (k === 2) return mk('push', [`push byte ${imm8s(c.r)}`], { esp: -4 });
  if (k === 3) return mk('push', [`push dword ${imm(c.r, 32)}`], { esp: -4 });
  if (k === 4) return mk('push', [`push word ${imm(c.r, 16)}`], { esp: -2 });
  const bits = k === 5 ? 32 : 16;
  const m = memOperand(c.r, bits / 8, { esp: c.esp });
  return mk('push', [...m.prep, `push ${m.op}`], { esp: -bits / 8 });
};

export const pop: GenFn = (c) => {
  const k = c.r.int(5);
  if (k === 0 || k === 1) return mk('pop', [`pop ${pickReg(c.r, 32, true)}`], { esp: 4 });
  if (k === 2) return mk('pop', [`pop ${pickReg(c.r, 16, true)}`], { esp: 2 });
  // pop to memory; an ESP-based address uses ESP after the increment.
  const bits = c.r.chance(0.7) ? 32 : 16;
  const m = memOperand(c.r, bits / 8, { esp: c.esp + bits / 8, a16: false });
  return mk('pop', [...m.prep, `pop ${m.op}`], { esp: bits / 8 });
};

export const pushPopAll: GenFn = (c) => {
  const w = c.r.chance(0.3);
  const op = c.r.pick(['pusha', 'popa']);
  const n = w ? 16 : 32;
  return mk('pusha', [`${op}${w ? 'w' : 'd'}`], { esp: op === 'pusha' ? -n : n });
};

export const pushf: GenFn = (c) => {
  const w = c.r.chance(0.3);
  return mk('pushf', [w ? 'pushfw' : 'pushfd'], { reads: ARITH, esp: w ? -2 : -4 });
};

/**
 * popf of a pushed immediate. TF and IF are never set (TF would trap, IF would let the
 * timer in); the value sets the arithmetic flags, DF, and sometimes NT, IOPL, AC and ID.
 */
export const popf: GenFn = (c) => {
  const w = c.r.chance(0.3);
  let v = c.r.u32() & (ARITH | 0x400);
  if (c.r.chance(0.15)) v |= c.r.u32() & (0x4000 | 0x3000 | (w ? 0 : 0x40000 | 0x200000));
  const asm = w ? [`push word 0x${hex(v & 0xffff, 4)}`, 'popfw'] : [`push dword 0x${hex(v)}`, 'popfd'];
  return mk('popf', asm, { defs: ARITH });
};

/**
 * TF set by popf just before a string instruction: the single-step trap must come after its
 * first iteration (EIP still on it, the count decremented once). Ends the sequence (#DB).
 */
export const singleStep: GenFn = (c) => {
  const s = stringOp(c);
  const op = s.asm[s.asm.length - 1];
  return mk('trap', [...s.asm.slice(0, -1), 'pushfd', 'or dword [esp], 0x100', 'popfd', op], { reads: ARITH });
};


const SEGS = ['es', 'fs', 'gs'];

/**
 * Segment loads with valid selectors: 0x10 (the flat data segment) anywhere, the null
 * selector into ES/FS/GS (a later access through it is a #GP, compared like any fault).
 * DS and SS only get 0x10: the harness needs them.
 */
export const segLoad: GenFn = (c) => {
  const seg = c.r.chance(0.8) ? c.r.pick(SEGS) : c.r.pick(['ds', 'ss']);
  const sel = seg === 'ds' || seg === 'ss' || c.r.chance(0.7) ? 0x10 : 0;
  const k = c.r.int(4);
  if (k === 0) {
    const reg = pickReg(c.r, 16, true);
    return mk('seg', [`mov ${reg}, 0x${sel.toString(16)}`, `mov ${seg}, ${reg}`]);
  }
  if (k === 1) {
    const m = memOperand(c.r, 2, { esp: c.esp });
    return mk('seg', [...m.prep, `mov word ${m.bare}, 0x${sel.toString(16)}`, `mov ${seg}, word ${m.bare}`]);
  }
  if (k === 2) return mk('seg', [`push dword 0x${sel.toString(16)}`, `pop ${seg}`]);
  // Selector to a register or memory: 32-bit destinations are zero-extended (P6 and later).
  const src = c.r.pick(['ds', 'es', 'fs', 'gs', 'ss', 'cs']);
  if (c.r.chance(0.5)) return mk('seg', [`mov ${pickReg(c.r, c.r.chance(0.5) ? 32 : 16, true)}, ${src}`]);
  const m = memOperand(c.r, 2, { esp: c.esp });
  return mk('seg', [...m.prep, `mov word ${m.bare}, ${src}`]);
};

/** lds/les/lfs/lgs/lss from a far pointer stored first; lss moves ESP by a known amount. */
export const farLoad: GenFn = (c) => {
  const op = c.r.pick(['les', 'lfs', 'lgs', 'lds', 'lss']);
  const w = c.r.chance(0.3);
  const m = memOperand(c.r, w ? 4 : 6, { esp: c.esp, avoid: new Set([ESP_INDEX]) });
  const sel = op === 'lds' || op === 'lss' || c.r.chance(0.7) ? 0x10 : 0;
  const at = (off: number): string => `[${m.bare.slice(1, -1)}+${off}]`;
  const dest = op === 'lss' ? (w ? 'sp' : 'esp') : pickReg(c.r, w ? 16 : 32, true);
  // lss: the new ESP 16 bytes below the current one (a 16-bit SP keeps ESP's upper half).
  const off = op === 'lss' ? (c.esp - 16) & (w ? 0xffff : 0xffffffff) : edge(c.r, w ? 16 : 32);
  const store = [`mov ${w ? 'word' : 'dword'} ${m.bare}, 0x${hex(off, w ? 4 : 8)}`, `mov word ${at(w ? 2 : 4)}, 0x${sel.toString(16)}`];
  return mk('farload', [...m.prep, ...store, `${op} ${dest}, ${m.bare}`], { esp: op === 'lss' ? -16 : 0 });
};

const ESP_INDEX = 4;

/** enter with a frame in the sandbox (EBP set first: the nesting levels copy through it). */
export const enter: GenFn = (c) => {
  const size = c.r.pick([0, 4, 8, 16, 3]);
  const level = c.r.pick([0, 0, 1, 2, 3]);
  const delta = -(4 + size + (level > 0 ? 4 * level : 0));
  return mk('frame', [`mov ebp, 0x${hex(HOT + 0x40 + c.r.int(0x80))}`, `enter ${size}, ${level}`], { esp: delta });
};

/** leave with EBP a little above ESP: ESP = EBP + 4 afterwards. */
export const leave: GenFn = (c) => {
  const k = c.r.pick([0, 4, 8, 12, 16, 2]);
  return mk('frame', [`lea ebp, [esp+${k}]`, 'leave'], { esp: k + 4 });
};

/** bound: in range (nothing) or not (#BR, vector 5, ends the sequence). */
export const bound: GenFn = (c) => {
  const w = c.r.chance(0.3);
  const m = memOperand(c.r, w ? 4 : 8, { esp: c.esp });
  const at = (off: number): string => `[${m.bare.slice(1, -1)}+${off}]`;
  const size = w ? 'word' : 'dword';
  const [lo, hi] = c.r.chance(0.6) ? (w ? [0x8000, 0x7fff] : [0x80000000, 0x7fffffff]) : [edge(c.r, w ? 16 : 32), edge(c.r, w ? 16 : 32)];
  const prep = [`mov ${size} ${m.bare}, 0x${lo.toString(16)}`, `mov ${size} ${at(w ? 2 : 4)}, 0x${hi.toString(16)}`];
  return mk('bound', [...m.prep, ...prep, `bound ${pickReg(c.r, w ? 16 : 32, false)}, ${m.bare}`]);
};

export const arpl: GenFn = (c) => {
  const d = rm(c, 16, true);
  return mk('arpl', [...d.prep, `arpl ${d.op}, ${pickReg(c.r, 16, false)}`], { defs: ZF });
};
