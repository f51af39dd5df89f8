// MMX / SSE / SSE2 opcodes (0F xx with the mandatory prefixes none, 66, F3, F2): decode the
// ModRM operand and the immediate, then hand everything to the sse helper (sse.ts), which
// checks CR0/CR4, reads and writes the registers and memory, and raises the faults.
import { DisasContext, SZ16 } from './ctx';
import { R_EDI, SEG_DS } from './state';
import { sseDefined, sseOpcode } from './sse';

/** Opcodes that take an imm8 after ModRM. */
const HAS_IMM = new Set([0x70, 0x71, 0x72, 0x73, 0xc2, 0xc4, 0xc5, 0xc6]);
/** Comparisons into EFLAGS. */
const SETS_FLAGS = new Set([0x2e, 0x2f]);

/** Translate 0F `op` if it is an MMX/SSE opcode; false otherwise (the caller goes on). */
export function translateSse(c: DisasContext, op: number): boolean {
  if (!sseOpcode(op)) return false;
  const ir = c.ir;
  const p66 = (c.opsize === SZ16) === c.code32;
  const pfx = c.rep === 2 ? 3 : c.rep === 1 ? 2 : p66 ? 1 : 0;
  // A prefix the opcode does not take (SDM "NP" forms with 66/F2/F3): #UD, decoded as unknown.
  if (!sseDefined(pfx, op)) return false;
  let modrm = 0, addr = c.k(0);
  if (op !== 0x77) {
    const save = c.pc;
    const b = c.u8();
    c.pc = save;
    const m = c.modrm();
    modrm = b;
    if (m.mod !== 3) addr = m.addr;
  }
  if (op === 0xf7) { // maskmovq / maskmovdqu store to DS:(E)DI
    const ea = c.addr32 ? ir.copy(R_EDI) : ir.andi(R_EDI, 0xffff);
    addr = c.linear(c.segOverride >= 0 ? c.segOverride : SEG_DS, ea);
  }
  const imm = HAS_IMM.has(op) ? c.u8() : 0;
  c.nextEip = c.curOffset();
  c.helper('sse', [c.k(op | (pfx << 8) | (modrm << 10) | (imm << 18)), addr, c.k(c.eip)]);
  if (SETS_FLAGS.has(op)) c.ccUnknown();
  return true;
}
