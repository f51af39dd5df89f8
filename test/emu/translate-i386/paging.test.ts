// Page walks, checked on tables built by hand in guest RAM: 32-bit (4 KiB, 4 MiB) and PAE
// (4 KiB, 2 MiB, NX), with the #PF error codes and the accessed/dirty bits the SDM defines.
import { expect } from 'chai';
import { CPU_FAULT, X86Cpu } from '../../../src/emu/translate-i386/cpu';
import { Access, Memory } from '../../../src/emu/translate-i386/mmu';
import { debugPhys, translateLinear } from '../../../src/emu/translate-i386/paging';
import { H, HELPERS } from '../../../src/emu/translate-i386/helpers';
import { CR0, CR0_PE, CR0_PG, CR0_WP, CR2, CR3, CR4, EFER } from '../../../src/emu/translate-i386/state';

function cpuWith(): X86Cpu {
  const mem = new Memory(16 << 20);
  const cpu = new X86Cpu(mem, { in: () => 0, out: () => undefined });
  return cpu;
}
const w32 = (cpu: X86Cpu, a: number, v: number) => cpu.mem.physWrite(a, 4, v);
const r32 = (cpu: X86Cpu, a: number) => cpu.mem.physRead(a, 4) >>> 0;

/** Translate or return the #PF error code as { fault }. */
function tr(cpu: X86Cpu, addr: number, access: Access): { phys?: number; fault?: number; cr2?: number } {
  try { return { phys: translateLinear(cpu, addr, access, 0x1234) >>> 0 }; } catch (e) {
    if (e !== CPU_FAULT) throw e;
    expect(cpu.excVector).to.equal(14);
    expect(cpu.excEip).to.equal(0x1234);
    return { fault: cpu.excError, cr2: cpu.s[CR2] >>> 0 };
  }
}

describe('page walks', () => {
  it('32-bit: 4 KiB and 4 MiB pages, rights, A/D bits, CR0.WP', () => {
    const cpu = cpuWith(), s = cpu.s;
    const pd = 0x10000, pt = 0x11000;
    w32(cpu, pd + 0 * 4, pt | 0x7);                 // 0-4 MiB: user, writable table
    w32(cpu, pt + 5 * 4, 0x345000 | 0x5);           // 0x5000 -> 0x345000, user read-only
    w32(cpu, pt + 6 * 4, 0x346000 | 0x3);           // 0x6000 -> supervisor, writable
    w32(cpu, pd + 2 * 4, 0x800000 | 0x83);          // 8 MiB: a 4 MiB supervisor page
    s[CR3] = pd; s[CR4] = 0x10; s[CR0] = CR0_PE | CR0_PG;
    expect(tr(cpu, 0x5abc, Access.READ).phys).to.equal(0x345abc);
    expect(r32(cpu, pt + 5 * 4) & 0x60).to.equal(0x20);            // accessed, not dirty
    expect(r32(cpu, pd) & 0x20).to.equal(0x20);
    expect(tr(cpu, 0x5abc, Access.WRITE).phys).to.equal(0x345abc); // CPL0, WP=0: allowed
    expect(r32(cpu, pt + 5 * 4) & 0x40).to.equal(0x40);            // dirty now
    s[CR0] |= CR0_WP;
    expect(tr(cpu, 0x5000, Access.WRITE)).to.deep.equal({ fault: 3, cr2: 0x5000 });
    expect(tr(cpu, 0x7000, Access.READ)).to.deep.equal({ fault: 0, cr2: 0x7000 });
    expect(tr(cpu, 0x7004, Access.WRITE)).to.deep.equal({ fault: 2, cr2: 0x7004 });
    expect(tr(cpu, 0x923456, Access.READ).phys).to.equal(0x923456);
    expect(r32(cpu, pd + 8) & 0x20).to.equal(0x20);
    cpu.setCpl(3);
    expect(tr(cpu, 0x6000, Access.READ)).to.deep.equal({ fault: 5, cr2: 0x6000 });
    expect(tr(cpu, 0x5000, Access.WRITE)).to.deep.equal({ fault: 7, cr2: 0x5000 });
    expect(tr(cpu, 0x800000, Access.READ)).to.deep.equal({ fault: 5, cr2: 0x800000 });
    expect(tr(cpu, 0x5010, Access.READ).phys).to.equal(0x345010);
    expect(debugPhys(cpu, 0x6000)).to.equal(0x346000); // debuggers see everything mapped
    expect(debugPhys(cpu, 0x7000)).to.equal(-1);
  });

  it('PAE: 3 levels, 2 MiB pages, NX with EFER.NXE, reserved bits, I/D in the error code', () => {
    const cpu = cpuWith(), s = cpu.s;
    const pdpt = 0x20000, pd0 = 0x21000, pd3 = 0x22000, pt = 0x23000;
    w32(cpu, pdpt + 0, pd0 | 1);
    w32(cpu, pdpt + 24, pd3 | 1);                     // 3-4 GiB
    w32(cpu, pd0 + 0, pt | 0x7);
    w32(cpu, pt + 1 * 8, 0x401000 | 0x7);             // 0x1000 -> 0x401000
    w32(cpu, pt + 2 * 8, 0x402000 | 0x7); w32(cpu, pt + 2 * 8 + 4, 0x80000000 | 0); // NX
    w32(cpu, pt + 3 * 8, 0x403000 | 0x7); w32(cpu, pt + 3 * 8 + 4, 0x00010000);     // reserved bit 48
    w32(cpu, pd3 + 5 * 8, 0x600000 | 0x83);           // 0xc0a00000: 2 MiB page
    s[CR3] = pdpt; s[CR4] = 0x20; s[CR0] = CR0_PE | CR0_PG;
    expect(tr(cpu, 0x1234, Access.READ).phys).to.equal(0x401234);
    expect(tr(cpu, 0xc0a12345, Access.WRITE).phys).to.equal(0x612345);
    expect(r32(cpu, pd3 + 5 * 8) & 0x60).to.equal(0x60);
    // NX bit set while EFER.NXE = 0: reserved.
    expect(tr(cpu, 0x2000, Access.READ)).to.deep.equal({ fault: 9, cr2: 0x2000 });
    s[EFER] = 0x800;
    expect(tr(cpu, 0x2000, Access.READ).phys).to.equal(0x402000);
    expect(tr(cpu, 0x2000, Access.FETCH)).to.deep.equal({ fault: 0x11, cr2: 0x2000 });
    expect(tr(cpu, 0x1000, Access.FETCH).phys).to.equal(0x401000);
    expect(tr(cpu, 0x3000, Access.READ)).to.deep.equal({ fault: 9, cr2: 0x3000 });
    expect(tr(cpu, 0x5000, Access.FETCH)).to.deep.equal({ fault: 0x10, cr2: 0x5000 });
    expect(tr(cpu, 0x40000000, Access.READ)).to.deep.equal({ fault: 0, cr2: 0x40000000 });
    expect(debugPhys(cpu, 0xc0a00010)).to.equal(0x600010);
  });

  it('CR4.PGE: a CR3 load keeps global TLB entries (data and fetch), invlpg and a CR4 write drop them', () => {
    const cpu = cpuWith(), s = cpu.s, mem = cpu.mem;
    mem.hooks.translate = (a, access, eip) => translateLinear(cpu, a, access, eip);
    const movCr = (n: number, v: number) => HELPERS[H.mov_to_cr].fn(cpu, n, v, 0);
    const pd = 0x10000, pt = 0x11000;
    w32(cpu, pd, pt | 0x3);
    w32(cpu, pt + 5 * 4, 0x345000 | 0x103);         // 0x5000: global
    w32(cpu, pt + 6 * 4, 0x346000 | 0x003);         // 0x6000: not global
    for (const [a, v] of [[0x345000, 1], [0x346000, 2], [0x445000, 3], [0x446000, 4]]) w32(cpu, a, v);
    s[CR3] = pd; s[CR4] = 0x80; s[CR0] = CR0_PE | CR0_PG;
    const both = () => [mem.ld(0x5000, 2, 0), mem.ld(0x6000, 2, 0), mem.codePhys(0x5000, 0) >>> 0, mem.codePhys(0x6000, 0) >>> 0];
    expect(both()).to.deep.equal([1, 2, 0x345000, 0x346000]);
    w32(cpu, pt + 5 * 4, 0x445000 | 0x163);         // both remapped; the TLB still has the old entries
    w32(cpu, pt + 6 * 4, 0x446000 | 0x063);
    expect(both()).to.deep.equal([1, 2, 0x345000, 0x346000]);
    movCr(3, pd);
    expect(both()).to.deep.equal([1, 4, 0x345000, 0x446000]); // the global page kept its entry
    mem.flushTlbPage(0x5000);
    expect(both()).to.deep.equal([3, 4, 0x445000, 0x446000]); // invlpg drops it
    w32(cpu, pt + 5 * 4, 0x345000 | 0x163);
    movCr(3, pd);
    expect(both()[0]).to.equal(3);
    movCr(4, 0); // PGE off flushes everything
    expect(both()).to.deep.equal([1, 4, 0x345000, 0x446000]);
    w32(cpu, pt + 5 * 4, 0x445000 | 0x163);
    movCr(3, pd); // without PGE a CR3 load flushes global pages too
    expect(both()[0]).to.equal(3);
  });
});
