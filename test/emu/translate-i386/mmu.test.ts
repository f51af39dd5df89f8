// Guest RAM above 2 GiB: physical addresses are int32 in the emulator, so they arrive
// negative there; every access path must still reach the right byte (Linux with -m 3584
// puts its high memory there).
import { expect } from 'chai';
import { Memory } from '../../../src/emu/translate-i386/mmu';

describe('Memory above 2 GiB', function () {
  this.timeout(20000);
  const mem = new Memory(0xa0000000); // 2.5 GiB
  const high = 0x90000ffe | 0; // negative as int32, 2 bytes before a page end

  it('physRead/physWrite of each size at a negative int32 address', () => {
    mem.physWrite(high, 1, 0x5a);
    expect(mem.m8[high >>> 0]).to.equal(0x5a);
    expect(mem.physRead(high, 1)).to.equal(0x5a);
    mem.physWrite(high - 2, 2, 0xbeef);
    expect(mem.physRead(high - 2, 2)).to.equal(0xbeef);
    mem.physWrite(high - 6, 4, 0x11223344);
    expect(mem.physRead(high - 6, 4)).to.equal(0x11223344);
    expect(mem.m8[(high - 6) >>> 0]).to.equal(0x44);
  });

  it('ld/st through the slow path, also across a page boundary', () => {
    // Without paging the translation is the identity (the default hooks).
    mem.st(high, 0x0a0b0c0d, 2, 0);
    expect(mem.ld(high, 2, 0)).to.equal(0x0a0b0c0d);
    expect([0, 1, 2, 3].map(i => mem.m8[(high >>> 0) + i])).to.deep.equal([0x0d, 0x0c, 0x0b, 0x0a]);
    mem.st(high + 4, 0x7788, 1, 0);
    expect(mem.ld(high + 4, 1, 0)).to.equal(0x7788);
  });

  it('beyond RAM reads as 0xff and writes are dropped', () => {
    expect(mem.physRead(0xa0000000 | 0, 1)).to.equal(0xff);
    mem.physWrite(0xa0000000 | 0, 4, 0);
    expect(mem.physRead(0xa0000000 | 0, 4)).to.equal(-1);
  });
});
