// Data movement and conditional classes: mov, movzx/movsx, xchg/xadd/cmpxchg/cmpxchg8b,
// setcc/cmovcc, lea, bswap, conversions, nop, xlat.
import { ARITH, CONDS, ZF } from './flags';
import { Bits, EAX, EBX, ECX, EDX, HOT, imm, memOperand, parent, pickReg, regName } from './operands';
import { edge, hex } from './prng';
import { GenFn, lockIf, mk, pickBits, rm } from './gen-common';

export const movExtend: GenFn = (c) => {
  const op = c.r.pick(['movzx', 'movsx']);
  const [db, sb] = c.r.pick<[Bits, Bits]>([[32, 8], [32, 16], [16, 8]]);
  const s = rm(c, sb, false);
  return mk('movx', [...s.prep, `${op} ${pickReg(c.r, db, true)}, ${s.op}`]);
};

export const mov: GenFn = (c) => {
  const bits = pickBits(c.r);
  const k = c.r.int(4);
  if (k === 0) return mk('mov', [`mov ${pickReg(c.r, bits, true)}, ${imm(c.r, bits)}`]);
  if (k === 1) {
    const m = memOperand(c.r, bits / 8, { esp: c.esp });
    return mk('mov', [...m.prep, `mov ${m.op}, ${imm(c.r, bits)}`]);
  }
  const m = memOperand(c.r, bits / 8, { esp: c.esp });
  // The accumulator with an absolute address is the moffs form (A0-A3).
  const reg = c.r.chance(0.3) ? regName(EAX, bits) : pickReg(c.r, bits, k === 2);
  return mk('mov', [...m.prep, k === 2 ? `mov ${reg}, ${m.op}` : `mov ${m.op}, ${reg}`]);
};

export const xchg: GenFn = (c) => {
  const bits = pickBits(c.r);
  const a = pickReg(c.r, bits, true);
  if (c.r.chance(0.5)) return mk('xchg', [`xchg ${a}, ${pickReg(c.r, bits, true)}`]);
  const m = memOperand(c.r, bits / 8, { esp: c.esp, avoid: new Set([parent(a)]) });
  return mk('xchg', [...m.prep, `${lockIf(c, true, 0.3)}xchg ${m.op}, ${a}`]);
};

export const xadd: GenFn = (c) => {
  const bits = pickBits(c.r);
  const s = pickReg(c.r, bits, true);
  const d = rm(c, bits, true, { avoid: new Set([parent(s)]) });
  return mk('xadd', [...d.prep, `${lockIf(c, d.mem)}xadd ${d.op}, ${s}`], { defs: ARITH });
};

export const cmpxchg: GenFn = (c) => {
  const bits = pickBits(c.r);
  const acc = regName(EAX, bits);
  const d = rm(c, bits, true, { avoid: new Set([EAX]) });
  // Half the time the accumulator is loaded from the destination, so that the exchange happens.
  const hit = c.r.chance(0.5) ? [`mov ${acc}, ${d.op}`] : [];
  return mk('cmpxchg', [...d.prep, ...hit, `${lockIf(c, d.mem)}cmpxchg ${d.op}, ${pickReg(c.r, bits, false)}`], { defs: ARITH });
};

export const cmpxchg8b: GenFn = (c) => {
  const m = memOperand(c.r, 8, { esp: c.esp, avoid: new Set([EAX, ECX, EDX, EBX]) });
  const bare = m.bare.replace('[', '').replace(']', '');
  const hit = c.r.chance(0.5) ? [`mov dword [${bare}], eax`, `mov dword [${bare}+4], edx`] : [];
  // Only ZF changes. QEMU 7.2 computes the other flags from a stale lazy-flags state (its helper
  // runs without syncing cc_op) unless a jump ended its translation block just before.
  return mk('cmpxchg8b', [...m.prep, ...hit, 'jmp short $+2', `${lockIf(c, true, 0.4)}cmpxchg8b qword ${m.bare}`], { defs: ZF });
};

export const setcc: GenFn = (c) => {
  const [cc, reads] = c.r.pick(CONDS);
  const d = rm(c, 8, true);
  return mk('setcc', [...d.prep, `set${cc} ${d.op}`], { reads });
};

export const cmovcc: GenFn = (c) => {
  const [cc, reads] = c.r.pick(CONDS);
  const bits = pickBits(c.r, false);
  const s = rm(c, bits, false);
  return mk('cmov', [...s.prep, `cmov${cc} ${pickReg(c.r, bits, true)}, ${s.op}`], { reads });
};

export const lea: GenFn = (c) => {
  // No memory access: any registers and displacements, 16-bit addressing, 16-bit destination.
  const bits: Bits = c.r.chance(0.8) ? 32 : 16;
  const d = pickReg(c.r, bits, true);
  let addr: string;
  if (c.r.chance(0.2)) {
    const f = c.r.pick(['bx+si', 'bx+di', 'bp+si', 'bp+di', 'si', 'di', 'bp', 'bx']);
    addr = `${f}+0x${c.r.int(0x8000).toString(16)}`;
  } else {
    const base = c.r.chance(0.85) ? c.r.pick(['eax', 'ecx', 'edx', 'ebx', 'esp', 'ebp', 'esi', 'edi']) : '';
    const idx = c.r.chance(0.5) ? `${c.r.pick(['eax', 'ecx', 'edx', 'ebx', 'ebp', 'esi', 'edi'])}*${c.r.pick([1, 2, 4, 8])}` : '';
    const disp = c.r.chance(0.3) ? 0 : edge(c.r, 32) | 0;
    const parts = [base, idx].filter((x) => x);
    const ds = disp < 0 ? `-0x${(-disp >>> 0).toString(16)}` : `+0x${disp.toString(16)}`;
    addr = parts.length ? parts.join('+') + (disp ? ds : '') : `0x${hex(disp)}`;
    if (!base && idx && c.r.chance(0.5)) addr = 'nosplit ' + addr;
  }
  return mk('lea', [`lea ${d}, [${addr}]`]);
};

export const bswap: GenFn = (c) => mk('bswap', [`bswap ${pickReg(c.r, 32, true)}`]);

export const convert: GenFn = (c) => mk('conv', [c.r.pick(['cbw', 'cwde', 'cwd', 'cdq'])]);

export const nop: GenFn = (c) => {
  if (c.r.chance(0.5)) return mk('nop', ['nop']);
  // The multi-byte NOP (0F 1F /0) with a memory operand it never accesses.
  const m = memOperand(c.r, 4, { esp: c.esp });
  return mk('nop', [...m.prep, `nop ${m.op}`]);
};

export const xlat: GenFn = (c) => {
  const seg = c.r.chance(0.2) ? c.r.pick(['es ', 'ss ', 'fs ']) : '';
  return mk('xlat', [`mov ebx, 0x${hex(HOT - 0x80 + c.r.int(0x100))}`, `${seg}xlatb`]);
};
