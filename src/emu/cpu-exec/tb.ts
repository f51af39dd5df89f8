// A translated block and its key (QEMU's TranslationBlock).
import { InterpCode } from '../tcg/interp';
import { IrFunc } from '../tcg/ir';
import { TbFunction } from '../hostgen/jsgen';
import { USER_TLB } from '../translate-i386/mmu';
import { HF_CPL_MASK } from '../translate-i386/state';

/** cflags: compile flags that are part of the key. */
export const CF_SINGLE_INSN = 1;   // one instruction, never chained (single-step, SMC restart)
export const CF_NOCHAIN = 2;       // -d nochain

export class TranslationBlock {
  // The fields the exec loop reads on every dispatch come first, so that they share the
  // object's first cache line (V8 lays fields out in the order they are defined).
  fn: TbFunction | null = null;
  /** Outgoing direct links for exits 0 and 1 (chaining): fields, not an array, to save a load per dispatch. */
  jmp0: TranslationBlock | null = null;
  jmp1: TranslationBlock | null = null;
  invalid = false;
  readonly flags: number;
  readonly icount: number;
  execCount = 0;
  /** Its slot in the wasm dispatcher (-1: none; the exec loop dispatches it). */
  dslot = -1;
  /** When this TB heads a region (tier 3): its members (this one first), and its own function. */
  region: TranslationBlock[] | null = null;
  /** Linear address of the first byte (cs_base + eip). */
  readonly pc: number;
  readonly csBase: number;
  readonly cflags: number;
  /** Byte ranges on physical pages: [start, end) pairs (one or two). */
  readonly ranges: number[];
  readonly id: number;
  readonly physPc: number;
  readonly size: number;
  readonly insnEips: number[];
  /** `fn` is a WebAssembly function (else JavaScript). */
  wasm = false;
  ownFn: TbFunction | null = null;
  /** TBs whose exits link into this one, as (tb, slot) pairs, for unlinking. */
  incoming: { tb: TranslationBlock; slot: number }[] = [];
  /** Heads of the regions this TB belongs to (a member's invalidation dissolves them). */
  inRegions: TranslationBlock[] = [];
  /** The page unit whose code `fn` enters (then `region` is the unit's members). */
  unit: PageUnit | null = null;
  compileQueued = false;
  /** Times its compiled code left before a TLB miss, and whether it must not (see CpuExec.withoutMissExit). */
  memRestarts = 0;
  noMissExit = false;
  /**
   * A TB whose code goes on to a second page: that page's fetch-TLB index and the entry that
   * maps it as at translation (-1: one page). A TLB that says so spares the page walk.
   */
  readonly page2: number = -1;
  readonly page2Entry: number = 0;
  /** Optimized IR kept until the TB is compiled (and for `info tb`). */
  ir: IrFunc | null;
  interp: InterpCode | null;

  constructor(
    id: number, pc: number, csBase: number,
    /** hflags at translation: every mode bit the code depends on. */
    flags: number, cflags: number, physPc: number, size: number, icount: number, insnEips: number[],
    ir: IrFunc, interp: InterpCode | null, ranges: number[],
  ) {
    this.flags = flags;
    this.icount = icount;
    this.pc = pc;
    this.csBase = csBase;
    this.cflags = cflags;
    this.ranges = ranges;
    this.id = id;
    this.physPc = physPc;
    this.size = size;
    this.insnEips = insnEips;
    this.ir = ir;
    this.interp = interp;
    if (ranges.length > 2) {
      const vpage2 = ((pc >>> 12) + 1) & 0xfffff;
      this.page2 = tbTlbBase(this) | vpage2;
      this.page2Entry = ((ranges[2] & ~0xfff) ^ (vpage2 << 12)) | 0;
    }
  }

  /** The direct link of exit `slot` (0 or 1). */
  link(slot: number): TranslationBlock | null { return slot === 0 ? this.jmp0 : this.jmp1; }
  setLink(slot: number, tb: TranslationBlock | null): void { if (slot === 0) this.jmp0 = tb; else this.jmp1 = tb; }
  /** Both links, for the monitor and tests. */
  get jmp(): readonly [TranslationBlock | null, TranslationBlock | null] { return [this.jmp0, this.jmp1]; }

  /** Physical pages the TB's code lies on. */
  pages(): number[] {
    const p: number[] = [];
    for (let i = 0; i < this.ranges.length; i += 2) p.push(this.ranges[i] >>> 12);
    return p;
  }

  overlaps(start: number, end: number): boolean {
    for (let i = 0; i < this.ranges.length; i += 2) if (start < this.ranges[i + 1] && end > this.ranges[i]) return true;
    return false;
  }
}

/**
 * Tier 3 with WebAssembly: the compiled TBs of one page (same virtual page, flags and CS base)
 * in one function with an entry for each; exits between members stay inside it.
 */
export interface PageUnit {
  group: UnitGroup;
  members: TranslationBlock[];
}

/** The TBs that may form one page unit (by CpuExec.unitKey), and when to (re)build it. */
export interface UnitGroup {
  key: string;
  unit: PageUnit | null;
  /** TBs compiled and links made among them since the last build. */
  changes: number;
  /** TBs compiled (an estimate of the unit's size, hence of its compile cost). */
  compiled: number;
  /** Unit checks since the last build (each after UNIT_TICK exec-loop dispatches of one TB). */
  ticks: number;
  /** A build is being compiled (asynchronously). */
  building?: boolean;
}

/** The name of a TB's generated function (profiles, `-d out_asm`, `info tb`). */
export function tbName(tb: TranslationBlock): string { return `tb_${(tb.pc >>> 0).toString(16)}_${tb.id}`; }

/** The TLB half a TB's generated code indexes: its privilege level is part of its key. */
export function tbTlbBase(tb: TranslationBlock): number {
  return (tb.flags & HF_CPL_MASK) === 3 ? USER_TLB : 0;
}
