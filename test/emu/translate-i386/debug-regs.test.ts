// mov to/from debug registers, for what the debugregs guest kernel cannot compare with QEMU
// (QEMU 7.2 has no DR7.GD), and how DR7 becomes the exec loop's breakpoint lists.
import { expect } from 'chai';
import { GuestDebugRegs } from '../../../src/emu/cpu-exec/debug-regs';
import { CPU_FAULT, X86Cpu } from '../../../src/emu/translate-i386/cpu';
import { H, HELPERS } from '../../../src/emu/translate-i386/helpers';
import { Memory } from '../../../src/emu/translate-i386/mmu';
import { CR4, DR0 } from '../../../src/emu/translate-i386/state';

function cpu(): X86Cpu { return new X86Cpu(new Memory(1 << 16), { in: () => 0, out: () => undefined }); }
const call = (c: X86Cpu, name: string, ...args: number[]): number => HELPERS[H[name]].fn(c, ...args) as number;
function fault(f: () => void, c: X86Cpu): number {
  try { f(); } catch (e) { if (e !== CPU_FAULT) throw e; return c.excVector; }
  return -1;
}

describe('debug registers', () => {
  it('DR7.GD: the next mov from or to a DR is a #DB fault with DR6.BD, and GD is cleared for the handler', () => {
    const c = cpu();
    call(c, 'mov_to_dr', 7, 0x2000, 0x100);
    expect(fault(() => call(c, 'mov_from_dr', 0, 0x104), c)).to.equal(1);
    expect(c.excEip).to.equal(0x104);
    expect(c.s[DR0 + 6] & 0x2000).to.equal(0x2000);
    expect(c.s[DR0 + 7] & 0x2000).to.equal(0);
    expect(fault(() => call(c, 'mov_from_dr', 0, 0x108), c)).to.equal(-1);
  });

  it('DR4/DR5 alias DR6/DR7 unless CR4.DE, then #UD; writes to DR0-3/7 notify the exec loop', () => {
    const c = cpu();
    let changed = 0;
    c.hooks.debugRegsChanged = () => { changed++; };
    call(c, 'mov_to_dr', 5, 0x1, 0);
    expect(c.s[DR0 + 7]).to.equal(0x401);
    expect(call(c, 'mov_from_dr', 4, 0) >>> 0).to.equal(0xffff0ff0);
    call(c, 'mov_to_dr', 6, 0, 0);
    expect(changed).to.equal(1);
    c.s[CR4] |= 8;
    expect(fault(() => call(c, 'mov_from_dr', 5, 0), c)).to.equal(6);
  });

  it('decodes DR7: L/G enables, R/W 00 instruction, 01 write, 11 read/write, LEN aligned; I/O (10) ignored', () => {
    const s = new Int32Array(80);
    const d = new GuestDebugRegs();
    s[DR0] = 0x1000; s[DR0 + 1] = 0x2003; s[DR0 + 2] = 0x3001; s[DR0 + 3] = 0x4000;
    s[DR0 + 7] = 0x1 | 0x8 | 0x10 | 0x40 | (1 << 20) | (3 << 22) | (3 << 24) | (1 << 26) | (2 << 28);
    d.load(s);
    expect([...d.exec]).to.deep.equal([[0x1000, 1]]);
    expect([...d.execPages]).to.deep.equal([1]);
    expect(d.data).to.deep.equal([
      { addr: 0x2000, len: 4, write: true, bit: 2 },
      { addr: 0x3000, len: 2, write: false, bit: 4 },
    ]);
    expect(d.access(0x2002, 1, false)).to.equal(false); // DR1 is write-only
    expect(d.access(0x2003, 1, true)).to.equal(true);
    expect(d.access(0x2fff, 2, false)).to.equal(true); // overlaps DR2's first byte
    expect(d.pendingHits).to.equal(6);
  });
});
