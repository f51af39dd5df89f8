// Two-byte opcodes (0F xx).
import { Cond } from '../tcg/ir';
import { CcOp } from './cc';
import { DecodeStop, Disas, DisasContext, SZ16, SZ32, SZ8 } from './ctx';
import { genBitScan, genBt, genImul, genShiftDouble } from './ops-int';
import { genJcc, genLoadFarPointer } from './translate';
import { HF_CPL_MASK, R_EAX, R_ECX, SEG_FS, SEG_GS, SEG_SEL, SEG_SS } from './state';
import { EXC_GP } from './seg';
import { translateSse } from './ops-sse';

export function translateTwoByte(c: DisasContext, op: number): void {
  const ir = c.ir;
  const setNext = () => { c.nextEip = c.curOffset(); };
  const endTb = () => { c.gotoTb(2, c.nextEip); c.isJmp = Disas.JUMP; };
  if (op >= 0x80 && op <= 0x8f) {
    const d = c.simm(c.opsize); setNext();
    genJcc(c, op & 0xf, (c.nextEip + d) | 0);
    return;
  }
  if (op >= 0x90 && op <= 0x9f) { const m = c.modrm(); setNext(); c.stE(m, SZ8, c.condValue(op & 0xf)); return; }
  if (op >= 0x40 && op <= 0x4f) {
    const m = c.modrm(); setNext();
    const v = c.ldE(m, c.opsize); // the source is read even when the condition is false
    const { c: cond, a, b } = c.cond(op & 0xf);
    const cur = c.opsize === SZ32 ? m.reg : c.getReg(c.opsize, m.reg);
    c.setReg(c.opsize, m.reg, ir.movcond(cond, a, b, v, cur));
    return;
  }
  if (op >= 0xc8 && op <= 0xcf) {
    setNext();
    const r = op & 7;
    if (c.opsize === SZ16) { c.setReg(SZ16, r, c.k(0)); return; } // undefined; zero as QEMU
    const x = ir.copy(r);
    const v = ir.or(ir.or(ir.shli(x, 24), ir.andi(ir.shli(x, 8), 0xff0000)), ir.or(ir.andi(ir.shri(x, 8), 0xff00), ir.shri(x, 24)));
    ir.mov(r, v);
    return;
  }
  // Privileged system instructions check CPL before their operand is read (#GP(0), not #PF).
  const privOk = (): boolean => {
    if ((c.flags & HF_CPL_MASK) === 0) return true;
    c.raise(EXC_GP, 0);
    return false;
  };
  switch (op) {
    case 0x00: { // group 6
      const m = c.modrm(); setNext();
      switch (m.reg) {
        case 0: c.stE(m, m.mod === 3 ? c.opsize : SZ16, c.helper('sldt', [], true)); return;
        case 1: c.stE(m, m.mod === 3 ? c.opsize : SZ16, c.helper('str', [], true)); return;
        case 2: if (!privOk()) return; c.helper('lldt', [c.ldE(m, SZ16), c.k(c.eip)]); endTb(); return;
        case 3: if (!privOk()) return; c.helper('ltr', [c.ldE(m, SZ16), c.k(c.eip)]); return;
        case 4: c.helper('verr', [c.ldE(m, SZ16), c.k(c.eip)]); c.ccUnknown(); return;
        case 5: c.helper('verw', [c.ldE(m, SZ16), c.k(c.eip)]); c.ccUnknown(); return;
      }
      throw new DecodeStop('ud');
    }
    case 0x01: { // group 7
      const m = c.modrm(); setNext();
      switch (m.reg) {
        case 0: case 1:
          if (m.mod === 3) throw new DecodeStop('ud');
          c.helper(m.reg === 0 ? 'sgdt' : 'sidt', [m.addr, c.k(c.eip)]); return;
        case 2: case 3:
          if (m.mod === 3) throw new DecodeStop('ud');
          c.helper(m.reg === 2 ? 'lgdt' : 'lidt', [m.addr, c.k(1 << c.opsize), c.k(c.eip)]); endTb(); return;
        case 4: c.stE(m, m.mod === 3 ? c.opsize : SZ16, c.helper('smsw', [], true)); return;
        case 6: if (!privOk()) return; c.helper('lmsw', [c.ldE(m, SZ16), c.k(c.eip)]); endTb(); return;
        case 7:
          if (m.mod === 3) throw new DecodeStop('ud');
          c.helper('invlpg', [m.addr, c.k(c.eip)]); endTb(); return;
      }
      throw new DecodeStop('ud');
    }
    case 0x02: case 0x03: {
      const m = c.modrm(); setNext();
      const r = c.helper(op === 2 ? 'lar' : 'lsl', [c.ldE(m, SZ16), c.getReg(c.opsize, m.reg), c.k(c.eip)], true);
      c.setReg(c.opsize, m.reg, r);
      c.ccUnknown();
      return;
    }
    case 0x06: setNext(); c.helper('clts', [c.k(c.eip)]); endTb(); return;
    case 0x08: case 0x09: setNext(); c.helper('wbinvd', [c.k(c.eip)]); return;
    case 0x0b: setNext(); throw new DecodeStop('ud');
    case 0x0d: case 0x18: case 0x19: case 0x1a: case 0x1b: case 0x1c: case 0x1d: case 0x1e: case 0x1f: {
      const m = c.modrm(); setNext();
      if (op === 0x0d && m.mod === 3) throw new DecodeStop('ud'); // prefetch/prefetchw take m8 only
      return; // hint nops
    }
    case 0x20: case 0x21: case 0x22: case 0x23: {
      const b = c.u8(); setNext();
      const n = (b >> 3) & 7, r = b & 7;
      if (op === 0x20) c.setReg(SZ32, r, c.helper('mov_from_cr', [c.k(n), c.k(c.eip)], true));
      else if (op === 0x21) c.setReg(SZ32, r, c.helper('mov_from_dr', [c.k(n), c.k(c.eip)], true));
      else if (op === 0x22) { c.helper('mov_to_cr', [c.k(n), ir.copy(r), c.k(c.eip)]); c.endToLoop(); }
      else { c.helper('mov_to_dr', [c.k(n), ir.copy(r), c.k(c.eip)]); endTb(); }
      return;
    }
    case 0x30: setNext(); c.helper('wrmsr', [c.k(c.eip)]); return;
    case 0x31: setNext(); c.helper('rdtsc', [c.k(c.eip)]); return;
    case 0x32: setNext(); c.helper('rdmsr', [c.k(c.eip)]); return;
    case 0x33: setNext(); c.helper('rdpmc', [c.k(c.eip)]); return;
    case 0x34: case 0x35:
      setNext(); c.helper(op === 0x34 ? 'sysenter' : 'sysexit', [c.k(c.eip)]); c.ir.exit(3); c.isJmp = Disas.NORETURN; return;
    case 0xa0: case 0xa8: setNext(); c.push(ir.copy(SEG_SEL + (op === 0xa0 ? SEG_FS : SEG_GS))); return;
    case 0xa1: case 0xa9: {
      setNext();
      const v = c.peek();
      c.helper('load_seg', [c.k(op === 0xa1 ? SEG_FS : SEG_GS), v, c.k(c.eip)]);
      c.popAdjust(1 << c.opsize);
      endTb();
      return;
    }
    case 0xa2: setNext(); c.helper('cpuid', []); return;
    case 0xae: { // group 15: fxsave fxrstor ldmxcsr stmxcsr / fences
      const m = c.modrm(); setNext();
      // lfence/mfence/sfence order nothing here: no code (delay loops run lfence; rdtsc).
      if (m.mod === 3 && m.reg >= 5) return;
      c.helper('fxgroup', [c.k(m.reg), m.mod === 3 ? c.k(-1) : m.addr, c.k(c.eip)]);
      return;
    }
    case 0xa3: case 0xab: case 0xb3: case 0xbb: {
      const m = c.modrm(); setNext();
      genBt(c, [0xa3, 0xab, 0xb3, 0xbb].indexOf(op), c.opsize, m, c.getReg(c.opsize, m.reg), true);
      return;
    }
    case 0xba: {
      const m = c.modrm(); const imm = c.u8(); setNext();
      if (m.reg < 4) throw new DecodeStop('ud');
      genBt(c, m.reg - 4, c.opsize, m, c.k(imm), false);
      return;
    }
    case 0xa4: case 0xa5: case 0xac: case 0xad: {
      const m = c.modrm();
      const count = op & 1 ? ir.andi(R_ECX, 0xff) : c.k(c.u8());
      setNext();
      genShiftDouble(c, op < 0xa8, c.opsize, m, count);
      return;
    }
    case 0xaf: { const m = c.modrm(); setNext(); genImul(c, c.opsize, m.reg, c.getReg(c.opsize, m.reg), c.ldE(m, c.opsize)); return; }
    case 0xb0: case 0xb1: { // cmpxchg
      const size = op & 1 ? c.opsize : SZ8, m = c.modrm(); setNext();
      const dst = c.ldE(m, size);
      const acc = c.getReg(size, R_EAX);
      const src = c.getReg(size, m.reg);
      const eq = ir.setcond(Cond.eq, dst, acc);
      // The destination is always written (the old value when unequal), as the CPU does.
      const nv = ir.movcond(Cond.ne, eq, c.k(0), src, dst);
      if (m.mod === 3) {
        c.setReg(size, R_EAX, ir.movcond(Cond.ne, eq, c.k(0), acc, dst));
        c.setReg(size, m.rm, nv);
      } else {
        c.st(m.addr, nv, size);
        c.setReg(size, R_EAX, ir.movcond(Cond.ne, eq, c.k(0), acc, dst));
      }
      c.setCc(CcOp.SUB + size, ir.sub(acc, dst), dst);
      return;
    }
    case 0xb2: case 0xb4: case 0xb5: {
      const m = c.modrm(); setNext();
      if (m.mod === 3) throw new DecodeStop('ud');
      genLoadFarPointer(c, op === 0xb2 ? SEG_SS : op === 0xb4 ? SEG_FS : SEG_GS, m.reg, m.addr);
      return;
    }
    case 0xb6: case 0xb7: case 0xbe: case 0xbf: {
      const m = c.modrm(); setNext();
      const src = op & 1 ? SZ16 : SZ8;
      let v = c.ldE(m, src);
      if (op >= 0xbe) v = c.sext(v, src);
      c.setReg(c.opsize, m.reg, v);
      return;
    }
    case 0xbc: case 0xbd: { const m = c.modrm(); setNext(); genBitScan(c, op === 0xbd, c.opsize, m); return; }
    case 0xc0: case 0xc1: { // xadd
      const size = op & 1 ? c.opsize : SZ8, m = c.modrm(); setNext();
      const a = c.ldE(m, size), b = c.getReg(size, m.reg);
      const r = ir.add(a, b);
      if (m.mod === 3) { c.setReg(size, m.reg, a); c.setReg(size, m.rm, r); }
      else { c.st(m.addr, r, size); c.setReg(size, m.reg, a); }
      c.setCc(CcOp.ADD + size, r, b);
      return;
    }
    case 0xc7: {
      const m = c.modrm(); setNext();
      if (m.reg !== 1 || m.mod === 3) throw new DecodeStop('ud');
      c.helper('cmpxchg8b', [m.addr, c.k(c.eip)]);
      c.ccUnknown();
      return;
    }
  }
  if (translateSse(c, op)) return;
  c.nextEip = c.curOffset();
  c.helper('unimp', [c.k(c.eip), c.k(0x0f00 | op)]);
  c.ir.exit(3);
  c.isJmp = Disas.NORETURN;
}
