// The host half of the decoder fuzz: tcg86's translator (one-instruction TB) on each sample,
// against objdump's length. What test/emu/translate-i386 does not cover: the translator's
// lengths on random bytes (its tests check the translator on the ISA fixtures and the
// disassembler, not the translator, on random bytes).
import { disassemble } from '../../src/emu/translate-i386/disasm';
import { HELPERS } from '../../src/emu/translate-i386/helpers';
import { HF_CS32, HF_SS32 } from '../../src/emu/translate-i386/state';
import { translateTb } from '../../src/emu/translate-i386/translate';
import { callHelper, isConst, Opc } from '../../src/emu/tcg/ir';
import { DecodeSample, SAMPLE_OFF, UCODE } from './decoder-kernel';
import { ObjdumpInsn, opcodeIndex } from './decoder-samples';

export interface TcgDecode {
  /** Bytes the translator consumed, or null when it does not implement the bytes. */
  len: number | null;
  /** Why not implemented: '#UD', '#GP', 'unimp', 'fpu_missing'. */
  why: string | null;
  /** tcg86's disassembler text. */
  text: string;
}

const PC = UCODE + SAMPLE_OFF;

export function tcgDecode(s: DecodeSample): TcgDecode {
  const fetch = (a: number): number => s.bytes[a - PC] ?? 0xf4;
  const text = disassemble(fetch, PC, true).text;
  const r = translateTb(fetch, 0, PC, HF_CS32 | HF_SS32, 1);
  for (const o of r.ir.ops) {
    if (o.op !== Opc.call) continue;
    const name = HELPERS[callHelper(o)].name;
    if (name === 'unimp' || name === 'fpu_missing') return { len: null, why: name, text };
    if (name === 'raise' && isConst(o.args[1])) {
      const v = r.ir.constValue(o.args[1]);
      if (v === 6) return { len: null, why: '#UD', text };
    }
  }
  return { len: r.endPc - PC, why: null, text };
}

/** VEX/EVEX/XOP escapes: objdump decodes AVX there, on i386..P6 they are #UD (see disasm.ts). */
function vexLike(b: readonly number[]): boolean {
  const i = opcodeIndex(b);
  if ((b[i] === 0xc4 || b[i] === 0xc5 || b[i] === 0x62) && b[i + 1] >= 0xc0) return true;
  return b[i] === 0x8f && (b[i + 1] & 0x38) !== 0;
}

/**
 * A length disagreement with objdump, or null. FWAIT (9B) before an x87 instruction is one
 * instruction for objdump but two for the CPU: the expected length is then up to the 9B.
 */
export function lengthMismatch(s: DecodeSample, t: TcgDecode, o: ObjdumpInsn | undefined): string | null {
  if (!o) return 'objdump printed nothing';
  const bad = o.text.includes('(bad)') || vexLike(s.bytes);
  if (t.len === null) return null;
  if (bad) return `translator accepts ${t.len} bytes, objdump says "${o.text}"`;
  const i = opcodeIndex(s.bytes);
  const want = s.bytes[i] === 0x9b && o.len > i + 1 ? i + 1 : o.len;
  return t.len === want ? null : `translator ${t.len} bytes, objdump ${want} ("${o.text}")`;
}
