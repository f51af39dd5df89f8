// Splitting a difference into what the policy explains (and is then resynced) and the rest.
import { Diff, FieldDiff, MemDiff } from './compare';
import { DescriptorTable, Leeway, onlyAccessedBits } from './policy';

export interface Explanation {
  /** Register fields to copy from QEMU to tcg86. */
  fields: FieldDiff[];
  /** Memory to copy from tcg86 to QEMU: descriptor accessed bits and fxsave pointers, which QEMU does not keep. */
  memToQemu: MemDiff[];
  /** Why, one entry per kind of explanation (counted in the run's statistics). */
  reasons: string[];
  unexplained: Diff;
}

export const ACCESSED_BIT = 'descriptor accessed bit (QEMU 7.2 does not set it when loading CS)';

/**
 * `leeway`: what the executed instruction leaves undefined or machine-specific (null at a
 * checkpoint, where the instructions are not known); `tables`: the GDT/LDT, for the
 * accessed-bit deviation. Known QEMU deviations are not tolerated when `strict`.
 */
export function explain(d: Diff, leeway: Leeway | null, tables: DescriptorTable[], strict: boolean): Explanation {
  const lw = leeway && !(strict && leeway.deviation) ? leeway : null;
  const fields: FieldDiff[] = [];
  const rest: FieldDiff[] = [];
  for (const f of d.regs) {
    const allowed = lw?.fields[f.field];
    const ok = allowed !== undefined && f.tcg !== undefined && f.qemu !== undefined && (((f.tcg ^ f.qemu) & (f.mask ?? -1n)) & ~allowed) === 0n;
    (ok ? fields : rest).push(f);
  }
  const memToQemu: MemDiff[] = [];
  const restMem: MemDiff[] = [];
  let leewayMem = false, accessed = false;
  for (const m of d.mem) {
    const both = m.tcg !== null && m.qemu !== null;
    if (both && lw?.mem?.some((r) => m.addr >= r.from && m.addr + m.len <= r.to)) { leewayMem = true; memToQemu.push(m); continue; }
    const ok = !strict && both && onlyAccessedBits(m.addr, m.tcg!, m.qemu!, tables);
    if (ok) accessed = true;
    (ok ? memToQemu : restMem).push(m);
  }
  const reasons: string[] = [];
  if ((fields.length || leewayMem) && lw) reasons.push(lw.reason);
  if (accessed) reasons.push(ACCESSED_BIT);
  return { fields, memToQemu, reasons, unexplained: { regs: rest, mem: restMem } };
}
