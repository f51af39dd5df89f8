/**
 * Opcode maps for the i386 disassembler (disasm.ts).
 *
 * The maps are shaped like the opcode tables of the Intel manual (Vol. 2,
 * appendix A): one entry per opcode, written in Intel operand order with the
 * manual's operand specifiers.  The disassembler reverses the operands for
 * AT&T output.
 *
 * Entry syntax: `mnemonic op1,op2,...`.  An empty string is an invalid
 * encoding.  Sub-tables select on the ModRM reg field (`grp`), on ModRM.mod
 * (`mod`: memory form / register form), on ModRM.rm for register forms
 * (`rm`), or on the mandatory prefix (`pfx`: none, 66, F3, F2).
 *
 * Mnemonic decorations (all AT&T/objdump conventions):
 *   `^`       size suffix b/w/l, printed only when no operand is a register
 *             that already shows the size (e.g. `addl $0x1,(%eax)`)
 *   `~`       suffix w/l printed only when the operand size was changed by
 *             a 0x66 prefix (e.g. `pushw $0x1` in 32-bit code)
 *   `*`       size suffix always printed (e.g. `movsb`)
 *   `{a|b}`   a with 16-bit operand size, b with 32-bit
 *   `[a|b]`   a with 16-bit address size, b with 32-bit
 *   `"`       suffix w/l printed only when the address size was changed by
 *             a 0x67 prefix (loop)
 *   leading `=`  operands are printed in Intel order (enter, bound, ...)
 *   leading `?`  the instruction ignores the operand size: a 0x66 prefix
 *             stays unused and is printed as data16/data32
 *
 * Operand specifiers (Intel manual, appendix A.2):
 *   E  ModRM r/m: register or memory      G  ModRM reg: general register
 *   M  ModRM r/m, memory only             R  ModRM r/m, register only
 *   I  immediate (sI: sign-extended imm8) J  relative branch target
 *   O  moffs                              A  far pointer immediate
 *   S  segment register (reg field)       C/D/T control/debug/test register
 *   X  ds:[esi] string operand            Y  es:[edi] string operand
 *   P  MMX register (reg)  Q  MMX reg or memory (r/m)  N  MMX reg (r/m)
 *   V  XMM register (reg)  W  XMM reg or memory (r/m)  U  XMM reg (r/m)
 *   Z  general register encoded in the low 3 opcode bits
 *   sizes: b byte, w word, d dword, q qword, v word/dword by operand size,
 *          z same as v (no 64-bit mode here), p far pointer, x xmm/mm.
 *   Fixed operands: AL CL DX(port) eAX ES CS SS DS FS GS, `*` prefix marks
 *   an indirect branch operand, `1` the implicit shift count 1 (not printed).
 */

export type Entry = string | Table;

export interface Table {
  /** What selects the sub-entry. */
  sel: 'grp' | 'mod' | 'rm' | 'pfx' | 'x87' | '3dnow' | 'vexlike';
  e: Entry[];
}

const grp = (...e: Entry[]): Table => ({ sel: 'grp', e });
const mod = (mem: Entry, reg: Entry): Table => ({ sel: 'mod', e: [mem, reg] });
const rm = (...e: Entry[]): Table => ({ sel: 'rm', e });
/** Mandatory prefix selection: none, 66, F3, F2. */
const pfx = (none: Entry, p66: Entry, pf3: Entry, pf2: Entry): Table => ({ sel: 'pfx', e: [none, p66, pf3, pf2] });

export const CC = ['o', 'no', 'b', 'ae', 'e', 'ne', 'be', 'a', 's', 'ns', 'p', 'np', 'l', 'ge', 'le', 'g'];
const ALU = ['add', 'or', 'adc', 'sbb', 'and', 'sub', 'xor', 'cmp'];
const SHIFT = ['rol', 'ror', 'rcl', 'rcr', 'shl', 'shr', 'shl', 'sar'];

function group1(ops: string): Table {
  return grp(...ALU.map((m) => `${m}^ ${ops}`));
}
function group2(ops: string): Table {
  return grp(...SHIFT.map((m) => `${m}^ ${ops}`));
}

/* ------------------------------------------------------------------ */
/* One-byte opcode map                                                 */
/* ------------------------------------------------------------------ */

export const ONE_BYTE: Entry[] = new Array<Entry>(256).fill('');
(() => {
  const t = ONE_BYTE;
  for (let i = 0; i < 8; i++) {
    const m = ALU[i];
    const b = i * 8;
    t[b] = `${m} Eb,Gb`;
    t[b + 1] = `${m} Ev,Gv`;
    t[b + 2] = `${m} Gb,Eb`;
    t[b + 3] = `${m} Gv,Ev`;
    t[b + 4] = `${m} AL,Ib`;
    t[b + 5] = `${m} eAX,Iz`;
  }
  t[0x06] = 'push~ ES'; t[0x07] = 'pop~ ES';
  t[0x0e] = 'push~ CS';
  t[0x16] = 'push~ SS'; t[0x17] = 'pop~ SS';
  t[0x1e] = 'push~ DS'; t[0x1f] = 'pop~ DS';
  t[0x27] = 'daa'; t[0x2f] = 'das'; t[0x37] = 'aaa'; t[0x3f] = 'aas';
  for (let r = 0; r < 8; r++) {
    t[0x40 + r] = 'inc Zv';
    t[0x48 + r] = 'dec Zv';
    t[0x50 + r] = 'push Zv';
    t[0x58 + r] = 'pop Zv';
    t[0xb0 + r] = 'mov Zb,Ib';
    t[0xb8 + r] = 'mov Zv,Iv';
  }
  t[0x90] = pfx('nop', '', 'pause', ''); // handled specially (xchg with 66)
  for (let r = 1; r < 8; r++) t[0x90 + r] = 'xchg Zv,eAX';
  t[0x60] = 'pusha~'; t[0x61] = 'popa~';
  t[0x62] = mod('=bound Gv,Ma', '');
  t[0x63] = 'arpl Ew,Gw';
  t[0x68] = 'push~ Iz'; t[0x69] = 'imul Gv,Ev,Iz';
  t[0x6a] = 'push~ sIb'; t[0x6b] = 'imul Gv,Ev,sIb';
  t[0x6c] = 'ins* Yb,DX'; t[0x6d] = 'ins* Yz,DX';
  t[0x6e] = 'outs* DX,Xb'; t[0x6f] = 'outs* DX,Xz';
  for (let c = 0; c < 16; c++) t[0x70 + c] = `j${CC[c]} Jb`;
  t[0x80] = group1('Eb,Ib');
  t[0x81] = group1('Ev,Iz');
  t[0x82] = group1('Eb,Ib');
  t[0x83] = group1('Ev,sIb');
  t[0x84] = 'test Eb,Gb'; t[0x85] = 'test Ev,Gv';
  t[0x86] = 'xchg Eb,Gb'; t[0x87] = 'xchg Ev,Gv';
  t[0x88] = 'mov Eb,Gb'; t[0x89] = 'mov Ev,Gv';
  t[0x8a] = 'mov Gb,Eb'; t[0x8b] = 'mov Gv,Ev';
  t[0x8c] = 'mov Ev,Sw';
  t[0x8d] = mod('lea Gv,M', '');
  t[0x8e] = 'mov Sw,Ev';
  t[0x8f] = grp('pop~ Ev', '', '', '', '', '', '', '');
  t[0x98] = '{cbtw|cwtl}'; t[0x99] = '{cwtd|cltd}';
  t[0x9a] = 'lcall~ Ap';
  t[0x9b] = 'fwait';
  t[0x9c] = 'pushf~'; t[0x9d] = 'popf~';
  t[0x9e] = 'sahf'; t[0x9f] = 'lahf';
  t[0xa0] = 'mov AL,Ob'; t[0xa1] = 'mov eAX,Ov';
  t[0xa2] = 'mov Ob,AL'; t[0xa3] = 'mov Ov,eAX';
  t[0xa4] = 'movs* Yb,Xb'; t[0xa5] = 'movs* Yv,Xv';
  t[0xa6] = 'cmps* Xb,Yb'; t[0xa7] = 'cmps* Xv,Yv';
  t[0xa8] = 'test AL,Ib'; t[0xa9] = 'test eAX,Iz';
  t[0xaa] = 'stos Yb,AL'; t[0xab] = 'stos Yv,eAX';
  t[0xac] = 'lods AL,Xb'; t[0xad] = 'lods eAX,Xv';
  t[0xae] = 'scas AL,Yb'; t[0xaf] = 'scas eAX,Yv';
  t[0xc0] = group2('Eb,Ib'); t[0xc1] = group2('Ev,Ib');
  t[0xc2] = 'ret~ Iw'; t[0xc3] = 'ret~';
  t[0xc4] = mod('les Gv,Mp', ''); t[0xc5] = mod('lds Gv,Mp', '');
  t[0xc6] = grp('mov^ Eb,Ib', '', '', '', '', '', '', mod('', xabortTable()));
  t[0xc7] = grp('mov^ Ev,Iz', '', '', '', '', '', '', mod('', xbeginTable()));
  t[0xc8] = '=enter~ Iw,Ib'; t[0xc9] = 'leave~';
  t[0xca] = 'lret~ Iw'; t[0xcb] = 'lret~';
  t[0xcc] = 'int3'; t[0xcd] = 'int Ib'; t[0xce] = 'into'; t[0xcf] = 'iret~';
  t[0xd0] = group2('Eb,1'); t[0xd1] = group2('Ev,1');
  t[0xd2] = group2('Eb,CL'); t[0xd3] = group2('Ev,CL');
  t[0xd4] = 'aam Ib'; t[0xd5] = 'aad Ib';
  t[0xd7] = 'xlat XBX';
  t[0xe0] = 'loopne" Jb'; t[0xe1] = 'loope" Jb'; t[0xe2] = 'loop" Jb';
  t[0xe3] = '[jcxz|jecxz] Jb';
  t[0xe4] = 'in AL,Ib'; t[0xe5] = 'in eAX,Ib';
  t[0xe6] = 'out Ib,AL'; t[0xe7] = 'out Ib,eAX';
  t[0xe8] = 'call~ Jz'; t[0xe9] = 'jmp~ Jz';
  t[0xea] = 'ljmp~ Ap'; t[0xeb] = 'jmp Jb';
  t[0xec] = 'in AL,DX'; t[0xed] = 'in eAX,DX';
  t[0xee] = 'out DX,AL'; t[0xef] = 'out DX,eAX';
  t[0xf1] = 'int1'; t[0xf4] = 'hlt'; t[0xf5] = 'cmc';
  t[0xf6] = grp('test^ Eb,Ib', 'test^ Eb,Ib', 'not^ Eb', 'neg^ Eb', 'mul^ Eb', 'imul^ Eb', 'div^ Eb', 'idiv^ Eb');
  t[0xf7] = grp('test^ Ev,Iz', 'test^ Ev,Iz', 'not^ Ev', 'neg^ Ev', 'mul^ Ev', 'imul^ Ev', 'div^ Ev', 'idiv^ Ev');
  t[0xf8] = 'clc'; t[0xf9] = 'stc'; t[0xfa] = 'cli'; t[0xfb] = 'sti'; t[0xfc] = 'cld'; t[0xfd] = 'std';
  t[0xfe] = grp('inc^ Eb', 'dec^ Eb', '', '', '', '', '', '');
  t[0xff] = grp('inc^ Ev', 'dec^ Ev', 'call~ *Ev', 'lcall~ *Mp', 'jmp~ *Ev', 'ljmp~ *Mp', 'push~ Ev', '');
  for (let i = 0xd8; i <= 0xdf; i++) t[i] = { sel: 'x87', e: [] };
})();

function xabortTable(): Entry {
  return rm('xabort Ib', '', '', '', '', '', '', '');
}
function xbeginTable(): Entry {
  return rm('xbegin~ Jz', '', '', '', '', '', '', '');
}

/* ------------------------------------------------------------------ */
/* x87 escape opcodes D8-DF                                            */
/* ------------------------------------------------------------------ */

/**
 * Memory forms, indexed [opcode - 0xd8][ModRM.reg].  The AT&T mnemonic
 * carries the operand size (flds/fldl/fldt, fildl/fildll...).  `!` is the
 * "n" of the no-wait forms (dropped when an fwait prefix precedes), `&` the
 * s/l suffix of the environment instructions under a 0x66 prefix.
 */
export const X87_MEM: string[][] = [
  ['fadds', 'fmuls', 'fcoms', 'fcomps', 'fsubs', 'fsubrs', 'fdivs', 'fdivrs'],
  ['flds', '', 'fsts', 'fstps', 'fldenv&', 'fldcw', 'f!stenv&', 'f!stcw'],
  ['fiaddl', 'fimull', 'ficoml', 'ficompl', 'fisubl', 'fisubrl', 'fidivl', 'fidivrl'],
  ['fildl', 'fisttpl', 'fistl', 'fistpl', '', 'fldt', '', 'fstpt'],
  ['faddl', 'fmull', 'fcoml', 'fcompl', 'fsubl', 'fsubrl', 'fdivl', 'fdivrl'],
  ['fldl', 'fisttpll', 'fstl', 'fstpl', 'frstor&', '', 'f!save&', 'f!stsw'],
  ['fiadds', 'fimuls', 'ficoms', 'ficomps', 'fisubs', 'fisubrs', 'fidivs', 'fidivrs'],
  ['filds', 'fisttps', 'fists', 'fistps', 'fbld', 'fildll', 'fbstp', 'fistpll'],
];

const rm8 = (...e: string[]): string[] => e;

/**
 * Register forms, indexed [opcode - 0xd8][ModRM.reg]; a string applies to
 * all eight ST(i), an array selects on ModRM.rm.  ST is %st, STi is %st(i).
 * In AT&T syntax the DC/DE subtract and divide forms carry the historical
 * reversed mnemonics (DC E0+i is `fsubr %st,%st(i)`), as GNU tools print.
 */
export const X87_REG: (string | string[])[][] = [
  ['fadd ST,STi', 'fmul ST,STi', 'fcom STi', 'fcomp STi', 'fsub ST,STi', 'fsubr ST,STi', 'fdiv ST,STi', 'fdivr ST,STi'],
  [
    'fld STi', 'fxch STi', rm8('fnop', '', '', '', '', '', '', ''), '',
    rm8('fchs', 'fabs', '', '', 'ftst', 'fxam', '', ''),
    rm8('fld1', 'fldl2t', 'fldl2e', 'fldpi', 'fldlg2', 'fldln2', 'fldz', ''),
    rm8('f2xm1', 'fyl2x', 'fptan', 'fpatan', 'fxtract', 'fprem1', 'fdecstp', 'fincstp'),
    rm8('fprem', 'fyl2xp1', 'fsqrt', 'fsincos', 'frndint', 'fscale', 'fsin', 'fcos'),
  ],
  ['fcmovb ST,STi', 'fcmove ST,STi', 'fcmovbe ST,STi', 'fcmovu ST,STi', '', rm8('', 'fucompp', '', '', '', '', '', ''), '', ''],
  [
    'fcmovnb ST,STi', 'fcmovne ST,STi', 'fcmovnbe ST,STi', 'fcmovnu ST,STi',
    rm8('f!eni(8087 only)', 'f!disi(8087 only)', 'f!clex', 'f!init', 'f!setpm(287 only)', 'frstpm(287 only)', '', ''),
    'fucomi ST,STi', 'fcomi ST,STi', '',
  ],
  ['fadd STi,ST', 'fmul STi,ST', '', '', 'fsubr STi,ST', 'fsub STi,ST', 'fdivr STi,ST', 'fdiv STi,ST'],
  ['ffree STi', '', 'fst STi', 'fstp STi', 'fucom STi', 'fucomp STi', '', ''],
  ['faddp STi,ST', 'fmulp STi,ST', '', rm8('', 'fcompp', '', '', '', '', '', ''), 'fsubrp STi,ST', 'fsubp STi,ST', 'fdivrp STi,ST', 'fdivp STi,ST'],
  ['ffreep STi', '', '', '', rm8('f!stsw AX', '', '', '', '', '', '', ''), 'fucomip ST,STi', 'fcomip ST,STi', ''],
];
