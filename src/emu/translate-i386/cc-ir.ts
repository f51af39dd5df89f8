// computeEflags (cc.ts) as IR, so that the wasm backend can compile it into a wasm function
// instead of calling JavaScript for it (see HelperInfo.body). Same arithmetic, step for step.
import { Cond, IrFunc, Opc, Temp } from '../tcg/ir';
import { CcOp } from './cc';
import { FLAG_OF, FLAG_PF, FLAG_SF, FLAG_ZF } from './state';

/** The helper `cc_compute_all(op, dst, src, src2)` in IR. */
export function ccComputeAllIr(): { f: IrFunc; result: Temp } {
  const f = new IrFunc([], []);
  const [op, dst, src, src2] = [f.newTemp(), f.newTemp(), f.newTemp(), f.newTemp()];
  const k = (v: number) => f.const(v);
  const res = f.newTemp();
  const done = f.newLabel();
  f.mov(res, src);
  f.brcond(Cond.eq, op, k(CcOp.EFLAGS), done);
  // op = 1 + family * 3 + size; (op - 1) / 3 by multiplication (op < 3 * 2^14).
  const o1 = f.addi(op, -1);
  const family = f.shri(f.binop(Opc.mul, o1, k(21846)), 16);
  const size = f.sub(o1, f.binop(Opc.mul, family, k(3)));
  const bits = f.shl(k(8), size);
  const mask = f.shr(k(-1), f.sub(k(32), bits));
  const sign = f.shl(k(1), f.addi(bits, -1));
  const d = f.and(dst, mask);
  const srcM = f.and(src, mask);
  const cf = f.newTemp(), af = f.newTemp(), of = f.newTemp();
  f.mov(cf, k(0)); f.mov(af, k(0)); f.mov(of, k(0));
  const flagIf = (x: Temp, flag: number) => f.shli(f.setcond(Cond.ne, x, k(0)), Math.log2(flag));
  const tail = f.newLabel();
  // One case per family: `when(n, body)` runs body when family === n, then goes to the tail.
  const when = (n: number, body: () => void) => {
    const next = f.newLabel();
    f.brcond(Cond.ne, family, k(n), next);
    body();
    f.br(tail);
    f.setLabel(next);
  };
  const arith = (s1: Temp, add: boolean) => {
    f.mov(af, f.andi(f.xor(f.xor(dst, src), s1), 0x10));
    const a = add ? f.xor(f.xor(s1, src), k(-1)) : f.xor(s1, src);
    f.mov(of, flagIf(f.and(f.and(a, f.xor(s1, dst)), sign), FLAG_OF));
  };
  // ADD/ADC/SUB/SBB: s1 is the first operand, recovered from the result; CF compares the result
  // (add) or s1 (sub) with the second operand, "or equal" when a carry came in.
  for (const [op, add, carry] of [[CcOp.ADD, true, false], [CcOp.ADC, true, true], [CcOp.SUB, false, false], [CcOp.SBB, false, true]] as const) {
    when((op - 1) / 3, () => {
      let s1 = add ? f.sub(dst, src) : f.add(dst, src);
      if (carry) s1 = add ? f.sub(s1, src2) : f.add(s1, src2);
      s1 = f.and(s1, mask);
      const x = add ? d : s1;
      const below = f.setcond(Cond.ltu, x, srcM);
      f.mov(cf, carry ? f.movcond(Cond.ne, src2, k(0), f.setcond(Cond.leu, x, srcM), below) : below);
      arith(s1, add);
    });
  }
  when((CcOp.INC - 1) / 3, () => {
    f.mov(cf, f.andi(src, 1));
    f.mov(af, f.andi(f.xor(f.xor(dst, f.addi(dst, -1)), k(1)), 0x10));
    f.mov(of, f.shli(f.setcond(Cond.eq, d, sign), Math.log2(FLAG_OF)));
  });
  when((CcOp.DEC - 1) / 3, () => {
    f.mov(cf, f.andi(src, 1));
    f.mov(af, f.andi(f.xor(f.xor(dst, f.addi(dst, 1)), k(1)), 0x10));
    f.mov(of, f.shli(f.setcond(Cond.eq, d, f.and(f.addi(sign, -1), mask)), Math.log2(FLAG_OF)));
  });
  when((CcOp.SHL - 1) / 3, () => {
    const top = f.addi(bits, -1);
    f.mov(cf, f.andi(f.shr(src, top), 1));
    f.mov(of, flagIf(f.xor(cf, f.andi(f.shr(dst, top), 1)), FLAG_OF));
  });
  when((CcOp.SAR - 1) / 3, () => {
    f.mov(cf, f.andi(src, 1));
    f.mov(of, flagIf(f.and(f.xor(src, dst), sign), FLAG_OF));
  });
  when((CcOp.MUL - 1) / 3, () => {
    f.mov(cf, f.setcond(Cond.ne, src, k(0)));
    f.mov(of, f.shli(cf, Math.log2(FLAG_OF)));
  });
  // LOGIC (and anything else): C, A and O stay 0.
  f.setLabel(tail);
  // PF: even parity of the low byte.
  let x = f.andi(dst, 0xff);
  x = f.xor(x, f.shri(x, 4));
  x = f.xor(x, f.shri(x, 2));
  x = f.xor(x, f.shri(x, 1));
  const pf = f.shli(f.xor(f.andi(x, 1), k(1)), Math.log2(FLAG_PF));
  const zf = f.shli(f.setcond(Cond.eq, d, k(0)), Math.log2(FLAG_ZF));
  const sf = flagIf(f.and(dst, sign), FLAG_SF);
  f.mov(res, f.or(f.or(f.or(cf, pf), f.or(af, zf)), f.or(sf, of)));
  f.setLabel(done);
  return { f, result: res };
}
