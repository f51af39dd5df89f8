// x87 instruction decoding: two tables (memory forms by opcode and ModRM reg; register forms by
// opcode and the low 6 ModRM bits) map D8-DF to the instructions of ops-data.ts, ops-misc.ts and
// env.ts. fpuExec checks CR0.EM/TS (#NM), undefined encodings (#UD) and, for waiting
// instructions, pending unmasked exceptions (#MF, or FERR# with CR0.NE = 0).
import type { X86Cpu } from '../cpu';
import { CR0, CR0_EM, CR0_NE, CR0_TS, HF_AC, HFLAGS } from '../state';
import { abs, neg, sqrt, roundInt } from './float80';
import { EXC_MF, EXC_NM, EXC_UD, Handler, I, lastReg } from './insn';
import { fldenv, fnsave, fnstenv, frstor } from './env';
import * as D from './ops-data';
import * as M from './ops-misc';
import { SW_C0, SW_C2, SW_C3, SW_ES } from './state';
import { fpatan, fyl2x, fyl2xp1 } from './transcend';

/** Handler flags: does not check pending exceptions (fn* forms). */
const NOWAIT = 1;
interface Entry { fn: Handler; flags: number }
const MEM: (Entry | undefined)[] = new Array(64);
const REG: (Entry | undefined)[] = new Array(512);

/** A waiting instruction with a pending unmasked exception: #MF (CR0.NE = 1) or FERR# (IRQ 13). */
export function pendingException(cpu: X86Cpu, eip: number): void {
  if (cpu.s[CR0] & CR0_NE) cpu.raise(EXC_MF, -1, eip);
  cpu.hooks.ferr?.();
}

/**
 * Alignment of each memory form for #AC (SDM Vol. 3A, table 6-7), one digit per ModRM reg for
 * D8..DF: m16 2, m32 4, m64 and m80 (also packed BCD) 8, E: the fldenv/fnstenv/frstor/fnsave
 * area, 4 or 2 by operand size; 0: no such form (#UD first).
 */
const MEM_ALIGN = ['44444444', '4044E2E2', '44444444', '44440808', '88888888', '8888E0E2', '22222222', '22228888'];

function memAlign(op: number, reg: number, o16: boolean): number {
  const d = MEM_ALIGN[op][reg];
  return d === 'E' ? (o16 ? 2 : 4) : Number(d);
}

export function fpuExec(cpu: X86Cpu, opword: number, addr: number, ea: number, eip: number): void {
  if (cpu.s[CR0] & (CR0_EM | CR0_TS)) cpu.raise(EXC_NM, -1, eip);
  const modrm = opword & 0xff;
  const op = (opword >> 8) & 7;
  const e = modrm >= 0xc0 ? REG[(op << 6) | (modrm & 0x3f)] : MEM[(op << 3) | ((modrm >> 3) & 7)];
  if (!e) cpu.raise(EXC_UD, -1, eip);
  const x = cpu.fpu;
  if (!(e.flags & NOWAIT) && (x.fsw & SW_ES)) pendingException(cpu, eip);
  if ((cpu.s[HFLAGS] & HF_AC) && modrm < 0xc0) cpu.alignCheck(addr, memAlign(op, (modrm >> 3) & 7, (opword & 0x800) !== 0), eip);
  const c = I;
  c.cpu = cpu; c.x = x; c.addr = addr; c.ea = ea; c.eip = eip; c.opword = opword;
  c.reg = (modrm >> 3) & 7; c.rm = modrm & 7; c.o16 = (opword & 0x800) !== 0; c.seg = (opword >> 12) & 7;
  e.fn(c);
}

// ---- tables ----

function mem(op: number, reg: number, fn: Handler, flags = 0): void { MEM[(op << 3) | reg] = { fn, flags }; }
function regs(op: number, reg: number, fn: Handler, flags = 0): void {
  for (let rm = 0; rm < 8; rm++) REG[(op << 6) | (reg << 3) | rm] = { fn, flags };
}
function reg1(op: number, modrm: number, fn: Handler, flags = 0): void { REG[(op << 6) | (modrm & 0x3f)] = { fn, flags }; }

for (let r = 0; r < 8; r++) {
  mem(0, r, D.memF32); mem(2, r, D.memI32); mem(4, r, D.memF64); mem(6, r, D.memI16);
  regs(0, r, (c) => D.regArith(c, false, false));
  regs(4, r, (c) => D.regArith(c, true, false));
  if (r !== 3) regs(6, r, (c) => D.regArith(c, true, true));
}
// D9
mem(1, 0, D.fldM32);
mem(1, 2, (c) => D.fstF32(c, false));
mem(1, 3, (c) => D.fstF32(c, true));
mem(1, 4, (c) => fldenv(c));
mem(1, 5, M.fldcw);
mem(1, 6, (c) => fnstenv(c), NOWAIT);
mem(1, 7, M.fnstcw, NOWAIT);
regs(1, 0, D.fldSti);
regs(1, 1, M.fxch);
reg1(1, 0xd0, M.fnop);
regs(1, 3, (c) => D.fstSti(c, true, true));
reg1(1, 0xe0, (c) => M.unarySign(c, neg));
reg1(1, 0xe1, (c) => M.unarySign(c, abs));
reg1(1, 0xe4, M.ftst);
reg1(1, 0xe5, M.fxam);
for (let i = 0; i < 7; i++) reg1(1, 0xe8 + i, D.fldConst);
reg1(1, 0xf0, M.f2xm1Op);
reg1(1, 0xf1, (c) => M.binPop(c, fyl2x));
reg1(1, 0xf2, M.fptan);
reg1(1, 0xf3, (c) => M.binPop(c, fpatan));
reg1(1, 0xf4, M.fxtract);
reg1(1, 0xf5, (c) => M.fpremOp(c, true));
reg1(1, 0xf6, M.fdecstp);
reg1(1, 0xf7, M.fincstp);
reg1(1, 0xf8, (c) => M.fpremOp(c, false));
reg1(1, 0xf9, (c) => M.binPop(c, fyl2xp1));
reg1(1, 0xfa, (c) => {
  // C0 C2 C3 are undefined after fsqrt; a negative operand leaves C2 set and C0, C3 clear, as QEMU does.
  if (c.x.get(0).se & 0x8000) c.x.setCC(SW_C2, SW_C0 | SW_C2 | SW_C3);
  M.unaryArith(c, sqrt);
});
reg1(1, 0xfb, M.fsincos);
reg1(1, 0xfc, (c) => M.unaryArith(c, (v, st) => roundInt(v, st)));
reg1(1, 0xfd, M.fscale);
reg1(1, 0xfe, (c) => M.sinOrCos(c, 0));
reg1(1, 0xff, (c) => M.sinOrCos(c, 1));
// DA
for (let r = 0; r < 4; r++) regs(2, r, (c) => M.fcmov(c, false));
reg1(2, 0xe9, (c) => { lastReg(c); D.compareOp(c, c.x.get(1), false, c.x.isEmpty(1), 2, true, false); });
// DB
mem(3, 0, D.fildM32);
mem(3, 1, (c) => D.fistOp(c, 32, true, true));
mem(3, 2, (c) => D.fistOp(c, 32, false, false));
mem(3, 3, (c) => D.fistOp(c, 32, false, true));
mem(3, 5, D.fldM80);
mem(3, 7, D.fstpM80);
for (let r = 0; r < 4; r++) regs(3, r, (c) => M.fcmov(c, true));
reg1(3, 0xe0, () => undefined, NOWAIT); // fneni (8087 only): no-op
reg1(3, 0xe1, () => undefined, NOWAIT); // fndisi
reg1(3, 0xe2, M.fnclex, NOWAIT);
reg1(3, 0xe3, M.fninit, NOWAIT);
reg1(3, 0xe4, () => undefined, NOWAIT); // fnsetpm (287 only)
regs(3, 5, (c) => { lastReg(c); D.compareOp(c, c.x.get(c.rm), false, c.x.isEmpty(c.rm), 0, true, true); });
regs(3, 6, (c) => { lastReg(c); D.compareOp(c, c.x.get(c.rm), false, c.x.isEmpty(c.rm), 0, false, true); });
// DD
mem(5, 0, D.fldM64);
mem(5, 1, (c) => D.fistOp(c, 64, true, true));
mem(5, 2, (c) => D.fstF64(c, false));
mem(5, 3, (c) => D.fstF64(c, true));
mem(5, 4, (c) => frstor(c));
mem(5, 6, (c) => fnsave(c), NOWAIT);
mem(5, 7, M.fnstswM, NOWAIT);
regs(5, 0, M.ffree);
regs(5, 1, M.fxch);
regs(5, 2, (c) => D.fstSti(c, false));
regs(5, 3, (c) => D.fstSti(c, true));
regs(5, 4, (c) => { lastReg(c); D.compareOp(c, c.x.get(c.rm), false, c.x.isEmpty(c.rm), 0, true, false); });
regs(5, 5, (c) => { lastReg(c); D.compareOp(c, c.x.get(c.rm), false, c.x.isEmpty(c.rm), 1, true, false); });
// DE
reg1(6, 0xd9, (c) => { lastReg(c); D.compareOp(c, c.x.get(1), false, c.x.isEmpty(1), 2, false, false); });
// DF
mem(7, 0, D.fildM16);
mem(7, 1, (c) => D.fistOp(c, 16, true, true));
mem(7, 2, (c) => D.fistOp(c, 16, false, false));
mem(7, 3, (c) => D.fistOp(c, 16, false, true));
mem(7, 4, D.fbld);
mem(7, 5, D.fildM64);
mem(7, 6, D.fbstp);
mem(7, 7, (c) => D.fistOp(c, 64, false, true));
regs(7, 0, M.ffreep);
regs(7, 1, M.fxch);
regs(7, 2, (c) => D.fstSti(c, true));
regs(7, 3, (c) => D.fstSti(c, true));
reg1(7, 0xe0, M.fnstswAx, NOWAIT);
regs(7, 5, (c) => { lastReg(c); D.compareOp(c, c.x.get(c.rm), false, c.x.isEmpty(c.rm), 1, true, true); });
regs(7, 6, (c) => { lastReg(c); D.compareOp(c, c.x.get(c.rm), false, c.x.isEmpty(c.rm), 1, false, true); });
