// The machine state the runner compares: registers by name (as little-endian integers) and
// the bytes of the covered memory ranges.

export const GPRS = ['eax', 'ecx', 'edx', 'ebx', 'esp', 'ebp', 'esi', 'edi'];
export const SEGS = ['cs', 'ss', 'ds', 'es', 'fs', 'gs'];
export const CONTROL = ['cr0', 'cr2', 'cr3', 'cr4', 'efer', 'fs_base', 'gs_base'];
export const ST = ['st0', 'st1', 'st2', 'st3', 'st4', 'st5', 'st6', 'st7'];
/** QEMU 7.2 sends ftag/fiseg/fioff/foseg/fooff/fop as zeros: only these two x87 words are comparable. */
export const X87_WORDS = ['fctrl', 'fstat'];
export const SSE = ['xmm0', 'xmm1', 'xmm2', 'xmm3', 'xmm4', 'xmm5', 'xmm6', 'xmm7', 'mxcsr'];

/** Every register field the runner compares, in report order. */
export const FIELDS = [...GPRS, 'eip', 'eflags', ...SEGS, ...CONTROL, ...X87_WORDS, ...ST, ...SSE];

export interface Range { addr: number; len: number }

export interface CpuState {
  regs: Map<string, bigint>;
  /** One entry per covered range; null when the range could not be read. */
  mem: { range: Range; bytes: Buffer | null }[];
  /** Replies to extra packets read along (e.g. a monitor command). */
  extra?: string[];
}

export function u32(s: CpuState, name: string): number {
  const v = s.regs.get(name);
  if (v === undefined) throw new Error(`register ${name} missing`);
  return Number(v & 0xffffffffn);
}

/** Little-endian hex (as in packets) to an integer; unavailable registers ('xx') read as 0. */
export function leHexToBig(hex: string): bigint {
  const clean = hex.replace(/x/g, '0');
  let v = 0n;
  for (let i = clean.length - 2; i >= 0; i -= 2) v = (v << 8n) | BigInt(parseInt(clean.slice(i, i + 2), 16));
  return v;
}

export function bigToLeHex(v: bigint, bytes: number): string {
  let s = '';
  for (let i = 0; i < bytes; i++) { s += Number(v & 0xffn).toString(16).padStart(2, '0'); v >>= 8n; }
  return s;
}

/** Display width of a field: hex digits. */
export function fieldDigits(name: string): number {
  if (name.startsWith('st')) return 20;
  if (name.startsWith('xmm')) return 32;
  return 8;
}

export function fmt(name: string, v: bigint | undefined): string {
  if (v === undefined) return '-'.padStart(fieldDigits(name));
  return v.toString(16).padStart(fieldDigits(name), '0');
}

/**
 * QEMU's stub sends st0..st7 as the physical registers R0..R7, tcg86 as ST(0)..ST(7)
 * (relative to TOP, as gdb expects). Both are turned into ST(i) here.
 */
export function physicalToStack(regs: Map<string, bigint>): void {
  const fstat = regs.get('fstat');
  if (fstat === undefined) return;
  const top = Number((fstat >> 11n) & 7n);
  const phys = ST.map((n) => regs.get(n));
  ST.forEach((n, i) => { const v = phys[(top + i) & 7]; if (v !== undefined) regs.set(n, v); });
}

/** The inverse, to write an ST(i) value back through a stub that numbers registers physically. */
export function stackIndexToPhysical(i: number, fstat: bigint): number {
  return (Number((fstat >> 11n) & 7n) + i) & 7;
}
