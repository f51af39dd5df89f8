// info gdt / idt / ldt / tss: the tables the segments kernel builds (values from its source
// and symbols), and LDT, TSS and gates written by the test.
import { expect } from 'chai';
import { StopReason } from '../../src/emu/cpu-exec/exec';
import { IDTR_BASE, IDTR_LIMIT, LDTR_ATTR, LDTR_BASE, LDTR_LIMIT, LDTR_SEL, TR_ATTR, TR_BASE, TR_LIMIT, TR_SEL } from '../../src/emu/translate-i386/state';
import { MonitorFixture, monitorFixture, outLines } from '../support/monitor-fixture';

const h8 = (v: number) => (v >>> 0).toString(16).padStart(8, '0');

/** A descriptor as gdt_make() in test/guest/lib/rt.c builds it: [lo, hi]. */
function gdtMake(base: number, limit: number, access: number, flags: number): [number, number] {
  const lo = ((limit & 0xffff) | ((base & 0xffff) << 16)) >>> 0;
  const hi = (((base >>> 16) & 0xff) | (access << 8) | (limit & 0xf0000) | ((flags & 0xf) << 20) | (base & 0xff000000)) >>> 0;
  return [lo, hi];
}

describe('monitor: descriptor tables', () => {
  describe('as the segments kernel set them', () => {
    let f: MonitorFixture;
    before(() => {
      f = monitorFixture('segments');
      for (let i = 0; i < 100 && f.machine.exec.run(1_000_000) === StopReason.BUDGET; i++) { /* until the kernel is done */ }
      expect(Buffer.from(f.serial).toString()).to.match(/PASS segments/);
    });

    it('info gdt lists the entries with base, limit, type, DPL and P', async () => {
      const l = outLines(await f.run('info gdt'));
      expect(l[0]).to.equal(`Global Descriptor Table (base=0x${h8(f.elf.symbol('gdt'))}, limit=255):`);
      const body = l.slice(1);
      const segBuf = f.elf.symbol('seg_buf'), code16 = f.elf.symbol('code16_start');
      const stk = f.elf.symbol('stk_buf'), big = f.elf.symbol('big_buf');
      // entry.S: 0x08 flat code, 0x10 flat data; segments.c: gdt_set(9..14, ...)
      expect(body[0]).to.equal('GDT[0x01] sel=0x0008 base=0x00000000 limit=0xffffffff DPL=0 P=1 Code segment, Execute/Read, Non-Conforming, Accessed, 32-bit');
      expect(body[1]).to.equal('GDT[0x02] sel=0x0010 base=0x00000000 limit=0xffffffff DPL=0 P=1 Data segment, Read/Write, Accessed, 32-bit');
      expect(body[2]).to.equal(`GDT[0x09] sel=0x0048 base=0x${h8(segBuf + 0x100)} limit=0xffffffff DPL=0 P=1 Data segment, Read/Write, Accessed, 32-bit`);
      expect(body[3]).to.equal('GDT[0x0a] sel=0x0050 base=0x00001000 limit=0xffffffff DPL=0 P=1 Code segment, Execute/Read, Non-Conforming, Accessed, 32-bit');
      expect(body[4]).to.equal(`GDT[0x0b] sel=0x0058 base=0x${h8(code16)} limit=0x0000ffff DPL=0 P=1 Code segment, Execute/Read, Non-Conforming, Accessed, 16-bit`);
      expect(body[5]).to.equal(`GDT[0x0c] sel=0x0060 base=0x${h8(stk)} limit=0xffffffff DPL=0 P=1 Data segment, Read/Write, Accessed, 32-bit`);
      expect(body[6]).to.equal(`GDT[0x0d] sel=0x0068 base=0x${h8(big)} limit=0x0000ffff DPL=0 P=1 Data segment, Read/Write, Accessed, 16-bit`);
      expect(body[7]).to.match(/^GDT\[0x0e\] sel=0x0070 base=0x00000000 limit=0xffffffff DPL=0 P=1 Data segment, Read\/Write, (Not )?Accessed, 32-bit$/);
      expect(body[8]).to.equal("24 empty entries not shown; 'info gdt N [M]' lists entries N..M");
      expect(body).to.have.length(9);
    });

    it('info gdt N M shows a range, empty entries included', async () => {
      expect(outLines(await f.run('info gdt 0 1')).slice(1)).to.deep.equal([
        'GDT[0x00] empty',
        'GDT[0x01] sel=0x0008 base=0x00000000 limit=0xffffffff DPL=0 P=1 Code segment, Execute/Read, Non-Conforming, Accessed, 32-bit',
      ]);
      expect(outLines(await f.run('info gdt 0x0a')).slice(1)).to.have.length(1);
      expect(await f.run('info gdt 5 2')).to.equal('info gdt: first entry after last\n');
      expect(await f.run('info gdt x')).to.equal("info gdt: 'x' is not an entry number\n");
      expect(await f.run('info gdt 32')).to.equal('info gdt: entry 32 is beyond the table (32 entries)\n');
      expect(await f.run('info idt 0x100')).to.equal('info idt: entry 256 is beyond the table (256 entries)\n');
      expect(outLines(await f.run('info gdt 30 40')).slice(1)).to.deep.equal(['GDT[0x1e] empty', 'GDT[0x1f] empty']);
    });

    it('info idt shows the gates rt_init set: isr_stubs + 16 * vector, interrupt gates', async () => {
      const l = outLines(await f.run('info idt'));
      const stubs = f.elf.symbol('isr_stubs');
      expect(l[0]).to.equal(`Interrupt Descriptor Table (base=0x${h8(f.elf.symbol('idt'))}, limit=2047):`);
      expect(l).to.have.length(1 + 0x30 + 1);
      for (let v = 0; v < 0x30; v++) {
        expect(l[1 + v]).to.equal(`IDT[0x${v.toString(16).padStart(2, '0')}] DPL=0 P=1 32-bit interrupt gate target=0x0008:0x${h8(stubs + 16 * v)}`);
      }
      expect(l[0x31]).to.equal("208 empty entries not shown; 'info idt N [M]' lists vectors N..M");
      expect(outLines(await f.run('info idt 0x30'))[1]).to.equal('IDT[0x30] empty');
    });

    it('info ldt and info tss say when nothing is loaded', async () => {
      expect(await f.run('info ldt')).to.equal('LDT is not loaded (LDTR=0x0000)\n');
      expect(await f.run('info tss')).to.equal('TR is not loaded (TR=0x0000)\n');
    });
  });

  describe('tables written by the test', () => {
    let f: MonitorFixture;
    const w32 = (a: number, v: number) => f.machine.mem.physWrite(a, 4, v);
    before(() => { f = monitorFixture('hello'); });

    it('info ldt decodes the LDT at LDTR', async () => {
      const base = 0x210000;
      const d0 = gdtMake(0x40000, 0xfff, 0xfa, 0x4); // DPL 3 code, byte granular, 32-bit
      const d1 = gdtMake(0x50000, 0x1f, 0xf6, 0x0);  // DPL 3 data, read/write, expand-down, 16-bit
      w32(base, d0[0]); w32(base + 4, d0[1]); w32(base + 8, d1[0]); w32(base + 12, d1[1]);
      const s = f.machine.cpu.s;
      s[LDTR_SEL] = 0x78; s[LDTR_BASE] = base; s[LDTR_LIMIT] = 15; s[LDTR_ATTR] = 0x8200;
      expect(outLines(await f.run('info ldt'))).to.deep.equal([
        `Local Descriptor Table, LDTR=0x0078 (base=0x${h8(base)}, limit=15):`,
        'LDT[0x00] sel=0x0004 base=0x00040000 limit=0x00000fff DPL=3 P=1 Code segment, Execute/Read, Non-Conforming, Not Accessed, 32-bit',
        'LDT[0x01] sel=0x000c base=0x00050000 limit=0x0000001f DPL=3 P=1 Data segment, Read/Write, Expand-down, Not Accessed, 16-bit',
      ]);
    });

    it('info tss decodes a 32-bit TSS', async () => {
      const base = 0x220000;
      for (let i = 0; i < 104; i += 4) w32(base + i, 0);
      w32(base + 4, 0x00190000); w32(base + 8, 0x10); // esp0, ss0
      w32(base + 28, 0x00300000); w32(base + 32, 0x00101234); w32(base + 36, 0x202); // cr3, eip, eflags
      w32(base + 40, 0xaaaa5555); // eax
      w32(base + 76, 0x08); w32(base + 100, 0x00680001); // cs; trap=1, iomap=0x68
      const s = f.machine.cpu.s;
      s[TR_SEL] = 0x28; s[TR_BASE] = base; s[TR_LIMIT] = 0x67; s[TR_ATTR] = 0x8b00;
      expect(outLines(await f.run('info tss'))).to.deep.equal([
        `TR=0x0028 base=0x${h8(base)} limit=0x00000067 32-bit TSS (busy)`,
        '  link=0x0000',
        '  ss0=0x0010 esp0=0x00190000 ss1=0x0000 esp1=0x00000000 ss2=0x0000 esp2=0x00000000',
        '  cr3=0x00300000 eip=0x00101234 eflags=0x00000202',
        '  eax=0xaaaa5555 ecx=0x00000000 edx=0x00000000 ebx=0x00000000',
        '  esp=0x00000000 ebp=0x00000000 esi=0x00000000 edi=0x00000000',
        '  es=0x0000 cs=0x0008 ss=0x0000 ds=0x0000 fs=0x0000 gs=0x0000',
        '  ldt=0x0000 trap=1 iomap=0x0068',
      ]);
    });

    it('info idt names trap, task, 16-bit, DPL 3 and non-present gates', async () => {
      const base = 0x230000;
      const gate = (v: number, off: number, sel: number, attr: number) => {
        w32(base + v * 8, ((off & 0xffff) | (sel << 16)) >>> 0);
        w32(base + v * 8 + 4, ((off & 0xffff0000) | (attr << 8)) >>> 0);
      };
      gate(0, 0x00102030, 0x08, 0x8f);
      gate(1, 0, 0x30, 0x85);
      gate(2, 0x00001234, 0x18, 0x86);
      gate(3, 0x00104000, 0x08, 0xee);
      gate(4, 0x00105000, 0x08, 0x0e);
      const s = f.machine.cpu.s;
      s[IDTR_BASE] = base; s[IDTR_LIMIT] = 5 * 8 - 1;
      expect(outLines(await f.run('info idt'))).to.deep.equal([
        `Interrupt Descriptor Table (base=0x${h8(base)}, limit=39):`,
        'IDT[0x00] DPL=0 P=1 32-bit trap gate target=0x0008:0x00102030',
        'IDT[0x01] DPL=0 P=1 task gate tss=0x0030',
        'IDT[0x02] DPL=0 P=1 16-bit interrupt gate target=0x0018:0x00001234',
        'IDT[0x03] DPL=3 P=1 32-bit interrupt gate target=0x0008:0x00104000',
        'IDT[0x04] DPL=0 P=0 32-bit interrupt gate target=0x0008:0x00105000',
      ]);
    });

    it('reports a table on unmapped memory per entry', async () => {
      const s = f.machine.cpu.s;
      s[IDTR_BASE] = 0x7fff0000; s[IDTR_LIMIT] = 15;
      expect(outLines(await f.run('info idt'))).to.deep.equal([
        'Interrupt Descriptor Table (base=0x7fff0000, limit=15):',
        'IDT[0x00] cannot access memory at 0x7fff0000',
        'IDT[0x01] cannot access memory at 0x7fff0008',
      ]);
    });
  });
});
