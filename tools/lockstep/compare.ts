// Comparing tcg86's state with QEMU's: register fields and covered memory, under the
// standing normalisations (EFLAGS' reserved bits; segment selectors that still hold the two
// loaders' different values).
import { CpuState, SEGS } from './state';

/** EFLAGS bits the CPU defines (CF PF AF ZF SF TF IF DF OF IOPL NT RF VM AC VIF VIP ID); bit 1 always reads 1. */
export const EFLAGS_DEFINED = 0x3f7fd5n;

export interface FieldDiff { field: string; tcg: bigint | undefined; qemu: bigint | undefined; mask?: bigint }
export interface MemDiff { addr: number; len: number; tcg: Buffer | null; qemu: Buffer | null }
export interface Diff { regs: FieldDiff[]; mem: MemDiff[] }

export function isEmpty(d: Diff): boolean { return d.regs.length === 0 && d.mem.length === 0; }

export class Comparer {
  /**
   * Selectors not compared yet: tcg86's loader enters with CS=0x10 DS=ES=SS=FS=GS=0x18,
   * QEMU's option ROM with 0x08/0x10. A selector is compared from the first time both sides
   * hold the same value (the guest's own GDT loads).
   */
  readonly pendingSelectors = new Set<string>();

  constructor(readonly fields: string[]) {}

  /** Selectors that differ at the entry are left out until they agree. */
  initSelectors(t: CpuState, q: CpuState): void {
    for (const s of SEGS) if (t.regs.get(s) !== q.regs.get(s)) this.pendingSelectors.add(s);
  }

  diff(t: CpuState, q: CpuState): Diff {
    const regs: FieldDiff[] = [];
    for (const f of this.fields) {
      const a = t.regs.get(f), b = q.regs.get(f);
      if (this.pendingSelectors.has(f)) {
        if (a === b) this.pendingSelectors.delete(f);
        continue;
      }
      if (f === 'eflags') {
        if (a === undefined || b === undefined || (a & EFLAGS_DEFINED) !== (b & EFLAGS_DEFINED)) regs.push({ field: f, tcg: a, qemu: b, mask: EFLAGS_DEFINED });
      } else if (a !== b) regs.push({ field: f, tcg: a, qemu: b });
    }
    return { regs, mem: diffMemory(t, q) };
  }
}

/** Each covered range that differs, narrowed to its first..last differing byte. */
export function diffMemory(t: CpuState, q: CpuState): MemDiff[] {
  const out: MemDiff[] = [];
  t.mem.forEach((mt, i) => {
    const mq = q.mem[i];
    if (!mq) return;
    const a = mt.bytes, b = mq.bytes;
    if (a === null || b === null) {
      if (a !== b) out.push({ addr: mt.range.addr, len: mt.range.len, tcg: a, qemu: b });
      return;
    }
    if (a.equals(b)) return;
    let lo = 0, hi = a.length - 1;
    while (a[lo] === b[lo]) lo++;
    while (a[hi] === b[hi]) hi--;
    out.push({ addr: mt.range.addr + lo, len: hi - lo + 1, tcg: a.subarray(lo, hi + 1), qemu: b.subarray(lo, hi + 1) });
  });
  return out;
}
