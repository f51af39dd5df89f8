// What the instruction classes share: the generation context, the Insn constructor, operand
// pickers (register or memory, immediates in their encodings, optional lock).
import { Bits, imm, imm8s, memOperand, MemOpts, pickReg } from './operands';
import { Rng } from './prng';
import { Insn } from './sequence';

export interface Ctx {
  r: Rng;
  /** ESP at this point (absolute; the generator tracks every push and pop). */
  esp: number;
  /** Inside a forward skip's body: no stack changes, no nested skips. */
  inBody: boolean;
}

export type GenFn = (c: Ctx) => Insn;

export function mk(cls: string, asm: string[], o: Partial<Omit<Insn, 'asm' | 'cls'>> = {}): Insn {
  return { cls, asm, reads: o.reads ?? 0, defs: o.defs ?? 0, undefs: o.undefs ?? 0, esp: o.esp ?? 0, body: o.body };
}

export const pickBits = (r: Rng, eight = true): Bits => r.weighted<Bits>(eight ? [[2, 8], [2, 16], [5, 32]] : [[2, 16], [5, 32]]);

export interface Rm { prep: string[]; op: string; mem: boolean }

/** A register or sandbox memory operand. */
export function rm(c: Ctx, bits: Bits, write: boolean, o: MemOpts & { memChance?: number } = {}): Rm {
  if (c.r.chance(o.memChance ?? 0.4)) {
    const m = memOperand(c.r, bits / 8, { esp: c.esp, ...o });
    return { prep: m.prep, op: m.op, mem: true };
  }
  return { prep: [], op: pickReg(c.r, bits, write, o.avoid), mem: false };
}

export const lockIf = (c: Ctx, mem: boolean, p = 0.25): string => (mem && c.r.chance(p) ? 'lock ' : '');

/** An immediate for a `bits` operation, in one of its encodings (imm8 sign-extended or full). */
export function immFor(c: Ctx, bits: Bits): string {
  if (bits !== 8 && c.r.chance(0.35)) return `byte ${imm8s(c.r)}`;
  if (bits === 32 && c.r.chance(0.2)) return `strict dword ${imm(c.r, 32)}`;
  return imm(c.r, bits);
}
