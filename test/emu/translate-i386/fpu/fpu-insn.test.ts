// x87 instructions through fpuExec/fpuWait/fxGroup on a bare CPU: the behaviours the guest
// kernels cannot compare with QEMU (which does not model them): stack overflow/underflow with
// SF and C1, the round-up C1, DE, unmasked-exception responses (destination and TOP unchanged,
// bias-adjusted over/underflow, nothing stored to memory), #MF from the next waiting
// instruction, FERR# with CR0.NE = 0, the reserved 0xFFFF halves and FOP of fnstenv, the
// real-mode environment layout, fxrstor/ldmxcsr reserved MXCSR bits, and faulting stores.
import { expect } from 'chai';
import { CPU_FAULT, X86Cpu } from '../../../../src/emu/translate-i386/cpu';
import { Access, Memory } from '../../../../src/emu/translate-i386/mmu';
import { fpuExec, fpuWait, fxGroup } from '../../../../src/emu/translate-i386/fpu';
import * as F0 from '../../../../src/emu/translate-i386/fpu/float80';
import * as C from '../../../../src/emu/translate-i386/fpu/convert';
import { CR0, CR0_ET, CR0_MP, CR0_NE, CR0_PE, CR4, R_EAX, SEG_CS, SEG_DS, SEG_FS, SEG_SEL } from '../../../../src/emu/translate-i386/state';

const F = { ...F0, ...C };

const D = 0x2000; // data area
const io = { in: () => 0, out: () => undefined };

function machine(): X86Cpu {
  const cpu = new X86Cpu(new Memory(1 << 20), io);
  cpu.s[CR0] = CR0_PE | CR0_ET | CR0_MP | CR0_NE;
  cpu.s[CR4] = 0x600;
  cpu.s[SEG_SEL + SEG_CS] = 0x08;
  cpu.s[SEG_SEL + SEG_DS] = 0x10;
  cpu.s[SEG_SEL + SEG_FS] = 0x33;
  return cpu;
}

interface Opts { o16?: boolean; seg?: number; eip?: number }
/** Execute one D8-DF instruction; returns the exception vector it raised, or -1. */
function x87(cpu: X86Cpu, op: number, modrm: number, addr = 0, o: Opts = {}): number {
  const opword = modrm | ((op & 7) << 8) | (o.o16 ? 0x800 : 0) | ((o.seg ?? SEG_DS) << 12);
  try { fpuExec(cpu, opword, addr, addr, o.eip ?? 0x1000); return -1; } catch (e) {
    if (e !== CPU_FAULT) throw e;
    return cpu.excVector;
  }
}
/** Memory form: opcode, reg field (ModRM mod 0, rm 5). */
const mem = (cpu: X86Cpu, op: number, reg: number, addr = D, o: Opts = {}): number => x87(cpu, op, (reg << 3) | 5, addr, o);
function catchVec(f: () => void): number {
  try { f(); return -1; } catch (e) { if (e !== CPU_FAULT) throw e; return -2; }
}

const w32 = (cpu: X86Cpu, a: number, v: number) => cpu.mem.physWrite(a, 4, v);
const r32 = (cpu: X86Cpu, a: number) => cpu.mem.physRead(a, 4) >>> 0;
const r16 = (cpu: X86Cpu, a: number) => cpu.mem.physRead(a, 2) & 0xffff;
function w80(cpu: X86Cpu, a: number, v: F0.F80): void { w32(cpu, a, F.sigLo(v)); w32(cpu, a + 4, F.sigHi(v)); cpu.mem.physWrite(a + 8, 2, v.se); }
const sw = (cpu: X86Cpu) => cpu.fpu.status;
const top = (cpu: X86Cpu) => cpu.fpu.top;
const st = (cpu: X86Cpu, i: number) => F.f80Hex(cpu.fpu.get(i));
const fld1 = (cpu: X86Cpu) => x87(cpu, 1, 0xe8);
const fldcw = (cpu: X86Cpu, cw: number) => { cpu.mem.physWrite(0x3000, 2, cw); return mem(cpu, 1, 5, 0x3000); };

const IE = 1, DE = 2, ZE = 4, OE = 8, UE = 0x10, PE = 0x20, SF = 0x40, ES = 0x80, C0 = 0x100, C1 = 0x200, C2 = 0x400, C3 = 0x4000, B = 0x8000;

describe('x87 instructions', () => {
  it('stack overflow: IE|SF with C1 = 1, the indefinite pushed when masked', () => {
    const cpu = machine();
    for (let i = 0; i < 8; i++) fld1(cpu);
    expect(sw(cpu)).to.equal(0);
    fld1(cpu);
    expect(sw(cpu) & 0xff47 & ~0x3800).to.equal(IE | SF | C1);
    expect(st(cpu, 0)).to.equal('ffff:c000000000000000');
    expect(cpu.fpu.ftw).to.equal(0x8000); // R7: the indefinite (special), the others valid
  });

  it('stack underflow: IE|SF with C1 = 0; masked: the indefinite; unmasked: nothing changes, ES|B', () => {
    const cpu = machine();
    fld1(cpu);
    expect(x87(cpu, 0xd8, 0xc1)).to.equal(-1); // fadd st, st(1): st(1) empty
    expect(sw(cpu) & 0xffff & ~0x3800).to.equal(IE | SF);
    expect(st(cpu, 0)).to.equal('ffff:c000000000000000');
    x87(cpu, 0xdb, 0xe3); // fninit
    fldcw(cpu, 0x37e);
    fld1(cpu);
    x87(cpu, 0xde, 0xc1); // faddp st(1), st: underflow, unmasked
    expect(sw(cpu)).to.equal(B | 0x3800 | ES | SF | IE);
    expect(st(cpu, 0)).to.equal('3fff:8000000000000000');
    expect(top(cpu)).to.equal(7);
    // the next waiting instruction raises #MF at its own EIP; fnstsw (no-wait) does not
    expect(x87(cpu, 0xdf, 0xe0)).to.equal(-1);
    expect(cpu.s[R_EAX] & 0xffff).to.equal(B | 0x3800 | ES | SF | IE);
    expect(x87(cpu, 0xd9, 0xe1, 0, { eip: 0x4321 })).to.equal(16); // fabs
    expect(cpu.excEip).to.equal(0x4321);
    expect(catchVec(() => fpuWait(cpu, 0x99))).to.equal(-2);
    expect(cpu.excVector).to.equal(16);
    x87(cpu, 0xdb, 0xe2); // fnclex
    expect(sw(cpu)).to.equal(0x3800);
    expect(catchVec(() => fpuWait(cpu, 0x99))).to.equal(-1);
  });

  it('with CR0.NE = 0 a pending exception goes to the FERR# handler (IRQ 13) instead of #MF', () => {
    const cpu = machine();
    cpu.s[CR0] &= ~CR0_NE;
    let ferr = 0;
    cpu.hooks.ferr = () => { ferr++; };
    {
      fldcw(cpu, 0x37b);
      fld1(cpu); x87(cpu, 0xd9, 0xee); // fldz
      x87(cpu, 0xd8, 0xf9); // fdivr: 1/0, ZE unmasked
      expect(sw(cpu) & (ES | ZE)).to.equal(ES | ZE);
      expect(catchVec(() => fpuWait(cpu, 0x10))).to.equal(-1);
      expect(ferr).to.equal(1);
    }
  });

  it('C1 is the round-up indicator, cleared when exact', () => {
    const cpu = machine();
    w32(cpu, D, 3);
    fld1(cpu);
    mem(cpu, 0xda, 6); // fidiv m32int: 1/3 rounds up
    expect(sw(cpu) & (C1 | PE)).to.equal(C1 | PE);
    mem(cpu, 0xda, 1); // fimul 3: 1.0000000000000000000271 rounds down to 1
    expect(sw(cpu) & C1).to.equal(0);
    expect(st(cpu, 0)).to.equal('3fff:8000000000000000');
  });

  it('DE for denormal operands, also from float32/float64 memory operands; unmasked DE suppresses the operation', () => {
    const cpu = machine();
    w32(cpu, D, 1); // float32 denormal
    mem(cpu, 0xd9, 0); // fld m32
    expect(sw(cpu) & 0x3f).to.equal(DE);
    expect(st(cpu, 0)).to.equal('3f6a:8000000000000000');
    x87(cpu, 0xdb, 0xe3);
    fldcw(cpu, 0x37d);
    fld1(cpu);
    w32(cpu, D, 1); w32(cpu, D + 4, 0);
    mem(cpu, 0xdc, 0); // fadd m64 denormal: unmasked DE
    expect(sw(cpu) & 0xff).to.equal(ES | DE);
    expect(st(cpu, 0)).to.equal('3fff:8000000000000000');
  });

  it('unmasked ZE / IE leave the destination and TOP; unmasked OE stores the bias-adjusted result', () => {
    const cpu = machine();
    fldcw(cpu, 0x37b);
    fld1(cpu); x87(cpu, 0xd9, 0xee); // 1, 0
    x87(cpu, 0xde, 0xf9); // fdivp st(1), st: 1/0
    expect(top(cpu)).to.equal(6);
    expect(st(cpu, 0)).to.equal('0000:0000000000000000');
    expect(st(cpu, 1)).to.equal('3fff:8000000000000000');
    x87(cpu, 0xdb, 0xe3);
    fldcw(cpu, 0x377);
    w80(cpu, D, F.mk(0x7ff0, F.JBIT | 1n));
    mem(cpu, 0xdb, 5); // fld m80
    x87(cpu, 0xd8, 0xc8); // fmul st, st
    expect(sw(cpu) & 0xff).to.equal(ES | OE | PE);
    expect(st(cpu, 0)).to.equal('5fe1:8000000000000002'); // 2^(2 * 16369 - 24576) * (1 + 2^-62)
    // storing it to memory with OE unmasked stores nothing and does not pop
    x87(cpu, 0xdb, 0xe2);
    w80(cpu, D, F.mk(0x7ff0, F.JBIT));
    mem(cpu, 0xdb, 5);
    w32(cpu, D + 16, 0x11111111); w32(cpu, D + 20, 0x22222222);
    const t = top(cpu);
    mem(cpu, 0xdd, 3, D + 16); // fstp m64: overflow
    expect(r32(cpu, D + 16)).to.equal(0x11111111);
    expect(top(cpu)).to.equal(t);
    expect(sw(cpu) & (0xff | C1)).to.equal(ES | OE);
  });

  it('fst m32 with masked underflow of an exact tiny value: no UE; unmasked: UE, nothing stored', () => {
    const cpu = machine();
    w80(cpu, D, F.mk(0x3f6b, F.JBIT)); // 2^-148, a float32 denormal
    mem(cpu, 0xdb, 5);
    mem(cpu, 0xd9, 2, D + 16);
    expect(r32(cpu, D + 16)).to.equal(2);
    expect(sw(cpu) & 0x3f).to.equal(0);
    fldcw(cpu, 0x36f);
    w32(cpu, D + 16, 0xdead);
    mem(cpu, 0xd9, 3, D + 16);
    expect(r32(cpu, D + 16)).to.equal(0xdead);
    expect(sw(cpu) & 0xff).to.equal(ES | UE);
  });

  it('fcomi/fucomi set ZF PF CF and clear OF SF AF; fcom condition codes; fxam classes', () => {
    const cpu = machine();
    cpu.setEflags(0x8d5, 0x8d5);
    fld1(cpu); x87(cpu, 0xd9, 0xeb); // 1, pi
    x87(cpu, 0xdb, 0xf1); // fcomi st, st(1): pi > 1
    expect(cpu.getEflags() & 0x8d5).to.equal(0);
    x87(cpu, 0xdb, 0xe9); // fucomi
    expect(cpu.getEflags() & 0x8d5).to.equal(0);
    x87(cpu, 0xd9, 0xc9); // fxch
    x87(cpu, 0xdf, 0xf1); // fcomip: 1 < pi
    expect(cpu.getEflags() & 0x8d5).to.equal(1);
    expect(top(cpu)).to.equal(7);
    w80(cpu, D, F.mk(0x7fff, 0xc000000000000000n));
    mem(cpu, 0xdb, 5);
    x87(cpu, 0xdd, 0xe1); // fucom: QNaN, no IE
    expect(sw(cpu) & (C3 | C2 | C0 | IE)).to.equal(C3 | C2 | C0);
    x87(cpu, 0xd8, 0xd1); // fcom: QNaN, IE
    expect(sw(cpu) & (C3 | C2 | C0 | IE)).to.equal(C3 | C2 | C0 | IE);
    const classes: [string, number][] = [
      ['0000:0000000000000000', C3], ['8000:0000000000000001', C3 | C2 | C1], ['3fff:8000000000000000', C2],
      ['ffff:8000000000000000', C2 | C0 | C1], ['7fff:c000000000000000', C0], ['3fff:0000000000000001', 0],
    ];
    for (const [v, cc] of classes) {
      const c2 = machine();
      const [se, m] = v.split(':');
      w80(c2, D, F.mk(parseInt(se, 16), BigInt('0x' + m)));
      mem(c2, 0xdb, 5);
      x87(c2, 0xd9, 0xe5);
      expect(sw(c2) & (C3 | C2 | C1 | C0), v).to.equal(cc);
    }
  });

  it('records FIP/FCS/FOP/FDP/FDS for non-control instructions only; fnstenv layouts', () => {
    const cpu = machine();
    w32(cpu, D, 0x3f800000);
    mem(cpu, 0xd8, 0, D, { eip: 0x500 }); // fadd m32 (ST0 empty: underflow)
    mem(cpu, 0xd9, 0, D, { eip: 0x510, seg: SEG_FS }); // fld m32 via fs
    x87(cpu, 0xd9, 0xe1, 0, { eip: 0x520 }); // fabs
    fldcw(cpu, 0x37f);
    mem(cpu, 0xd9, 6, D + 0x100, { eip: 0x530 }); // fnstenv
    const e = (i: number) => r32(cpu, D + 0x100 + 4 * i);
    expect(e(0)).to.equal(0xffff037f);
    expect(e(3)).to.equal(0x520);
    expect(e(4)).to.equal(0x08 | (0x1e1 << 16)); // FCS, FOP = D9 E1
    expect(e(5)).to.equal(D);
    expect(e(6)).to.equal(0xffff0033);
    mem(cpu, 0xd9, 6, D + 0x200, { o16: true });
    expect(r16(cpu, D + 0x206)).to.equal(0x520);
    expect(r16(cpu, D + 0x20c)).to.equal(0x33);
    // real mode: 20-bit linear pointers and the opcode
    cpu.s[CR0] &= ~CR0_PE;
    cpu.s[SEG_SEL + SEG_CS] = 0x1234;
    x87(cpu, 0xd9, 0xe0, 0, { eip: 0x5678 }); // fchs
    mem(cpu, 0xd9, 6, D + 0x300);
    expect(r32(cpu, D + 0x30c)).to.equal((0xffff0000 | ((0x12340 + 0x5678) & 0xffff)) >>> 0);
    expect(r32(cpu, D + 0x310)).to.equal((((0x12340 + 0x5678) & 0xffff0000) >>> 4) | 0x1e0);
    // fldenv of that image restores the same pointers
    const c2 = machine();
    c2.s[CR0] &= ~CR0_PE;
    for (let i = 0; i < 28; i += 4) w32(c2, D + i, r32(cpu, D + 0x300 + i));
    mem(c2, 0xd9, 4, D);
    expect(c2.fpu.fip).to.equal(0x12340 + 0x5678);
    expect(c2.fpu.fop).to.equal(0x1e0);
  });

  it('fnstenv masks all exceptions; fldcw unmasking a pending flag sets ES; fnsave/frstor round trip', () => {
    const cpu = machine();
    x87(cpu, 0xd9, 0xe8); x87(cpu, 0xd9, 0xeb); // 1, pi
    w32(cpu, D, 3); mem(cpu, 0xda, 6); // pi / 3: PE
    fldcw(cpu, 0x35f);
    expect(sw(cpu) & (ES | B)).to.equal(ES | B);
    mem(cpu, 0xd9, 6, D + 0x40);
    expect(cpu.fpu.fcw).to.equal(0x37f);
    expect(sw(cpu) & (ES | B)).to.equal(0);
    fldcw(cpu, 0x35f);
    mem(cpu, 0xdd, 6, D + 0x100); // fnsave
    expect(cpu.fpu.ftw).to.equal(0xffff);
    mem(cpu, 0xdd, 4, D + 0x100); // frstor
    expect(st(cpu, 0)).to.equal(F.f80Hex(F.div(F.mk(0x4000, 0xc90fdaa22168c235n), F.fromBigInt(3n), new F.FpStatus())));
    expect(st(cpu, 1)).to.equal('3fff:8000000000000000');
    expect(cpu.fpu.fcw).to.equal(0x35f);
    expect(sw(cpu) & (ES | B | PE)).to.equal(ES | B | PE); // the image's PE is unmasked now
  });

  it('a faulting store changes nothing (fstp m80 across a page that faults)', () => {
    const cpu = machine();
    const h = cpu.mem.hooks;
    cpu.mem.hooks = {
      ...h,
      translate: (a, access, eip) => { if (access === Access.WRITE && (a >>> 12) === 0x9) cpu.raise(14, 2, eip); return h.translate(a, access, eip); },
    };
    x87(cpu, 0xd9, 0xeb);
    const before = [top(cpu), sw(cpu)];
    w32(cpu, 0x8ffc, 0x12345678);
    expect(mem(cpu, 0xdb, 7, 0x8ffc)).to.equal(14);
    expect([top(cpu), sw(cpu)]).to.deep.equal(before);
    expect(r32(cpu, 0x8ffc)).to.equal(0x12345678);
    expect(mem(cpu, 0xdd, 6, 0x8fa0)).to.equal(14); // fnsave: nothing written, no fninit
    expect(top(cpu)).to.equal(7);
  });

  it('#NM under CR0.EM/TS; fwait only with TS and MP', () => {
    const cpu = machine();
    cpu.s[CR0] |= 8;
    expect(fld1(cpu)).to.equal(7);
    expect(catchVec(() => fpuWait(cpu, 0))).to.equal(-2);
    cpu.s[CR0] &= ~CR0_MP;
    expect(catchVec(() => fpuWait(cpu, 0))).to.equal(-1);
    cpu.s[CR0] = (cpu.s[CR0] & ~8) | 4;
    expect(x87(cpu, 0xdb, 0xe3)).to.equal(7);
    expect(catchVec(() => fpuWait(cpu, 0))).to.equal(-1);
    expect(x87(machine(), 0xd9, 0xd1)).to.equal(6);
  });

  it('fxsave/fxrstor: alignment, OSFXSR, MXCSR reserved bits, XMM bytes kept', () => {
    const cpu = machine();
    x87(cpu, 0xd9, 0xeb);
    expect(catchVec(() => fxGroup(cpu, 0, D + 8, 0))).to.equal(-2);
    expect(cpu.excVector).to.equal(13);
    for (let i = 0; i < 128; i += 4) w32(cpu, D + 160 + i, 0x01010101 * i);
    w32(cpu, D + 24, 0x1fc0);
    fxGroup(cpu, 0, D + 0x400, 0); // save the current state
    // a crafted image: MXCSR, XMM
    for (let i = 0; i < 24; i++) cpu.mem.physWrite(D + i, 1, cpu.mem.physRead8(D + 0x400 + i));
    for (let r = 0; r < 8; r++) w80(cpu, D + 32 + 16 * r, F.fromBigInt(BigInt(r + 1)));
    fxGroup(cpu, 1, D, 0);
    expect(cpu.fpu.mxcsr).to.equal(0x1fc0);
    expect(st(cpu, 0)).to.equal(F.f80Hex(F.fromBigInt(1n)));
    fxGroup(cpu, 0, D + 0x800, 0);
    for (let i = 0; i < 128; i += 4) expect(r32(cpu, D + 0x800 + 160 + i)).to.equal((0x01010101 * i) >>> 0);
    expect(r32(cpu, D + 0x800 + 28)).to.equal(0xffff);
    w32(cpu, D + 24, 0x10000);
    expect(catchVec(() => fxGroup(cpu, 1, D, 0))).to.equal(-2);
    expect(cpu.excVector).to.equal(13);
    w32(cpu, D + 0x900, 0x20000);
    expect(catchVec(() => fxGroup(cpu, 2, D + 0x900, 0))).to.equal(-2);
    cpu.s[CR4] = 0;
    expect(catchVec(() => fxGroup(cpu, 2, D + 0x900, 0))).to.equal(-2);
    expect(cpu.excVector).to.equal(6);
    w32(cpu, D + 0xa00 + 24, 0x12345678);
    fxGroup(cpu, 0, D + 0xa00, 0); // without OSFXSR: MXCSR and XMM are not written
    expect(r32(cpu, D + 0xa00 + 24)).to.equal(0x12345678);
    fxGroup(cpu, 5, -1, 0); // lfence
  });

  it('fptan/fsincos/fxtract push a second value; out of range sets C2; a full stack overflows', () => {
    const cpu = machine();
    w32(cpu, D, 0x3f800000); mem(cpu, 0xd9, 0); // 1.0f
    x87(cpu, 0xd9, 0xf2); // fptan
    expect(st(cpu, 0)).to.equal('3fff:8000000000000000');
    expect(st(cpu, 1)).to.equal('3fff:c75922e5f71d2dc5'); // tan(1) rounded to nearest (mpmath)
    expect(sw(cpu) & (C2 | PE)).to.equal(PE);
    w80(cpu, D, F.mk(0x403f, F.JBIT)); mem(cpu, 0xdb, 5); // 2^64
    x87(cpu, 0xd9, 0xfb); // fsincos: out of range
    expect(sw(cpu) & C2).to.equal(C2);
    expect(top(cpu)).to.equal(5);
    for (let i = 0; i < 5; i++) fld1(cpu);
    x87(cpu, 0xdb, 0xe2);
    x87(cpu, 0xd9, 0xf4); // fxtract with ST7 in use: overflow
    expect(sw(cpu) & (IE | SF | C1)).to.equal(IE | SF | C1);
    expect(st(cpu, 0)).to.equal('ffff:c000000000000000');
    expect(st(cpu, 1)).to.equal('ffff:c000000000000000');
  });

  it('FSTP1 (D9 D8+i) pops an empty ST0 quietly; ffreep; fcmov with an empty register', () => {
    const cpu = machine();
    x87(cpu, 0xd9, 0xd9); // fstp1 st(1), ST0 empty
    expect(sw(cpu)).to.equal(0x0800);
    const c2 = machine();
    fld1(c2); fld1(c2);
    x87(c2, 0xdf, 0xc1); // ffreep st(1)
    expect(c2.fpu.ftw).to.equal(0xffff);
    fld1(c2);
    x87(c2, 0xda, 0xc3); // fcmovb st(3): empty
    expect(sw(c2) & (IE | SF)).to.equal(IE | SF);
    expect(st(c2, 0)).to.equal('ffff:c000000000000000');
  });

  it('fprem partial remainders (C2) and fprem1 quotient bits', () => {
    const cpu = machine();
    w80(cpu, D, F.fromBigInt(3n));
    mem(cpu, 0xdb, 5);
    w80(cpu, D, F.mk(0x3fff + 200, F.JBIT | 7n));
    mem(cpu, 0xdb, 5);
    let n = 0;
    do { x87(cpu, 0xd9, 0xf8); n++; } while (sw(cpu) & C2);
    expect(n).to.be.greaterThan(2);
    expect(F.toNumber(cpu.fpu.get(0))).to.equal(Number(((1n << 63n) + 7n) * (1n << 137n) % 3n));
    const c2 = machine();
    w32(c2, D, 2); mem(c2, 0xdb, 0); w32(c2, D, 7); mem(c2, 0xdb, 0);
    x87(c2, 0xd9, 0xf5); // fprem1 7, 2: quotient 4, remainder -1
    expect(sw(c2) & (C0 | C1 | C2 | C3)).to.equal(C0);
    expect(F.toNumber(c2.fpu.get(0))).to.equal(-1);
  });
});
