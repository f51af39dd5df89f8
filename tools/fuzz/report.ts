// Text of a divergence report: where it came from, the initial state, the assembly, and a
// table of the differing fields (QEMU's value, then each backend's; `=` where it agrees).
import { SeqResult } from './batch';
import { Emu } from './run';
import { hex } from './prng';
import { listing, Sequence } from './sequence';

const REGS = ['eax', 'ecx', 'edx', 'ebx', 'esp', 'ebp', 'esi', 'edi'];

export function initialState(s: Sequence): string {
  return REGS.map((r, i) => `${r}=${hex(s.regs[i])}`).join(' ') + ` eflags=${hex(s.eflags)} sandbox=${hex(s.sandbox)}`;
}

export function diffTable(r: SeqResult, backends: readonly Emu[]): string[] {
  const fields: string[] = [];
  const expected = new Map<string, string>();
  for (const e of backends) for (const d of r.diffs[e] ?? []) {
    if (!expected.has(d.field)) { fields.push(d.field); expected.set(d.field, d.expected); }
  }
  const width = Math.max(5, ...fields.map((f) => f.length));
  const lines = [`${'field'.padEnd(width)}  qemu / ${backends.join(' / ')}`];
  for (const f of fields) {
    const vals = backends.map((e) => r.diffs[e]?.find((d) => d.field === f)?.actual ?? '=');
    lines.push(`${f.padEnd(width)}  ${expected.get(f)} / ${vals.join(' / ')}`);
  }
  return lines;
}

export function describe(r: SeqResult, backends: readonly Emu[], indent = '  '): string[] {
  return [
    `${indent}initial: ${initialState(r.seq)}`,
    `${indent}sequence:`,
    ...listing(r.seq).map((l) => `${indent}  ${l}`),
    `${indent}differences:`,
    ...diffTable(r, backends).map((l) => `${indent}  ${l}`),
  ];
}

export const failingBackends = (r: SeqResult, backends: readonly Emu[]): Emu[] => backends.filter((e) => r.diffs[e]?.length);
