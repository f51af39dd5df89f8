// The i386 CPU as seen by helpers and the exec loop: state array, memory, port I/O,
// and the pending-exception record that a thrown CpuFault refers to.
import { computeEflags } from './cc';
import { Memory, USER_TLB } from './mmu';
import { X87State } from './fpu';
import {
  CC_DST, CC_MASK, CC_OP, CC_SRC, CC_SRC2, CR0, CR0_AM, CR0_ET, CR0_PE, CR0_PG, DESC_B, EFLAGS, FLAG_AC, FLAG_TF, HF_AC, HF_ADDSEG,
  HF_CPL_MASK, HF_CS32, HF_PE, HF_PG, HF_SS32, HF_TF, HFLAGS, SEG_ATTR, SEG_BASE, SEG_CS, SEG_DS, SEG_ES, SEG_LIMIT, SEG_SEL, SEG_SS,
  IDTR_LIMIT, GDTR_LIMIT, EIP, DR0, LDTR_LIMIT, LDTR_ATTR, TR_LIMIT, TR_ATTR, EXC_AC,
} from './state';

export interface PortIo {
  in(port: number, size: 1 | 2 | 4): number;
  out(port: number, size: 1 | 2 | 4, value: number): void;
}

/** Thrown (one preallocated instance) to unwind a guest exception out of generated code. */
export class CpuFault { readonly kind = 'cpu-fault'; }
export const CPU_FAULT = new CpuFault();

/** Hooks into the exec loop for helpers that change how code runs. */
export interface CpuHooks {
  /** Mode bits or memory mapping changed: TBs must be looked up again (no chaining from here). */
  modeChanged(): void;
  /** Time for rdtsc, in guest cycles. */
  tsc(): number;
  /** Log an unimplemented opcode once (`-d unimp`). */
  unimplemented(eip: number, what: string): void;
  /** FERR#: an unmasked x87 exception met by a waiting instruction with CR0.NE = 0. */
  ferr?(): void;
  /**
   * `int n` / `int3` / `into`: deliver the software interrupt now, from the helper, instead of
   * unwinding to the exec loop with a throw (much cheaper for syscall-heavy guests).
   */
  softInterrupt?(vector: number, nextEip: number, eip: number): void;
  /** DR0-DR3, DR7 or CR4.DE was written: the exec loop re-reads the guest's breakpoints. */
  debugRegsChanged?(): void;
  /**
   * in/out/ins/outs is about to access ports [port, port + len): the exec loop records the
   * guest's I/O breakpoints it hits (may throw to run the instruction again alone first).
   */
  ioAccess?(port: number, len: number, eip: number): void;
  /**
   * Deliver the exception recorded in excVector/excError/excEip now (a fault raised in a new
   * task after a task switch committed, which must not unwind through the translated block).
   */
  deliverFault?(): void;
}

export class X86Cpu {
  /** The architectural state, inside the memory's buffer (generated wasm code reaches it there). */
  readonly s: Int32Array;
  /** x87/MXCSR state (translate-i386/fpu). */
  fpu = new X87State();
  /** Pending exception: vector, error code (-1: none), EIP to push, and whether it is int n. */
  excVector = -1;
  excError = -1;
  excEip = 0;
  excSoft = false;
  /** For int n: the address of the int instruction (faults during delivery point there). */
  excInsnEip = 0;
  /** Set when the fault was an SMC restart rather than a guest exception. */
  smcRestart = false;
  halted = false;
  /** A debugger single-step is executing (rep instructions do one iteration). */
  singleStepping = false;
  /** A20 line: when off, physical address bit 20 is forced to 0 (port 0x92, the 8042). */
  a20 = true;
  /**
   * The instruction running now hit a guest data or I/O breakpoint (set by the exec loop): a
   * rep string instruction stops after the current iteration, so that the #DB trap comes there.
   */
  debugTrap = false;

  setA20(on: boolean): void {
    if (on === this.a20) return;
    this.a20 = on;
    this.mem.flushTlb();
  }
  msrTscOffset = 0;
  /** IA32_MISC_ENABLE: fast-string enable (bit 0) set at reset, as QEMU does. */
  msrMiscEnable = 1;
  hooks: CpuHooks = { modeChanged: () => undefined, tsc: () => 0, unimplemented: () => undefined };

  constructor(readonly mem: Memory, readonly io: PortIo) {
    this.s = mem.state;
    this.reset();
  }

  reset(): void {
    this.s.fill(0);
    this.mem.tlbBase = 0;
    this.fpu = new X87State();
    this.msrTscOffset = 0;
    this.msrMiscEnable = 1;
    this.s[CR0] = CR0_ET;
    this.s[EFLAGS] = 2;
    this.s[GDTR_LIMIT] = 0xffff;
    this.s[IDTR_LIMIT] = 0xffff;
    for (let i = 0; i < 6; i++) this.s[SEG_LIMIT + i] = 0xffff;
    this.s[SEG_ATTR + SEG_CS] = 0x9b00;
    this.s[EIP] = 0xfff0;
    this.s[DR0 + 6] = 0xffff0ff0 | 0;
    // LDTR and TR hidden parts as after reset (limit 0xffff; LDT and busy 32-bit TSS types).
    this.s[LDTR_LIMIT] = 0xffff; this.s[LDTR_ATTR] = 0x8200;
    this.s[TR_LIMIT] = 0xffff; this.s[TR_ATTR] = 0x8b00;
    this.s[DR0 + 7] = 0x400;
    this.halted = false;
    this.excVector = -1;
    this.updateHflags();
  }

  /** Raise a guest exception: records it and unwinds to the exec loop. */
  raise(vector: number, error: number, eip: number, soft = false, insnEip = eip): never {
    this.excInsnEip = insnEip;
    this.excVector = vector;
    this.excError = error;
    this.excEip = eip;
    this.excSoft = soft;
    throw CPU_FAULT;
  }

  getEflags(): number {
    const s = this.s;
    return (s[EFLAGS] & ~CC_MASK) | computeEflags(s[CC_OP], s[CC_DST], s[CC_SRC], s[CC_SRC2]) | 2;
  }

  /** Write EFLAGS bits selected by `mask` (the arithmetic ones go to the lazy state). */
  setEflags(v: number, mask: number): void {
    const s = this.s;
    const cur = this.getEflags();
    const nv = (cur & ~mask) | (v & mask);
    s[CC_OP] = 0;
    s[CC_SRC] = nv & CC_MASK;
    s[CC_DST] = 0;
    s[CC_SRC2] = 0;
    const old = s[EFLAGS];
    s[EFLAGS] = (nv & ~CC_MASK & ~0x8028) | 2;
    if ((old ^ s[EFLAGS]) & (FLAG_TF | FLAG_AC)) this.updateHflags();
  }

  get cpl(): number { return this.s[HFLAGS] & HF_CPL_MASK; }

  /** Recompute the translation-relevant mode bits after a segment, CR0 or EFLAGS.TF/AC change. */
  updateHflags(): void {
    const s = this.s;
    let h = s[HFLAGS] & (HF_CPL_MASK | 0x80); // CPL and INHIBIT_IRQ are maintained by their writers
    if (s[SEG_ATTR + SEG_CS] & DESC_B) h |= HF_CS32;
    if (s[SEG_ATTR + SEG_SS] & DESC_B) h |= HF_SS32;
    if (s[SEG_BASE + SEG_DS] | s[SEG_BASE + SEG_ES] | s[SEG_BASE + SEG_SS]) h |= HF_ADDSEG;
    if (s[CR0] & CR0_PE) h |= HF_PE;
    if (s[CR0] & CR0_PG) h |= HF_PG;
    if (s[EFLAGS] & FLAG_TF) h |= HF_TF;
    s[HFLAGS] = h | this.acFlag(h & HF_CPL_MASK);
  }

  setCpl(cpl: number): void {
    // User and supervisor accesses use separate TLB halves.
    this.mem.tlbBase = cpl === 3 ? USER_TLB : 0;
    this.s[HFLAGS] = (this.s[HFLAGS] & ~(HF_CPL_MASK | HF_AC)) | cpl | this.acFlag(cpl);
  }

  /** HF_AC at privilege `cpl`: alignment checking needs CPL 3, CR0.AM and EFLAGS.AC (SDM Vol. 3A, 6.15). */
  private acFlag(cpl: number): number {
    const s = this.s;
    return cpl === 3 && (s[CR0] & CR0_AM) !== 0 && (s[EFLAGS] & FLAG_AC) !== 0 ? HF_AC : 0;
  }

  /**
   * #AC(0) for a data access of a helper (string instructions, x87, SSE, cmpxchg8b, far
   * returns...) at a linear address that is not a multiple of `align`, while HF_AC is set.
   */
  alignCheck(addr: number, align: number, eip: number): void {
    if ((this.s[HFLAGS] & HF_AC) !== 0 && (addr & (align - 1)) !== 0) this.raise(EXC_AC, 0, eip);
  }

  /** Load a segment register with a flat descriptor cache (loader, reset paths). */
  setSegmentFlat(seg: number, sel: number, base: number, limit: number, attr: number): void {
    const s = this.s;
    s[SEG_SEL + seg] = sel;
    s[SEG_BASE + seg] = base;
    s[SEG_LIMIT + seg] = limit;
    s[SEG_ATTR + seg] = attr;
  }

  get eip(): number { return this.s[EIP]; }
  linearPc(): number { return (this.s[SEG_BASE + SEG_CS] + this.s[EIP]) | 0; }
}

