// Integer instruction emitters: ALU, shifts and rotates, multiply/divide, bit operations.
import { Cond, Opc, Temp } from '../tcg/ir';
import { CcOp } from './cc';
import { DisasContext, ModRM, SZ16, SZ32, SZ8 } from './ctx';
import { FLAG_CF, FLAG_OF, R_EAX, R_EDX } from './state';

/** The eight ALU ops in opcode order (add or adc sbb and sub xor cmp). */
export const ALU_ADD = 0, ALU_OR = 1, ALU_ADC = 2, ALU_SBB = 3, ALU_AND = 4, ALU_SUB = 5, ALU_XOR = 6, ALU_CMP = 7;

/** a OP b with flags; returns the result (not written back). */
export function genAlu(c: DisasContext, op: number, size: number, a: Temp, b: Temp): Temp {
  const ir = c.ir;
  switch (op) {
    case ALU_ADD: { const r = ir.add(a, b); c.setCc(CcOp.ADD + size, r, b); return r; }
    case ALU_ADC: {
      const cf = c.carry();
      const r = ir.add(ir.add(a, b), cf);
      c.setCc(CcOp.ADC + size, r, b, cf);
      return r;
    }
    case ALU_SBB: {
      const cf = c.carry();
      const r = ir.sub(ir.sub(a, b), cf);
      c.setCc(CcOp.SBB + size, r, b, cf);
      return r;
    }
    case ALU_SUB: case ALU_CMP: { const r = ir.sub(a, b); c.setCc(CcOp.SUB + size, r, b); return r; }
    case ALU_AND: { const r = ir.and(a, b); c.setCc(CcOp.LOGIC + size, r); return r; }
    case ALU_OR: { const r = ir.or(a, b); c.setCc(CcOp.LOGIC + size, r); return r; }
    default: { const r = ir.xor(a, b); c.setCc(CcOp.LOGIC + size, r); return r; }
  }
}

/** ALU op on an E operand: dst = E, the result is stored unless cmp. */
export function genAluE(c: DisasContext, op: number, size: number, m: ModRM, b: Temp): void {
  const a = c.ldE(m, size);
  const r = genAlu(c, op, size, a, b);
  if (op !== ALU_CMP) c.stE(m, size, r);
}

export function genIncDec(c: DisasContext, size: number, m: ModRM | number, dec: boolean): void {
  const ir = c.ir;
  const a = typeof m === 'number' ? c.getReg(size, m) : c.ldE(m, size);
  const cf = c.carry();
  const r = dec ? ir.addi(a, -1) : ir.addi(a, 1);
  if (typeof m === 'number') c.setReg(size, m, r); else c.stE(m, size, r);
  c.setCc((dec ? CcOp.DEC : CcOp.INC) + size, r, cf);
}

/**
 * Group 2 shifts/rotates: op 0 rol, 1 ror, 2 rcl, 3 rcr, 4 shl, 5 shr, 6 sal(=shl), 7 sar.
 * `count` is a temp (CL) or a constant temp. A masked count of 0 changes nothing, flags included.
 */
export function genShift(c: DisasContext, op: number, size: number, m: ModRM, count: Temp, countConst?: number): void {
  const ir = c.ir;
  const bits = 8 << size;
  const a = c.ldE(m, size);
  if (op === 2 || op === 3) {
    const r = c.helper(op === 2 ? 'rcl' : 'rcr', [c.k(size), a, count], true);
    c.stE(m, size, r);
    c.ccUnknown();
    return;
  }
  const cnt = countConst !== undefined ? c.k(countConst & 31) : ir.andi(count, 31);
  if (countConst !== undefined && (countConst & 31) === 0) {
    c.stE(m, size, a); // still a write access, as hardware does
    return;
  }
  const skip = ir.newLabel();
  if (countConst === undefined) ir.brcond(Cond.eq, cnt, c.k(0), skip);
  const cm1 = ir.addi(cnt, -1);
  let r: Temp;
  switch (op) {
    case 0: case 1: {
      const sc = size === SZ32 ? cnt : ir.binop(Opc.and, cnt, c.k(bits - 1));
      const v = size === SZ32 ? a : size === SZ16 ? ir.andi(a, 0xffff) : ir.andi(a, 0xff);
      if (size === SZ32) r = ir.binop(op === 0 ? Opc.rotl : Opc.rotr, v, sc);
      else {
        const rs = ir.sub(c.k(bits), sc);
        r = op === 0 ? ir.or(ir.shl(v, sc), ir.shr(v, rs)) : ir.or(ir.shr(v, sc), ir.shl(v, rs));
        r = ir.andi(r, c.mask(size));
      }
      c.stE(m, size, r);
      // CF/OF only; the other flags keep their values.
      const f = ir.andi(c.eflagsCc(), ~(FLAG_CF | FLAG_OF));
      let cf: Temp, of: Temp;
      if (op === 0) {
        cf = ir.andi(r, 1);
        of = ir.xor(cf, ir.andi(ir.shri(r, bits - 1), 1));
      } else {
        cf = ir.andi(ir.shri(r, bits - 1), 1);
        of = ir.andi(ir.xor(cf, ir.shri(r, bits - 2)), 1);
      }
      c.setEflagsCc(ir.or(ir.or(f, cf), ir.shli(of, 11)));
      break;
    }
    case 4: case 6: {
      r = ir.shl(a, cnt);
      c.stE(m, size, r);
      c.setCc(CcOp.SHL + size, r, ir.shl(a, cm1));
      break;
    }
    case 5: {
      const v = size === SZ32 ? a : ir.andi(a, c.mask(size));
      r = ir.shr(v, cnt);
      c.stE(m, size, r);
      c.setCc(CcOp.SAR + size, r, ir.shr(v, cm1));
      break;
    }
    default: {
      const v = c.sext(a, size);
      r = ir.sar(v, cnt);
      c.stE(m, size, r);
      c.setCc(CcOp.SAR + size, r, ir.sar(v, cm1));
    }
  }
  ir.setLabel(skip);
  if (countConst === undefined) c.ccUnknown();
}

export function genShiftDouble(c: DisasContext, left: boolean, size: number, m: ModRM, count: Temp): void {
  const a = c.ldE(m, size);
  const b = c.getReg(size, m.reg);
  const r = c.helper(left ? 'shld' : 'shrd', [c.k(size), a, b, count], true);
  c.stE(m, size, r);
  c.ccUnknown();
}

/** Group 3 mul/imul/div/idiv with the implicit accumulator. */
export function genMulDiv(c: DisasContext, op: number, size: number, m: ModRM): void {
  const ir = c.ir;
  const v = c.ldE(m, size);
  if (op >= 6) {
    const name = (op === 6 ? 'div' : 'idiv') + ['b', 'w', 'l'][size];
    c.helper(name, [v, c.k(c.eip)]);
    return;
  }
  const signed = op === 5;
  if (size === SZ32) {
    const lo = ir.binop(Opc.mul, R_EAX, v);
    const hi = ir.binop(signed ? Opc.mulhs : Opc.mulhu, R_EAX, v);
    ir.mov(R_EDX, hi);
    ir.mov(R_EAX, lo);
    c.setCc(CcOp.MUL + size, lo, signed ? ir.sub(hi, ir.sari(lo, 31)) : hi);
    return;
  }
  const a = signed ? c.sext(c.getReg(size, R_EAX), size) : c.getReg(size, R_EAX);
  const b = signed ? c.sext(v, size) : v;
  const r = ir.binop(Opc.mul, a, b);
  if (size === SZ8) {
    c.setReg(SZ16, R_EAX, r);
    c.setCc(CcOp.MUL + SZ8, r, signed ? ir.sub(r, ir.unop(Opc.ext8s, r)) : ir.shri(r, 8));
  } else {
    c.setReg(SZ16, R_EAX, r);
    c.setReg(SZ16, R_EDX, ir.shri(r, 16));
    c.setCc(CcOp.MUL + SZ16, r, signed ? ir.sub(r, ir.unop(Opc.ext16s, r)) : ir.shri(r, 16));
  }
}

/** imul r, r/m(, imm): two- and three-operand forms. */
export function genImul(c: DisasContext, size: number, dstReg: number, a: Temp, b: Temp): void {
  const ir = c.ir;
  if (size === SZ32) {
    const lo = ir.binop(Opc.mul, a, b);
    const hi = ir.binop(Opc.mulhs, a, b);
    c.setReg(size, dstReg, lo);
    c.setCc(CcOp.MUL + size, lo, ir.sub(hi, ir.sari(lo, 31)));
  } else {
    const r = ir.binop(Opc.mul, c.sext(a, SZ16), c.sext(b, SZ16));
    c.setReg(size, dstReg, r);
    c.setCc(CcOp.MUL + size, r, ir.sub(r, ir.unop(Opc.ext16s, r)));
  }
}

/** bt/bts/btr/btc: op 0 bt, 1 bts, 2 btr, 3 btc. Register bit offsets address memory beyond the operand. */
export function genBt(c: DisasContext, op: number, size: number, m: ModRM, bitTemp: Temp, fromReg: boolean): void {
  const ir = c.ir;
  const bits = 8 << size;
  let addr = m.addr;
  let bit = ir.andi(bitTemp, bits - 1);
  if (m.mod !== 3 && fromReg) {
    // Signed bit offset: the operand address moves by (offset >> log2(bits)) * bytes.
    const off = c.sext(bitTemp, size);
    const delta = ir.shli(ir.sari(off, size === SZ32 ? 5 : 4), size === SZ32 ? 2 : 1);
    // The offset is part of the effective address: with 16-bit addressing it wraps at 64 KiB.
    addr = c.addr32 || m.seg === undefined ? ir.add(addr, delta) : c.linear(m.seg, ir.andi(ir.add(m.ea, delta), 0xffff));
    bit = ir.andi(off, bits - 1);
  }
  const mm: ModRM = { ...m, addr };
  const v = c.ldE(mm, size);
  const cf = ir.andi(ir.shr(v, bit), 1);
  const f = ir.andi(c.eflagsCc(), ~FLAG_CF);
  if (op !== 0) {
    const mask = ir.shl(c.k(1), bit);
    const r = op === 1 ? ir.or(v, mask) : op === 2 ? ir.and(v, ir.unop(Opc.not, mask)) : ir.xor(v, mask);
    c.stE(mm, size, r);
  }
  c.setEflagsCc(ir.or(f, cf));
}

/** bsf/bsr: ZF=1 and the destination unchanged when the source is zero. */
export function genBitScan(c: DisasContext, reverse: boolean, size: number, m: ModRM): void {
  const v = c.ldE(m, size);
  const r = c.helper(reverse ? 'bsr' : 'bsf', [v, c.getReg(size, m.reg)], true);
  c.setReg(size, m.reg, r);
  c.ccUnknown();
}

