// Where a TB ends near the end of a page (QEMU's rule): only its first instruction may go on
// to the next page; a later one that would is left for the next TB, which this TB's exit
// links to directly (same page). Instructions that fit before the page end stay in the TB.
import { expect } from 'chai';
import { Opc } from '../../../src/emu/tcg/ir';
import { translateTb } from '../../../src/emu/translate-i386/translate';
import { EIP, HF_CS32, HF_PE, HF_PG, HF_SS32 } from '../../../src/emu/translate-i386/state';

const PAGE = 0x1000;
const FLAGS = HF_CS32 | HF_SS32 | HF_PE | HF_PG;

/** Code bytes at linear addresses; reading the second page (0x2000...) is counted. */
function memory(bytes: Record<number, number[]>): { fetch: (a: number) => number; page2Reads: () => number } {
  const m = new Map<number, number>();
  for (const [at, bs] of Object.entries(bytes)) bs.forEach((b, i) => m.set(Number(at) + i, b));
  let reads = 0;
  return {
    fetch: (a) => { if (a >>> 12 !== PAGE >>> 12) reads++; return m.get(a) ?? 0x90; },
    page2Reads: () => reads,
  };
}

function tb(fetch: (a: number) => number, eip: number) {
  const r = translateTb(fetch, 0, eip, FLAGS, 512);
  const exits = r.ir.ops.filter(o => o.op === Opc.exit).map(o => o.args[0]);
  const eipStores = r.ir.ops.filter(o => o.op === Opc.mov && o.args[0] === EIP).map(o => r.ir.constValue(o.args[1]));
  return { icount: r.icount, endPc: r.endPc, exits, eipStores };
}

describe('TB bounds at the end of a page', () => {
  // 0x1ff0: mov %ecx,%eax; shr %eax; add %edx,%eax; inc %eax; dec %eax; nop;
  // 0x1ff9: mov 0xc1a16804(,%eax,4),%ecx (7 bytes: ends exactly at the page end)
  const upToEnd = { 0x1ff0: [0x89, 0xc8, 0xd1, 0xe8, 0x01, 0xd0, 0x40, 0x48, 0x90, 0x8b, 0x0c, 0x85, 0x04, 0x68, 0xa1, 0xc1] };

  it('keeps every instruction that fits on the page, then goes to the next page through a lookup', () => {
    const mem = memory(upToEnd);
    const r = tb(mem.fetch, 0x1ff0);
    expect(r.icount).to.equal(7);
    expect(r.endPc).to.equal(0x2000);
    expect(r.exits).to.deep.equal([2]); // another page: never a direct link
    expect(r.eipStores).to.deep.equal([0x2000]);
    expect(mem.page2Reads()).to.equal(0);
  });

  it('ends before a later instruction that would cross, with a direct link to it', () => {
    // 0x1ff8: four nops; 0x1ffc: mov $0x44332211,%eax crosses into the next page
    const mem = memory({ 0x1ff8: [0x90, 0x90, 0x90, 0x90, 0xb8, 0x11, 0x22, 0x33], 0x2000: [0x44] });
    const r = tb(mem.fetch, 0x1ff8);
    expect(r.icount).to.equal(4);
    expect(r.endPc).to.equal(0x1ffc);
    expect(r.exits).to.deep.equal([0]);
    expect(r.eipStores).to.deep.equal([0x1ffc]);
    // Deciding so reads nothing of the next page (which may not be mapped).
    expect(mem.page2Reads()).to.equal(0);
  });

  it('lets a first instruction cross, alone in its TB', () => {
    // 0x1ffc: mov $0x44332211,%eax (crosses); 0x2001: nop
    const mem = memory({ 0x1ffc: [0xb8, 0x11, 0x22, 0x33], 0x2000: [0x44, 0x90] });
    const r = tb(mem.fetch, 0x1ffc);
    expect(r.icount).to.equal(1);
    expect(r.endPc).to.equal(0x2001);
    expect(r.exits).to.deep.equal([2]);
    expect(mem.page2Reads()).to.equal(1);
  });

  it('a TB that starts on a page ends before the next page, whatever its length', () => {
    const mem = memory({});
    const r = tb(mem.fetch, 0x1000); // nops to the page end, fewer than the IR limit
    expect(r.endPc).to.be.at.most(0x2000);
    expect(r.exits).to.have.length(1);
    expect(mem.page2Reads()).to.equal(0);
  });
});
