// The wasm dispatcher's protocol, with small wasm TBs that set EIP, count their calls and
// return a fixed exit code: where it goes on (links, jump cache, unit members) and where it
// must hand the last TB back to the exec loop (stop exits, budget, pending work, dead slots).
import { expect } from 'chai';
import { DISPATCH_SLOTS, DispatchLayout, tableIndex, WasmDispatcher } from '../../../src/emu/hostgen/wasm-dispatch';
import { ByteWriter, wasmModule } from '../../../src/emu/hostgen/wasm-writer';

const MEM = new WebAssembly.Memory({ initial: 512 }); // 32 MiB
const W32 = new Int32Array(MEM.buffer);
const STATE = 0x1000, CALLS = 0x2000, TLBX = 16 << 20, USER = 1 << 20;
const L: DispatchLayout = {
  eip: STATE, csBase: STATE + 4, hflags: STATE + 8, eflags: STATE + 12, extra: STATE + 16,
  pending: STATE + 20, slot: STATE + 24, tick: STATE + 28, chained: STATE + 32, tlbX: TLBX, userTlb: USER,
  area: 0x10000, areaBytes: (16 << 20) - 0x10000,
};
/** The fetch TLB entry of virtual page `v` (with USER for CPL 3): physical page `p`, or invalid. */
const setTlbX = (v: number, p: number | null) => { W32[(TLBX >> 2) + v] = p === null ? -1 : ((p ^ (v & (USER - 1))) << 12); };
const word = (addr: number) => W32[addr >> 2];
const setWord = (addr: number, v: number) => { W32[addr >> 2] = v; };

/** A TB `id`: sets EIP to `eip`, counts its call at CALLS + 4 * id, returns `exit`. */
function tb(id: number, eip: number, exit: number): unknown {
  const b = new ByteWriter();
  b.u32(0);
  const k = (v: number) => { b.byte(0x41); b.s32(v); };
  k(0); k(eip); b.byte(0x36); b.u32(2); b.u32(L.eip);
  k(0); k(0); b.byte(0x28); b.u32(2); b.u32(CALLS + 4 * id); k(1); b.byte(0x6a); b.byte(0x36); b.u32(2); b.u32(CALLS + 4 * id);
  k(exit); b.byte(0x0b);
  const types = new ByteWriter(); types.u32(1); types.bytes([0x60, 1, 0x7f, 1, 0x7f]);
  const imports = new ByteWriter(); imports.u32(1); imports.name('e'); imports.name('m'); imports.byte(2); imports.byte(0); imports.u32(0);
  const funcs = new ByteWriter(); funcs.u32(1); funcs.u32(0);
  const exports = new ByteWriter(); exports.u32(1); exports.name('f'); exports.byte(0); exports.u32(0);
  const code = new ByteWriter(); code.u32(1); code.sized(b);
  const inst = new WebAssembly.Instance(new WebAssembly.Module(wasmModule([[1, types], [2, imports], [3, funcs], [7, exports], [10, code]])), { e: { m: MEM } });
  return inst.exports.f;
}


describe('WasmDispatcher', () => {
  let d: WasmDispatcher;
  beforeEach(() => {
    W32.fill(0, STATE >> 2, (CALLS + 64) >> 2);
    d = new WasmDispatcher(MEM, L);
  });
  const calls = (id: number) => word(CALLS + 4 * id);

  it('follows direct links and stops at an exit the exec loop must see, counting what it passed', () => {
    const a = d.add(tb(0, 0x100, 0), 3), b = d.add(tb(1, 0x200, 1), 5), c = d.add(tb(2, 0x300, 3), 7);
    d.setLink(a, 0, b);
    d.setLink(b, 1, c);
    expect(d.run(a, 1000)).to.equal(3);
    expect(word(L.slot)).to.equal(c); // the exec loop goes on after c
    expect(word(L.extra)).to.equal(8); // a and b; c's count is the exec loop's to add
    expect(word(L.chained)).to.equal(2);
    expect([calls(0), calls(1), calls(2)]).to.deep.equal([1, 1, 1]);
  });

  it('stops where the budget ends, at an unlinked exit, and before an invalidated TB', () => {
    const a = d.add(tb(0, 0x100, 0), 3), b = d.add(tb(1, 0x200, 0), 5), c = d.add(tb(2, 0x300, 3), 7);
    d.setLink(a, 0, b);
    d.setLink(b, 0, c);
    expect(d.run(a, 8)).to.equal(0); // after a (3) only 5 are left: b would use them all
    expect(word(L.slot)).to.equal(b);
    expect(word(L.extra)).to.equal(3);
    setWord(L.extra, 0);
    d.invalidate(c);
    expect(d.run(a, 1000)).to.equal(0);
    expect(word(L.slot)).to.equal(b);
    expect(calls(2)).to.equal(0);
    setWord(L.extra, 0);
    d.setLink(b, 0, -1);
    expect(d.run(b, 1000)).to.equal(0);
    expect(word(L.extra)).to.equal(0);
  });

  it('hands back at once for an exit request, and for the interrupt line only while IF is set', () => {
    const a = d.add(tb(0, 0x100, 0), 1), b = d.add(tb(1, 0x200, 3), 1);
    d.setLink(a, 0, b);
    setWord(L.pending, 1);
    expect(d.run(a, 1000)).to.equal(0);
    expect(word(L.slot)).to.equal(a);
    setWord(L.pending, 2); // IF clear: the interrupt waits
    expect(d.run(a, 1000)).to.equal(3);
    expect(word(L.slot)).to.equal(b);
    setWord(L.eflags, 0x200);
    expect(d.run(a, 1000)).to.equal(0);
    expect(word(L.slot)).to.equal(a);
  });

  it('finds the target of an indirect exit through the fetch TLB (of the CPL) and its physical pc', () => {
    const a = d.add(tb(0, 0x4567, 2), 1), b = d.add(tb(1, 0x9000, 3), 1);
    setWord(L.csBase, 0x10000);
    setWord(L.hflags, 0x24); // CPL 0
    const pc = 0x10000 + 0x4567;
    setTlbX(0x14, 0x834);
    d.register(b, pc, 0x834567, 0x24, 0x10000);
    expect(d.run(a, 1000)).to.equal(3);
    expect(word(L.slot)).to.equal(b);
    setTlbX(0x14, 0x835); // the page maps elsewhere now: not that TB
    expect(d.run(a, 1000)).to.equal(2);
    expect(word(L.slot)).to.equal(a);
    setTlbX(0x14, null); // no fetch TLB entry: the exec loop looks up (and fills it)
    expect(d.run(a, 1000)).to.equal(2);
    setTlbX(0x14, 0x834);
    d.register(b, pc, 0x834567, 0x20, 0x10000); // other flags: not this TB
    expect(d.run(a, 1000)).to.equal(2);
    // CPL 3 uses the user half of the TLB.
    setWord(L.hflags, 0x23);
    d.register(b, pc, 0x834567, 0x23, 0x10000);
    expect(d.run(a, 1000)).to.equal(2);
    setTlbX(USER | 0x14, 0x834);
    expect(d.run(a, 1000)).to.equal(3);
    d.reset(); // a TB-cache flush forgets every TB
    expect(d.run(a, 1000)).to.equal(2);
    setTlbX(USER | 0x14, null);
    setTlbX(0x14, null);
  });

  it('keeps two TBs whose table entries meet; a third evicts the older', () => {
    setWord(L.csBase, 0);
    setWord(L.hflags, 0x24);
    // Virtual page v maps to physical page 0x800 + v; three pcs whose hashes pick the same pair of entries.
    const phys = (pc: number) => ((0x800 + (pc >>> 12)) << 12) | (pc & 0xfff);
    const pcs: number[] = [0x14000];
    for (let pc = 0x14001; pcs.length < 3; pc++) if (tableIndex(pc, phys(pc)) === tableIndex(pcs[0], phys(pcs[0]))) pcs.push(pc);
    for (const pc of pcs) setTlbX(pc >>> 12, 0x800 + (pc >>> 12));
    const targets = pcs.map((pc, i) => d.add(tb(1 + i, 0, 3), 1));
    const from = pcs.map((pc, i) => d.add(tb(10 + i, pc, 2), 1)); // each sets EIP to its pc and jumps there
    const reach = (i: number) => { setWord(L.extra, 0); return d.run(from[i], 1000) === 3 && word(L.slot) === targets[i]; };
    const register = (i: number) => d.register(targets[i], pcs[i], phys(pcs[i]), 0x24, 0);
    register(0);
    register(1);
    expect([reach(0), reach(1), reach(0), reach(1)]).to.deep.equal([true, true, true, true]);
    register(2);
    expect([reach(2), reach(1), reach(0)]).to.deep.equal([true, true, false]);
    register(1); // again: no duplicate, nothing evicted
    expect([reach(2), reach(1)]).to.deep.equal([true, true]);
    for (const pc of pcs) setTlbX(pc >>> 12, null);
  });

  it('enters a TB on two pages only while the fetch TLB maps its second page as at translation', () => {
    const a = d.add(tb(0, 0x100, 0), 1);
    // b's code goes on to virtual page 0x21 (user half), physical page 0x700 when translated.
    const page2 = USER | 0x21, entry = (0x700 ^ 0x21) << 12;
    const b = d.add(tb(1, 0x20ffe, 3), 2, page2, entry);
    d.setLink(a, 0, b);
    setTlbX(page2, 0x700);
    expect(d.run(a, 1000)).to.equal(3);
    expect(word(L.slot)).to.equal(b);
    expect(calls(1)).to.equal(1);
    setTlbX(page2, 0x701); // remapped: the exec loop decides (a new TB)
    expect(d.run(a, 1000)).to.equal(0);
    expect(word(L.slot)).to.equal(a);
    setTlbX(page2, null); // not in the TLB: the exec loop walks the page tables
    expect(d.run(a, 1000)).to.equal(0);
    setTlbX(0x21, 0x700); // the supervisor half does not count for a CPL-3 TB
    expect(d.run(a, 1000)).to.equal(0);
    expect(calls(1)).to.equal(1);
    setTlbX(page2, 0x700);
    d.invalidate(b); // invalid stays invalid, whatever the TLB says
    expect(d.run(a, 1000)).to.equal(0);
    expect(calls(1)).to.equal(1);
    setTlbX(page2, null);
    setTlbX(0x21, null);
  });

  it("maps a page unit's exit ~(member << 2 | exit) to the member's slot and its links", () => {
    const x = d.add(tb(0, 0x100, 3), 2), y = d.add(tb(1, 0x200, 3), 4), z = d.add(tb(2, 0x300, 3), 6);
    // The unit's code (in x's slot) leaves from member 1 (y) by exit 1; y's exit 1 links to z.
    d.setCode(x, tb(3, 0x180, ~((1 << 2) | 1)), d.unitMembers([x, y]));
    d.setLink(y, 1, z);
    setWord(L.extra, 10); // the unit's members before y, added by the unit
    expect(d.run(x, 1000)).to.equal(3);
    expect(word(L.slot)).to.equal(z);
    expect(word(L.extra)).to.equal(14); // 10 + y's 4
    expect(calls(3)).to.equal(1);
    expect(d.unitMembers([x, -1])).to.equal(-2); // a member without a slot: the exec loop maps
    d.setCode(x, tb(4, 0x180, ~((1 << 2) | 1)), -2);
    expect(d.run(x, 1000)).to.be.below(0);
    expect(word(L.slot)).to.equal(x);
  });

  it('returns for a unit tick every 512 dispatches of a TB', () => {
    const a = d.add(tb(0, 0x100, 0), 1);
    d.setLink(a, 0, a);
    expect(d.run(a, 1 << 30)).to.equal(0);
    expect(calls(0)).to.equal(512);
    expect(word(L.tick)).to.equal(1);
    expect(d.count(a)).to.equal(512);
  });

  it('says when it is full (no slot or no unit-member room left), and a reset empties it', () => {
    const f = tb(0, 0x100, 3);
    for (let i = 0; i < DISPATCH_SLOTS; i++) expect(d.add(f, 1)).to.equal(i);
    expect(d.full).to.equal(false);
    expect(d.add(f, 1)).to.equal(-1);
    expect(d.full).to.equal(true);
    expect(d.unitMembers([0, 1])).to.equal(-2);
    d.reset();
    expect(d.full).to.equal(false);
    expect(d.add(f, 1)).to.equal(0);
    const many = new Array(1 << 16).fill(0);
    for (let i = 0; i < 4; i++) expect(d.unitMembers(many)).to.equal(i << 16);
    expect(d.unitMembers([0])).to.equal(-2); // the member area is used up
    expect(d.full).to.equal(true);
  });
});
