// The sequence generator: instruction classes by weight, forward skips (jcc, jmp, loop,
// jecxz) over small bodies, and a flag-defining instruction inserted wherever the next
// instruction would read a flag that is undefined at that point.
import { ARITH, CONDS, ZF } from './flags';
import * as A from './gen-alu';
import * as B from './gen-bits';
import { Ctx, GenFn, mk } from './gen-common';
import * as M from './gen-move';
import * as S from './gen-sys';
import { X87Ctx, x87, x87Init } from './gen-x87';
import { imm, pickReg, STACK_LO } from './operands';
import { edge32, hex, Rng } from './prng';
import { after, ESP_RANGE, Insn, Sequence } from './sequence';

export interface GenOptions {
  /** Instructions per sequence (top level, before inserted flag definers). */
  minLen: number;
  maxLen: number;
  /** Include x87 instructions. */
  x87: boolean;
  /** Instruction classes not to generate (e.g. ones with a known bug, to look for others). */
  exclude?: string[];
}

export const DEFAULT_GEN: GenOptions = { minLen: 4, maxLen: 24, x87: true };

type Entry = readonly [number, GenFn];

const I = { ...A, ...B, ...M, ...S };

const INT: readonly Entry[] = [
  [14, I.alu], [3, I.test], [5, I.incDecNegNot], [10, I.shift], [4, I.shiftDouble], [5, I.mul], [4, I.div],
  [5, I.bitTest], [3, I.bitScan], [3, I.movExtend], [3, I.mov], [3, I.xchg], [2, I.xadd], [3, I.cmpxchg],
  [1, I.cmpxchg8b], [3, I.setcc], [3, I.cmovcc], [4, I.lea], [1, I.bswap], [2, I.convert], [3, I.bcd],
  [2, I.lahfSahf], [2, I.flagOps], [0.5, I.into], [0.5, I.nop], [1, I.xlat], [5, I.stringOp], [2, I.popf],
  [1.5, I.segLoad], [1, I.bound], [0.5, I.arpl],
];
/**
 * Classes that move ESP (not inside skip bodies: ESP must be known on every path), and in
 * which direction: pushes (-1), pops (+1), either (0).
 */
const STACK: readonly (readonly [number, GenFn, number])[] = [
  [3, I.push, -1], [3, I.pop, 1], [1, I.pushPopAll, 0], [1.5, I.pushf, -1], [1, I.enter, -1], [1, I.leave, 1], [1, I.farLoad, -1],
];

interface GenCtx extends Ctx, X87Ctx {
  undef: number;
  espDelta: number;
  opts: GenOptions;
}

export function generate(r: Rng, id: string, sandbox: number, opts: GenOptions = DEFAULT_GEN): Sequence {
  const regs = [0, 1, 2, 3, 4, 5, 6, 7].map(() => edge32(r));
  // ESP somewhere in the stack area, sometimes not dword-aligned.
  regs[4] = STACK_LO + r.int(0x1000) * 4 + (r.chance(0.1) ? r.range(1, 3) : 0);
  const eflags = 0x2 | (r.u32() & (ARITH | 0x400));
  const g: GenCtx = { r, esp: regs[4], inBody: false, undef: 0, espDelta: 0, opts, fpuDepth: 0, fpuUsed: false, fpuPc: 3 };
  const insns: Insn[] = [];
  const n = r.range(opts.minLen, opts.maxLen);
  for (let k = 0; k < n; k++) emit(g, insns, next(g));
  if (r.chance(0.04) && !opts.exclude?.includes('trap')) emit(g, insns, I.singleStep(g));
  if (g.fpuUsed) insns.unshift(...x87Init());
  return { id, regs, eflags, insns, sandbox };
}

/** Appends `i`, preceded by a flag definer when it reads an undefined flag. */
function emit(g: GenCtx, out: Insn[], i: Insn): void {
  if (i.reads & g.undef) {
    const d = definer(g);
    out.push(d);
    g.undef = after(g.undef, d);
  }
  out.push(i);
  g.undef = after(g.undef, i);
  g.esp += i.esp;
  g.espDelta += i.esp;
}

/** An instruction that defines all six arithmetic flags (cmp/add/sub/neg). */
function definer(g: GenCtx): Insn {
  const op = g.r.pick(['cmp', 'add', 'sub', 'neg', 'cmp']);
  const bits = g.r.pick([8, 16, 32] as const);
  if (op === 'neg') return mk('definer', [`neg ${pickReg(g.r, bits, true)}`], { defs: ARITH });
  const src = g.r.chance(0.5) ? pickReg(g.r, bits, false) : imm(g.r, bits);
  return mk('definer', [`${op} ${pickReg(g.r, bits, op !== 'cmp')}, ${src}`], { defs: ARITH });
}

function next(g: GenCtx): Insn {
  const table: Entry[] = [...INT];
  if (!g.inBody) {
    // Keep ESP within range: only pushes or only pops near the limits.
    for (const [w, f, dir] of STACK) {
      if (dir === 0 || (dir < 0 ? g.espDelta > 64 - ESP_RANGE : g.espDelta < ESP_RANGE - 64)) table.push([w, f]);
    }
    table.push([5, skip]);
    if (g.opts.x87) table.push([6, (c) => x87(g, c)]);
  }
  let i = g.r.weighted(table)(g);
  for (let tries = 0; g.opts.exclude?.includes(i.cls) && tries < 50; tries++) i = g.r.weighted(table)(g);
  // pusha/popa near the ESP limits: replaced by a pop/push that moves back.
  if (Math.abs(g.espDelta + i.esp) > ESP_RANGE - 40) i = g.espDelta < 0 ? I.pop(g) : I.push(g);
  return i;
}

/** A forward skip: a jump over 1-4 instructions (the body may run or not). */
const skip: GenFn = (c) => {
  const g = c as GenCtx;
  const kind = g.r.weighted([[6, 'jcc'], [1, 'jmp'], [2, 'loop'], [1, 'jecxz']] as const);
  const near = g.r.chance(0.3) ? 'near ' : 'short ';
  let head: Insn;
  if (kind === 'jcc') {
    const [cc, reads] = g.r.pick(CONDS);
    head = mk('jcc', [`j${cc} ${near}%L`], { reads });
  } else if (kind === 'jmp') {
    head = mk('jcc', [`jmp ${near}%L`]);
  } else if (kind === 'loop') {
    const [op, reads] = g.r.pick([['loop', 0], ['loope', ZF], ['loopne', ZF]] as const);
    // Small ECX sometimes, so that the loop falls through; `, cx` is the 0x67 form.
    const prep = g.r.chance(0.5) ? [`mov ecx, 0x${hex(g.r.pick([0, 1, 2, 0x10000, 0x10001, 0xffffffff]))}`] : [];
    head = mk('loop', [...prep, `${op} %L${g.r.chance(0.25) ? ', cx' : ''}`], { reads });
  } else {
    const prep = g.r.chance(0.5) ? [`mov ecx, 0x${hex(g.r.pick([0, 1, 0x10000, 0xffff0000]))}`] : [];
    head = mk('jecxz', [...prep, g.r.chance(0.3) ? 'jcxz %L' : 'jecxz %L']);
  }
  // The body starts from the flag state after the head (and after the definer that the
  // caller's emit() puts before a head that reads undefined flags).
  const saved = g.undef;
  if (head.reads & g.undef) g.undef &= ~ARITH;
  g.inBody = true;
  const body: Insn[] = [];
  const n = g.r.range(1, 4);
  for (let k = 0; k < n; k++) emit(g, body, next(g));
  g.inBody = false;
  g.undef = saved;
  head.body = body;
  return head;
};
