// EFLAGS bits, x87 condition-code bits, and which flags each condition code reads.

export const CF = 0x1, PF = 0x4, AF = 0x10, ZF = 0x40, SF = 0x80, OF = 0x800;
export const DF = 0x400, TF = 0x100, IF = 0x200, NT = 0x4000, AC = 0x40000, ID = 0x200000;
export const IOPL = 0x3000;
/** The six arithmetic flags: the only ones an instruction can leave undefined. */
export const ARITH = CF | PF | AF | ZF | SF | OF;

/** x87 status word condition codes. */
export const C0 = 0x100, C1 = 0x200, C2 = 0x400, C3 = 0x4000;
export const FPU_CC = C0 | C1 | C2 | C3;

/** Condition-code suffixes (jcc/setcc/cmovcc) in encoding order, and the flags each reads. */
export const CONDS: readonly (readonly [string, number])[] = [
  ['o', OF], ['no', OF], ['b', CF], ['ae', CF], ['e', ZF], ['ne', ZF], ['be', CF | ZF], ['a', CF | ZF],
  ['s', SF], ['ns', SF], ['p', PF], ['np', PF], ['l', SF | OF], ['ge', SF | OF], ['le', ZF | SF | OF], ['g', ZF | SF | OF],
];

const NAMES: readonly (readonly [number, string])[] = [
  [CF, 'CF'], [PF, 'PF'], [AF, 'AF'], [ZF, 'ZF'], [SF, 'SF'], [OF, 'OF'], [DF, 'DF'], [TF, 'TF'], [IF, 'IF'],
  [NT, 'NT'], [AC, 'AC'], [ID, 'ID'], [IOPL, 'IOPL'],
];

/** `CF|ZF`-style names of the bits set in an EFLAGS mask (unnamed bits in hex). */
export function flagNames(mask: number): string {
  const out: string[] = [];
  let rest = mask >>> 0;
  for (const [bit, name] of NAMES) if (rest & bit) { out.push(name); rest &= ~bit; }
  if (rest) out.push('0x' + (rest >>> 0).toString(16));
  return out.join('|') || '-';
}
