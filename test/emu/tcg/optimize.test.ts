// The optimizer folds constants, propagates copies, removes dead code, and never changes
// what the IR computes: each case runs before and after optimization on the interpreter.
import { expect } from 'chai';
import { assemble, GuestMemory, interpret } from '../../../src/emu/tcg/interp';
import { CallFlags, Cond, HelperInfo, IrFunc, Opc } from '../../../src/emu/tcg/ir';
import { optimize, mulhu, mulhs } from '../../../src/emu/tcg/optimize';

const helpers: HelperInfo[] = [
  { name: 'pure_add', fn: (_c: unknown, a: number, b: number) => (a + b) | 0, flags: CallFlags.PURE, nargs: 2 },
  { name: 'side', fn: (c: { calls: number }) => { c.calls++; return 7; }, flags: 0, nargs: 0 },
  // Writes a global, as a helper that may touch the CPU state can.
  { name: 'clobber', fn: (c: { s: Int32Array }) => { c.s[1] = (Math.imul(c.s[1], 3) + 1) | 0; return 0; }, flags: 0, nargs: 0 },
];
const CLOBBER = 2;
const names = ['r0', 'r1', 'r2', 'r3'];
const noMem: GuestMemory = { ld: () => 0x11223344, st: () => undefined };

function run(f: IrFunc, init: number[]): { s: Int32Array; exit: number; calls: number } {
  const s = Int32Array.from(init);
  const ctx = { calls: 0, s };
  const exit = interpret(assemble(f), s, noMem, helpers, ctx);
  return { s, exit, calls: ctx.calls };
}

function build(fn: (ir: IrFunc) => void): IrFunc { const ir = new IrFunc(helpers, names); fn(ir); return ir; }

describe('tcg optimizer', () => {
  it('folds constant arithmetic into one move', () => {
    const f = build((ir) => { ir.mov(0, ir.add(ir.shli(ir.const(3), 4), ir.const(2))); ir.exit(0); });
    optimize(f);
    expect(f.ops.filter(o => o.op !== Opc.exit).map(o => o.op)).to.deep.equal([Opc.mov]);
    expect(run(f, [0, 0, 0, 0]).s[0]).to.equal(50);
  });

  it('removes dead temps and dead pure calls but keeps calls with side effects', () => {
    const f = build((ir) => {
      ir.add(0, 1);                                  // dead
      ir.call(0, [0, 1]);                            // pure, dead
      ir.call(1, [], false);                         // side effect
      ir.mov(2, ir.xor(1, 1));                       // x ^ x = 0
      ir.exit(0);
    });
    optimize(f);
    expect(f.ops.some(o => o.op === Opc.add)).to.equal(false);
    expect(f.ops.filter(o => o.op === Opc.call)).to.have.length(1);
    const r = run(f, [5, 6, 9, 0]);
    expect(r.calls).to.equal(1);
    expect(r.s[2]).to.equal(0);
  });

  it('keeps a global store that a later fault could observe', () => {
    const f = build((ir) => {
      ir.mov(0, ir.const(1));
      ir.ld(ir.const(0x1000), 2);                    // may fault: r0 = 1 must be visible then
      ir.mov(0, ir.const(2));
      ir.exit(0);
    });
    optimize(f);
    expect(f.ops.filter(o => o.op === Opc.mov && o.args[0] === 0)).to.have.length(2);
  });

  it('drops a global store overwritten before any exit or fault', () => {
    const f = build((ir) => { ir.mov(0, ir.const(1)); ir.mov(0, ir.add(1, 2)); ir.exit(0); });
    optimize(f);
    expect(f.ops.filter(o => o.op === Opc.mov && o.args[0] === 0 && f.constValue(o.args[1]) === 1)).to.have.length(0);
    expect(run(f, [0, 3, 4, 0]).s[0]).to.equal(7);
  });

  it('folds a branch on constants and keeps liveness exact across labels', () => {
    const f = build((ir) => {
      const l = ir.newLabel();
      const t = ir.add(1, 2);
      ir.brcond(Cond.eq, ir.const(1), ir.const(1), l);  // always taken
      ir.mov(0, ir.const(99));
      ir.setLabel(l);
      ir.mov(3, t);
      ir.exit(1);
    });
    optimize(f);
    const r = run(f, [0, 10, 20, 0]);
    expect(r.s[0]).to.equal(0);
    expect(r.s[3]).to.equal(30);
    expect(r.exit).to.equal(1);
  });

  it('preserves semantics on random op sequences (before/after on the interpreter)', () => {
    let seed = 12345;
    const rnd = () => { seed ^= seed << 13; seed ^= seed >>> 17; seed ^= seed << 5; return seed >>> 0; };
    const ops = [Opc.add, Opc.sub, Opc.mul, Opc.and, Opc.or, Opc.xor, Opc.shl, Opc.shr, Opc.sar, Opc.rotl, Opc.rotr, Opc.mulhu, Opc.mulhs];
    for (let n = 0; n < 300; n++) {
      const f = build((ir) => {
        const pool = [0, 1, 2, 3, ir.const(rnd() | 0), ir.const(rnd() % 33)];
        for (let i = 0; i < 12; i++) {
          const a = pool[rnd() % pool.length], b = pool[rnd() % pool.length];
          const op = ops[rnd() % ops.length];
          const bb = op >= Opc.shl && op <= Opc.rotr ? ir.andi(b, 31) : b;
          pool.push(ir.binop(op, a, bb));
        }
        ir.mov(0, pool[pool.length - 1]);
        ir.mov(1, pool[pool.length - 2]);
        ir.exit(0);
      });
      const init = [rnd() | 0, rnd() | 0, rnd() | 0, rnd() | 0];
      const before = run(f, init).s;
      optimize(f);
      const after = run(f, init).s;
      expect(Array.from(after)).to.deep.equal(Array.from(before));
    }
  });

  it('propagates a copy inside a block, but not past a redefinition of its source or a helper that writes globals', () => {
    const f = build((ir) => {
      const t = ir.copy(1);                          // t = r1
      ir.mov(2, ir.addi(t, 1));                      // reads r1 directly after propagation
      ir.mov(1, ir.addi(1, 5));                      // r1 changes: t keeps the old value
      ir.mov(3, t);
      const u = ir.copy(1);
      ir.call(CLOBBER, [], false);                   // writes r1: u keeps the value before
      ir.mov(0, u);
      ir.exit(0);
    });
    optimize(f);
    const r = run(f, [0, 10, 0, 0]);
    expect(Array.from(r.s)).to.deep.equal([15, 46, 11, 10]);
    const firstAdd = f.ops.find(o => o.op === Opc.add)!;
    expect(firstAdd.args[1]).to.equal(1); // the copy's source, not the temp
  });

  it('preserves semantics with copies, helper calls and branches (before/after on the interpreter)', () => {
    let seed = 777;
    const rnd = () => { seed ^= seed << 13; seed ^= seed >>> 17; seed ^= seed << 5; return seed >>> 0; };
    const ops = [Opc.add, Opc.sub, Opc.xor, Opc.and, Opc.or, Opc.mul];
    for (let n = 0; n < 400; n++) {
      const f = build((ir) => {
        const pool = [0, 1, 2, 3, ir.const(rnd() % 5), ir.const(rnd() | 0)];
        const pick = () => pool[rnd() % pool.length];
        for (let i = 0; i < 16; i++) {
          switch (rnd() % 6) {
            case 0: pool.push(ir.binop(ops[rnd() % ops.length], pick(), pick())); break;
            case 1: pool.push(ir.copy(pick())); break;
            case 2: ir.mov(rnd() % 4, pick()); break;
            case 3: ir.call(CLOBBER, [], false); break;
            case 4: {
              // A forward branch over stores to globals (temps defined inside would be undefined after).
              const l = ir.newLabel();
              ir.brcond([Cond.eq, Cond.ne, Cond.ltu, Cond.gt][rnd() % 4], pick(), pick(), l);
              for (let j = rnd() % 3; j >= 0; j--) {
                if (rnd() % 2) ir.mov(rnd() % 4, pick()); else ir.call(CLOBBER, [], false);
              }
              ir.setLabel(l);
              break;
            }
            default: pool.push(ir.binop(Opc.add, pick(), ir.const(1)));
          }
        }
        ir.mov(0, pool[pool.length - 1]);
        ir.exit(0);
      });
      const init = [rnd() | 0, rnd() % 7, rnd() | 0, rnd() | 0];
      const before = run(f, init);
      optimize(f);
      const after = run(f, init);
      expect(Array.from(after.s)).to.deep.equal(Array.from(before.s));
    }
  });

  it('computes the high half of 32x32 products exactly', () => {
    const cases: [number, number][] = [[-1, -1], [0x80000000 | 0, 2], [0x12345678, 0x9abcdef0 | 0], [7, -3], [0x7fffffff, 0x7fffffff]];
    for (const [a, b] of cases) {
      const p = BigInt.asUintN(64, BigInt(a >>> 0) * BigInt(b >>> 0));
      const ps = BigInt.asUintN(64, BigInt(a) * BigInt(b));
      expect(mulhu(a, b) >>> 0).to.equal(Number(p >> 32n));
      expect(mulhs(a, b) >>> 0).to.equal(Number(ps >> 32n));
    }
  });
});
