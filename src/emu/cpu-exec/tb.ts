// A translated block and its key (QEMU's TranslationBlock).
import { InterpCode } from '../tcg/interp';
import { IrFunc, IrOp } from '../tcg/ir';
import { TbFunction } from '../hostgen/jsgen';
import { USER_TLB } from '../translate-i386/mmu';
import { HF_CPL_MASK } from '../translate-i386/state';

/** cflags: compile flags that are part of the key. */
export const CF_SINGLE_INSN = 1;   // one instruction, never chained (single-step, SMC restart)
export const CF_NOCHAIN = 2;       // -d nochain

export class TranslationBlock {
  /** Outgoing direct links for exits 0 and 1 (chaining). */
  jmp: [TranslationBlock | null, TranslationBlock | null] = [null, null];
  /** TBs whose exits link into this one, as (tb, slot) pairs, for unlinking. */
  incoming: { tb: TranslationBlock; slot: number }[] = [];
  invalid = false;
  fn: TbFunction | null = null;
  /** `fn` is a WebAssembly function (else JavaScript). */
  wasm = false;
  /** When this TB heads a region (tier 3): its members (this one first), and its own function. */
  region: TranslationBlock[] | null = null;
  ownFn: TbFunction | null = null;
  /** Heads of the regions this TB belongs to (a member's invalidation dissolves them). */
  inRegions: TranslationBlock[] = [];
  execCount = 0;
  compileQueued = false;
  /** Optimized IR kept until the TB is compiled to JavaScript (and for `info tb`). */
  ir: IrFunc | null;
  /** The IR ops as the front end emitted them (before the optimizer), for `info tb ADDR`. */
  opsBefore: IrOp[] | null = null;
  /** Byte ranges on physical pages: [start, end) pairs (one or two). */
  readonly ranges: number[];

  constructor(
    readonly id: number,
    /** Linear address of the first byte (cs_base + eip). */
    readonly pc: number,
    readonly csBase: number,
    /** hflags at translation: every mode bit the code depends on. */
    readonly flags: number,
    readonly cflags: number,
    readonly physPc: number,
    readonly size: number,
    readonly icount: number,
    readonly insnEips: number[],
    ir: IrFunc,
    public interp: InterpCode | null,
    ranges: number[],
  ) {
    this.ir = ir;
    this.ranges = ranges;
  }

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

/** The TLB half a TB's generated code indexes: its privilege level is part of its key. */
export function tbTlbBase(tb: TranslationBlock): number {
  return (tb.flags & HF_CPL_MASK) === 3 ? USER_TLB : 0;
}
