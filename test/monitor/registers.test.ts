// `info registers` and `info cpus` against the CPU state, in QEMU's layout.
import { expect } from 'chai';
import {
  CR0, CR2, CR3, CR4, DR0, EIP, GDTR_BASE, GDTR_LIMIT, IDTR_BASE, IDTR_LIMIT, R_EAX, R_EBP, R_EBX, R_ECX, R_EDI, R_EDX,
  R_ESI, R_ESP, SEG_SEL, SEG_SS,
} from '../../src/emu/translate-i386/state';
import { MonitorFixture, monitorFixture, outLines } from '../support/monitor-fixture';

const h8 = (v: number) => (v >>> 0).toString(16).padStart(8, '0');

describe('monitor: info registers', () => {
  let f: MonitorFixture;
  before(() => {
    f = monitorFixture('hello');
    f.machine.exec.run(150000); // past the kernel's .bss loop, lgdt/lidt and segment reloads
  });

  it('prints the general registers, EIP and EFLAGS from the CPU state', async () => {
    const s = f.machine.cpu.s;
    s[R_EAX] = 0x11111111; s[R_EBX] = 0x22222222; s[R_ECX] = -1; s[R_EDX] = 0x44;
    s[R_ESI] = 0x55; s[R_EDI] = 0x66; s[R_EBP] = 0x77; s[R_ESP] = 0x88;
    f.machine.cpu.setEflags(0x8c5, 0x8d5); // O S Z P C set, A clear
    f.machine.cpu.halted = false;
    const l = outLines(await f.run('info registers'));
    expect(l[0]).to.equal('');
    expect(l[1]).to.equal('CPU#0');
    expect(l[2]).to.equal('EAX=11111111 EBX=22222222 ECX=ffffffff EDX=00000044');
    expect(l[3]).to.equal('ESI=00000055 EDI=00000066 EBP=00000077 ESP=00000088');
    const efl = f.machine.cpu.getEflags();
    expect(efl & 0x8d5).to.equal(0x8c5);
    expect(l[4]).to.equal(`EIP=${h8(s[EIP])} EFL=${h8(efl)} [-OSZ-PC] CPL=0 II=0 A20=1 SMM=0 HLT=0`);
    f.machine.cpu.halted = true;
    f.machine.cpu.setA20(false);
    expect(outLines(await f.run('info registers'))[4]).to.match(/ A20=0 SMM=0 HLT=1$/);
    f.machine.cpu.setA20(true);
  });

  it('prints the segment caches as QEMU does (the guest loaded 0x08 code, 0x10 data)', async () => {
    const l = outLines(await f.run('info registers'));
    // entry.S: 0x08 = 0x00CF9A000000FFFF, 0x10 = 0x00CF92000000FFFF; the CPU sets the accessed bit.
    expect(l[5]).to.equal('ES =0010 00000000 ffffffff 00cf9300 DPL=0 DS   [-WA]');
    expect(l[6]).to.equal('CS =0008 00000000 ffffffff 00cf9b00 DPL=0 CS32 [-RA]');
    expect(l[7]).to.equal('SS =0010 00000000 ffffffff 00cf9300 DPL=0 DS   [-WA]');
    expect(l.slice(8, 11).map(x => x.slice(0, 3))).to.deep.equal(['DS ', 'FS ', 'GS ']);
    expect(l[11]).to.match(/^LDT=0000 /);
    expect(l[12]).to.match(/^TR =0000 /);
  });

  it('prints GDT/IDT, control and debug registers', async () => {
    const s = f.machine.cpu.s;
    const gdt = f.elf.symbol('gdt'), idt = f.elf.symbol('idt');
    expect(s[GDTR_BASE] >>> 0).to.equal(gdt);
    s[CR2] = 0xdeadbeef; s[DR0 + 7] = 0x400;
    const l = outLines(await f.run('info registers'));
    expect(l[13]).to.equal(`GDT=     ${h8(gdt)} ${h8(32 * 8 - 1)}`);
    expect(l[14]).to.equal(`IDT=     ${h8(idt)} ${h8(256 * 8 - 1)}`);
    expect(s[GDTR_LIMIT]).to.equal(255);
    expect(s[IDTR_BASE] >>> 0).to.equal(idt);
    expect(s[IDTR_LIMIT]).to.equal(2047);
    expect(l[15]).to.equal(`CR0=${h8(s[CR0])} CR2=deadbeef CR3=${h8(s[CR3])} CR4=${h8(s[CR4])}`);
    expect(l[16]).to.equal('DR0=00000000 DR1=00000000 DR2=00000000 DR3=00000000 ');
    expect(l[17]).to.equal(`DR6=${h8(s[DR0 + 6])} DR7=00000400`);
    expect(s[DR0 + 6] >>> 0).to.equal(0xffff0ff0); // the reset value, as QEMU shows it
    expect(l[18]).to.equal('EFER=0000000000000000');
    expect(l).to.have.length(28);
  });

  it('prints the FPU part as QEMU does: words, MXCSR, physical x87 registers, XMM0-7', async () => {
    const g = monitorFixture('hello');
    const fpu = g.machine.cpu.fpu;
    fpu.push({ se: 0x3fff, m: 0x8000000000000000n }); // 1.0 into physical register 7, TOP = 7
    fpu.fcw = 0x027f;
    fpu.mxcsr = 0x1fa0;
    for (let b = 0; b < 16; b++) fpu.xmm[16 + b] = b + 1; // XMM1 = 0x100f..01 (little-endian bytes)
    const l = outLines(await g.run('info registers'));
    expect(l[19]).to.equal('FCW=027f FSW=3800 [ST=7] FTW=80 MXCSR=00001fa0');
    expect(l[20]).to.equal('FPR0=0000000000000000 0000 FPR1=0000000000000000 0000');
    expect(l[23]).to.equal('FPR6=0000000000000000 0000 FPR7=8000000000000000 3fff');
    expect(l[24]).to.equal('XMM00=0000000000000000 0000000000000000 XMM01=100f0e0d0c0b0a09 0807060504030201');
    expect(l).to.have.length(28);
  });

  it('shows DS16/CS16, expand-down and real-mode segments', async () => {
    const g = monitorFixture('hello');
    const cpu = g.machine.cpu;
    cpu.setSegmentFlat(SEG_SS, 0x28, 0x1000, 0xffff, 0x9700 | (1 << 12)); // 16-bit expand-down data, accessed
    const l = outLines(await g.run('info registers'));
    expect(l[7]).to.equal('SS =0028 00001000 0000ffff 00009700 DPL=0 DS16 [EWA]');
    expect(cpu.s[SEG_SEL + SEG_SS]).to.equal(0x28);
    cpu.s[CR0] &= ~1; cpu.updateHflags(); // real mode: no DPL column
    expect(outLines(await g.run('info registers'))[7]).to.equal('SS =0028 00001000 0000ffff 00009700');
  });

  it('accepts -a and 0, refuses other CPUs', async () => {
    expect(outLines(await f.run('info registers -a'))[1]).to.equal('CPU#0');
    expect(outLines(await f.run('info registers 0'))[1]).to.equal('CPU#0');
    expect(await f.run('info registers 3')).to.match(/^info registers: no CPU '3'.*\n$/);
  });

  it('info cpus names CPU 0 with the thread id', async () => {
    f.machine.cpu.halted = false;
    expect(await f.run('info cpus')).to.equal(`* CPU #0: thread_id=${process.pid}\n`);
    f.machine.cpu.halted = true;
    expect(await f.run('info cpus')).to.equal(`* CPU #0: thread_id=${process.pid} (halted)\n`);
  });
});
