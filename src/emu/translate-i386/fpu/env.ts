// x87 environment and state images: fnstenv/fldenv (14 or 28 bytes), fnsave/frstor (94 or 108
// bytes), in the protected-mode and the real/V86-mode layouts of the Intel SDM (vol. 1, 8.1.10
// and figures 8-9..8-12), and fxsave/fxrstor (512 bytes). Reserved halves of the 32-bit
// environment are stored as 0xFFFF, as Intel processors do.
import type { X86Cpu } from '../cpu';
import { CR0, CR0_EM, CR0_PE, CR0_TS, CR4, CR4_OSFXSR, EFLAGS, FLAG_VM } from '../state';
import { F80 } from './float80';
import { EXC_GP, EXC_NM, EXC_UD, Insn, insnAt, ld80, probeWrite, st16, st32, st8, st80 } from './insn';
import { SW_B, SW_ES, X87State } from './state';

/** MXCSR bits we accept (DAZ included), also stored as MXCSR_MASK by fxsave. */
export const MXCSR_MASK = 0xffff;

interface Env { cw: number; sw: number; tw: number; fip: number; fcs: number; fop: number; fdp: number; fds: number }

const protectedMode = (cpu: X86Cpu): boolean => (cpu.s[CR0] & CR0_PE) !== 0 && (cpu.s[EFLAGS] & FLAG_VM) === 0;
const envSize = (c: Insn): number => (c.o16 ? 14 : 28);

const ld16 = (c: Insn, off: number): number => c.cpu.mem.ld(c.addr + off, 1, c.eip);
const ld32 = (c: Insn, off: number): number => c.cpu.mem.ld(c.addr + off, 2, c.eip);

function writeEnv(c: Insn): void {
  const x = c.x;
  const cw = x.fcw, sw = x.status, tw = x.ftw;
  if (protectedMode(c.cpu)) {
    if (!c.o16) {
      st32(c, 0, 0xffff0000 | cw); st32(c, 4, 0xffff0000 | sw); st32(c, 8, 0xffff0000 | tw);
      st32(c, 12, x.fip); st32(c, 16, x.fcs | (x.fop << 16)); st32(c, 20, x.fdp); st32(c, 24, 0xffff0000 | x.fds);
    } else {
      st16(c, 0, cw); st16(c, 2, sw); st16(c, 4, tw);
      st16(c, 6, x.fip); st16(c, 8, x.fcs); st16(c, 10, x.fdp); st16(c, 12, x.fds);
    }
    return;
  }
  // Real and V86 mode: 20-bit linear pointers (segment * 16 + offset) and the opcode.
  const ip = ((x.fcs << 4) + x.fip) >>> 0, dp = ((x.fds << 4) + x.fdp) >>> 0;
  if (!c.o16) {
    st32(c, 0, 0xffff0000 | cw); st32(c, 4, 0xffff0000 | sw); st32(c, 8, 0xffff0000 | tw);
    st32(c, 12, 0xffff0000 | (ip & 0xffff)); st32(c, 16, ((ip & 0xffff0000) >>> 4) | x.fop);
    st32(c, 20, 0xffff0000 | (dp & 0xffff)); st32(c, 24, (dp & 0xffff0000) >>> 4);
  } else {
    st16(c, 0, cw); st16(c, 2, sw); st16(c, 4, tw);
    st16(c, 6, ip); st16(c, 8, ((ip & 0xf0000) >>> 4) | x.fop);
    st16(c, 10, dp); st16(c, 12, (dp & 0xf0000) >>> 4);
  }
}

function readEnv(c: Insn): Env {
  if (protectedMode(c.cpu)) {
    if (!c.o16) {
      const f16 = ld32(c, 16);
      return {
        cw: ld16(c, 0), sw: ld16(c, 4), tw: ld16(c, 8), fip: ld32(c, 12), fcs: f16 & 0xffff, fop: (f16 >>> 16) & 0x7ff,
        fdp: ld32(c, 20), fds: ld16(c, 24),
      };
    }
    return { cw: ld16(c, 0), sw: ld16(c, 2), tw: ld16(c, 4), fip: ld16(c, 6), fcs: ld16(c, 8), fop: 0, fdp: ld16(c, 10), fds: ld16(c, 12) };
  }
  if (!c.o16) {
    const w16 = ld32(c, 16), w24 = ld32(c, 24);
    return {
      cw: ld16(c, 0), sw: ld16(c, 4), tw: ld16(c, 8),
      fip: ((w16 & 0x0ffff000) << 4) | ld16(c, 12), fcs: 0, fop: w16 & 0x7ff,
      fdp: ((w24 & 0x0ffff000) << 4) | ld16(c, 20), fds: 0,
    };
  }
  const w8 = ld16(c, 8), w12 = ld16(c, 12);
  return {
    cw: ld16(c, 0), sw: ld16(c, 2), tw: ld16(c, 4),
    fip: ((w8 & 0xf000) << 4) | ld16(c, 6), fcs: 0, fop: w8 & 0x7ff,
    fdp: ((w12 & 0xf000) << 4) | ld16(c, 10), fds: 0,
  };
}

function applyEnv(x: X87State, e: Env): void {
  x.fcw = (e.cw & ~0xe0c0) | 0x40;
  x.status = e.sw;
  x.ftw = e.tw;
  x.fip = e.fip; x.fcs = e.fcs; x.fop = e.fop; x.fdp = e.fdp; x.fds = e.fds;
  x.updateSummary();
}

/** D9 /6: store the environment, then mask all exceptions. */
export function fnstenv(c: Insn): void {
  probeWrite(c, envSize(c));
  writeEnv(c);
  c.x.fcw |= 0x3f;
  c.x.fsw &= ~(SW_ES | SW_B);
}

/** D9 /4 */
export function fldenv(c: Insn): void {
  applyEnv(c.x, readEnv(c));
}

/** DD /6: environment and the 8 registers in stack order, then fninit. */
export function fnsave(c: Insn): void {
  const base = envSize(c);
  probeWrite(c, base + 80);
  writeEnv(c);
  for (let i = 0; i < 8; i++) st80(c, base + 10 * i, c.x.get(i));
  c.x.init();
}

/** DD /4 */
export function frstor(c: Insn): void {
  const e = readEnv(c);
  const base = envSize(c);
  const r: F80[] = [];
  for (let i = 0; i < 8; i++) r.push(ld80(c, base + 10 * i));
  const x = c.x;
  applyEnv(x, e);
  for (let i = 0; i < 8; i++) x.regs[x.phys(i)] = r[i];
}

// ---- 0F AE: fxsave fxrstor ldmxcsr stmxcsr ----

function fxsave(c: Insn): void {
  const x = c.x;
  const sse = (c.cpu.s[CR4] & CR4_OSFXSR) !== 0;
  probeWrite(c, 512);
  st16(c, 0, x.fcw); st16(c, 2, x.status); st8(c, 4, x.abridgedTag); st8(c, 5, 0); st16(c, 6, x.fop);
  st32(c, 8, x.fip); st32(c, 12, x.fcs); st32(c, 16, x.fdp); st32(c, 20, x.fds);
  if (sse) { st32(c, 24, x.mxcsr); st32(c, 28, MXCSR_MASK); }
  for (let i = 0; i < 8; i++) st80(c, 32 + 16 * i, x.get(i));
  if (sse) {
    const b = x.xmm;
    for (let i = 0; i < 128; i += 4) st32(c, 160 + i, b[i] | (b[i + 1] << 8) | (b[i + 2] << 16) | (b[i + 3] << 24));
  }
}

function fxrstor(c: Insn): void {
  const x = c.x;
  const sse = (c.cpu.s[CR4] & CR4_OSFXSR) !== 0;
  const cw = ld16(c, 0), sw = ld16(c, 2), tag = c.cpu.mem.ld(c.addr + 4, 0, c.eip), fop = ld16(c, 6);
  const fip = ld32(c, 8), fcs = ld16(c, 12), fdp = ld32(c, 16), fds = ld16(c, 20);
  let mx = x.mxcsr;
  const xmm: number[] = [];
  if (sse) {
    mx = ld32(c, 24);
    if (mx & ~MXCSR_MASK) c.cpu.raise(EXC_GP, 0, c.eip);
  }
  const r: F80[] = [];
  for (let i = 0; i < 8; i++) r.push(ld80(c, 32 + 16 * i));
  if (sse) for (let i = 0; i < 128; i += 4) xmm.push(ld32(c, 160 + i));
  x.fcw = (cw & ~0xe0c0) | 0x40;
  x.status = sw;
  x.fsw = x.fsw & SW_ES ? x.fsw | SW_B : x.fsw & ~SW_B;
  x.empty = ~tag & 0xff;
  x.fop = fop & 0x7ff; x.fip = fip; x.fcs = fcs; x.fdp = fdp; x.fds = fds;
  for (let i = 0; i < 8; i++) x.regs[x.phys(i)] = r[i];
  if (sse) {
    x.mxcsr = mx;
    xmm.forEach((w, i) => { x.xmm[4 * i] = w; x.xmm[4 * i + 1] = w >> 8; x.xmm[4 * i + 2] = w >> 16; x.xmm[4 * i + 3] = w >> 24; });
  }
}

/** 0F AE: reg field in `reg`; addr for memory forms, -1 for register forms (fences). */
export function fxGroup(cpu: X86Cpu, reg: number, addr: number, eip: number): void {
  if (addr === -1) {
    // lfence/mfence/sfence (SSE/SSE2, reported by CPUID) are no-ops: nothing is reordered here.
    if (reg >= 5) return;
    cpu.raise(EXC_UD, -1, eip);
  }
  const cr0 = cpu.s[CR0];
  const c = insnAt(cpu, addr, eip);
  switch (reg) {
    case 0: case 1:
      if (cr0 & (CR0_EM | CR0_TS)) cpu.raise(EXC_NM, -1, eip);
      if (addr & 15) cpu.raise(EXC_GP, 0, eip);
      if (reg === 0) fxsave(c); else fxrstor(c);
      return;
    case 2: case 3:
      if ((cr0 & CR0_EM) || !(cpu.s[CR4] & CR4_OSFXSR)) cpu.raise(EXC_UD, -1, eip);
      if (cr0 & CR0_TS) cpu.raise(EXC_NM, -1, eip);
      cpu.alignCheck(addr, 4, eip);
      if (reg === 3) { st32(c, 0, cpu.fpu.mxcsr); return; }
      {
        const v = ld32(c, 0);
        if (v & ~MXCSR_MASK) cpu.raise(EXC_GP, 0, eip);
        cpu.fpu.mxcsr = v;
      }
      return;
    case 7: // clflush m8: no caches here; it faults as a byte read of its operand would
      cpu.mem.ld(addr, 0, eip);
      return;
    default:
      cpu.raise(EXC_UD, -1, eip);
  }
}
