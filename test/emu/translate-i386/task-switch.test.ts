// Task switches checked on descriptor tables built by hand, for the cases the guest kernel
// cannot compare with QEMU: the TSS T bit (QEMU ignores it) and faults while loading the new
// task, which the SDM puts at the new task's first instruction (QEMU reports the jmp).
import { expect } from 'chai';
import { X86Cpu } from '../../../src/emu/translate-i386/cpu';
import { Memory } from '../../../src/emu/translate-i386/mmu';
import { descAttr, farJump, loadTr } from '../../../src/emu/translate-i386/seg';
import {
  CR0, CR0_ET, CR0_PE, CR0_TS, DR0, EIP, GDTR_BASE, GDTR_LIMIT, R_EAX, R_EBX, R_ESP, SEG_CS, SEG_DS, SEG_SEL, TR_SEL,
} from '../../../src/emu/translate-i386/state';

const GDT = 0x1000, TSS_MAIN = 0x2000, TSS_NEW = 0x3000;
const CODE_HI = 0x00cf9b00, DATA_HI = 0x00cf9300;

function setup(): { cpu: X86Cpu; faults: { vector: number; error: number; eip: number; tr: number }[] } {
  const cpu = new X86Cpu(new Memory(1 << 20), { in: () => 0, out: () => undefined });
  const w32 = (a: number, v: number) => cpu.mem.physWrite(a, 4, v);
  const desc = (i: number, lo: number, hi: number) => { w32(GDT + 8 * i, lo); w32(GDT + 8 * i + 4, hi); };
  const tss = (i: number, base: number, limit: number, type: number) =>
    desc(i, ((base & 0xffff) << 16) | limit, ((base >>> 16) & 0xff) | 0x8000 | (type << 8) | (base & 0xff000000));
  desc(1, 0x0000ffff, CODE_HI | 0x000f0000);
  desc(2, 0x0000ffff, DATA_HI | 0x000f0000);
  tss(3, TSS_MAIN, 0x67, 9);
  tss(4, TSS_NEW, 0x67, 9);
  desc(5, 0x0000ffff, (DATA_HI | 0x000f0000) & ~0x8000); // data, not present
  const s = cpu.s;
  s[CR0] = CR0_PE | CR0_ET;
  s[GDTR_BASE] = GDT; s[GDTR_LIMIT] = 0xff;
  cpu.setSegmentFlat(SEG_CS, 0x08, 0, -1, descAttr(CODE_HI));
  for (const seg of [0, 2, 3, 4, 5]) cpu.setSegmentFlat(seg, 0x10, 0, -1, descAttr(DATA_HI));
  cpu.updateHflags();
  loadTr(cpu, 0x18, 0);
  // The new task: flat segments, EIP 0x5000, EAX 0x1234.
  w32(TSS_NEW + 0x20, 0x5000); w32(TSS_NEW + 0x24, 2); w32(TSS_NEW + 0x28, 0x1234); w32(TSS_NEW + 0x38, 0x8000);
  for (let i = 0; i < 6; i++) w32(TSS_NEW + 0x48 + 4 * i, i === SEG_CS ? 0x08 : 0x10);
  const faults: { vector: number; error: number; eip: number; tr: number }[] = [];
  cpu.hooks.deliverFault = () => {
    faults.push({ vector: cpu.excVector, error: cpu.excError, eip: cpu.excEip, tr: s[TR_SEL] });
    cpu.excVector = -1;
  };
  return { cpu, faults };
}

describe('task switch', () => {
  it('ljmp to a TSS: registers, busy bits, CR0.TS, saved EIP', () => {
    const { cpu, faults } = setup(), s = cpu.s;
    s[R_EBX] = 0x4242;
    farJump(cpu, 0x20, 0, 0x4447, 0x4440);
    expect(faults).to.deep.equal([]);
    expect(s[EIP]).to.equal(0x5000);
    expect(s[R_EAX]).to.equal(0x1234);
    expect(s[R_ESP]).to.equal(0x8000);
    expect(s[TR_SEL]).to.equal(0x20);
    expect(s[CR0] & CR0_TS).to.equal(CR0_TS);
    expect(cpu.mem.physRead(TSS_MAIN + 0x20, 4)).to.equal(0x4447);
    expect(cpu.mem.physRead(TSS_MAIN + 0x34, 4)).to.equal(0x4242);
    expect((cpu.mem.physRead(GDT + 0x18 + 4, 4) >> 8) & 0xf).to.equal(9);
    expect((cpu.mem.physRead(GDT + 0x20 + 4, 4) >> 8) & 0xf).to.equal(0xb);
  });

  it('the T bit raises #DB in the new task before its first instruction', () => {
    const { cpu, faults } = setup(), s = cpu.s;
    cpu.mem.physWrite(TSS_NEW + 0x64, 2, 1);
    farJump(cpu, 0x20, 0, 0x4447, 0x4440);
    expect(faults).to.deep.equal([{ vector: 1, error: -1, eip: 0x5000, tr: 0x20 }]);
    expect(s[DR0 + 6] & 0x8000).to.equal(0x8000); // DR6.BT
  });

  it('a fault loading the new task is taken at its EIP, with its registers', () => {
    const { cpu, faults } = setup(), s = cpu.s;
    cpu.mem.physWrite(TSS_NEW + 0x48 + 4 * SEG_DS, 4, 0x28);
    farJump(cpu, 0x20, 0, 0x4447, 0x4440);
    expect(faults).to.deep.equal([{ vector: 11, error: 0x28, eip: 0x5000, tr: 0x20 }]);
    expect(s[R_EAX]).to.equal(0x1234);
    expect(s[SEG_SEL + SEG_DS]).to.equal(0x28);
  });
});
