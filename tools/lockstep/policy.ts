// What may legitimately differ after one instruction, and is then copied from one side to
// the other so that both run on from the same state ("resync"):
//  - EFLAGS bits the Intel SDM calls undefined after that instruction (table below);
//  - destinations the SDM calls undefined (bsf/bsr of 0; shld/shrd counts above 16 bits);
//  - results that depend on the machine, not on the instruction set: cpuid, rdtsc, rdmsr,
//    rdpmc, `in` from the PIT (0x40-0x43, 0x61), the RTC (0x70-0x71) and the POST code port
//    (0x80), and the UART IIR's choice between received data and character timeout;
//  - known QEMU 7.2 deviations from the hardware (off with --strict): x87 C1 after an
//    inexact result, UART MSR delta bits in loopback, descriptor accessed bits, the x87
//    exponent field after an MMX write, MXCSR.DE.
// Everything else must be equal.
import { Insn } from './disasm';

export const CF = 0x1n, PF = 0x4n, AF = 0x10n, ZF = 0x40n, SF = 0x80n, OF = 0x800n;
const ALL6 = CF | PF | AF | ZF | SF | OF;

export interface Leeway {
  /** Per field, the bits that may differ (-1n: the whole value). */
  fields: Record<string, bigint>;
  /** Why, for the log and the statistics. */
  reason: string;
  /** A known QEMU deviation from the hardware (not tolerated with --strict), rather than undefined behaviour. */
  deviation?: boolean;
  /** Memory bytes [from, to) that may differ (tcg86's copied to QEMU). */
  mem?: { from: number; to: number }[];
}

const ALL = -1n;
const flags = (f: bigint, reason: string, extra: Record<string, bigint> = {}): Leeway => ({ fields: { eflags: f, ...extra }, reason });
const regs = (names: string[], reason: string): Leeway => ({ fields: Object.fromEntries(names.map((n) => [n, ALL])), reason });

/** Ports whose value depends on (virtual or host) time. */
export const TIME_PORTS = new Set([0x40, 0x41, 0x42, 0x43, 0x61, 0x70, 0x71]);
/** The POST code port: reads return the last code on some boards (tcg86), 0xff on others (QEMU). */
export const POST_PORT = 0x80;
/** The interrupt identification registers of COM1-COM4. */
export const UART_IIR = new Set([0x3fa, 0x2fa, 0x3ea, 0x2ea]);
/** The modem status registers of COM1-COM4. */
export const UART_MSR = new Set([0x3fe, 0x2fe, 0x3ee, 0x2ee]);
/** x87 status word: C1 (bit 9), DE (bit 1: denormal operand). */
export const C1 = 0x200n, DE = 0x2n;

/** An 80-bit value with exponent 0 and a non-zero significand. */
function isDenormal(v: bigint | undefined): boolean {
  return v !== undefined && ((v >> 64n) & 0x7fffn) === 0n && (v & 0xffffffffffffffffn) !== 0n;
}

const REG8: Record<string, string> = { al: 'eax', ah: 'eax', bl: 'ebx', bh: 'ebx', cl: 'ecx', ch: 'ecx', dl: 'edx', dh: 'edx' };

/** The 32-bit register behind an AT&T register operand (`%ax` -> eax), or null for memory. */
export function regOf(operand: string): string | null {
  const m = /^%([a-z]+)$/.exec(operand.trim());
  if (!m) return null;
  const r = m[1];
  if (REG8[r]) return REG8[r];
  if (/^e?(ax|bx|cx|dx|si|di|sp|bp)$/.test(r)) return r.length === 3 ? r : `e${r}`;
  return null;
}

/** Operand size in bits from a mnemonic suffix or a register operand; 32 when unknown. */
function opSize(mnem: string, base: string, ops: string[]): number {
  const suffix = mnem.slice(base.length);
  if (suffix === 'b') return 8;
  if (suffix === 'w') return 16;
  if (suffix === 'l') return 32;
  const last = ops[ops.length - 1]?.trim() ?? '';
  if (/^%[a-d][lh]$/.test(last)) return 8;
  if (/^%([a-d]x|si|di|sp|bp)$/.test(last)) return 16;
  return 32;
}

/** Split AT&T operands at top-level commas (not inside parentheses). */
export function splitOperands(s: string): string[] {
  const out: string[] = [];
  let depth = 0, cur = '';
  for (const c of s) {
    if (c === '(') depth++;
    if (c === ')') depth--;
    if (c === ',' && depth === 0) { out.push(cur); cur = ''; } else cur += c;
  }
  if (cur.trim()) out.push(cur);
  return out.map((o) => o.trim());
}

/** Mnemonic and operands without prefixes (lock, rep, data16, segment overrides). */
export function parseInsn(text: string): { mnem: string; ops: string[] } {
  let t = text.trim();
  for (;;) {
    const m = /^(lock|rep[a-z]*|data16|data32|addr16|addr32|[c-gs]s|notrack|bnd)\s+/.exec(t);
    if (!m) break;
    t = t.slice(m[0].length);
  }
  const sp = t.search(/\s/);
  if (sp < 0) return { mnem: t, ops: [] };
  return { mnem: t.slice(0, sp), ops: splitOperands(t.slice(sp + 1)) };
}

/**
 * The leeway after executing `insn`, given the (agreed) register values before it: `pre`
 * gives ecx (shift counts in cl) and edx (`in` port in dx); `zfAfter` is QEMU's ZF after
 * it (bsf/bsr of 0). Null when nothing may differ.
 */
export function leewayFor(insn: Insn, pre: (reg: string) => bigint | undefined, zfAfter: boolean): Leeway | null {
  const pre32 = (r: string): number => Number((pre(r) ?? 0n) & 0xffffffffn);
  const { mnem, ops } = parseInsn(insn.text);
  const is = (re: RegExp): RegExpExecArray | null => re.exec(mnem);
  let m: RegExpExecArray | null;
  const dest = (): Record<string, bigint> => { const r = regOf(ops[ops.length - 1] ?? ''); return r ? { [r]: ALL } : {}; };
  const count = (): number => {
    // `shl %eax` (count 1), `shl $0x3,%eax`, `shl %cl,%eax`; shld/shrd have the count first too.
    const first = ops[0] ?? '';
    if (first.startsWith('$')) return Number(first.slice(1)) & 0x1f;
    if (first === '%cl') return pre32('ecx') & 0x1f;
    return 1;
  };

  if ((m = is(/^(and|or|xor|test)[bwl]?$/))) return flags(AF, `${m[1]}: AF undefined`);
  if ((m = is(/^(shl|sal|shr|sar)[bwl]?$/))) {
    const n = count(), size = opSize(mnem, m[1], ops);
    if (n === 0) return null;
    let f = AF;
    if (n !== 1) f |= OF;
    if (m[1] !== 'sar' && n >= size) f |= CF;
    return flags(f, `${m[1]} by ${n}: AF${n !== 1 ? ', OF' : ''}${f & CF ? ', CF' : ''} undefined`);
  }
  if ((m = is(/^(rol|ror|rcl|rcr)[bwl]?$/))) {
    const n = count();
    return n > 1 ? flags(OF, `${m[1]} by ${n}: OF undefined`) : null;
  }
  if ((m = is(/^(shld|shrd)[wl]?$/))) {
    const n = count(), size = opSize(mnem, m[1], ops);
    if (n === 0) return null;
    if (n > size) return flags(ALL6, `${m[1]} by ${n} > ${size} bits: result and flags undefined`, dest());
    return flags(n === 1 ? AF : AF | OF, `${m[1]} by ${n}: AF${n !== 1 ? ', OF' : ''} undefined`);
  }
  if ((m = is(/^(bt|bts|btr|btc)[wl]?$/))) return flags(OF | SF | AF | PF, `${m[1]}: OF SF AF PF undefined`);
  if ((m = is(/^(bsf|bsr)[wl]?$/))) {
    return flags(CF | OF | SF | AF | PF, `${m[1]}: CF OF SF AF PF undefined${zfAfter ? ', destination undefined (source 0)' : ''}`, zfAfter ? dest() : {});
  }
  if ((m = is(/^(mul|imul)[bwl]?$/))) return flags(SF | ZF | AF | PF, `${m[1]}: SF ZF AF PF undefined`);
  if ((m = is(/^(div|idiv)[bwl]?$/))) return flags(ALL6, `${m[1]}: all arithmetic flags undefined`);
  if ((m = is(/^(aaa|aas)$/))) return flags(OF | SF | ZF | PF, `${m[1]}: OF SF ZF PF undefined`);
  if ((m = is(/^(aam|aad)$/))) return flags(OF | AF | CF, `${m[1]}: OF AF CF undefined`);
  if ((m = is(/^(daa|das)$/))) return flags(OF, `${m[1]}: OF undefined`);
  if (mnem === 'cpuid') return regs(['eax', 'ebx', 'ecx', 'edx'], 'cpuid describes the CPU model');
  if (mnem === 'rdtsc' || mnem === 'rdmsr' || mnem === 'rdpmc') return regs(['eax', 'edx'], `${mnem} reads machine-specific state`);
  if ((m = is(/^in[bwl]?$/))) {
    const port = ops[0]?.startsWith('$') ? Number(ops[0].slice(1)) : pre32('edx') & 0xffff;
    if (TIME_PORTS.has(port)) return regs(['eax'], `in from port 0x${port.toString(16)} (timer/clock)`);
    if (port === POST_PORT) return regs(['eax'], 'in from port 0x80 (POST code register: board-specific read value)');
    // Received data (0x04) or character timeout (0x0c): the timeout comes from a device timer.
    if (UART_IIR.has(port)) return { fields: { eax: 0x08n }, reason: 'UART IIR received-data vs character-timeout (device timing)' };
    // Modem lines only change in loopback mode here (the serial backends are files or null).
    if (UART_MSR.has(port)) return { fields: { eax: 0x0fn }, reason: 'UART MSR delta bits in loopback (QEMU 7.2 never reports them there)', deviation: true };
  }
  // The SDM defines C1 after an inexact x87 result (1 = rounded up); QEMU 7.2 leaves it clear.
  // And DE for a denormal operand, which QEMU 7.2 does not raise either (checked: some
  // register operand is denormal, or the operand is in memory).
  if (isX87Arith(mnem)) {
    const denormal = ops.some((o) => !o.startsWith('%')) || ops.length === 0 || ST.some((r) => isDenormal(pre(r)));
    return {
      fields: { fstat: denormal ? C1 | DE : C1 },
      reason: `x87 C1 after an inexact result${denormal ? ' / DE for a denormal operand' : ''} (QEMU 7.2 sets neither)`, deviation: true,
    };
  }
  // fxsave stores the last x87 instruction's opcode, FIP/FCS and FDP/FDS at bytes 6-23 of the
  // image; QEMU 7.2 stores zeros there.
  if (mnem === 'fxsave' && ops.length === 1) {
    const ea = effectiveAddress(ops[0], pre32);
    if (ea !== null) return { fields: {}, mem: [{ from: ea + 6, to: ea + 24 }], reason: 'fxsave: x87 FOP/FIP/FDP in the image (QEMU 7.2 stores zeros)', deviation: true };
  }
  // An MMX register write sets the x87 register's exponent/sign field to all ones (SDM 9.5.1);
  // QEMU 7.2 leaves the field as it was.
  if (ops.some((o) => /^%mm[0-7]$/.test(o.trim()))) {
    return { fields: Object.fromEntries(ST.map((r) => [r, 0xffffn << 64n])), reason: 'MMX write: x87 exponent field all ones (QEMU 7.2 leaves it)', deviation: true };
  }
  // SSE floating point on a denormal operand sets MXCSR.DE; QEMU 7.2 never does.
  if (isSseFloat(mnem)) return { fields: { mxcsr: DE }, reason: 'MXCSR.DE for a denormal operand (QEMU 7.2 never sets it)', deviation: true };
  return null;
}

const ST = ['st0', 'st1', 'st2', 'st3', 'st4', 'st5', 'st6', 'st7'];

/** The offset of an AT&T memory operand (`0x8(%ebp,%esi,4)`, `0x11dee0`) from the registers before; flat segments. */
export function effectiveAddress(operand: string, pre32: (r: string) => number): number | null {
  const m = /^(?:%[cdefgs]s:)?(-?(?:0x[0-9a-f]+|\d+))?(?:\((?:%(\w+))?(?:,%(\w+)(?:,(\d))?)?\))?$/.exec(operand.trim());
  if (!m || (!m[1] && !m[2] && !m[3])) return null;
  const reg = (r: string | undefined) => (r ? pre32(regOf(`%${r}`) ?? r) : 0);
  return ((m[1] ? Number(m[1]) : 0) + reg(m[2]) + reg(m[3]) * Number(m[4] ?? 1)) >>> 0;
}

function isSseFloat(mnem: string): boolean {
  return /^(add|sub|mul|div|sqrt|min|max|cmp[a-z]*|u?comi|rcp|rsqrt)(ss|sd|ps|pd)$/.test(mnem) || /^cvt/.test(mnem);
}

function isX87Arith(mnem: string): boolean {
  return /^f/.test(mnem) && !/^(fnstsw|fstsw|fnstenv|fstenv|fnsave|fsave|fxsave|fldenv|frstor|fxrstor|fninit|finit|fnclex|fclex|fldcw|fnstcw|fstcw|fwait|fnop)$/.test(mnem);
}

/**
 * Instructions whose results differ between the two machines often and legitimately (x87
 * C1, cpuid, time stamps, port input): the runner stops at each of them while continuing
 * (a resync point) and single-steps it with a compare, instead of finding the difference at
 * the next checkpoint and bisecting. Undefined flags are not here: they almost never differ.
 */
export function isVolatile(text: string): boolean {
  const { mnem } = parseInsn(text);
  return isX87Arith(mnem) || /^(cpuid|rdtsc|rdmsr|rdpmc|in[bwl]?|ins[bwl]?)$/.test(mnem);
}

export interface DescriptorTable { base: number; limit: number }

/**
 * A known QEMU 7.2 deviation: loading CS from a descriptor (far jmp/call/ret, iret, interrupt
 * gates) does not set the descriptor's accessed bit in memory; the SDM says the processor
 * sets it, and tcg86 does. A memory difference made only of accessed bits (bit 0 of byte 5
 * of a GDT/LDT entry, set on tcg86, clear on QEMU) is that deviation.
 */
export function onlyAccessedBits(addr: number, tcg: Buffer, qemu: Buffer, tables: DescriptorTable[]): boolean {
  let any = false;
  for (let i = 0; i < tcg.length; i++) {
    const x = tcg[i] ^ qemu[i];
    if (!x) continue;
    const a = addr + i;
    const inTable = tables.some((t) => a >= t.base && a <= t.base + t.limit && (a - t.base) % 8 === 5);
    if (!inTable || x !== 1 || !(tcg[i] & 1)) return false;
    any = true;
  }
  return any;
}
