// Bit test and scan classes: bt/bts/btr/btc (register, immediate, memory with a register
// bit offset, 16-bit address wrap-around, lock) and bsf/bsr.
import { AF, CF, OF, PF, SF, ZF } from './flags';
import { Bits, EAX, EBP, EBX, ECX, EDI, EDX, ESI, HOT, memOperand, pickReg, regName } from './operands';
import { hex } from './prng';
import { Insn } from './sequence';
import { Ctx, GenFn, lockIf, mk, rm } from './gen-common';

export const bitTest: GenFn = (c) => {
  const op = c.r.pick(['bt', 'bts', 'btr', 'btc']);
  const bits: Bits = c.r.chance(0.6) ? 32 : 16;
  const form = c.r.pick(['rr', 'ri', 'mi', 'mr', 'mr']);
  // CF is the bit; OF SF AF PF are undefined; ZF is unaffected.
  const flags: Partial<Insn> = { defs: CF, undefs: OF | SF | AF | PF };
  const lock = op === 'bt' ? '' : lockIf(c, form[0] === 'm', 0.3);
  const bitImm = c.r.chance(0.7) ? c.r.int(bits) : c.r.int(256);
  if (form === 'rr') return mk('bit', [`${op} ${pickReg(c.r, bits, op !== 'bt')}, ${pickReg(c.r, bits, false)}`], flags);
  if (form === 'ri') return mk('bit', [`${op} ${pickReg(c.r, bits, op !== 'bt')}, ${bitImm}`], flags);
  if (form === 'mi') {
    const m = memOperand(c.r, bits / 8, { esp: c.esp });
    return mk('bit', [...m.prep, `${lock}${op} ${m.op}, ${bitImm}`], flags);
  }
  if (c.r.chance(0.15)) return bitWrap16(c, op, bits, lock, flags);
  // Memory with a register bit offset: the offset (signed) reaches bytes around the operand.
  const offReg = c.r.pick([EAX, ECX, EDX, EBX, EBP, ESI, EDI]);
  const off = c.r.range(-0x400, 0x400);
  const junk = bits === 16 && c.r.chance(0.5) ? c.r.int(0x10000) << 16 : 0;
  const m = memOperand(c.r, bits / 8, { esp: c.esp, avoid: new Set([offReg]), target: HOT + 0x80 });
  const prep = [`mov ${regName(offReg, 32)}, 0x${hex((junk | (off & (bits === 16 ? 0xffff : 0xffffffff))) >>> 0)}`];
  return mk('bit', [...prep, ...m.prep, `${lock}${op} ${m.op}, ${regName(offReg, bits)}`], flags);
};

/**
 * A 16-bit address (0x67) plus a register bit offset that crosses the 64 KiB boundary: the sum
 * wraps like the effective address itself (at 0 or at 0xffff, both inside the sandbox).
 */
function bitWrap16(c: Ctx, op: string, bits: Bits, lock: string, flags: Partial<Insn>): Insn {
  const low = c.r.chance(0.5);
  const ea = low ? c.r.range(0, 0x20) : c.r.range(0xffc0, 0xffe0);
  // Bits: below 0 from a low address, above 0xffff from a high one.
  const off = low ? -c.r.range(0x100, 0x200) : c.r.range(0x200, 0x300);
  const form = c.r.pick([['ebx', 'esi', 'bx+si'], ['ebx', 'edi', 'bx+di'], ['ebp', 'esi', 'bp+si']] as const);
  const base = c.r.int(0x10000);
  const offReg = c.r.pick(['eax', 'ecx', 'edx']);
  const r16 = (r: string): string => (bits === 16 ? r.slice(1) : r);
  const prep = [`mov ${form[0]}, 0x${hex(base)}`, `mov ${form[1]}, 0x${hex((ea - base) & 0xffff)}`, `mov ${offReg}, 0x${hex(off >>> 0)}`];
  return mk('bitwrap', [...prep, `${lock}${op} ${bits === 16 ? 'word' : 'dword'} [${form[2]}], ${r16(offReg)}`], flags);
}

export const bitScan: GenFn = (c) => {
  const bits: Bits = c.r.chance(0.6) ? 32 : 16;
  const s = rm(c, bits, false);
  // Only ZF is defined; a zero source leaves the destination unchanged on QEMU, AMD and Intel.
  return mk('bsx', [...s.prep, `${c.r.pick(['bsf', 'bsr'])} ${pickReg(c.r, bits, true)}, ${s.op}`], { defs: ZF, undefs: CF | OF | SF | AF | PF });
};
