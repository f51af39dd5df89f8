// Regions of a page unit: how a unit is cut into functions (wasm-region.ts), and that a region's
// function computes what its members run one at a time compute: state, instruction count, exit.
import { expect } from 'chai';
import { REGION_MAX_NODES, REGION_MAX_OPS, RegionNode, unitRegions } from '../../../src/emu/hostgen/wasm-region';
import { WasmBackend, WasmMember } from '../../../src/emu/hostgen/wasmgen';
import { assemble, interpret } from '../../../src/emu/tcg/interp';
import { Cond, HelperInfo, IrFunc, MemOp, Opc } from '../../../src/emu/tcg/ir';
import { EIP, EXTRA_INSNS, MEM_RESTART } from '../../../src/emu/translate-i386/state';
import { X86Cpu } from '../../../src/emu/translate-i386/cpu';
import { Memory } from '../../../src/emu/translate-i386/mmu';

const node = (a: number, b = -1, ops = 10): RegionNode => ({ next: [a, b], ops });

/** The invariants every partition keeps (see unitRegions). */
function checkPartition(unit: RegionNode[], regions: number[][]): void {
  const owners = unit.map(() => 0);
  regions.forEach((r, i) => {
    expect(r[0], `member ${i}'s function starts with it`).to.equal(i);
    if (r.length > 1) r.forEach(m => owners[m]++);
    expect(r.length).to.be.at.most(REGION_MAX_NODES);
    expect(r.reduce((n, m) => n + unit[m].ops, 0)).to.be.at.most(Math.max(REGION_MAX_OPS, unit[i].ops));
    const pos = new Map(r.map((m, p) => [m, p]));
    r.forEach((m, p) => {
      if (p > 0) {
        // Every predecessor in the unit is an earlier node of the region: one entry, the root.
        unit.forEach((u, q) => { if (q !== m && u.next.includes(m)) expect(pos.get(q), `pred ${q} of ${m}`).to.be.below(p); });
      }
      // Edges inside the region go forward, or back to the root (a loop), or to the node itself
      // (a tail call to its own function, which loops).
      for (const s of unit[m].next) if (s >= 0 && pos.has(s) && s !== r[0] && s !== m) expect(pos.get(s)).to.be.above(p);
    });
  });
  regions.forEach((r, i) => { if (r.length === 1) expect(owners[i], `member ${i} in at most one region`).to.be.at.most(1); });
  owners.forEach(o => expect(o).to.be.at.most(1));
}

describe('unitRegions: a page unit cut into single-entry regions', () => {
  it('takes a diamond and the loop around it into one region, in a topological order', () => {
    const unit = [node(1, 2), node(3), node(3), node(0, 4), node(-1), node(4)];
    const r = unitRegions(unit);
    expect(r[0]).to.have.members([0, 1, 2, 3]);
    expect(r[0].indexOf(3)).to.be.above(Math.max(r[0].indexOf(1), r[0].indexOf(2)));
    // Member 4 is also reached from member 5, outside the region: it is a region of its own.
    expect(r[4]).to.deep.equal([4]);
    checkPartition(unit, r);
  });

  it('leaves out a member with a predecessor outside the region, until that predecessor is in', () => {
    const unit = [node(1), node(-1), node(1)];
    expect(unitRegions(unit)).to.deep.equal([[0], [1], [2]]);
    const joined = [node(2, 1), node(2), node(-1)];
    expect(unitRegions(joined)[0]).to.deep.equal([0, 1, 2]);
  });

  it('stops at its caps of nodes and of IR ops', () => {
    const chain = Array.from({ length: 60 }, (_, i) => node(i + 1 < 60 ? i + 1 : -1, -1, 1));
    const r = unitRegions(chain);
    expect(r[0].length).to.equal(REGION_MAX_NODES);
    checkPartition(chain, r);
    const big = Array.from({ length: 10 }, (_, i) => node(i + 1 < 10 ? i + 1 : -1, -1, REGION_MAX_OPS / 4));
    expect(unitRegions(big)[0].length).to.equal(4);
  });

  it('keeps its invariants on random unit graphs', () => {
    let seed = 12345;
    const rnd = (n: number) => { seed = (Math.imul(seed, 1103515245) + 12345) >>> 0; return (seed >>> 8) % n; };
    for (let t = 0; t < 300; t++) {
      const n = 1 + rnd(40);
      const unit = Array.from({ length: n }, () => node(rnd(4) ? rnd(n) : -1, rnd(2) ? rnd(n) : -1, 1 + rnd(120)));
      checkPartition(unit, unitRegions(unit));
    }
  });
});

describe('a region function = its members run one at a time', () => {
  const A = 20, B = 21, C = 22, D = 23;
  /**
   * One instruction each, exits as in the diamond test above; member 3 loops to 0 (with `loop`,
   * else it leaves) or goes to 4, shared with 5. Member 2 calls a helper that reads the
   * instruction clock, as rdtsc does.
   */
  function members(missExit: boolean, loop: boolean, helpers: HelperInfo[]): WasmMember[] {
    const f = (eip: number, build: (f: IrFunc) => void): IrFunc => { const g = new IrFunc(helpers, []); g.insnStart(eip); build(g); return g; };
    const branch = (g: IrFunc, cond: Cond, a: number, b: number) => { const l = g.newLabel(); g.brcond(cond, a, b, l); g.exit(0); g.setLabel(l); g.exit(1); };
    const m0 = f(0x1000, g => { g.emit(Opc.add, B, B, A); branch(g, Cond.ne, g.binop(Opc.and, A, g.const(1)), g.const(0)); });
    // The access first, as the translator orders an instruction's accesses before its register writes.
    const m1 = f(0x1010, g => { g.emit(Opc.ld, D, g.const(0x400), MemOp.U32); g.emit(Opc.add, C, C, g.const(3)); g.exit(0); });
    const m2 = f(0x1020, g => { g.call(0, [], false); g.emit(Opc.xor, D, D, A); g.exit(0); });
    const m3 = f(0x1030, g => { g.emit(Opc.sub, A, A, g.const(1)); branch(g, Cond.eq, A, g.const(0)); });
    const m4 = f(0x1040, g => { g.emit(Opc.add, B, B, g.const(100)); g.exit(0); });
    const m5 = f(0x1050, g => { g.exit(0); });
    return [{ ir: m0, next: [1, 2] }, { ir: m1, next: [3, -1] }, { ir: m2, next: [3, -1] }, { ir: m3, next: [loop ? 0 : -1, 4] }, { ir: m4, next: [-1, -1] }, { ir: m5, next: [4, -1] }]
      .map(m => ({ ...m, next: m.next as [number, number], missExit }));
  }

  /**
   * The reference: each member on the IR interpreter, going on while the budget leaves room; the
   * extra word holds the instructions completed before the TB that runs (what the clock reads).
   */
  function oneAtATime(unit: WasmMember[], start: number, left: number, s: Int32Array, mem: Memory, cpu: X86Cpu): number {
    const code = unit.map(m => assemble(m.ir));
    let cur = start, done = 0;
    for (;;) {
      if (unit[cur].missExit && cur === 1 && mem.tlbR[0] === -1) {
        // Left before member 1's load: EIP at it, nothing of it done, the restart word set.
        s[EXTRA_INSNS] = done - 1; s[EIP] = 0x1010; s[MEM_RESTART] = 1;
        return ~((cur << 2) | 3);
      }
      s[EXTRA_INSNS] = done;
      const exit = interpret(code[cur], s, mem, unit[cur].ir.helpers, cpu);
      const to = exit < 2 ? unit[cur].next[exit] : -1;
      if (to < 0 || done + 1 >= left) { s[EXTRA_INSNS] = done; return ~((cur << 2) | exit); }
      done++;
      cur = to;
    }
  }

  for (const [missExit, loop] of [[false, true], [true, true], [false, false]]) it(`gives the same registers, instruction count, clock readings and exit, for every start, input and budget (${loop ? 'a loop' : 'no loop'}${missExit ? ', leaving before a TLB miss' : ''})`, () => {
    const mem = new Memory(1 << 16);
    const cpu = new X86Cpu(mem, { in: () => 0, out: () => undefined });
    // The clock the helper reads: instructions counted (the backend's `count`) and the extra word.
    const clock = { counted: 0 };
    const reads: number[] = [];
    const helpers: HelperInfo[] = [{ name: 'read_clock', fn: () => { reads.push(clock.counted + cpu.s[EXTRA_INSNS]); }, flags: 0, nargs: 0 }];
    const wasm = new WasmBackend({
      memory: mem.wasm!, layout: mem.layout, ldSlow: (a, m, e) => mem.ld(a, m, e), stSlow: (a, v, m, e) => mem.st(a, v, m, e),
      helpers, ctx: cpu, count: (n) => { clock.counted += n; },
    });
    const unit = members(missExit, loop, helpers);
    expect(unitRegions(unit.map(m => ({ next: m.next, ops: m.ir.ops.length })))[0], 'member 0 heads a region of four').to.have.length(4);
    const fns = wasm.compile([{ members: unit, tlbBase: 0 }])[0];
    const s = cpu.s;
    for (const tlb of [0, -1]) {
      for (const start of [0, 1, 3, 5]) {
        for (const a of [1, 2, 5, 12]) {
          for (const left of [1, 2, 3, 4, 7, 10, 1000]) {
            const run = (go: () => number): number[] => {
              s.fill(0);
              reads.length = 0;
              clock.counted = 0;
              mem.tlbR[0] = tlb; // with and without the load's fast path
              mem.m32[0x100] = 77 + a;
              s[A] = a; s[B] = 5; s[C] = 0; s[D] = 0x55;
              const exit = go();
              return [exit, s[A], s[B], s[C], s[D], clock.counted + s[EXTRA_INSNS], s[EIP], s[MEM_RESTART], ...reads];
            };
            const want = run(() => oneAtATime(unit, start, left, s, mem, cpu));
            const got = run(() => fns[start](left));
            expect(got, `tlb ${tlb} start ${start} a=${a} left=${left}`).to.deep.equal(want);
          }
        }
      }
    }
  });
});
