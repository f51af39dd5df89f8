// x87 FPU with software float80 arithmetic. The translator calls these helpers for D8-DF
// (fpuExec), 9B (fpuWait) and 0F AE (fxGroup: fxsave/fxrstor/ldmxcsr/stmxcsr/fences).
//
//   float80.ts    software extended-precision arithmetic and rounding (BigInt significands)
//   convert.ts    float32/float64/integer/packed-BCD conversions
//   transcend.ts  f2xm1 fyl2x fyl2xp1 fpatan fsin fcos fsincos fptan (BigInt floating point)
//   state.ts      X87State: registers, tags, status/control words, exception merging
//   insn.ts       the instruction record, memory access, last-instruction pointers
//   ops-data.ts   arithmetic, compares, loads, stores
//   ops-misc.ts   control, register-only and transcendental instructions
//   exec.ts       the D8-DF decoder tables, #NM/#UD/#MF checks, FERR# hook
//   env.ts        fnstenv/fldenv/fnsave/frstor and the 0F AE group
//
// With CR0.NE = 0, a pending unmasked exception met by a waiting instruction calls
// cpu.hooks.ferr (FERR#: the PC board raises IRQ 13, cleared by a write to port 0xF0); without
// a hook it is ignored (as with IGNNE# asserted) and the instruction proceeds.
import type { X86Cpu } from '../cpu';
import { CR0, CR0_MP, CR0_TS } from '../state';
import { pendingException } from './exec';
import { EXC_NM } from './insn';
import { SW_ES } from './state';

export { X87State } from './state';
export { fpuExec } from './exec';
export { fxGroup } from './env';

/** 9B fwait: #NM if CR0.TS and CR0.MP; then any pending unmasked exception (#MF or FERR#). */
export function fpuWait(cpu: X86Cpu, eip: number): void {
  const cr0 = cpu.s[CR0];
  if ((cr0 & (CR0_TS | CR0_MP)) === (CR0_TS | CR0_MP)) cpu.raise(EXC_NM, -1, eip);
  if (cpu.fpu.fsw & SW_ES) pendingException(cpu, eip);
}
