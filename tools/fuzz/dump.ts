// Parsing the kernels' dump lines and comparing two of them under a sequence's masks.
import { ARITH, flagNames } from './flags';
import { BEGIN } from './kernel';
import { hex } from './prng';
import { Analysis } from './sequence';

export interface Rec {
  seq: number;
  vec: number;
  idx: number;
  err: number;
  eipoff: number;
  regs: number[];
  efl: number;
  /** DS ES FS GS SS. */
  segs: number[];
  fcw: number;
  fsw: number;
  ftw: number;
  /** x87 registers ST0..ST7 (fnsave's order), as 20 hex digits (exponent word, mantissa). */
  st: string[];
  mem: Map<number, number>;
}

export interface Output {
  recs: Map<number, Rec>;
  /** The kernel reached its end. */
  end: boolean;
  /** TSC ticks over all sequences (instructions under tcg86 -icount shift=0). */
  tsc: number | null;
  /** Lines that did not parse (a truncated run). */
  junk: string[];
}

const FIXED = 30;

export function parseOutput(text: string): Output {
  const out: Output = { recs: new Map(), end: false, tsc: null, junk: [] };
  const at = text.indexOf(BEGIN);
  if (at < 0) return out;
  for (const line of text.slice(at + BEGIN.length).split('\n')) {
    const t = line.trim().split(/\s+/);
    if (t[0] === 'END') out.end = true;
    else if (t[0] === 'T' && t.length === 3) out.tsc = parseInt(t[1], 16) * 4294967296 + parseInt(t[2], 16);
    else if (t[0] === 'S' && t.length >= FIXED + 1) {
      const n = t.slice(1, 15).map((x) => parseInt(x, 16) >>> 0);
      const mem = new Map<number, number>();
      let ok = n.every((v) => Number.isFinite(v));
      for (const kv of t.slice(FIXED + 1)) {
        const m = /^([0-9a-f]{4})=([0-9a-f]{8})$/.exec(kv);
        if (m) mem.set(parseInt(m[1], 16), parseInt(m[2], 16)); else ok = false;
      }
      if (!ok) { out.junk.push(line); continue; }
      out.recs.set(n[0], {
        seq: n[0], vec: n[1], idx: n[2], err: n[3], eipoff: n[4], regs: n.slice(5, 13), efl: n[13],
        segs: t.slice(15, 20).map((x) => parseInt(x, 16)),
        fcw: parseInt(t[20], 16), fsw: parseInt(t[21], 16), ftw: parseInt(t[22], 16), st: t.slice(23, 31), mem,
      });
    } else if (line.trim()) out.junk.push(line);
  }
  return out;
}

export interface FieldDiff { field: string; expected: string; actual: string }

/** FSW bits never compared: DE (QEMU does not flag denormal operands). */
export const FSW_QEMU = 0x0002;

/** ST(i) is empty: its physical register's tag (TOP + i) is 3. */
export function isEmpty(r: Rec, i: number): boolean {
  const top = (r.fsw >> 11) & 7;
  return ((r.ftw >> (2 * ((top + i) & 7))) & 3) === 3;
}

const REG_NAMES = ['eax', 'ecx', 'edx', 'ebx', 'esp', 'ebp', 'esi', 'edi'];
const NONE = 0xffffffff;

/** The undefined-flag mask that applies to a record (at its end, or at its faulting instruction). */
export function maskFor(rec: Rec, a: Analysis): number {
  if (rec.vec === NONE) return a.end;
  return rec.idx < a.before.length ? a.before[rec.idx] : a.end;
}

/** Differences of `got` from `want` (QEMU), ignoring what the sequence leaves undefined. */
export function compareRecs(want: Rec, got: Rec, a: Analysis): FieldDiff[] {
  const d: FieldDiff[] = [];
  const eq = (field: string, x: number, y: number, w = 8): void => {
    if (x >>> 0 !== y >>> 0) d.push({ field, expected: hex(x, w), actual: hex(y, w) });
  };
  eq('vector', want.vec, got.vec);
  eq('insn', want.idx, got.idx);
  eq('error', want.err, got.err);
  eq('eip', want.eipoff, got.eipoff);
  REG_NAMES.forEach((r, i) => eq(r, want.regs[i], got.regs[i]));
  const mask = maskFor(want, a);
  const fmask = ~(mask & ARITH);
  if ((want.efl & fmask) !== (got.efl & fmask)) {
    d.push({ field: `eflags (ignoring ${flagNames(mask & ARITH)})`, expected: hex(want.efl), actual: `${hex(got.efl)} (${flagNames((want.efl ^ got.efl) & fmask)} differ)` });
  }
  ['ds', 'es', 'fs', 'gs', 'ss'].forEach((r, i) => eq(r, want.segs[i], got.segs[i], 4));
  eq('fcw', want.fcw, got.fcw, 4);
  const fswMask = ((mask >>> 16) & 0x4700) | FSW_QEMU;
  eq(`fsw (ignoring 0x${fswMask.toString(16)})`, want.fsw & ~fswMask, got.fsw & ~fswMask, 4);
  eq('ftw', want.ftw, got.ftw, 4);
  for (let i = 0; i < 8; i++) {
    // Empty registers keep stale contents: not dumped (the tags are compared).
    if (want.st[i] !== got.st[i]) d.push({ field: `st${i}`, expected: want.st[i], actual: got.st[i] });
  }
  const addrs = [...new Set([...want.mem.keys(), ...got.mem.keys()])].sort((x, y) => x - y);
  for (const addr of addrs) {
    const x = want.mem.get(addr), y = got.mem.get(addr);
    if (x !== y) d.push({ field: `mem[${hex(addr, 4)}]`, expected: x === undefined ? 'unchanged' : hex(x), actual: y === undefined ? 'unchanged' : hex(y) });
  }
  return d;
}
