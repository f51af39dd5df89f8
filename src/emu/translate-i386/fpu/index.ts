// x87 FPU (placeholder until the software float80 FPU lands): the translator calls these
// helpers for D8-DF, 9B (fwait) and 0F AE (fxsave/fxrstor/ldmxcsr/stmxcsr/fences).
import type { X86Cpu } from '../cpu';

/** x87 and MXCSR state, saved by fnsave/fxsave. */
export class X87State {
  fcw = 0x37f;
  fsw = 0;
  ftw = 0xffff;
  mxcsr = 0x1f80;
}

/** opword: bits 0-7 modrm, 8-10 low 3 bits of the opcode (D8..DF), 11 = 16-bit operand size, 12-14 segment. */
export function fpuExec(cpu: X86Cpu, opword: number, addr: number, ea: number, eip: number): void {
  void opword; void addr; void ea;
  cpu.raise(cpu.s[50] & 0xc ? 7 : 6, -1, eip);
}

export function fpuWait(cpu: X86Cpu, eip: number): void { void cpu; void eip; }

/** 0F AE: reg field in `reg`; addr for memory forms, -1 for register forms (fences). */
export function fxGroup(cpu: X86Cpu, reg: number, addr: number, eip: number): void {
  if (addr === -1 && reg >= 5) return; // lfence/mfence/sfence
  cpu.raise(6, -1, eip);
}
