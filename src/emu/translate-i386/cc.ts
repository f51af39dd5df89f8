// Lazy condition codes: the last flag-setting operation (cc_op) and its operands
// (cc_dst, cc_src, cc_src2); EFLAGS' arithmetic bits are computed only when read.
import { FLAG_CF, FLAG_OF, FLAG_PF, FLAG_SF, FLAG_ZF } from './state';

/** cc_op values: a family times 3 plus the operand size index (0 = byte, 1 = word, 2 = dword). */
export const enum CcOp {
  EFLAGS = 0,   // cc_src holds O/S/Z/A/P/C
  ADD = 1, ADC = 4, SUB = 7, SBB = 10, LOGIC = 13, INC = 16, DEC = 19, SHL = 22, SAR = 25, MUL = 28,
}
export const CC_OP_NAMES = ['EFLAGS', 'ADD', 'ADC', 'SUB', 'SBB', 'LOGIC', 'INC', 'DEC', 'SHL', 'SAR', 'MUL'];

export function ccOpName(op: number): string {
  if (op === 0) return 'EFLAGS';
  return CC_OP_NAMES[((op - 1) / 3 | 0) + 1] + 'BWL'[(op - 1) % 3];
}

const PARITY = new Uint8Array(256);
for (let i = 0; i < 256; i++) {
  let p = 1;
  for (let b = 0; b < 8; b++) p ^= (i >> b) & 1;
  PARITY[i] = p ? FLAG_PF : 0;
}

/** O/S/Z/A/P/C for a lazy state. Pure: the helper `cc_compute_all`. */
export function computeEflags(op: number, dst: number, src: number, src2: number): number {
  if (op === CcOp.EFLAGS) return src;
  const size = (op - 1) % 3;
  const family = op - size;
  const bits = 8 << size;
  const mask = size === 2 ? -1 : (1 << bits) - 1;
  const sign = 1 << (bits - 1);
  const d = dst & mask;
  let cf = 0, af = 0, of = 0;
  switch (family) {
    case CcOp.ADD: {
      const s1 = (dst - src) & mask;
      cf = (d >>> 0) < ((src & mask) >>> 0) ? 1 : 0;
      af = (dst ^ src ^ s1) & 0x10;
      of = ((s1 ^ src ^ -1) & (s1 ^ dst) & sign) ? FLAG_OF : 0;
      break;
    }
    case CcOp.ADC: {
      const s1 = (dst - src - src2) & mask;
      cf = (src2 ? (d >>> 0) <= ((src & mask) >>> 0) : (d >>> 0) < ((src & mask) >>> 0)) ? 1 : 0;
      af = (dst ^ src ^ s1) & 0x10;
      of = ((s1 ^ src ^ -1) & (s1 ^ dst) & sign) ? FLAG_OF : 0;
      break;
    }
    case CcOp.SUB: {
      const s1 = (dst + src) & mask;
      cf = (s1 >>> 0) < ((src & mask) >>> 0) ? 1 : 0;
      af = (dst ^ src ^ s1) & 0x10;
      of = ((s1 ^ src) & (s1 ^ dst) & sign) ? FLAG_OF : 0;
      break;
    }
    case CcOp.SBB: {
      const s1 = (dst + src + src2) & mask;
      cf = (src2 ? (s1 >>> 0) <= ((src & mask) >>> 0) : (s1 >>> 0) < ((src & mask) >>> 0)) ? 1 : 0;
      af = (dst ^ src ^ s1) & 0x10;
      of = ((s1 ^ src) & (s1 ^ dst) & sign) ? FLAG_OF : 0;
      break;
    }
    case CcOp.LOGIC: break;
    case CcOp.INC:
      cf = src & 1;
      af = (dst ^ (dst - 1) ^ 1) & 0x10;
      of = d === sign ? FLAG_OF : 0;
      break;
    case CcOp.DEC:
      cf = src & 1;
      af = (dst ^ (dst + 1) ^ 1) & 0x10;
      of = d === ((sign - 1) & mask) ? FLAG_OF : 0;
      break;
    case CcOp.SHL:
      cf = (src >>> (bits - 1)) & 1;
      of = (cf ^ ((dst >>> (bits - 1)) & 1)) ? FLAG_OF : 0;
      break;
    case CcOp.SAR:
      cf = src & 1;
      of = ((src ^ dst) & sign) ? FLAG_OF : 0;
      break;
    case CcOp.MUL:
      cf = src !== 0 ? 1 : 0;
      of = cf ? FLAG_OF : 0;
      break;
  }
  return cf | PARITY[dst & 0xff] | af | (d === 0 ? FLAG_ZF : 0) | (dst & sign ? FLAG_SF : 0) | of;
}

/** Just the carry flag (cheaper; used by adc/sbb/rcl/rcr and jb when cc_op is not known). */
export function computeCarry(op: number, dst: number, src: number, src2: number): number {
  return computeEflags(op, dst, src, src2) & FLAG_CF;
}

/** Evaluates x86 condition code `cc` (0..15, the low nibble of jcc) on full flags. */
export function testCondition(cc: number, f: number): number {
  let r: boolean;
  switch (cc >> 1) {
    case 0: r = (f & FLAG_OF) !== 0; break;
    case 1: r = (f & FLAG_CF) !== 0; break;
    case 2: r = (f & FLAG_ZF) !== 0; break;
    case 3: r = (f & (FLAG_CF | FLAG_ZF)) !== 0; break;
    case 4: r = (f & FLAG_SF) !== 0; break;
    case 5: r = (f & FLAG_PF) !== 0; break;
    case 6: r = ((f & FLAG_SF) !== 0) !== ((f & FLAG_OF) !== 0); break;
    default: r = (f & FLAG_ZF) !== 0 || (((f & FLAG_SF) !== 0) !== ((f & FLAG_OF) !== 0)); break;
  }
  return (r ? 1 : 0) ^ (cc & 1);
}

