// The decoded x87 instruction being executed (one reusable record), its memory accesses and
// the last-instruction pointers (FIP, FCS, FOP, FDP, FDS).
import type { X86Cpu } from '../cpu';
import { Access } from '../mmu';
import { SEG_CS, SEG_SEL } from '../state';
import { fromWords, sigHi, sigLo } from './convert';
import type { F80 } from './float80';
import type { X87State } from './state';

import {
  EXC_GP, EXC_MF, EXC_NM, EXC_UD,
} from '../state';
/** The exception vectors (defined in state.ts), for this module's importers. */
export {
  EXC_GP, EXC_MF, EXC_NM, EXC_UD,
};


/** Decoded instruction being executed. */
export interface Insn {
  cpu: X86Cpu;
  x: X87State;
  /** Linear address of the memory operand; ea its offset (the FPU data pointer). */
  addr: number;
  ea: number;
  /** EIP of the instruction (its first prefix). */
  eip: number;
  opword: number;
  /** ModRM reg and rm fields. */
  reg: number;
  rm: number;
  o16: boolean;
  seg: number;
}
export const I: Insn = { cpu: undefined as unknown as X86Cpu, x: undefined as unknown as X87State, addr: 0, ea: 0, eip: 0, opword: 0, reg: 0, rm: 0, o16: false, seg: 0 };

export type Handler = (c: Insn) => void;

// ---- memory access ----

export const ld8 = (c: Insn, off: number): number => c.cpu.mem.ld(c.addr + off, 0, c.eip);
export const ld16 = (c: Insn, off = 0): number => c.cpu.mem.ld(c.addr + off, 1, c.eip);
export const ld32 = (c: Insn, off = 0): number => c.cpu.mem.ld(c.addr + off, 2, c.eip);
export const ld80 = (c: Insn, off = 0): F80 => fromWords(ld32(c, off), ld32(c, off + 4), ld16(c, off + 8));
export const st8 = (c: Insn, off: number, v: number): void => c.cpu.mem.st(c.addr + off, v, 0, c.eip);
export const st16 = (c: Insn, off: number, v: number): void => c.cpu.mem.st(c.addr + off, v, 1, c.eip);
export const st32 = (c: Insn, off: number, v: number): void => c.cpu.mem.st(c.addr + off, v, 2, c.eip);
export function st80(c: Insn, off: number, v: F80): void {
  st32(c, off, sigLo(v)); st32(c, off + 4, sigHi(v)); st16(c, off + 8, v.se);
}
export function ld80At(c: Insn, off: number): F80 { return ld80(c, off); }
/** Fault now (before anything is written) if any byte of [addr+off, addr+off+len) is not writable. */
export function probeWrite(c: Insn, len: number, off = 0): void {
  const a = c.addr + off;
  const h = c.cpu.mem.hooks;
  h.translate(a, Access.WRITE, c.eip);
  if ((a & 0xfff) + len > 0x1000) h.translate(a + len - 1, Access.WRITE, c.eip);
}

/** Record the last non-control instruction (FIP, FCS, FOP; FDP/FDS for a memory operand). */
export function lastInsn(c: Insn, mem: boolean): void {
  const x = c.x, s = c.cpu.s;
  x.fip = c.eip;
  x.fcs = s[SEG_SEL + SEG_CS] & 0xffff;
  x.fop = c.opword & 0x7ff;
  if (mem) { x.fdp = c.ea; x.fds = s[SEG_SEL + c.seg] & 0xffff; }
}
export const lastReg = (c: Insn): void => lastInsn(c, false);

/** An Insn for the 0F AE group (fxsave/fxrstor/ldmxcsr/stmxcsr). */
export function insnAt(cpu: X86Cpu, addr: number, eip: number): Insn {
  const c = I;
  c.cpu = cpu; c.x = cpu.fpu; c.addr = addr; c.ea = addr; c.eip = eip; c.opword = 0;
  c.reg = 0; c.rm = 0; c.o16 = false; c.seg = 3;
  return c;
}
