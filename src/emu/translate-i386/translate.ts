// x86 -> IR: the translator loop (QEMU's translator_loop with i386_tr_* hooks).
import { Cond, IrFunc, Opc, Temp } from '../tcg/ir';
import { CcOp } from './cc';
import { DecodeStop, Disas, DisasContext, SZ16, SZ32, SZ8 } from './ctx';
import { translateTwoByte } from './ops-0f';
import { ALU_CMP, genAlu, genAluE, genIncDec, genMulDiv, genShift, genImul } from './ops-int';
import { H, HELPERS, STR_CMPS, STR_INS, STR_LODS, STR_MOVS, STR_OUTS, STR_SCAS, STR_STOS } from './helpers';
import { EFLAGS, FLAG_DF, globalNames, HF_INHIBIT_IRQ, HF_TF, R_EAX, R_EBP, R_EBX, R_ECX, R_EDI, R_EDX, R_ESI, R_ESP, SEG_CS, SEG_DS, SEG_ES, SEG_FS, SEG_GS, SEG_SEL, SEG_SS, FLAG_CF, EIP } from './state';
import { EXC_UD, EXC_BP } from './seg';

export const MAX_INSNS = 128;
const GLOBAL_NAMES = globalNames();

export interface TranslateResult {
  ir: IrFunc;
  /** Linear address just past the last byte translated. */
  endPc: number;
  icount: number;
  insnEips: number[];
  /** IR ops before the optimizer (for the statistics). */
  opsBefore: number;
}

/** Translate a TB starting at cs_base + eip. `fetch` reads code bytes by linear address. */
export function translateTb(fetch: (linear: number) => number, csBase: number, eip: number, flags: number, maxInsns: number): TranslateResult {
  const ir = new IrFunc(HELPERS, GLOBAL_NAMES);
  const startPage = ((csBase + eip) | 0) >>> 12;
  // As QEMU's: only a TB's first instruction may go on to the next page (its fetch may fault,
  // which is that instruction's fault). A later one that would is left for the next TB.
  const fetchInTb = (linear: number): number => {
    if (c.numInsns > 0 && linear >>> 12 !== startPage) throw new DecodeStop('page');
    return fetch(linear);
  };
  const c: DisasContext = new DisasContext(ir, fetchInTb, csBase, eip, flags, maxInsns === 1);
  for (;;) {
    const insnPc = c.pc;
    c.eip = c.curOffset();
    const opsBefore = ir.ops.length;
    const ccBefore = c.ccOp, loopSlotsBefore = ir.loopSlots;
    ir.insnStart(c.eip);
    try {
      translateInsn(c);
    } catch (e) {
      if (!(e instanceof DecodeStop)) throw e;
      if (e.kind === 'page' && c.numInsns > 0) {
        // The instruction goes on to the next page, or must start a TB: end before it, with
        // a direct link (it starts on this TB's page).
        ir.ops.length = opsBefore;
        ir.loopSlots = loopSlotsBefore;
        c.pc = insnPc;
        c.ccOp = ccBefore;
        c.isJmp = Disas.NEXT;
        c.nextEip = c.eip;
        c.gotoTb(0, c.eip);
        break;
      }
      ir.ops.length = opsBefore + 1;
      c.nextEip = c.curOffset();
      if (e.kind === 'gp') c.raise(13, 0); else c.raise(EXC_UD);
    }
    c.numInsns++;
    c.insnEips.push(c.eip);
    if (c.isJmp !== Disas.NEXT) break;
    // TF or an interrupt shadow: one instruction per TB so the loop sees each boundary.
    if ((flags & (HF_TF | HF_INHIBIT_IRQ)) || c.numInsns >= maxInsns) {
      c.gotoTb(2, c.nextEip);
      break;
    }
    if (ir.ops.length > 1500) {
      c.gotoTb(0, c.nextEip);
      break;
    }
  }
  return { ir, endPc: c.pc, icount: c.numInsns, insnEips: c.insnEips, opsBefore: ir.ops.length };
}

function parsePrefixes(c: DisasContext): number {
  c.opsize = c.code32 ? SZ32 : SZ16;
  c.addr32 = c.code32;
  c.segOverride = -1;
  c.rep = 0;
  c.lock = false;
  for (let n = 0; n < 15; n++) {
    const b = c.u8();
    switch (b) {
      case 0x66: c.opsize = c.code32 ? SZ16 : SZ32; break;
      case 0x67: c.addr32 = !c.code32; break;
      case 0x26: c.segOverride = SEG_ES; break;
      case 0x2e: c.segOverride = SEG_CS; break;
      case 0x36: c.segOverride = SEG_SS; break;
      case 0x3e: c.segOverride = SEG_DS; break;
      case 0x64: c.segOverride = SEG_FS; break;
      case 0x65: c.segOverride = SEG_GS; break;
      case 0xf0: c.lock = true; break;
      case 0xf2: c.rep = 2; break;
      case 0xf3: c.rep = 1; break;
      default: return b;
    }
  }
  throw new DecodeStop('gp');
}

/** Byte-size bit of an opcode: 0 = 8-bit operand, 1 = operand size. */
function sizeOf(c: DisasContext, op: number): number { return op & 1 ? c.opsize : SZ8; }

function translateInsn(c: DisasContext): void {
  const ir = c.ir;
  const op = parsePrefixes(c);
  const setNext = () => { c.nextEip = c.curOffset(); };
  if (c.lock && !lockAllowed(c, op)) throw new DecodeStop('ud');
  if (op === 0x0f) { translateTwoByte(c, c.u8()); return; }
  switch (op) {
    // ALU: 00-3F pattern (op>>3 = alu op; low 3 bits = form)
    case 0x00: case 0x01: case 0x02: case 0x03: case 0x04: case 0x05:
    case 0x08: case 0x09: case 0x0a: case 0x0b: case 0x0c: case 0x0d:
    case 0x10: case 0x11: case 0x12: case 0x13: case 0x14: case 0x15:
    case 0x18: case 0x19: case 0x1a: case 0x1b: case 0x1c: case 0x1d:
    case 0x20: case 0x21: case 0x22: case 0x23: case 0x24: case 0x25:
    case 0x28: case 0x29: case 0x2a: case 0x2b: case 0x2c: case 0x2d:
    case 0x30: case 0x31: case 0x32: case 0x33: case 0x34: case 0x35:
    case 0x38: case 0x39: case 0x3a: case 0x3b: case 0x3c: case 0x3d: {
      const alu = op >> 3, form = op & 7, size = sizeOf(c, op);
      if (form < 2) {
        const m = c.modrm();
        // xor/sub r,r zeroing idiom: the values are known without reading.
        genAluE(c, alu, size, m, c.getReg(size, m.reg));
      } else if (form < 4) {
        const m = c.modrm();
        const b = c.ldE(m, size);
        const r = genAlu(c, alu, size, c.getReg(size, m.reg), b);
        if (alu !== ALU_CMP) c.setReg(size, m.reg, r);
      } else {
        const imm = c.k(c.imm(size));
        const r = genAlu(c, alu, size, c.getReg(size, R_EAX), imm);
        if (alu !== ALU_CMP) c.setReg(size, R_EAX, r);
      }
      setNext();
      return;
    }
    case 0x06: case 0x0e: case 0x16: case 0x1e: setNext(); c.push(ir.copy(SEG_SEL + (op >> 3))); return;
    case 0x07: case 0x17: case 0x1f: {
      setNext();
      const v = c.peek();
      c.helper('load_seg', [c.k(op >> 3), v, c.k(c.eip)]);
      c.popAdjust(1 << c.opsize);
      if (op === 0x17) c.helper('set_inhibit_irq', []);
      c.gotoTb(2, c.nextEip); c.isJmp = Disas.JUMP;
      return;
    }
    case 0x27: setNext(); c.helper('daa', []); c.ccUnknown(); return;
    case 0x2f: setNext(); c.helper('das', []); c.ccUnknown(); return;
    case 0x37: setNext(); c.helper('aaa', []); c.ccUnknown(); return;
    case 0x3f: setNext(); c.helper('aas', []); c.ccUnknown(); return;
    case 0x26: case 0x2e: case 0x36: case 0x3e: throw new DecodeStop('ud');
  }
  if (op >= 0x40 && op <= 0x4f) { setNext(); genIncDec(c, c.opsize, op & 7, op >= 0x48); return; }
  if (op >= 0x50 && op <= 0x57) {
    setNext();
    c.push(c.getReg(c.opsize, op & 7));
    return;
  }
  if (op >= 0x58 && op <= 0x5f) {
    setNext();
    const v = c.peek();
    c.popAdjust(1 << c.opsize);
    c.setReg(c.opsize, op & 7, v);
    return;
  }
  if (op >= 0x70 && op <= 0x7f) {
    const d = c.s8();
    setNext();
    genJcc(c, op & 0xf, (c.nextEip + d) | 0);
    return;
  }
  if (op >= 0x91 && op <= 0x97) {
    setNext();
    const r = op & 7, sz = c.opsize;
    const a = c.getReg(sz, R_EAX), b = c.getReg(sz, r);
    c.setReg(sz, R_EAX, b); c.setReg(sz, r, a);
    return;
  }
  if (op >= 0xb0 && op <= 0xb7) { const v = c.u8(); setNext(); c.setReg(SZ8, op & 7, c.k(v)); return; }
  if (op >= 0xb8 && op <= 0xbf) { const v = c.imm(c.opsize); setNext(); c.setReg(c.opsize, op & 7, c.k(v)); return; }
  if (op >= 0xd8 && op <= 0xdf) { translateFpu(c, op); return; }

  switch (op) {
    case 0x60: { // pusha
      setNext();
      const sz = c.opsize, n = 1 << sz;
      const sp0 = ir.copy(R_ESP);
      for (let r = 0; r < 8; r++) {
        const v = r === R_ESP ? (sz === SZ32 ? sp0 : ir.andi(sp0, 0xffff)) : c.getReg(sz, r);
        storeStack(c, ir.addi(sp0, -n * (r + 1)), v, sz);
      }
      setSpTo(c, ir.addi(sp0, -n * 8));
      return;
    }
    case 0x61: { // popa
      setNext();
      const sz = c.opsize, n = 1 << sz;
      const vals: Temp[] = [];
      for (let r = 7; r >= 0; r--) vals[r] = c.peek(sz, n * (7 - r));
      for (let r = 0; r < 8; r++) if (r !== R_ESP) c.setReg(sz, r, vals[r]);
      c.popAdjust(n * 8);
      return;
    }
    case 0x62: { // bound
      const m = c.modrm();
      setNext();
      if (m.mod === 3) throw new DecodeStop('ud');
      c.helper('bound', [c.getReg(c.opsize, m.reg), m.addr, c.k(c.opsize === SZ32 ? 4 : 2), c.k(c.eip)]);
      return;
    }
    case 0x63: { // arpl
      const m = c.modrm();
      setNext();
      const r = c.helper('arpl', [c.ldE(m, SZ16), c.getReg(SZ16, m.reg)], true);
      c.stE(m, SZ16, r);
      c.ccUnknown();
      return;
    }
    case 0x68: { const v = c.imm(c.opsize); setNext(); c.push(c.k(v)); return; }
    case 0x6a: { const v = c.s8(); setNext(); c.push(c.k(v)); return; }
    case 0x69: case 0x6b: {
      const m = c.modrm();
      const a = c.ldE(m, c.opsize);
      const imm = op === 0x6b ? c.s8() : c.simm(c.opsize);
      setNext();
      genImul(c, c.opsize, m.reg, a, c.k(imm));
      return;
    }
    case 0x6c: case 0x6d: case 0x6e: case 0x6f: case 0xa4: case 0xa5: case 0xa6: case 0xa7:
    case 0xaa: case 0xab: case 0xac: case 0xad: case 0xae: case 0xaf:
      genString(c, op);
      return;
    case 0x80: case 0x81: case 0x82: case 0x83: {
      const size = op === 0x81 || op === 0x83 ? c.opsize : SZ8;
      const m = c.modrm();
      const imm = op === 0x81 ? c.imm(size) : c.s8();
      setNext();
      genAluE(c, m.reg, size, m, c.k(imm));
      return;
    }
    case 0x84: case 0x85: {
      const size = sizeOf(c, op), m = c.modrm();
      setNext();
      const r = ir.and(c.ldE(m, size), c.getReg(size, m.reg));
      c.setCc(CcOp.LOGIC + size, r);
      return;
    }
    case 0x86: case 0x87: {
      const size = sizeOf(c, op), m = c.modrm();
      setNext();
      const a = c.ldE(m, size), b = c.getReg(size, m.reg);
      c.stE(m, size, b);
      c.setReg(size, m.reg, a);
      return;
    }
    case 0x88: case 0x89: { const size = sizeOf(c, op), m = c.modrm(); setNext(); c.stE(m, size, c.getReg(size, m.reg)); return; }
    case 0x8a: case 0x8b: { const size = sizeOf(c, op), m = c.modrm(); setNext(); c.setReg(size, m.reg, c.ldE(m, size)); return; }
    case 0x8c: { // mov r/m16, sreg
      const m = c.modrm(); setNext();
      if (m.reg > 5) throw new DecodeStop('ud');
      if (m.mod === 3) c.setReg(c.opsize, m.rm, ir.copy(SEG_SEL + m.reg)); else c.st(m.addr, SEG_SEL + m.reg, SZ16);
      return;
    }
    case 0x8d: { // lea
      const m = c.modrm(); setNext();
      if (m.mod === 3) throw new DecodeStop('ud');
      c.setReg(c.opsize, m.reg, m.ea);
      return;
    }
    case 0x8e: { // mov sreg, r/m16
      const m = c.modrm(); setNext();
      if (m.reg === SEG_CS || m.reg > 5) throw new DecodeStop('ud');
      c.helper('load_seg', [c.k(m.reg), c.ldE(m, SZ16), c.k(c.eip)]);
      if (m.reg === SEG_SS) c.helper('set_inhibit_irq', []);
      c.gotoTb(2, c.nextEip); c.isJmp = Disas.JUMP;
      return;
    }
    case 0x8f: { // pop r/m
      const m0 = c.pc;
      const peekM = c.modrm();
      setNext();
      const v = c.peek();
      if (peekM.mod === 3) { c.popAdjust(1 << c.opsize); c.setReg(c.opsize, peekM.rm, v); return; }
      // The address is computed with ESP already incremented: re-decode after the adjustment.
      const spSaved = ir.copy(R_ESP);
      c.popAdjust(1 << c.opsize);
      c.pc = m0;
      const m = c.modrm();
      ir.mov(R_ESP, spSaved);
      c.st(m.addr, v, c.opsize);
      c.popAdjust(1 << c.opsize);
      return;
    }
    case 0x90: setNext(); if (c.rep === 1) { /* pause */ } return;
    case 0x98: setNext(); if (c.opsize === SZ32) ir.mov(R_EAX, ir.unop(Opc.ext16s, R_EAX)); else c.setReg(SZ16, R_EAX, ir.unop(Opc.ext8s, R_EAX)); return;
    case 0x99: setNext(); if (c.opsize === SZ32) ir.mov(R_EDX, ir.sari(R_EAX, 31)); else c.setReg(SZ16, R_EDX, ir.sari(ir.unop(Opc.ext16s, R_EAX), 15)); return;
    case 0x9a: { // lcall ptr16:16/32
      const off = c.imm(c.opsize), sel = c.u16(); setNext();
      c.helper('lcall', [c.k(sel), c.k(off), c.k(c.nextEip), c.k(1 << c.opsize), c.k(c.eip)]);
      c.ir.exit(3); c.isJmp = Disas.NORETURN;
      return;
    }
    case 0x9b: setNext(); c.helper('fwait', [c.k(c.eip)]); return;
    case 0x9c: { // pushf
      setNext();
      const f = c.helper('pushf_value', [], true);
      c.push(f);
      return;
    }
    case 0x9d: { // popf
      setNext();
      const v = c.peek();
      c.helper('popf', [v, c.k(1 << c.opsize), c.k(c.eip)]);
      c.popAdjust(1 << c.opsize);
      c.ccUnknown();
      c.gotoTb(2, c.nextEip); c.isJmp = Disas.JUMP;
      return;
    }
    case 0x9e: { // sahf
      setNext();
      const f = ir.andi(c.eflagsCc(), 0x800);
      c.setEflagsCc(ir.or(f, ir.andi(ir.shri(R_EAX, 8), 0xd5)));
      return;
    }
    case 0x9f: { // lahf
      setNext();
      const f = ir.or(ir.andi(c.eflagsCc(), 0xd5), c.k(2));
      ir.mov(R_EAX, ir.or(ir.andi(R_EAX, ~0xff00), ir.shli(f, 8)));
      return;
    }
    case 0xa0: case 0xa1: case 0xa2: case 0xa3: { // mov moffs
      const size = sizeOf(c, op);
      const off = c.addr32 ? c.u32() : c.u16();
      setNext();
      const addr = c.linear(c.segOverride >= 0 ? c.segOverride : SEG_DS, c.k(off));
      if (op < 0xa2) c.setReg(size, R_EAX, c.ld(addr, size)); else c.st(addr, c.getReg(size, R_EAX), size);
      return;
    }
    case 0xa8: case 0xa9: {
      const size = sizeOf(c, op), v = c.imm(size); setNext();
      c.setCc(CcOp.LOGIC + size, ir.andi(c.getReg(size, R_EAX), v));
      return;
    }
    case 0xc0: case 0xc1: case 0xd0: case 0xd1: case 0xd2: case 0xd3: {
      const size = sizeOf(c, op), m = c.modrm();
      if (op <= 0xc1) { const n = c.u8(); setNext(); genShift(c, m.reg, size, m, c.k(n & 31), n); }
      else if (op <= 0xd1) { setNext(); genShift(c, m.reg, size, m, c.k(1), 1); }
      else { setNext(); genShift(c, m.reg, size, m, ir.andi(R_ECX, 0xff)); }
      return;
    }
    case 0xc2: case 0xc3: { // ret (imm16)
      const imm = op === 0xc2 ? c.u16() : 0; setNext();
      const v = c.peek();
      c.popAdjust((1 << c.opsize) + imm);
      c.jumpIndirect(c.opsize === SZ16 ? ir.andi(v, 0xffff) : v);
      c.isJmp = Disas.JUMP;
      return;
    }
    case 0xc4: case 0xc5: { // les / lds
      const m = c.modrm(); setNext();
      if (m.mod === 3) throw new DecodeStop('ud');
      genLoadFarPointer(c, op === 0xc4 ? SEG_ES : SEG_DS, m.reg, m.addr);
      return;
    }
    case 0xc6: case 0xc7: {
      const size = sizeOf(c, op), m = c.modrm();
      if (m.reg !== 0) throw new DecodeStop('ud'); // only /0 is mov (hardware; QEMU accepts any)
      const v = c.imm(size); setNext();
      c.stE(m, size, c.k(v));
      return;
    }
    case 0xc8: { // enter
      const frame = c.u16(), level = c.u8() & 31; setNext();
      genEnter(c, frame, level);
      return;
    }
    case 0xc9: { // leave
      setNext();
      const sp = c.ss32 ? ir.copy(R_EBP) : ir.or(ir.andi(R_ESP, ~0xffff), ir.andi(R_EBP, 0xffff));
      const v = c.ld(c.linear(SEG_SS, c.ss32 ? sp : ir.andi(sp, 0xffff)), c.opsize);
      ir.mov(R_ESP, sp);
      c.popAdjust(1 << c.opsize);
      c.setReg(c.opsize, R_EBP, v);
      return;
    }
    case 0xca: case 0xcb: { // lret
      const imm = op === 0xca ? c.u16() : 0; setNext();
      c.helper('lret', [c.k(1 << c.opsize), c.k(imm), c.k(c.eip)]);
      c.ir.exit(3); c.isJmp = Disas.NORETURN; c.ccUnknown();
      return;
    }
    case 0xcc: setNext(); c.helper('raise_soft', [c.k(EXC_BP), c.k(c.nextEip), c.k(c.eip)]); c.ir.exit(3); c.isJmp = Disas.NORETURN; return;
    case 0xcd: { const v = c.u8(); setNext(); c.helper('raise_soft', [c.k(v), c.k(c.nextEip), c.k(c.eip)]); c.ir.exit(3); c.isJmp = Disas.NORETURN; return; }
    case 0xce: setNext(); c.helper('into', [c.k(c.nextEip), c.k(c.eip)]); return;
    case 0xcf: setNext(); c.helper('iret', [c.k(1 << c.opsize), c.k(c.nextEip), c.k(c.eip)]); c.ir.exit(3); c.isJmp = Disas.NORETURN; c.ccUnknown(); return;
    case 0xd4: { const b = c.u8(); setNext(); c.helper('aam', [c.k(b), c.k(c.eip)]); c.ccUnknown(); return; }
    case 0xd5: { const b = c.u8(); setNext(); c.helper('aad', [c.k(b)]); c.ccUnknown(); return; }
    case 0xd6: { // salc (undocumented)
      setNext();
      const cf = c.carry();
      ir.mov(R_EAX, ir.or(ir.andi(R_EAX, ~0xff), ir.andi(ir.unop(Opc.neg, cf), 0xff)));
      return;
    }
    case 0xd7: { // xlat
      setNext();
      const base = c.addr32 ? R_EBX : ir.andi(R_EBX, 0xffff);
      const ea0 = ir.add(base, ir.andi(R_EAX, 0xff));
      const ea = c.addr32 ? ea0 : ir.andi(ea0, 0xffff);
      const v = c.ld(c.linear(c.segOverride >= 0 ? c.segOverride : SEG_DS, ea), SZ8);
      c.setReg(SZ8, R_EAX, v);
      return;
    }
    case 0xe0: case 0xe1: case 0xe2: case 0xe3: { // loopne loope loop jecxz
      const d = c.s8(); setNext();
      const target = c.opsize === SZ16 ? (c.nextEip + d) & 0xffff : (c.nextEip + d) | 0;
      const cnt = c.addr32 ? R_ECX : SZ16;
      void cnt;
      const taken = ir.newLabel();
      if (op === 0xe3) {
        const v = c.addr32 ? ir.copy(R_ECX) : ir.andi(R_ECX, 0xffff);
        ir.brcond(Cond.eq, v, c.k(0), taken);
      } else {
        let v: Temp;
        if (c.addr32) { v = ir.addi(R_ECX, -1); ir.mov(R_ECX, v); }
        else { v = ir.andi(ir.addi(R_ECX, -1), 0xffff); c.setReg(SZ16, R_ECX, v); }
        if (op === 0xe2) ir.brcond(Cond.ne, v, c.k(0), taken);
        else {
          const z = c.condValue(4); // ZF
          const want = op === 0xe1 ? 1 : 0;
          const notTaken = ir.newLabel();
          ir.brcond(Cond.eq, v, c.k(0), notTaken);
          ir.brcond(Cond.eq, z, c.k(want), taken);
          ir.setLabel(notTaken);
        }
      }
      c.gotoTb(1, c.nextEip);
      ir.setLabel(taken);
      c.gotoTb(0, target);
      c.isJmp = Disas.JUMP;
      return;
    }
    case 0xe4: case 0xe5: { const port = c.u8(); setNext(); genIn(c, sizeOf(c, op), c.k(port)); return; }
    case 0xe6: case 0xe7: { const port = c.u8(); setNext(); genOut(c, sizeOf(c, op), c.k(port)); return; }
    case 0xec: case 0xed: setNext(); genIn(c, sizeOf(c, op), ir.andi(R_EDX, 0xffff)); return;
    case 0xee: case 0xef: setNext(); genOut(c, sizeOf(c, op), ir.andi(R_EDX, 0xffff)); return;
    case 0xe8: { // call rel
      const d = c.simm(c.opsize); setNext();
      const target = c.opsize === SZ16 ? (c.nextEip + d) & 0xffff : (c.nextEip + d) | 0;
      c.push(c.k(c.nextEip));
      c.gotoTb(0, target);
      c.isJmp = Disas.JUMP;
      return;
    }
    case 0xe9: case 0xeb: { // jmp rel
      const d = op === 0xeb ? c.s8() : c.simm(c.opsize); setNext();
      const target = c.opsize === SZ16 ? (c.nextEip + d) & 0xffff : (c.nextEip + d) | 0;
      c.gotoTb(0, target);
      c.isJmp = Disas.JUMP;
      return;
    }
    case 0xea: { // ljmp ptr
      const off = c.imm(c.opsize), sel = c.u16(); setNext();
      c.helper('ljmp', [c.k(sel), c.k(off), c.k(c.nextEip), c.k(c.eip)]);
      c.ir.exit(3); c.isJmp = Disas.NORETURN;
      return;
    }
    // int1/icebp: a #DB trap without the gate DPL check (unlike int 1).
    case 0xf1: setNext(); c.helper('icebp', [c.k(c.nextEip)]); c.ir.exit(3); c.isJmp = Disas.NORETURN; return;
    case 0xf4: setNext(); c.helper('hlt', [c.k(c.eip)]); c.endToLoop(); return;
    case 0xf5: setNext(); c.setEflagsCc(ir.xor(c.eflagsCc(), c.k(FLAG_CF))); return;
    case 0xf6: case 0xf7: {
      const size = sizeOf(c, op), m = c.modrm();
      if (m.reg < 2) { // test
        const v = c.imm(size); setNext();
        c.setCc(CcOp.LOGIC + size, ir.andi(c.ldE(m, size), v));
      } else if (m.reg === 2) { setNext(); c.stE(m, size, ir.unop(Opc.not, c.ldE(m, size))); }
      else if (m.reg === 3) { // neg
        setNext();
        const a = c.ldE(m, size);
        const r = ir.unop(Opc.neg, a);
        c.stE(m, size, r);
        c.setCc(CcOp.SUB + size, r, a);
      } else { setNext(); genMulDiv(c, m.reg, size, m); if (m.reg >= 6) c.ccUnknown(); }
      return;
    }
    case 0xf8: case 0xf9: setNext(); c.setEflagsCc(ir.or(ir.andi(c.eflagsCc(), ~FLAG_CF), c.k(op & 1))); return;
    case 0xfa: setNext(); c.helper('cli', [c.k(c.eip)]); return;
    case 0xfb: setNext(); c.helper('sti', [c.k(c.eip)]); c.endToLoop(); return;
    case 0xfc: setNext(); ir.mov(EFLAGS, ir.andi(EFLAGS, ~FLAG_DF)); return;
    case 0xfd: setNext(); ir.mov(EFLAGS, ir.or(EFLAGS, c.k(FLAG_DF))); return;
    case 0xfe: case 0xff: {
      const size = sizeOf(c, op), m = c.modrm(); setNext();
      if (op === 0xfe && m.reg > 1) throw new DecodeStop('ud');
      switch (m.reg) {
        case 0: case 1: genIncDec(c, size, m.mod === 3 ? m.rm : m, m.reg === 1); return;
        case 2: { // call near indirect
          const t = c.ldE(m, c.opsize);
          c.push(c.k(c.nextEip));
          c.jumpIndirect(t); c.isJmp = Disas.JUMP; return;
        }
        case 3: case 5: { // far call/jmp m16:32
          if (m.mod === 3) throw new DecodeStop('ud');
          const off = c.ld(m.addr, c.opsize);
          const sel = c.ld(ir.addi(m.addr, 1 << c.opsize), SZ16);
          if (m.reg === 3) c.helper('lcall', [sel, off, c.k(c.nextEip), c.k(1 << c.opsize), c.k(c.eip)]);
          else c.helper('ljmp', [sel, off, c.k(c.nextEip), c.k(c.eip)]);
          c.ir.exit(3); c.isJmp = Disas.NORETURN; return;
        }
        case 4: c.jumpIndirect(c.ldE(m, c.opsize)); c.isJmp = Disas.JUMP; return;
        case 6: c.push(c.ldE(m, c.opsize)); return;
        default: throw new DecodeStop('ud');
      }
    }
  }
  void H;
  c.nextEip = c.curOffset();
  c.helper('unimp', [c.k(c.eip), c.k(op)]);
  c.ir.exit(3);
  c.isJmp = Disas.NORETURN;
}

// ---- helpers of the dispatcher ----

/**
 * LOCK is legal only on read-modify-write instructions with a memory destination
 * (Intel SDM, LOCK prefix); anything else raises #UD. Peeks at the following bytes.
 */
function lockAllowed(c: DisasContext, op: number): boolean {
  const peek = (i: number) => c.fetchByte((c.pc + i) | 0);
  let modrm: number, reg: number;
  if (op === 0x0f) {
    const op2 = peek(0);
    modrm = peek(1); reg = (modrm >> 3) & 7;
    if ((modrm >> 6) === 3) return false;
    if (op2 === 0xab || op2 === 0xb3 || op2 === 0xbb || op2 === 0xb0 || op2 === 0xb1 || op2 === 0xc0 || op2 === 0xc1) return true;
    if (op2 === 0xba) return reg >= 5;
    if (op2 === 0xc7) return reg === 1;
    return false;
  }
  modrm = peek(0); reg = (modrm >> 3) & 7;
  if ((modrm >> 6) === 3) return false;
  if (op < 0x40) return (op & 7) < 2 && (op >> 3) !== 7;
  if (op >= 0x80 && op <= 0x83) return reg !== 7;
  if (op === 0x86 || op === 0x87) return true;
  if (op === 0xf6 || op === 0xf7) return reg === 2 || reg === 3;
  if (op === 0xfe || op === 0xff) return reg < 2;
  return false;
}

function storeStack(c: DisasContext, sp: Temp, v: Temp, size: number): void {
  const off = c.ss32 ? sp : c.ir.andi(sp, 0xffff);
  c.st(c.linear(SEG_SS, off), v, size);
}
function setSpTo(c: DisasContext, sp: Temp): void {
  if (c.ss32) c.ir.mov(R_ESP, sp);
  else c.setReg(SZ16, R_ESP, sp);
}

export function genJcc(c: DisasContext, cc: number, target: number): void {
  const ir = c.ir;
  if (c.opsize === SZ16) target &= 0xffff;
  const { c: cond, a, b } = c.cond(cc);
  const taken = ir.newLabel();
  ir.brcond(cond, a, b, taken);
  c.gotoTb(1, c.nextEip);
  ir.setLabel(taken);
  c.gotoTb(0, target);
  c.isJmp = Disas.JUMP;
}

function genIn(c: DisasContext, size: number, port: Temp): void {
  const v = c.helper('in', [port, c.k(size), c.k(c.eip)], true);
  c.setReg(size, R_EAX, v);
}
function genOut(c: DisasContext, size: number, port: Temp): void {
  c.helper('out', [port, c.k(size), c.getReg(size, R_EAX), c.k(c.eip)]);
}

export function genLoadFarPointer(c: DisasContext, seg: number, reg: number, addr: Temp): void {
  const off = c.ld(addr, c.opsize);
  const sel = c.ld(c.ir.addi(addr, 1 << c.opsize), SZ16);
  c.helper('load_seg', [c.k(seg), sel, c.k(c.eip)]);
  c.setReg(c.opsize, reg, off);
  if (seg === SEG_SS) c.helper('set_inhibit_irq', []);
  c.gotoTb(2, c.nextEip);
  c.isJmp = Disas.JUMP;
}

function genEnter(c: DisasContext, frame: number, level: number): void {
  const ir = c.ir;
  const sz = c.opsize, n = 1 << sz;
  const sp0 = ir.copy(R_ESP);
  storeStack(c, ir.addi(sp0, -n), c.getReg(sz, R_EBP), sz);
  const frameTemp = ir.addi(sp0, -n);
  for (let i = 1; i < level; i++) {
    const bpOff = ir.addi(R_EBP, -n * i);
    const v = c.ld(c.linear(SEG_SS, c.ss32 ? bpOff : ir.andi(bpOff, 0xffff)), sz);
    storeStack(c, ir.addi(sp0, -n * (i + 1)), v, sz);
  }
  if (level > 0) storeStack(c, ir.addi(sp0, -n * (level + 1)), frameTemp, sz);
  const newSp = ir.addi(sp0, -n * (level > 0 ? level + 1 : 1) - frame);
  c.setReg(c.ss32 ? SZ32 : SZ16, R_EBP, frameTemp);
  setSpTo(c, newSp);
}

/**
 * A string instruction without rep, inline as QEMU translates it: the kernel's strcmp and strcpy
 * (lodsb; scasb / lodsb; stosb loops) ran millions of them through the helper, a call into
 * JavaScript each. Accesses first, then ESI/EDI step by DF (the low 16 bits with 16-bit
 * addressing), so that a fault leaves the registers as they were.
 */
function genStringOnce(c: DisasContext, kind: number, size: number, seg: number): void {
  const ir = c.ir, n = 1 << size;
  const offset = (r: number) => (c.addr32 ? r : c.getReg(SZ16, r));
  const src = () => c.linear(seg, offset(R_ESI)), dst = () => c.linear(SEG_ES, offset(R_EDI));
  // n, or -n when EFLAGS.DF (bit 10) is set: n - (DF >> (9 - size)), that being 2n or 0.
  const step = ir.sub(c.k(n), ir.shri(ir.andi(EFLAGS, FLAG_DF), 9 - size));
  const advance = (r: number) => c.setReg(c.addr32 ? SZ32 : SZ16, r, ir.add(r, step));
  switch (kind) {
    case STR_MOVS: c.st(dst(), c.ld(src(), size), size); advance(R_ESI); advance(R_EDI); break;
    case STR_STOS: c.st(dst(), c.getReg(size, R_EAX), size); advance(R_EDI); break;
    case STR_LODS: c.setReg(size, R_EAX, c.ld(src(), size)); advance(R_ESI); break;
    case STR_CMPS: case STR_SCAS: {
      const a = kind === STR_CMPS ? c.ld(src(), size) : c.getReg(size, R_EAX);
      const b = c.ld(dst(), size);
      c.setCc(CcOp.SUB + size, ir.sub(a, b), b);
      if (kind === STR_CMPS) advance(R_ESI);
      advance(R_EDI);
      break;
    }
  }
}

/** A rep string instruction, or ins/outs, runs in one helper; a rep form gets a TB of its own (see helpers). */
function genString(c: DisasContext, op: number): void {
  const ir = c.ir;
  const kinds: Record<number, number> = {
    0x6c: STR_INS, 0x6d: STR_INS, 0x6e: STR_OUTS, 0x6f: STR_OUTS, 0xa4: STR_MOVS, 0xa5: STR_MOVS, 0xa6: STR_CMPS, 0xa7: STR_CMPS,
    0xaa: STR_STOS, 0xab: STR_STOS, 0xac: STR_LODS, 0xad: STR_LODS, 0xae: STR_SCAS, 0xaf: STR_SCAS,
  };
  const kind = kinds[op];
  const size = op & 1 ? c.opsize : SZ8;
  const cmp = kind === STR_CMPS || kind === STR_SCAS;
  const rep = c.rep === 0 ? 0 : cmp ? c.rep : 1;
  const seg = c.segOverride >= 0 ? c.segOverride : SEG_DS;
  c.nextEip = c.curOffset(); // for the helper, and where a TB ending after it goes on
  if (!rep && kind !== STR_INS && kind !== STR_OUTS) { genStringOnce(c, kind, size, seg); return; }
  if (rep && c.numInsns > 0) {
    // End the TB before a rep string op: its helper updates registers progressively.
    throw new DecodeStop('page');
  }
  const packed = kind | (size << 4) | (rep << 6) | ((c.addr32 ? 0 : 1) << 8) | (seg << 9);
  const more = c.helper('string', [c.k(packed), c.k(c.eip)], true);
  if (cmp) c.ccUnknown();
  if (rep) {
    const done = ir.newLabel();
    ir.brcond(Cond.eq, more, c.k(0), done);
    // More iterations: back to this instruction through the loop (exit 2, not 3, so that with
    // TF set the single-step trap follows each iteration, as on hardware).
    ir.mov(EIP, c.k(c.eip));
    ir.exit(2);
    ir.setLabel(done);
    c.gotoTb(2, c.nextEip);
    c.isJmp = Disas.JUMP;
  }
}

/** x87 escapes D8-DF: the FPU helper decodes the rest (translate-i386/fpu). */
function translateFpu(c: DisasContext, op: number): void {
  const modrmByte = c.fetchByte(c.pc);
  const m = c.modrm();
  c.nextEip = c.curOffset();
  const seg = c.segOverride >= 0 ? c.segOverride : SEG_DS;
  const opword = modrmByte | ((op & 7) << 8) | ((c.opsize === SZ16 ? 1 : 0) << 11) | (seg << 12);
  const mem = m.mod !== 3;
  c.helper('fpu', [c.k(opword), mem ? m.addr : c.k(0), mem ? m.ea : c.k(0), c.k(c.eip)]);
  c.ccUnknown(); // fcomi/fucomi write EFLAGS
}

