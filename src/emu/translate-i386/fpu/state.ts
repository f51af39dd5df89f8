// x87 architectural state: the 8 data registers (physical order), TOP, the tags (kept as an
// "empty" bit per physical register; the 2-bit tags are computed from the contents, as the
// hardware does for fnstenv/fnsave), control/status words, the last-instruction pointers, and
// MXCSR/XMM bytes for fxsave/fxrstor. Also the rules that merge an instruction's exceptions
// into the status word (which unmasked exceptions suppress the result, C1, ES/B).
import {
  F80, FE_DE, FE_IE, FE_OE, FE_PE, FE_UE, FE_ZE, FpStatus, INDEF, ZERO, isDen, isInf, isNaN80, isUnsupported, isZero,
} from './float80';

export const SW_IE = 0x01, SW_DE = 0x02, SW_ZE = 0x04, SW_OE = 0x08, SW_UE = 0x10, SW_PE = 0x20;
export const SW_SF = 0x40, SW_ES = 0x80, SW_C0 = 0x100, SW_C1 = 0x200, SW_C2 = 0x400, SW_C3 = 0x4000, SW_B = 0x8000;
export const SW_CC = SW_C0 | SW_C1 | SW_C2 | SW_C3;
export const SW_EXC = 0x3f;

export const TAG_VALID = 0, TAG_ZERO = 1, TAG_SPECIAL = 2, TAG_EMPTY = 3;

/** The 2-bit tag of a (non-empty) register's contents. */
export function tagOf(v: F80): number {
  if (isZero(v)) return TAG_ZERO;
  if (isDen(v) || isNaN80(v) || isInf(v) || isUnsupported(v) || (v.se & 0x7fff) === 0x7fff) return TAG_SPECIAL;
  return TAG_VALID;
}

export class X87State {
  fcw = 0x37f;
  /** Status word without TOP (bits 11-13 are kept zero here). */
  fsw = 0;
  top = 0;
  /** Physical registers R0..R7. */
  readonly regs: F80[] = [ZERO, ZERO, ZERO, ZERO, ZERO, ZERO, ZERO, ZERO];
  /** Bit i set: physical register i is empty. */
  empty = 0xff;
  /** Last non-control instruction: offset, CS selector, opcode (11 bits); its memory operand. */
  fip = 0;
  fcs = 0;
  fop = 0;
  fdp = 0;
  fds = 0;
  mxcsr = 0x1f80;
  /** XMM0-7, little-endian bytes: the registers of the SSE instructions (sse.ts) and of fxsave/fxrstor. */
  readonly xmm = new Uint8Array(128);
  /** Scratch status for the instruction being executed. */
  readonly st = new FpStatus();

  /** Status word as fnstsw returns it. */
  get status(): number { return (this.fsw & ~0x3800) | ((this.top & 7) << 11); }
  set status(v: number) { this.top = (v >> 11) & 7; this.fsw = v & ~0x3800 & 0xffff; }

  /** Full tag word (2 bits per physical register). */
  get ftw(): number {
    let t = 0;
    for (let i = 7; i >= 0; i--) t = (t << 2) | ((this.empty >> i) & 1 ? TAG_EMPTY : tagOf(this.regs[i]));
    return t;
  }
  /** Loading a tag word keeps only empty / not empty (the rest follows the contents). */
  set ftw(t: number) {
    let e = 0;
    for (let i = 0; i < 8; i++) if (((t >> (2 * i)) & 3) === TAG_EMPTY) e |= 1 << i;
    this.empty = e;
  }
  /** FXSAVE's abridged tag: bit i set = physical register i not empty. */
  get abridgedTag(): number { return ~this.empty & 0xff; }

  phys(i: number): number { return (this.top + i) & 7; }
  isEmpty(i: number): boolean { return ((this.empty >> ((this.top + i) & 7)) & 1) !== 0; }
  get(i: number): F80 { return this.regs[(this.top + i) & 7]; }
  /** Write ST(i) and mark it valid. */
  set(i: number, v: F80): void {
    const p = (this.top + i) & 7;
    this.regs[p] = v;
    this.empty &= ~(1 << p);
  }
  push(v: F80): void {
    this.top = (this.top - 1) & 7;
    this.regs[this.top] = v;
    this.empty &= ~(1 << this.top);
  }
  pop(): void {
    this.empty |= 1 << this.top;
    this.top = (this.top + 1) & 7;
  }

  init(): void {
    this.fcw = 0x37f;
    this.fsw = 0;
    this.top = 0;
    this.empty = 0xff;
    this.fip = 0; this.fcs = 0; this.fop = 0; this.fdp = 0; this.fds = 0;
  }

  setC1(on: boolean): void { this.fsw = on ? this.fsw | SW_C1 : this.fsw & ~SW_C1; }
  /** Set C3 C2 C1 C0 from the bits of `cc` (in status word positions), leaving the rest. */
  setCC(cc: number, mask = SW_CC): void { this.fsw = (this.fsw & ~mask) | (cc & mask); }

  /** Status recomputed after a control word / status word load: ES and B follow the unmasked flags. */
  updateSummary(): void {
    if (this.fsw & ~this.fcw & SW_EXC) this.fsw |= SW_ES | SW_B;
    else this.fsw &= ~(SW_ES | SW_B);
  }

  /** Prepare the scratch FpStatus from the control word. */
  status0(): FpStatus { return this.st.fromCw(this.fcw); }

  /**
   * Merge the exceptions of an instruction (st.flags, st.roundedUp) into the status word, as the
   * processor does. Returns the unmasked exceptions that leave the destination unchanged (the
   * caller then skips its write and its pops): IE, ZE, DE, and for a memory destination
   * (toMemory) OE/UE. Unmasked OE/UE on a register destination store the bias-adjusted result;
   * unmasked PE stores the result.
   */
  merge(st: FpStatus, toMemory = false): number {
    let ex = st.flags & SW_EXC;
    if (ex & FE_IE) ex = FE_IE;
    else if (ex & FE_ZE) ex = FE_ZE;
    let unmasked = ex & ~this.fcw & SW_EXC;
    if (unmasked) this.fsw |= SW_ES | SW_B;
    if (ex & (FE_IE | FE_ZE)) { this.fsw |= ex; return unmasked; }
    if (ex & FE_DE) {
      this.fsw |= FE_DE;
      if (unmasked & FE_DE) return FE_DE;
    }
    const oldPe = this.fsw & FE_PE;
    this.fsw |= ex;
    if (ex & FE_PE) this.setC1(st.roundedUp);
    unmasked &= ~FE_PE;
    if (unmasked & (FE_OE | FE_UE)) {
      if (!toMemory) unmasked &= ~(FE_OE | FE_UE);
      else {
        this.setC1(false);
        if (!oldPe) this.fsw &= ~FE_PE;
      }
    }
    return unmasked;
  }

  /** Stack underflow (an empty operand): IE|SF, C1 = 0. True when masked (the caller stores indefinite). */
  underflow(): boolean {
    this.fsw = (this.fsw | SW_IE | SW_SF) & ~SW_C1;
    if (this.fcw & SW_IE) return true;
    this.fsw |= SW_ES | SW_B;
    return false;
  }

  /** Stack overflow (push onto a full register): IE|SF, C1 = 1. True when masked. */
  overflow(): boolean {
    this.fsw |= SW_IE | SW_SF | SW_C1;
    if (this.fcw & SW_IE) return true;
    this.fsw |= SW_ES | SW_B;
    return false;
  }

  /** Masked underflow response: ST(i) = indefinite, then pop if asked. */
  underflowTo(i: number, pop: boolean): void {
    if (this.underflow()) {
      this.set(i, INDEF);
      if (pop) this.pop();
    }
  }

  /** Masked overflow response: push the indefinite. */
  overflowPush(): void {
    if (this.overflow()) this.push(INDEF);
  }
}

export { FE_DE, FE_IE, FE_OE, FE_PE, FE_UE, FE_ZE };
