// The translation context of one TB: code fetch, prefixes, operand access and the lazy
// flags as known at translation time. Emitters (gen*) build IR through it.
import { Cond, IrFunc, MemOp, Opc, Temp } from '../tcg/ir';
import { CcOp } from './cc';
import { H } from './helpers';
import {
  CC_DST, CC_OP, CC_SRC, CC_SRC2, EIP, FLAG_CF, HF_AC, HF_ADDSEG, HF_CS32, HF_PG, HF_SS32, R_EBP, R_ESP, SEG_BASE, SEG_DS, SEG_ES, SEG_SS,
} from './state';

/** How translation of the current instruction ended the TB (QEMU's DISAS_*). */
export const enum Disas { NEXT, JUMP, TOO_MANY, NORETURN }

export const SZ8 = 0, SZ16 = 1, SZ32 = 2;
export const CC_DYNAMIC = -1;

/** Raised while decoding when the instruction cannot be translated (#UD, too long...). */
export class DecodeStop { constructor(readonly kind: 'ud' | 'gp' | 'page') {} }

export interface ModRM {
  mod: number;
  reg: number;
  rm: number;
  /** Linear address of the memory operand (segment base added); -1 for a register operand. */
  addr: Temp;
  /** Offset (effective address before the segment base). */
  ea: Temp;
  /** Segment register of a memory operand (after overrides). */
  seg?: number;
}

export class DisasContext {
  ir: IrFunc;
  /** Linear address of the next byte to decode. */
  pc: number;
  /** Offset (EIP) of the instruction being translated, and of the next one. */
  eip = 0;
  nextEip = 0;
  readonly csBase: number;
  readonly flags: number;
  readonly code32: boolean;
  readonly ss32: boolean;
  readonly addseg: boolean;
  /** Direct chaining allowed across pages (paging off: the mapping never changes). */
  readonly chainAnyPage: boolean;
  /** HF_AC: every multi-byte data access is preceded by an alignment check (#AC). */
  readonly checksAlignment: boolean;
  // prefixes of the current instruction
  opsize = SZ32;
  addr32 = true;
  segOverride = -1;
  rep = 0;         // 0 none, 1 repe/rep (F3), 2 repne (F2)
  lock = false;
  // translation state
  ccOp = CC_DYNAMIC;
  isJmp = Disas.NEXT;
  numInsns = 0;
  /** Instruction boundaries inside this TB (offsets), for logs and `info tb`. */
  insnEips: number[] = [];
  readonly startPc: number;

  constructor(ir: IrFunc, readonly fetchByte: (linear: number) => number, csBase: number, eip: number, flags: number, readonly singleInsn: boolean) {
    this.ir = ir;
    this.csBase = csBase;
    this.pc = (csBase + eip) | 0;
    this.startPc = this.pc;
    this.flags = flags;
    this.code32 = (flags & HF_CS32) !== 0;
    this.ss32 = (flags & HF_SS32) !== 0;
    this.addseg = (flags & HF_ADDSEG) !== 0;
    this.chainAnyPage = (flags & HF_PG) === 0;
    this.checksAlignment = (flags & HF_AC) !== 0;
  }

  // ---- code fetch ----
  u8(): number { const b = this.fetchByte(this.pc); this.pc = (this.pc + 1) | 0; return b; }
  u16(): number { const lo = this.u8(); return lo | (this.u8() << 8); }
  u32(): number { const lo = this.u16(); return (lo | (this.u16() << 16)) | 0; }
  s8(): number { return (this.u8() << 24) >> 24; }
  /** Immediate of operand size `size` (sign-irrelevant, int32). */
  imm(size: number): number { return size === SZ8 ? this.u8() : size === SZ16 ? this.u16() : this.u32(); }
  /** Sign-extended immediate of size `size`. */
  simm(size: number): number { return size === SZ8 ? this.s8() : size === SZ16 ? (this.u16() << 16) >> 16 : this.u32(); }
  curOffset(): number { return (this.pc - this.csBase) | 0; }

  // ---- constants and small builders ----
  k(v: number): Temp { return this.ir.const(v); }
  mask(size: number): number { return size === SZ8 ? 0xff : size === SZ16 ? 0xffff : -1; }

  // ---- general registers ----
  /** Read register `r` of size `size` (8-bit regs 4..7 are AH..BH); zero-extended. */
  getReg(size: number, r: number): Temp {
    const ir = this.ir;
    if (size === SZ32) return ir.copy(r);
    if (size === SZ16) return ir.unop(Opc.ext16u, r);
    if (r < 4) return ir.unop(Opc.ext8u, r);
    return ir.andi(ir.shri(r - 4, 8), 0xff);
  }
  setReg(size: number, r: number, v: Temp): void {
    const ir = this.ir;
    if (size === SZ32) { ir.mov(r, v); return; }
    if (size === SZ16) { ir.mov(r, ir.or(ir.andi(r, 0xffff0000 | 0), ir.andi(v, 0xffff))); return; }
    if (r < 4) { ir.mov(r, ir.or(ir.andi(r, ~0xff), ir.andi(v, 0xff))); return; }
    ir.mov(r - 4, ir.or(ir.andi(r - 4, ~0xff00), ir.shli(ir.andi(v, 0xff), 8)));
  }

  // ---- memory ----
  ld(addr: Temp, size: number): Temp {
    if (this.checksAlignment) this.checkAlign(addr, size);
    return this.ir.ld(addr, size as MemOp);
  }
  st(addr: Temp, v: Temp, size: number): void {
    if (this.checksAlignment) this.checkAlign(addr, size);
    this.ir.st(addr, v, size as MemOp);
  }
  /** #AC(0) at this instruction unless `addr` is a multiple of the access size (memop U16/S16: 2, U32: 4). */
  private checkAlign(addr: Temp, memop: number): void {
    const mask = (1 << (memop & 3)) - 1;
    if (mask) this.ir.call(H.check_align, [addr, this.k(mask), this.k(this.eip)], false);
  }

  /** Segment base added to an offset, unless known to be zero (flat DS/ES/SS). */
  linear(seg: number, ea: Temp): Temp {
    if (!this.addseg && (seg === SEG_DS || seg === SEG_ES || seg === SEG_SS)) return ea;
    return this.ir.add(ea, SEG_BASE + seg);
  }

  /** Decode ModRM (+SIB, displacement); computes the linear address for memory forms. */
  modrm(): ModRM {
    const b = this.u8();
    const mod = b >> 6, reg = (b >> 3) & 7, rm = b & 7;
    if (mod === 3) return { mod, reg, rm, addr: -1, ea: -1 };
    const { ea, defSeg } = this.addr32 ? this.ea32(mod, rm) : this.ea16(mod, rm);
    const seg = this.segOverride >= 0 ? this.segOverride : defSeg;
    return { mod, reg, rm, addr: this.linear(seg, ea), ea, seg };
  }

  private ea32(mod: number, rm: number): { ea: Temp; defSeg: number } {
    const ir = this.ir;
    let base = -1, index = -1, scale = 0, disp = 0, defSeg = SEG_DS;
    if (rm === 4) {
      const sib = this.u8();
      scale = sib >> 6; index = (sib >> 3) & 7; base = sib & 7;
      if (index === 4) index = -1;
      if (base === 5 && mod === 0) { base = -1; disp = this.u32(); }
    } else if (rm === 5 && mod === 0) {
      disp = this.u32();
    } else base = rm;
    if (mod === 1) disp = this.s8(); else if (mod === 2) disp = this.u32();
    if (base === R_ESP || base === R_EBP) defSeg = SEG_SS;
    let ea: Temp = -1;
    if (base >= 0) ea = base;
    if (index >= 0) {
      const ix = scale ? ir.shli(index, scale) : index;
      ea = ea >= 0 ? ir.add(ea, ix) : ix;
    }
    if (ea < 0) return { ea: this.k(disp), defSeg };
    return { ea: disp ? ir.addi(ea, disp) : ir.copy(ea), defSeg };
  }

  private ea16(mod: number, rm: number): { ea: Temp; defSeg: number } {
    const ir = this.ir;
    let disp = 0;
    if (mod === 0 && rm === 6) return { ea: this.k(this.u16()), defSeg: SEG_DS };
    if (mod === 1) disp = this.s8(); else if (mod === 2) disp = (this.u16() << 16) >> 16;
    const pairs: [number, number, number][] = [[3, 6, SEG_DS], [3, 7, SEG_DS], [5, 6, SEG_SS], [5, 7, SEG_SS], [6, -1, SEG_DS], [7, -1, SEG_DS], [5, -1, SEG_SS], [3, -1, SEG_DS]];
    const [b, i, seg] = pairs[rm];
    let ea: Temp = i >= 0 ? ir.add(b, i) : b;
    if (disp) ea = ir.addi(ea, disp);
    return { ea: ir.andi(ea, 0xffff), defSeg: seg };
  }

  /** Load the E operand (register or memory) of size `size`. */
  ldE(m: ModRM, size: number): Temp { return m.mod === 3 ? this.getReg(size, m.rm) : this.ld(m.addr, size); }
  stE(m: ModRM, size: number, v: Temp): void { if (m.mod === 3) this.setReg(size, m.rm, v); else this.st(m.addr, v, size); }

  // ---- stack ----
  private spMask(): number { return this.ss32 ? -1 : 0xffff; }
  private stackAddr(sp: Temp): Temp {
    const off = this.ss32 ? sp : this.ir.andi(sp, 0xffff);
    return this.linear(SEG_SS, off);
  }
  private setSp(v: Temp): void {
    if (this.ss32) this.ir.mov(R_ESP, v);
    else this.ir.mov(R_ESP, this.ir.or(this.ir.andi(R_ESP, ~0xffff), this.ir.andi(v, 0xffff)));
  }
  /** push: the store happens before ESP changes, so a fault leaves ESP intact. */
  push(v: Temp, size = this.opsize): void {
    const sp = this.ir.addi(R_ESP, -(1 << size));
    this.st(this.stackAddr(sp), v, size);
    this.setSp(sp);
  }
  /** Value at the top of the stack (+offset bytes), without popping. */
  peek(size = this.opsize, offset = 0): Temp {
    const sp = offset ? this.ir.addi(R_ESP, offset) : R_ESP;
    return this.ld(this.stackAddr(sp), size);
  }
  popAdjust(bytes: number): void { this.setSp(this.ir.addi(R_ESP, bytes)); }
  get spMaskValue(): number { return this.spMask(); }

  // ---- lazy flags ----
  /** Record a flag-setting op: `dst`/`src`/`src2` become the cc inputs of `op`. */
  setCc(op: number, dst: Temp, src?: Temp, src2?: Temp): void {
    const ir = this.ir;
    ir.mov(CC_OP, this.k(op));
    ir.mov(CC_DST, dst);
    if (src !== undefined) ir.mov(CC_SRC, src);
    if (src2 !== undefined) ir.mov(CC_SRC2, src2);
    this.ccOp = op;
  }

  /** Full O/S/Z/A/P/C as a temp. */
  eflagsCc(): Temp {
    if (this.ccOp === CcOp.EFLAGS) return this.ir.copy(CC_SRC);
    return this.ir.call(H.cc_compute_all, [CC_OP, CC_DST, CC_SRC, CC_SRC2]);
  }

  /** Switch to cc_op EFLAGS with the given flags temp. */
  setEflagsCc(f: Temp): void {
    this.ir.mov(CC_SRC, f);
    this.ir.mov(CC_OP, this.k(CcOp.EFLAGS));
    this.ccOp = CcOp.EFLAGS;
  }

  /** Carry flag as 0/1. */
  carry(): Temp {
    const op = this.ccOp;
    if (op === CC_DYNAMIC) return this.carryDynamic();
    return this.carryKnown() ?? this.ir.andi(this.eflagsCc(), FLAG_CF);
  }

  /** CF after a sub or cmp (subCarry) or an add (addCarry) whose operands have the mask `m`. */
  private subCarry(m: Temp): Temp { return this.ir.setcond(Cond.ltu, this.ir.and(this.ir.add(CC_DST, CC_SRC), m), this.ir.and(CC_SRC, m)); }
  private addCarry(m: Temp): Temp { return this.ir.setcond(Cond.ltu, this.ir.and(CC_DST, m), this.ir.and(CC_SRC, m)); }

  /** CF inline for the cc_op known at translation time, or null for the ops left to cc_compute_all. */
  private carryKnown(): Temp | null {
    const ir = this.ir, op = this.ccOp;
    if (op === CcOp.EFLAGS) return ir.andi(CC_SRC, FLAG_CF);
    const size = (op - 1) % 3, fam = op - size, m = this.mask(size);
    switch (fam) {
      case CcOp.SUB: return this.subCarry(this.k(m));
      case CcOp.ADD: return this.addCarry(this.k(m));
      case CcOp.LOGIC: return this.k(0);
      case CcOp.INC: case CcOp.DEC: return ir.andi(CC_SRC, 1);
      case CcOp.ADC: case CcOp.SBB: {
        // With a carry in (cc_src2), "below" becomes "below or equal" (see computeEflags).
        const x = ir.andi(fam === CcOp.ADC ? CC_DST : ir.add(ir.add(CC_DST, CC_SRC), CC_SRC2), m), s = ir.andi(CC_SRC, m);
        return ir.movcond(Cond.ne, CC_SRC2, this.k(0), ir.setcond(Cond.leu, x, s), ir.setcond(Cond.ltu, x, s));
      }
    }
    return null;
  }

  /**
   * CF when cc_op is known only at run time (at the start of a TB, e.g. for inc/dec, which keep
   * it): the usual last ops are tested inline, the others computed by cc_compute_all, a call
   * that costs more than these tests.
   */
  private carryDynamic(): Temp {
    const ir = this.ir, res = ir.newTemp(), done = ir.newLabel();
    const arm = (skipIf: Cond, a: Temp, b: Temp, value: () => Temp) => {
      const next = ir.newLabel();
      ir.brcond(skipIf, a, b, next);
      ir.mov(res, value());
      ir.br(done);
      ir.setLabel(next);
    };
    // The operand mask of a family's op: cc_op - family is the size (0 byte, 1 word, 2 dword).
    const mask = (fam: number) => ir.shr(this.k(-1), ir.sub(this.k(32), ir.shl(this.k(8), ir.addi(CC_OP, -fam))));
    const inFamily = (fam: number) => ir.addi(CC_OP, -fam);
    // The dword forms first: the most frequent, and no mask to compute.
    arm(Cond.ne, CC_OP, this.k(CcOp.SUB + SZ32), () => this.subCarry(this.k(-1)));
    arm(Cond.geu, inFamily(CcOp.LOGIC), this.k(3), () => this.k(0));
    // INC and DEC (all sizes, 6 values from CcOp.INC) keep the carry in bit 0 of cc_src.
    arm(Cond.geu, inFamily(CcOp.INC), this.k(6), () => ir.andi(CC_SRC, 1));
    arm(Cond.ne, CC_OP, this.k(CcOp.ADD + SZ32), () => this.addCarry(this.k(-1)));
    arm(Cond.ne, CC_OP, this.k(CcOp.EFLAGS), () => ir.andi(CC_SRC, FLAG_CF));
    arm(Cond.geu, inFamily(CcOp.SUB), this.k(3), () => this.subCarry(mask(CcOp.SUB)));
    arm(Cond.geu, inFamily(CcOp.ADD), this.k(3), () => this.addCarry(mask(CcOp.ADD)));
    ir.mov(res, ir.andi(ir.call(H.cc_compute_all, [CC_OP, CC_DST, CC_SRC, CC_SRC2]), FLAG_CF));
    ir.setLabel(done);
    return res;
  }

  /** Sign-extend a value of size `size` to 32 bits. */
  sext(v: Temp, size: number): Temp {
    if (size === SZ32) return v;
    return this.ir.unop(size === SZ8 ? Opc.ext8s : Opc.ext16s, v);
  }

  /** Condition `cc` (0..15) as an IR comparison (cond, a, b). */
  cond(cc: number): { c: Cond; a: Temp; b: Temp } {
    const ir = this.ir, op = this.ccOp, neg = cc & 1, base = cc >> 1;
    const pick = (c: Cond, nc: Cond, a: Temp, b: Temp) => ({ c: neg ? nc : c, a, b });
    if (op !== CC_DYNAMIC && op !== CcOp.EFLAGS) {
      const size = (op - 1) % 3, fam = op - size, m = this.mask(size);
      if (fam === CcOp.SUB) {
        const a = ir.add(CC_DST, CC_SRC);
        switch (base) {
          case 1: return pick(Cond.ltu, Cond.geu, ir.andi(a, m), ir.andi(CC_SRC, m));
          case 2: return pick(Cond.eq, Cond.ne, ir.andi(CC_DST, m), this.k(0));
          case 3: return pick(Cond.leu, Cond.gtu, ir.andi(a, m), ir.andi(CC_SRC, m));
          case 4: return pick(Cond.lt, Cond.ge, this.sext(CC_DST, size), this.k(0));
          case 6: return pick(Cond.lt, Cond.ge, this.sext(a, size), this.sext(CC_SRC, size));
          case 7: return pick(Cond.le, Cond.gt, this.sext(a, size), this.sext(CC_SRC, size));
        }
      } else if (fam === CcOp.LOGIC) {
        switch (base) {
          case 0: case 1: return pick(Cond.ne, Cond.eq, this.k(0), this.k(0));
          case 2: case 3: return pick(Cond.eq, Cond.ne, ir.andi(CC_DST, m), this.k(0));
          case 4: case 6: return pick(Cond.lt, Cond.ge, this.sext(CC_DST, size), this.k(0));
          case 7: return pick(Cond.le, Cond.gt, this.sext(CC_DST, size), this.k(0));
        }
      } else if (base === 2) {
        return pick(Cond.eq, Cond.ne, ir.andi(CC_DST, m), this.k(0));
      } else if (base === 4) {
        return pick(Cond.lt, Cond.ge, this.sext(CC_DST, size), this.k(0));
      } else if (base === 1 || base === 3) {
        // CF, or CF | ZF, of an op whose CF is computed inline (ZF: its result is zero).
        const cf = this.carryKnown();
        if (cf !== null) return pick(Cond.ne, Cond.eq, base === 1 ? cf : ir.or(cf, ir.setcond(Cond.eq, ir.andi(CC_DST, m), this.k(0))), this.k(0));
      }
    }
    if (op === CC_DYNAMIC && base === 1) return pick(Cond.ne, Cond.eq, this.carryDynamic(), this.k(0));
    const f = this.eflagsCc();
    let t: Temp;
    switch (base) {
      case 0: t = ir.andi(f, 0x800); break;
      case 1: t = ir.andi(f, 0x1); break;
      case 2: t = ir.andi(f, 0x40); break;
      case 3: t = ir.andi(f, 0x41); break;
      case 4: t = ir.andi(f, 0x80); break;
      case 5: t = ir.andi(f, 0x4); break;
      case 6: t = ir.andi(ir.xor(ir.shli(f, 4), f), 0x800); break; // SF << 4 lines up with OF
      default: t = ir.or(ir.andi(ir.xor(ir.shli(f, 4), f), 0x800), ir.andi(f, 0x40)); break;
    }
    return pick(Cond.ne, Cond.eq, t, this.k(0));
  }

  condValue(cc: number): Temp { const { c, a, b } = this.cond(cc); return this.ir.setcond(c, a, b); }

  // ---- TB exits ----
  /** Jump to offset `eip`: chainable through `slot` when allowed. */
  gotoTb(slot: number, eip: number): void {
    this.ir.mov(EIP, this.k(eip));
    const target = (this.csBase + eip) | 0;
    const samePage = (target >>> 12) === (this.startPc >>> 12);
    const chain = !this.singleInsn && (samePage || this.chainAnyPage);
    if (chain && slot < 2 && target === this.startPc) this.ir.loopSlots |= 1 << slot;
    this.ir.exit(chain ? slot : 2);
  }
  /** Jump to a computed offset: the loop looks it up. */
  jumpIndirect(eip: Temp): void {
    this.ir.mov(EIP, eip);
    this.ir.exit(2);
  }
  /** End the TB after this instruction and go back to the loop (mode changes, halt...). */
  endToLoop(): void {
    this.ir.mov(EIP, this.k(this.nextEip));
    this.ir.exit(3);
    this.isJmp = Disas.NORETURN;
  }
  /** Raise exception `vector` at the current instruction. */
  raise(vector: number, error = -1): void {
    this.ir.call(H.raise, [this.k(vector), this.k(error), this.k(this.eip)], false);
    this.ir.exit(3);
    this.isJmp = Disas.NORETURN;
  }
  /** Call a helper that may change any global; returns its result. */
  helper(name: string, args: Temp[], withResult = false): Temp {
    const idx = H[name];
    if (idx === undefined) throw new Error(`no helper ${name}`);
    const r = this.ir.call(idx, args, withResult);
    return r;
  }
  /** Flags are unknown after a helper that rewrote them. */
  ccUnknown(): void { this.ccOp = CC_DYNAMIC; }
}

