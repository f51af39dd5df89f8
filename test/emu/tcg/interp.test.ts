// The interpreter's assembled code: each TB's code and frame are views of shared arenas, and
// must stay its own however many TBs are assembled after it.
import { expect } from 'chai';
import { assemble, GuestMemory, InterpCode, interpret } from '../../../src/emu/tcg/interp';
import { Cond, IrFunc, Opc } from '../../../src/emu/tcg/ir';

const noMem: GuestMemory = { ld: () => 0, st: () => undefined };

/** r0 = ((r0 + k) ^ k) * 3, through temps; exit 1 when the result is odd, else 0. */
function tb(k: number): IrFunc {
  const ir = new IrFunc([], ['r0']);
  const t = ir.add(0, ir.const(k));
  const u = ir.xor(t, ir.const(k));
  ir.mov(0, ir.binop(Opc.sub, ir.add(ir.add(u, u), u), ir.const(0)));
  const odd = ir.newLabel();
  ir.brcond(Cond.ne, ir.andi(0, 1), ir.const(0), odd);
  ir.exit(0);
  ir.setLabel(odd);
  ir.exit(1);
  return ir;
}
const expected = (r0: number, k: number): number => Math.imul(((r0 + k) | 0) ^ k, 3);

function runOn(code: InterpCode, r0: number): { r0: number; exit: number } {
  const s = Int32Array.from([r0]);
  const exit = interpret(code, s, noMem, [], null);
  return { r0: s[0], exit };
}

describe('IR interpreter: assembled code', () => {
  it('keeps every TB its own code and frame across many arenas', () => {
    // About 16 words per TB: 20,000 TBs fill several arenas of 64 K words.
    const codes: InterpCode[] = [];
    for (let k = 0; k < 20000; k++) codes.push(assemble(tb(k * 7919)));
    for (let k = 0; k < codes.length; k += 997) {
      for (const r0 of [0, 1, -5, 0x12345678]) {
        const want = expected(r0, k * 7919);
        expect(runOn(codes[k], r0)).to.deep.equal({ r0: want, exit: want & 1 });
      }
    }
    // A TB's frame (its temps) is not another's: run two in turns.
    const a = codes[3], b = codes[4];
    for (let i = 0; i < 3; i++) {
      expect(runOn(a, i).r0).to.equal(expected(i, 3 * 7919));
      expect(runOn(b, i).r0).to.equal(expected(i, 4 * 7919));
    }
  });

  it('assembles a TB larger than an arena in an array of its own', () => {
    const ir = new IrFunc([], ['r0']);
    let v = 0, want = 5;
    for (let i = 0; i < 20000; i++) { v = ir.add(i ? v : 0, ir.const(i)); want = (want + i) | 0; }
    ir.mov(0, v);
    ir.exit(2);
    const code = assemble(ir);
    expect(code.code.length).to.be.greaterThan(1 << 16);
    expect(runOn(code, 5)).to.deep.equal({ r0: want, exit: 2 });
    // And the TBs assembled after it still work.
    expect(runOn(assemble(tb(9)), 2).r0).to.equal(expected(2, 9));
  });
});
