// info tlb, info mem, gva2gpa and x through page tables written by the test.
import { expect } from 'chai';
import { CR0, CR0_PG, CR3, CR4 } from '../../src/emu/translate-i386/state';
import { MonitorFixture, monitorFixture, outLines } from '../support/monitor-fixture';

const PD = 0x300000, PT0 = 0x301000, PT1 = 0x302000;

describe('monitor: paging (info tlb, info mem, gva2gpa, x)', () => {
  let f: MonitorFixture;
  before(() => {
    f = monitorFixture('hello');
    const mem = f.machine.mem;
    const w32 = (a: number, v: number) => mem.physWrite(a, 4, v);
    w32(PD + 0 * 4, PT0 | 0x7);          // 0x00000000: page table, U W P
    w32(PD + 1 * 4, 0x00800000 | 0x183); // 0x00400000: 4 MiB page at 8 MiB, G PS W P
    w32(PD + 0x300 * 4, PT1 | 0x3);      // 0xc0000000: page table, W P
    w32(PT0 + 1 * 4, 0x00100000 | 0x03); // 0x1000 -> kernel text page, W P
    w32(PT0 + 2 * 4, 0x00200000 | 0x65); // 0x2000 -> 0x200000, D A U P
    w32(PT0 + 3 * 4, 0x00201000 | 0x05); // 0x3000 -> 0x201000, U P
    w32(PT1 + 5 * 4, 0x01234000 | 0x1b); // 0xc0005000 -> 0x1234000, PCD PWT W P
  });

  it('says PG disabled while CR0.PG is off', async () => {
    expect(await f.run('info tlb')).to.equal('PG disabled\n');
    expect(await f.run('info mem')).to.equal('PG disabled\n');
    expect(await f.run('gva2gpa 0x1234')).to.equal('gpa: 0x1234\n');
  });

  describe('with paging on', () => {
    before(() => {
      const s = f.machine.cpu.s;
      s[CR3] = PD;
      s[CR4] |= 0x10; // PSE
      s[CR0] |= CR0_PG;
      f.debug.stateChanged();
    });

    it('info tlb lists every present page with its flags', async () => {
      expect(outLines(await f.run('info tlb'))).to.deep.equal([
        '0000000000001000: 0000000000100000 --------W',
        '0000000000002000: 0000000000200000 ---DA--U-',
        '0000000000003000: 0000000000201000 -------U-',
        '0000000000400000: 0000000000800000 -GP-----W',
        '00000000c0005000: 0000000001234000 -----CT-W',
      ]);
    });

    it('info mem merges ranges with the same protection', async () => {
      expect(outLines(await f.run('info mem'))).to.deep.equal([
        '0000000000001000-0000000000002000 0000000000001000 -rw',
        '0000000000002000-0000000000004000 0000000000002000 ur-',
        '0000000000400000-0000000000800000 0000000000400000 -rw',
        '00000000c0005000-00000000c0006000 0000000000001000 -rw',
      ]);
    });

    it('gva2gpa translates through 4 KiB and 4 MiB pages', async () => {
      expect(await f.run('gva2gpa 0x1234')).to.equal('gpa: 0x100234\n');
      expect(await f.run('gva2gpa 0x401234')).to.equal('gpa: 0x801234\n');
      expect(await f.run('gva2gpa 0xc0005010')).to.equal('gpa: 0x1234010\n');
      expect(await f.run('gva2gpa 0')).to.equal('Unmapped\n');
      expect(await f.run('gva2gpa 0x800000')).to.equal('Unmapped\n');
    });

    it('x reads linear addresses through the page tables, xp physical ones', async () => {
      const start = f.elf.symbol('_start');
      const lin = 0x1000 + (start - 0x100000);
      const word = f.elf.u32At(start).toString(16).padStart(8, '0');
      expect(await f.run(`x /1xw 0x${lin.toString(16)}`)).to.equal(`${lin.toString(16).padStart(8, '0')}: 0x${word}\n`);
      expect(await f.run(`xp /1xw 0x${start.toString(16)}`)).to.equal(`${start.toString(16).padStart(16, '0')}: 0x${word}\n`);
      expect(outLines(await f.run(`x /1i 0x${lin.toString(16)}`))[0]).to.match(/:  fa\s+cli$/);
      expect(await f.run('x /4xw 0x10')).to.equal('00000010: Cannot access memory\n');
      // a line that crosses from a mapped page into an unmapped one
      expect(outLines(await f.run('x /8xw 0x3ff8'))).to.deep.equal(['00003ff8: Cannot access memory']);
      expect(await f.run('memsave 0x3ff0 0x20 /dev/null')).to.match(/^Invalid addr 0x0000000000003ff0\/size 32 specified\n$/);
    });
  });
});
