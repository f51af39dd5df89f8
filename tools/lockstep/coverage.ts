// Which memory is compared: the kernel's writable sections (.data, .bss and the like), except
// the dead part of the boot stack below esp (stale frames tell nothing and cost 64 KiB of
// reads per compare). Code is not compared: wrong self-modifying-code handling shows up as
// a register divergence as soon as the patched code runs.
import { ElfInfo } from './elf32';
import { Range } from './state';

export interface Coverage {
  /** The writable sections, merged where they touch. */
  sections: Range[];
  /** The boot stack [bottom, top) from the stack_bottom/stack_top symbols, if the kernel has them. */
  stack: Range | null;
}

export function coverageOf(elf: ElfInfo): Coverage {
  const secs = elf.sections.filter((s) => s.writable).map((s) => ({ addr: s.addr, len: s.size })).sort((a, b) => a.addr - b.addr);
  const merged: Range[] = [];
  for (const r of secs) {
    const last = merged[merged.length - 1];
    if (last && r.addr <= last.addr + last.len + 64) last.len = Math.max(last.len, r.addr + r.len - last.addr);
    else merged.push({ ...r });
  }
  const sym = (n: string) => elf.symbols.find((s) => s.name === n)?.value;
  const bottom = sym('stack_bottom'), top = sym('stack_top');
  return { sections: merged, stack: bottom !== undefined && top !== undefined && top > bottom ? { addr: bottom, len: top - bottom } : null };
}

/** The ranges to read given the current esp: the sections with [stack_bottom, esp) cut out. */
export function rangesFor(c: Coverage, esp: number): Range[] {
  const st = c.stack;
  if (!st || esp < st.addr || esp > st.addr + st.len) return c.sections;
  const cutLo = st.addr, cutHi = esp & ~3;
  const out: Range[] = [];
  for (const r of c.sections) {
    const end = r.addr + r.len;
    if (cutHi <= r.addr || cutLo >= end) { out.push(r); continue; }
    if (r.addr < cutLo) out.push({ addr: r.addr, len: cutLo - r.addr });
    if (cutHi < end) out.push({ addr: cutHi, len: end - cutHi });
  }
  return out;
}
