// Bochs-style dumps of the descriptor tables: `info gdt`, `info idt`, `info ldt`, `info tss`.
// Tables are read at their linear base addresses through the debug interface (no faults,
// no accessed bits). Empty (all-zero) entries are counted, not listed.
import { DebugTarget } from '../emu/cpu-exec/debug-target';
import {
  GDTR_BASE, GDTR_LIMIT, IDTR_BASE, IDTR_LIMIT, LDTR_ATTR, LDTR_BASE, LDTR_LIMIT, LDTR_SEL, TR_ATTR, TR_BASE, TR_LIMIT, TR_SEL,
} from '../emu/translate-i386/state';
import { MonitorError } from './context';
import { hex2, hex4, hex8 } from './format';

export interface Descriptor {
  lo: number;
  hi: number;
  base: number;
  /** Effective limit in bytes (scaled by 4 KiB under G). */
  limit: number;
  type: number;
  /** 1: code or data segment; 0: system descriptor or gate. */
  s: number;
  dpl: number;
  p: number;
}

export function decodeDescriptor(lo: number, hi: number): Descriptor {
  const rawLimit = (lo & 0xffff) | (hi & 0xf0000);
  return {
    lo, hi,
    base: ((lo >>> 16) | ((hi & 0xff) << 16) | (hi & 0xff000000)) >>> 0,
    limit: (hi & (1 << 23) ? (rawLimit << 12) | 0xfff : rawLimit) >>> 0,
    type: (hi >>> 8) & 0xf, s: (hi >>> 12) & 1, dpl: (hi >>> 13) & 3, p: (hi >>> 15) & 1,
  };
}

const SYSTEM_NAMES: Record<number, string> = {
  1: '16-bit TSS (available)', 2: 'LDT', 3: '16-bit TSS (busy)', 4: '16-bit call gate', 5: 'task gate',
  6: '16-bit interrupt gate', 7: '16-bit trap gate', 9: '32-bit TSS (available)', 11: '32-bit TSS (busy)',
  12: '32-bit call gate', 14: '32-bit interrupt gate', 15: '32-bit trap gate',
};
const isGate = (type: number) => [4, 5, 6, 7, 12, 14, 15].includes(type);

/** The description after "DPL=n P=n": kind and attributes, as Bochs words them. */
export function describeDescriptor(d: Descriptor): string {
  if (d.s) {
    const bits32 = d.hi & (1 << 22) ? '32-bit' : '16-bit';
    const acc = d.type & 1 ? 'Accessed' : 'Not Accessed';
    if (d.type & 8) {
      return `Code segment, ${d.type & 2 ? 'Execute/Read' : 'Execute-Only'}, ${d.type & 4 ? 'Conforming' : 'Non-Conforming'}, ${acc}, ${bits32}`;
    }
    return `Data segment, ${d.type & 2 ? 'Read/Write' : 'Read-Only'}, ${d.type & 4 ? 'Expand-down, ' : ''}${acc}, ${bits32}`;
  }
  const name = SYSTEM_NAMES[d.type];
  if (!name) return `reserved system type ${d.type} (hi=0x${hex8(d.hi)}, lo=0x${hex8(d.lo)})`;
  if (d.type === 5) return `${name} tss=0x${hex4(d.lo >>> 16)}`;
  if (isGate(d.type)) {
    const off = d.type & 8 ? ((d.lo & 0xffff) | (d.hi & 0xffff0000)) >>> 0 : d.lo & 0xffff;
    const params = d.type === 4 || d.type === 12 ? `, ${d.hi & 0x1f} params` : '';
    return `${name} target=0x${hex4(d.lo >>> 16)}:0x${hex8(off)}${params}`;
  }
  return name;
}

/** Entries [first, last] of a table of 8-byte descriptors. */
function parseRange(args: string[], entries: number, what: string): [number, number] {
  const num = (t: string): number => {
    if (!/^(0x[0-9a-f]+|\d+)$/i.test(t)) throw new MonitorError(`info ${what}: '${t}' is not an entry number`);
    return Number(t);
  };
  if (args.length > 2) throw new MonitorError(`info ${what}: expected at most two entry numbers`);
  const first = args.length ? num(args[0]) : 0;
  const last = args.length > 1 ? num(args[1]) : args.length ? first : entries - 1;
  if (first > last) throw new MonitorError(`info ${what}: first entry after last`);
  if (args.length && first >= entries) throw new MonitorError(`info ${what}: entry ${first} is beyond the table (${entries} entries)`);
  return [first, last];
}

function segTable(debug: DebugTarget, label: string, base: number, limit: number, args: string[], ti: number, what: string): string[] {
  const entries = Math.floor((limit + 1) / 8);
  const [first, last] = parseRange(args, entries, what);
  const out = [`${label} (base=0x${hex8(base)}, limit=${limit}):`];
  let empty = 0;
  for (let i = first; i <= last && i < entries; i++) {
    const addr = (base + i * 8) >>> 0;
    const raw = debug.readMemory(addr, 8, false);
    const tag = `${what.toUpperCase()}[0x${hex2(i)}]`;
    if (!raw) { out.push(`${tag} cannot access memory at 0x${hex8(addr)}`); continue; }
    const lo = (raw[0] | (raw[1] << 8) | (raw[2] << 16) | (raw[3] << 24)) >>> 0;
    const hi = (raw[4] | (raw[5] << 8) | (raw[6] << 16) | (raw[7] << 24)) >>> 0;
    if (!lo && !hi) { if (args.length) out.push(`${tag} empty`); else empty++; continue; }
    const d = decodeDescriptor(lo, hi);
    out.push(`${tag} sel=0x${hex4((i << 3) | ti)} base=0x${hex8(d.base)} limit=0x${hex8(d.limit)} DPL=${d.dpl} P=${d.p} ${describeDescriptor(d)}`);
  }
  if (empty) out.push(`${empty} empty entr${empty === 1 ? 'y' : 'ies'} not shown; 'info ${what} N [M]' lists entries N..M`);
  return out;
}

export function infoGdt(debug: DebugTarget, args: string[]): string[] {
  const s = debug.cpu.s;
  return segTable(debug, 'Global Descriptor Table', s[GDTR_BASE] >>> 0, s[GDTR_LIMIT] & 0xffff, args, 0, 'gdt');
}

export function infoLdt(debug: DebugTarget, args: string[]): string[] {
  const s = debug.cpu.s;
  if ((s[LDTR_SEL] & 0xfffc) === 0 || !(s[LDTR_ATTR] & 0x8000)) return [`LDT is not loaded (LDTR=0x${hex4(s[LDTR_SEL])})`];
  return segTable(debug, `Local Descriptor Table, LDTR=0x${hex4(s[LDTR_SEL])}`, s[LDTR_BASE] >>> 0, s[LDTR_LIMIT] >>> 0, args, 4, 'ldt');
}

export function infoIdt(debug: DebugTarget, args: string[]): string[] {
  const s = debug.cpu.s;
  const base = s[IDTR_BASE] >>> 0, limit = s[IDTR_LIMIT] & 0xffff;
  const entries = Math.min(256, Math.floor((limit + 1) / 8));
  const [first, last] = parseRange(args, entries, 'idt');
  const out = [`Interrupt Descriptor Table (base=0x${hex8(base)}, limit=${limit}):`];
  let empty = 0;
  for (let v = first; v <= last && v < entries; v++) {
    const addr = (base + v * 8) >>> 0;
    const raw = debug.readMemory(addr, 8, false);
    if (!raw) { out.push(`IDT[0x${hex2(v)}] cannot access memory at 0x${hex8(addr)}`); continue; }
    const lo = (raw[0] | (raw[1] << 8) | (raw[2] << 16) | (raw[3] << 24)) >>> 0;
    const hi = (raw[4] | (raw[5] << 8) | (raw[6] << 16) | (raw[7] << 24)) >>> 0;
    if (!lo && !hi) { if (args.length) out.push(`IDT[0x${hex2(v)}] empty`); else empty++; continue; }
    const d = decodeDescriptor(lo, hi);
    out.push(`IDT[0x${hex2(v)}] DPL=${d.dpl} P=${d.p} ${d.s ? `not a gate (${describeDescriptor(d)})` : describeDescriptor(d)}`);
  }
  if (empty) out.push(`${empty} empty entr${empty === 1 ? 'y' : 'ies'} not shown; 'info idt N [M]' lists vectors N..M`);
  return out;
}

/** Fields of a 32-bit TSS: name and byte offset (16-bit fields marked). */
const TSS32: [string, number, number][] = [
  ['link', 0, 2], ['esp0', 4, 4], ['ss0', 8, 2], ['esp1', 12, 4], ['ss1', 16, 2], ['esp2', 20, 4], ['ss2', 24, 2],
  ['cr3', 28, 4], ['eip', 32, 4], ['eflags', 36, 4], ['eax', 40, 4], ['ecx', 44, 4], ['edx', 48, 4], ['ebx', 52, 4],
  ['esp', 56, 4], ['ebp', 60, 4], ['esi', 64, 4], ['edi', 68, 4], ['es', 72, 2], ['cs', 76, 2], ['ss', 80, 2],
  ['ds', 84, 2], ['fs', 88, 2], ['gs', 92, 2], ['ldt', 96, 2], ['trap', 100, 2], ['iomap', 102, 2],
];
const TSS16: [string, number, number][] = [
  ['link', 0, 2], ['sp0', 2, 2], ['ss0', 4, 2], ['sp1', 6, 2], ['ss1', 8, 2], ['sp2', 10, 2], ['ss2', 12, 2],
  ['ip', 14, 2], ['flags', 16, 2], ['ax', 18, 2], ['cx', 20, 2], ['dx', 22, 2], ['bx', 24, 2], ['sp', 26, 2],
  ['bp', 28, 2], ['si', 30, 2], ['di', 32, 2], ['es', 34, 2], ['cs', 36, 2], ['ss', 38, 2], ['ds', 40, 2], ['ldt', 42, 2],
];
/** How the fields are grouped on lines. */
const TSS32_LINES = [['link'], ['ss0', 'esp0', 'ss1', 'esp1', 'ss2', 'esp2'], ['cr3', 'eip', 'eflags'], ['eax', 'ecx', 'edx', 'ebx'],
  ['esp', 'ebp', 'esi', 'edi'], ['es', 'cs', 'ss', 'ds', 'fs', 'gs'], ['ldt', 'trap', 'iomap']];
const TSS16_LINES = [['link'], ['ss0', 'sp0', 'ss1', 'sp1', 'ss2', 'sp2'], ['ip', 'flags'], ['ax', 'cx', 'dx', 'bx'],
  ['sp', 'bp', 'si', 'di'], ['es', 'cs', 'ss', 'ds'], ['ldt']];

export function infoTss(debug: DebugTarget): string[] {
  const s = debug.cpu.s;
  const type = (s[TR_ATTR] >>> 8) & 0xf;
  if ((s[TR_SEL] & 0xfffc) === 0 || ![1, 3, 9, 11].includes(type)) return [`TR is not loaded (TR=0x${hex4(s[TR_SEL])})`];
  const base = s[TR_BASE] >>> 0, limit = s[TR_LIMIT] >>> 0;
  const is32 = (type & 8) !== 0;
  const out = [`TR=0x${hex4(s[TR_SEL])} base=0x${hex8(base)} limit=0x${hex8(limit)} ${SYSTEM_NAMES[type]}`];
  const fields = is32 ? TSS32 : TSS16;
  const len = is32 ? 104 : 44;
  if (limit + 1 < len) out.push(`  (limit below the minimum 0x${(len - 1).toString(16)} for this TSS type)`);
  const raw = debug.readMemory(base, len, false);
  if (!raw) { out.push(`  cannot access memory at 0x${hex8(base)}`); return out; }
  const value = new Map<string, string>();
  for (const [name, off, size] of fields) {
    const v = size === 2 ? raw[off] | (raw[off + 1] << 8) : (raw[off] | (raw[off + 1] << 8) | (raw[off + 2] << 16) | (raw[off + 3] << 24)) >>> 0;
    value.set(name, size === 2 ? (name === 'trap' ? String(v & 1) : `0x${hex4(v)}`) : `0x${hex8(v)}`);
  }
  for (const group of is32 ? TSS32_LINES : TSS16_LINES) out.push('  ' + group.map(n => `${n}=${value.get(n)}`).join(' '));
  return out;
}
