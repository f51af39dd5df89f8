// Decoder-fuzz outcomes: parsing the kernel's `D` lines, and the outcomes that differ from
// QEMU without being tcg86 bugs (QEMU 7.2 deviations from the hardware, features tcg86 does not
// have), each in a named bucket that is reported but not counted.
import { DecodeSample } from './decoder-kernel';
import { opcodeIndex } from './decoder-samples';
import { hex } from './prng';

export interface DecodeRec { vec: number; err: number; eip: number; cr2: number; cs: number }

const VEC_NAMES: Record<number, string> = { 0: '#DE', 1: '#DB', 3: '#BP', 4: '#OF', 5: '#BR', 6: '#UD', 7: '#NM', 8: '#DF', 10: '#TS', 11: '#NP', 12: '#SS', 13: '#GP', 14: '#PF', 16: '#MF', 17: '#AC' };

export function parseDecodeOutput(text: string): Map<number, DecodeRec> {
  const out = new Map<number, DecodeRec>();
  for (const line of text.split('\n')) {
    const t = line.trim().split(/\s+/);
    if (t[0] !== 'D' || t.length !== 7) continue;
    const [k, vec, err, eip, cr2, cs] = t.slice(1).map((x) => parseInt(x, 16));
    out.set(k, { vec, err, eip, cr2, cs });
  }
  return out;
}

export function showRec(r: DecodeRec | undefined): string {
  if (!r) return 'no record';
  const v = VEC_NAMES[r.vec] ?? `vector ${r.vec}`;
  if (r.vec === 1) return `executed, next eip +${r.eip.toString(16)}`;
  return `${v}(${hex(r.err, 4)}) at +${r.eip.toString(16)}${r.vec === 14 ? ` cr2=${hex(r.cr2)}` : ''}${(r.cs & 3) === 3 ? '' : ` in ring ${r.cs & 3}`}`;
}

export const same = (a: DecodeRec, b: DecodeRec): boolean => a.vec === b.vec && a.err === b.err && a.eip === b.eip && a.cr2 === b.cr2 && a.cs === b.cs;

/** Mnemonic without prefixes, for grouping. */
export function mnemonic(text: string): string {
  const words = text.split(/\s+/).filter((w) => !/^(lock|rep[a-z]*|data16|data32|addr16|addr32|[c-gs]s|bnd|notrack|xacquire|xrelease)$/.test(w));
  return words[0] ?? text;
}

const LOCKABLE = new Set(['add', 'adc', 'and', 'btc', 'btr', 'bts', 'cmpxchg', 'cmpxchg8b', 'dec', 'inc', 'neg', 'not', 'or', 'sbb', 'sub', 'xor', 'xadd', 'xchg']);

/**
 * Outcomes that are not tcg86 bugs, by bucket: MMX/SSE and later extensions (tcg86 reports
 * none in CPUID and raises #UD; QEMU 7.2 runs MMX whatever the CPU model), and LOCK on an
 * instruction that cannot be locked (#UD on hardware and tcg86; QEMU 7.2 ignores the prefix).
 */
export function knownBucket(s: DecodeSample, objdumpText: string, q: DecodeRec | undefined, t: DecodeRec | undefined, unimp: boolean): string | null {
  if (!q || !t) return null;
  const i = opcodeIndex(s.bytes);
  // F6 /1 and F7 /1: an alias of TEST /0 on Intel and AMD hardware, #UD on QEMU 7.2.
  if ((s.bytes[i] === 0xf6 || s.bytes[i] === 0xf7) && ((s.bytes[i + 1] >> 3) & 7) === 1 && q.vec === 6 && t.vec !== 6) {
    return 'F6/F7 /1 (TEST alias: executed by hardware and tcg86, #UD on QEMU 7.2)';
  }
  // The same fault, at another byte of the access: the order in which an instruction touches
  // its operands' bytes (x87 environment images, cmps) is not architectural.
  const sameFault = q.vec === 14 && t.vec === 14 && q.err === t.err && q.eip === t.eip;
  if (sameFault && (Math.abs(q.cr2 - t.cr2) < 0x800 || /^cmps/.test(mnemonic(objdumpText)))) {
    return 'order of accesses (#PF on both, another faulting address)';
  }
  // FXSAVE/FXRSTOR without CR4.OSFXSR: whether the XMM part of the 512-byte image is accessed
  // (and faults) is implementation-defined; QEMU touches 160 bytes, tcg86 all 512.
  if (/^fx(save|rstor)/.test(mnemonic(objdumpText)) && (q.vec === 14) !== (t.vec === 14)) return 'fxsave/fxrstor image extent (implementation-defined without CR4.OSFXSR)';
  // INT1 (F1): #DB without the gate's DPL check on hardware; QEMU 7.2 raises #UD.
  if (mnemonic(objdumpText) === 'int1' && q.vec === 6 && t.vec === 1) return 'int1 (#DB on hardware and tcg86, #UD on QEMU 7.2)';
  // PAUSE under TF: QEMU 7.2 leaves the TB without its single-step trap and runs one more instruction.
  if (mnemonic(objdumpText) === 'pause' && t.vec === 1 && (q.vec !== 1 || q.eip !== t.eip)) return 'pause (QEMU 7.2 misses the single-step trap after it)';
  // 0F 18 with a register operand: a reserved NOP (Intel; objdump: nop), #UD on QEMU 7.2.
  if (s.bytes[i] === 0x0f && s.bytes[i + 1] === 0x18 && s.bytes[i + 2] >= 0xc0 && q.vec === 6 && t.vec === 1 && t.eip === q.eip + i + 3) {
    return '0F 18 /r with a register operand (reserved NOP: executed by tcg86, #UD on QEMU 7.2)';
  }
  // lfence/mfence/sfence: no-ops on tcg86 by choice (see README), #UD on QEMU's pentium2 model.
  if (/fence/.test(objdumpText) && q.vec === 6 && t.vec === 1) return 'fences (no-ops on tcg86 by choice; #UD on a Pentium II)';
  // C6/C7 with reg != 0: #UD on hardware and tcg86; QEMU 7.2 runs them as MOV.
  if ((s.bytes[i] === 0xc6 || s.bytes[i] === 0xc7) && ((s.bytes[i + 1] >> 3) & 7) !== 0 && t.vec === 6 && q.vec !== 6) {
    return 'C6/C7 /1-/7 (#UD on hardware and tcg86; QEMU 7.2 runs them as MOV)';
  }
  // An invalid encoding with a memory operand: QEMU 7.2 reads the operand (and may fault) before its #UD.
  if (t.vec === 6 && q.vec === 14 && /\(bad\)/.test(objdumpText)) return 'invalid encoding: #UD on tcg86, QEMU 7.2 faults on the operand first';
  if (t.vec !== 6) return null;
  // An MMX/SSE opcode with a 66/F2/F3 prefix it does not take (SDM "NP"): #UD on hardware, tcg86, objdump's (bad); QEMU 7.2 ignores the prefix.
  if (s.bytes[i] === 0x0f && /\(bad\)/.test(objdumpText) && s.bytes.slice(0, i).some((b) => b === 0x66 || b === 0xf2 || b === 0xf3)) {
    return 'MMX/SSE opcode with a prefix it does not take (#UD on hardware and tcg86; QEMU 7.2 ignores the prefix)';
  }
  if (unimp || /%x?mm\d|mxcsr|fence|prefetch|clflush|movnti|maskmov|emms|(^|\s)pause/.test(objdumpText)) return 'MMX/SSE/3DNow! (not in tcg86\'s CPUID: #UD)';
  if (!s.bytes.slice(0, i).includes(0xf0)) return null;
  const m = mnemonic(objdumpText);
  const ops = objdumpText.slice(objdumpText.indexOf(m) + m.length).trim().split(',');
  const dest = ops[ops.length - 1] ?? '';
  const lockable = (LOCKABLE.has(m) || LOCKABLE.has(m.replace(/[bwl]$/, ''))) && dest !== '' && !dest.startsWith('%') && !dest.startsWith('$');
  return lockable ? null : 'LOCK on an instruction that cannot be locked (#UD on hardware and tcg86; QEMU 7.2 ignores the prefix)';
}

