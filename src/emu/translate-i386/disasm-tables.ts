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
 *   `:`       as `~`, but only for a memory operand (`callw *(%eax)`,
 *             `call *%ax`)
 *   `#`       size suffix printed only for a memory operand (crc32b)
 *   `@`       compare predicate taken from the immediate (cmpeqps)
 *   `_`       a space inside the mnemonic (`fneni(8087 only)`)
 *   `"`       suffix w/l printed only when the address size was changed by
 *             a 0x67 prefix (loop)
 *   leading `=`  operands are printed in Intel order (enter, bound, ...)
 *   leading `?`  a 0x66 prefix is printed (data16/data32) even though it
 *             sets the operand size (an objdump quirk kept for fidelity)
 * In a `pfx` table a form written `-` means "no mandatory prefix here: use
 * the unprefixed form and leave the prefix with its ordinary meaning";
 * `-entry` does the same with a form of its own.
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
  /**
   * What selects the sub-entry.  'x87' (D8-DF) and '3dnow' (0F 0F) mark
   * opcodes with decoders of their own (X87_MEM/X87_REG, THREEDNOW).
   */
  sel: 'grp' | 'mod' | 'rm' | 'pfx' | 'x87' | '3dnow';
  e: Entry[];
}

const grp = (...e: Entry[]): Table => ({ sel: 'grp', e });
const mod = (mem: Entry, reg: Entry): Table => ({ sel: 'mod', e: [mem, reg] });
const rm = (...e: Entry[]): Table => ({ sel: 'rm', e: e.length === 1 ? [e[0], '', '', '', '', '', '', ''] : e });
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
  t[0x8c] = mod('mov Mw,Sw', 'mov Rv,Sw');
  t[0x8d] = mod('lea Gv,M', '');
  t[0x8e] = mod('mov Sw,Mw', 'mov Sw,Rv');
  t[0x8f] = grp('pop: Ev', '', '', '', '', '', '', '');
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
  t[0xff] = grp('inc^ Ev', 'dec^ Ev', 'call: *Ev', 'lcall~ *Mp', 'jmp: *Ev', 'ljmp~ *Mp', 'push: Ev', '');
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
 * swapped mnemonics (DC E0+i, Intel's FSUBR ST(i),ST(0), is `fsub
 * %st,%st(i)`), as GNU tools print and assemble them.
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
    rm8('f!eni(8087_only)', 'f!disi(8087_only)', 'f!clex', 'f!init', 'f!setpm(287_only)', 'frstpm(287_only)', '', ''),
    'fucomi ST,STi', 'fcomi ST,STi', '',
  ],
  ['fadd STi,ST', 'fmul STi,ST', '', '', 'fsub STi,ST', 'fsubr STi,ST', 'fdiv STi,ST', 'fdivr STi,ST'],
  ['ffree STi', '', 'fst STi', 'fstp STi', 'fucom STi', 'fucomp STi', '', ''],
  ['faddp STi,ST', 'fmulp STi,ST', '', rm8('', 'fcompp', '', '', '', '', '', ''), 'fsubp STi,ST', 'fsubrp STi,ST', 'fdivp STi,ST', 'fdivrp STi,ST'],
  ['ffreep STi', '', '', '', rm8('f!stsw AX', '', '', '', '', '', '', ''), 'fucomip ST,STi', 'fcomip ST,STi', ''],
];

/* ------------------------------------------------------------------ */
/* Two-byte opcode map (0F xx)                                         */
/* ------------------------------------------------------------------ */

/** MMX form without prefix, SSE2 form with 66. */
const mmx = (m: string, extra = ''): Table => pfx(`${m} Pq,Qq${extra}`, `${m} Vx,Wx${extra}`, '', '');
/** SSE2 form with 66 only. */
const x66 = (m: string, ops = 'Vx,Wx'): Table => pfx('', `${m} ${ops}`, '', '');
/** Packed single / packed double / scalar single / scalar double. */
const sse4 = (m: string): Table => pfx(`${m}ps Vx,Wx`, `${m}pd Vx,Wx`, `${m}ss Vx,Wx`, `${m}sd Vx,Wx`);
const sse2 = (m: string): Table => pfx(`${m}ps Vx,Wx`, `${m}pd Vx,Wx`, '', '');
/** MMX/SSE2 shift by immediate (groups 12-14): register forms only. */
const shImm = (m: string): Table => mod('', pfx(`${m} Nq,Ib`, `${m} Ux,Ib`, '', ''));
const memOnly = (m: Entry): Table => mod(m, '');
const regOnly = (m: Entry): Table => mod('', m);
const nop = 'nop^ Ev';

export const TWO_BYTE: Entry[] = new Array<Entry>(256).fill('');
(() => {
  const t = TWO_BYTE;
  t[0x00] = grp(mod('sldt Mw', 'sldt Rv'), mod('str Mw', 'str Rv'), 'lldt Ew', 'ltr Ew', 'verr Ew', 'verw Ew', '', '');
  t[0x01] = mod(
    grp('sgdt{w|l} M', 'sidt{w|l} M', 'lgdt{w|l} M', 'lidt{w|l} M', 'smsw Mw', pfx('', '', 'rstorssp Mq', ''), 'lmsw Ew', 'invlpg Mb'),
    grp(
      rm('enclv', 'vmcall', 'vmlaunch', 'vmresume', 'vmxoff', 'pconfig', pfx('wrmsrns', '', '', ''), ''),
      rm('=monitor aAX,%ecx,%edx', '=mwait %eax,%ecx', 'clac', 'stac', pfx('', 'tdcall', '', ''), '', '', pfx('encls', '', '', '')),
      rm('xgetbv', 'xsetbv', '', '', 'vmfunc', 'xend', 'xtest', 'enclu'),
      rm('vmrun', pfx('vmmcall', '', 'vmgexit', 'vmgexit'), 'vmload', 'vmsave', 'stgi', 'clgi', 'skinit', 'invlpga'),
      'smsw Rv',
      rm(pfx('serialize', '', 'setssbsy', 'xsusldtrk'), pfx('', '', '', 'xresldtrk'), pfx('', '', 'saveprevssp', ''), '', '', '',
        pfx('rdpkru', '', '', ''), pfx('wrpkru', '', '', '')),
      'lmsw Ew',
      rm('swapgs', 'rdtscp', pfx('=monitorx aAX,%ecx,%edx', '', 'mcommit', ''), pfx('=mwaitx %eax,%ecx,%ebx', '', '', ''), 'clzero',
        pfx('rdpru', '', '', ''), pfx('invlpgb', '', '', ''), pfx('tlbsync', '', '', 'pvalidate')),
    ),
  );
  t[0x02] = mod('lar Gv,Mw', 'lar Gv,Rv');
  t[0x03] = mod('lsl Gv,Mw', 'lsl Gv,Rv');
  t[0x05] = 'syscall'; t[0x06] = 'clts'; t[0x07] = 'sysret'; t[0x08] = 'invd';
  t[0x09] = pfx('wbinvd', '', 'wbnoinvd', '');
  t[0x0b] = 'ud2';
  t[0x0d] = memOnly(grp('prefetch Mb', 'prefetchw Mb', 'prefetchwt1 Mb', 'prefetch Mb', 'prefetch Mb', 'prefetch Mb', 'prefetch Mb', 'prefetch Mb'));
  t[0x0e] = 'femms';
  t[0x0f] = { sel: '3dnow', e: [] };
  t[0x10] = pfx('movups Vx,Wx', 'movupd Vx,Wx', 'movss Vx,Wx', 'movsd Vx,Wx');
  t[0x11] = pfx('movups Wx,Vx', 'movupd Wx,Vx', 'movss Wx,Vx', 'movsd Wx,Vx');
  t[0x12] = pfx(mod('movlps Vx,Mq', 'movhlps Vx,Ux'), memOnly('movlpd Vx,Mq'), 'movsldup Vx,Wx', 'movddup Vx,Wx');
  t[0x13] = pfx(memOnly('movlps Mq,Vx'), memOnly('movlpd Mq,Vx'), '', '');
  t[0x14] = sse2('unpckl');
  t[0x15] = sse2('unpckh');
  t[0x16] = pfx(mod('movhps Vx,Mq', 'movlhps Vx,Ux'), memOnly('movhpd Vx,Mq'), 'movshdup Vx,Wx', '');
  t[0x17] = pfx(memOnly('movhps Mq,Vx'), memOnly('movhpd Mq,Vx'), '', '');
  t[0x18] = mod(grp('prefetchnta Mb', 'prefetcht0 Mb', 'prefetcht1 Mb', 'prefetcht2 Mb', nop, nop, nop, nop), nop);
  t[0x19] = nop;
  t[0x1a] = pfx(mod('bndldx Bq,BMq', nop), 'bndmov Bq,BMq', 'bndcl Bq,BEd', 'bndcu Bq,BEd');
  t[0x1b] = pfx(mod('bndstx BMq,Bq', nop), 'bndmov BMq,Bq', mod('bndmk Bq,BMd', '-'), 'bndcn Bq,BEd');
  t[0x1c] = pfx(mod(grp('cldemote Mb', nop, nop, nop, nop, nop, nop, nop), nop), '-' + nop, '-?' + nop, '-?' + nop);
  t[0x1d] = nop;
  // F3 0F 1E: CET.  objdump leaves a 66 prefix unmarked on the nop forms.
  const nop1e = '-?' + nop;
  t[0x1e] = pfx(nop, '-', mod(nop1e, grp(nop1e, 'rdsspd Rd', nop1e, nop1e, nop1e, nop1e, nop1e,
    rm(nop1e, nop1e, 'endbr64', 'endbr32', nop1e, nop1e, nop1e, nop1e))), '-');
  t[0x1f] = nop;
  t[0x20] = 'mov Rd,Cd'; t[0x21] = 'mov Rd,Dd';
  t[0x22] = 'mov Cd,Rd'; t[0x23] = 'mov Dd,Rd';
  t[0x24] = 'mov Rd,Td'; t[0x26] = 'mov Td,Rd';
  t[0x28] = pfx('movaps Vx,Wx', 'movapd Vx,Wx', '', '');
  t[0x29] = pfx('movaps Wx,Vx', 'movapd Wx,Vx', '', '');
  t[0x2a] = pfx('cvtpi2ps Vx,Qq', 'cvtpi2pd Vx,Qq', 'cvtsi2ss Vx,Ed', 'cvtsi2sd Vx,Ed');
  t[0x2b] = pfx(memOnly('movntps Mx,Vx'), memOnly('movntpd Mx,Vx'), memOnly('movntss Md,Vx'), memOnly('movntsd Mq,Vx'));
  t[0x2c] = pfx('cvttps2pi Pq,Wx', 'cvttpd2pi Pq,Wx', 'cvttss2si Gd,Wx', 'cvttsd2si Gd,Wx');
  t[0x2d] = pfx('cvtps2pi Pq,Wx', 'cvtpd2pi Pq,Wx', 'cvtss2si Gd,Wx', 'cvtsd2si Gd,Wx');
  t[0x2e] = pfx('ucomiss Vx,Wx', 'ucomisd Vx,Wx', '', '');
  t[0x2f] = pfx('comiss Vx,Wx', 'comisd Vx,Wx', '', '');
  t[0x30] = 'wrmsr'; t[0x31] = 'rdtsc'; t[0x32] = 'rdmsr'; t[0x33] = 'rdpmc';
  t[0x34] = 'sysenter'; t[0x35] = 'sysexit'; t[0x37] = 'getsec';
  for (let c = 0; c < 16; c++) {
    t[0x40 + c] = `cmov${CC[c]} Gv,Ev`;
    t[0x80 + c] = `j${CC[c]} Jz`;
    t[0x90 + c] = `set${CC[c]} Eb`;
  }
  t[0x50] = pfx(regOnly('movmskps Gd,Ux'), regOnly('movmskpd Gd,Ux'), '', '');
  t[0x51] = sse4('sqrt');
  t[0x52] = pfx('rsqrtps Vx,Wx', '', 'rsqrtss Vx,Wx', '');
  t[0x53] = pfx('rcpps Vx,Wx', '', 'rcpss Vx,Wx', '');
  t[0x54] = sse2('and'); t[0x55] = sse2('andn'); t[0x56] = sse2('or'); t[0x57] = sse2('xor');
  t[0x58] = sse4('add'); t[0x59] = sse4('mul');
  t[0x5a] = pfx('cvtps2pd Vx,Wx', 'cvtpd2ps Vx,Wx', 'cvtss2sd Vx,Wx', 'cvtsd2ss Vx,Wx');
  t[0x5b] = pfx('cvtdq2ps Vx,Wx', 'cvtps2dq Vx,Wx', 'cvttps2dq Vx,Wx', '');
  t[0x5c] = sse4('sub'); t[0x5d] = sse4('min'); t[0x5e] = sse4('div'); t[0x5f] = sse4('max');
  const m60 = ['punpcklbw', 'punpcklwd', 'punpckldq', 'packsswb', 'pcmpgtb', 'pcmpgtw', 'pcmpgtd', 'packuswb',
    'punpckhbw', 'punpckhwd', 'punpckhdq', 'packssdw'];
  m60.forEach((m, i) => { t[0x60 + i] = mmx(m); });
  t[0x6c] = x66('punpcklqdq'); t[0x6d] = x66('punpckhqdq');
  t[0x6e] = pfx('movd Pq,Ed', 'movd Vx,Ed', '', '');
  t[0x6f] = pfx('movq Pq,Qq', 'movdqa Vx,Wx', 'movdqu Vx,Wx', '');
  t[0x70] = pfx('pshufw Pq,Qq,Ib', 'pshufd Vx,Wx,Ib', 'pshufhw Vx,Wx,Ib', 'pshuflw Vx,Wx,Ib');
  t[0x71] = grp('', '', shImm('psrlw'), '', shImm('psraw'), '', shImm('psllw'), '');
  t[0x72] = grp('', '', shImm('psrld'), '', shImm('psrad'), '', shImm('pslld'), '');
  t[0x73] = grp('', '', shImm('psrlq'), mod('', pfx('', 'psrldq Ux,Ib', '', '')), '', '', shImm('psllq'), mod('', pfx('', 'pslldq Ux,Ib', '', '')));
  t[0x74] = mmx('pcmpeqb'); t[0x75] = mmx('pcmpeqw'); t[0x76] = mmx('pcmpeqd');
  t[0x77] = pfx('emms', '', '', '');
  t[0x78] = pfx('vmread Ed,Gd', regOnly('extrq Ux,Ib,Ib'), '', regOnly('insertq Vx,Ux,Ib,Ib'));
  t[0x79] = pfx('vmwrite Gd,Ed', regOnly('extrq Vx,Ux'), '', regOnly('insertq Vx,Ux'));
  t[0x7c] = pfx('', 'haddpd Vx,Wx', '', 'haddps Vx,Wx');
  t[0x7d] = pfx('', 'hsubpd Vx,Wx', '', 'hsubps Vx,Wx');
  t[0x7e] = pfx('movd Ed,Pq', 'movd Ed,Vx', 'movq Vx,Wx', '');
  t[0x7f] = pfx('movq Qq,Pq', 'movdqa Wx,Vx', 'movdqu Wx,Vx', '');
  t[0xa0] = 'push~ FS'; t[0xa1] = 'pop~ FS'; t[0xa2] = 'cpuid';
  t[0xa3] = 'bt Ev,Gv'; t[0xa4] = 'shld Ev,Gv,Ib'; t[0xa5] = 'shld Ev,Gv,CL';
  t[0xa6] = regOnly(grp(rm('montmul'), rm('xsha1'), rm('xsha256'), '', '', '', '', ''));
  t[0xa7] = regOnly(grp(rm('xstore-rng'), rm('xcrypt-ecb'), rm('xcrypt-cbc'), rm('xcrypt-ctr'), rm('xcrypt-cfb'), rm('xcrypt-ofb'), '', ''));
  t[0xa8] = 'push~ GS'; t[0xa9] = 'pop~ GS'; t[0xaa] = 'rsm';
  t[0xab] = 'bts Ev,Gv'; t[0xac] = 'shrd Ev,Gv,Ib'; t[0xad] = 'shrd Ev,Gv,CL';
  t[0xae] = mod(
    grp('fxsave M', 'fxrstor M', 'ldmxcsr Md', 'stmxcsr Md', pfx('xsave M', '', 'ptwrite Ed', ''), pfx('xrstor M', '', '', ''),
      pfx('xsaveopt M', 'clwb Mb', 'clrssbsy Mq', ''), pfx('clflush Mb', 'clflushopt Mb', '', '')),
    grp(pfx('', '', 'rdfsbase Rv', ''), pfx('', '', 'rdgsbase Rv', ''), pfx('', '', 'wrfsbase Rv', ''), pfx('', '', 'wrgsbase Rv', ''),
      pfx('', '', 'ptwrite Rd', ''), pfx('lfence', '', 'incsspd Rd', ''),
      pfx(rm('mfence', '', '', '', '', '', '', ''), 'tpause Rd', 'umonitor Ra', 'umwait Rd'),
      rm('sfence', '', '', '', '', '', '', '')),
  );
  t[0xaf] = 'imul Gv,Ev';
  t[0xb0] = 'cmpxchg Eb,Gb'; t[0xb1] = 'cmpxchg Ev,Gv';
  t[0xb2] = memOnly('lss Gv,Mp'); t[0xb3] = 'btr Ev,Gv';
  t[0xb4] = memOnly('lfs Gv,Mp'); t[0xb5] = memOnly('lgs Gv,Mp');
  t[0xb6] = 'movz{bw|bl} Gv,Eb'; t[0xb7] = 'movz{ww|wl} Gv,Ew';
  t[0xb8] = pfx('', '', 'popcnt Gv,Ev', '');
  t[0xb9] = 'ud1 Gv,Ev';
  t[0xba] = grp('', '', '', '', 'bt^ Ev,Ib', 'bts^ Ev,Ib', 'btr^ Ev,Ib', 'btc^ Ev,Ib');
  t[0xbb] = 'btc Ev,Gv';
  t[0xbc] = pfx('bsf Gv,Ev', '-', 'tzcnt Gv,Ev', '');
  t[0xbd] = pfx('bsr Gv,Ev', '-', 'lzcnt Gv,Ev', '');
  t[0xbe] = 'movs{bw|bl} Gv,Eb'; t[0xbf] = 'movs{ww|wl} Gv,Ew';
  t[0xc0] = 'xadd Eb,Gb'; t[0xc1] = 'xadd Ev,Gv';
  t[0xc2] = pfx('cmp@ps Vx,Wx,Ic', 'cmp@pd Vx,Wx,Ic', 'cmp@ss Vx,Wx,Ic', 'cmp@sd Vx,Wx,Ic');
  t[0xc3] = pfx(memOnly('movnti Md,Gd'), '', '', '');
  t[0xc4] = pfx('pinsrw Pq,Ed,Ib', 'pinsrw Vx,Ed,Ib', '', '');
  t[0xc5] = pfx(regOnly('pextrw Gd,Nq,Ib'), regOnly('pextrw Gd,Ux,Ib'), '', '');
  t[0xc6] = pfx('shufps Vx,Wx,Ib', 'shufpd Vx,Wx,Ib', '', '');
  t[0xc7] = mod(
    grp('', 'cmpxchg8b Mq', '', 'xrstors M', 'xsavec M', 'xsaves M', pfx('vmptrld Mq', 'vmclear Mq', 'vmxon Mq', ''), 'vmptrst Mq'),
    grp('', '', '', '', '', '', pfx('rdrand Rv', '-', '', ''), pfx('rdseed Rv', '-', 'rdpid Rd', '')),
  );
  for (let r = 0; r < 8; r++) t[0xc8 + r] = 'bswap Zv';
  t[0xd0] = pfx('', 'addsubpd Vx,Wx', '', 'addsubps Vx,Wx');
  const md1 = ['psrlw', 'psrld', 'psrlq', 'paddq', 'pmullw'];
  md1.forEach((m, i) => { t[0xd1 + i] = mmx(m); });
  t[0xd6] = pfx('', 'movq Wx,Vx', regOnly('movq2dq Vx,Nq'), regOnly('movdq2q Pq,Ux'));
  t[0xd7] = pfx(regOnly('pmovmskb Gd,Nq'), regOnly('pmovmskb Gd,Ux'), '-', '-');
  const md8 = ['psubusb', 'psubusw', 'pminub', 'pand', 'paddusb', 'paddusw', 'pmaxub', 'pandn',
    'pavgb', 'psraw', 'psrad', 'pavgw', 'pmulhuw', 'pmulhw'];
  md8.forEach((m, i) => { t[0xd8 + i] = mmx(m); });
  t[0xe6] = pfx('', 'cvttpd2dq Vx,Wx', 'cvtdq2pd Vx,Wx', 'cvtpd2dq Vx,Wx');
  t[0xe7] = pfx(memOnly('movntq Mq,Pq'), memOnly('movntdq Mx,Vx'), '', '');
  const me8 = ['psubsb', 'psubsw', 'pminsw', 'por', 'paddsb', 'paddsw', 'pmaxsw', 'pxor'];
  me8.forEach((m, i) => { t[0xe8 + i] = mmx(m); });
  t[0xf0] = pfx('', '', '', memOnly('lddqu Vx,Mx'));
  const mf1 = ['psllw', 'pslld', 'psllq', 'pmuludq', 'pmaddwd', 'psadbw'];
  mf1.forEach((m, i) => { t[0xf1 + i] = mmx(m); });
  t[0xf7] = pfx(regOnly('maskmovq Pq,Nq'), regOnly('maskmovdqu Vx,Ux'), '', '');
  const mf8 = ['psubb', 'psubw', 'psubd', 'psubq', 'paddb', 'paddw', 'paddd'];
  mf8.forEach((m, i) => { t[0xf8 + i] = mmx(m); });
  t[0xff] = 'ud0 Gv,Ev';
})();

/* ------------------------------------------------------------------ */
/* Three-byte maps 0F 38 xx and 0F 3A xx                               */
/* ------------------------------------------------------------------ */

export const THREE_BYTE_38: Entry[] = new Array<Entry>(256).fill('');
(() => {
  const t = THREE_BYTE_38;
  const ssse3 = ['pshufb', 'phaddw', 'phaddd', 'phaddsw', 'pmaddubsw', 'phsubw', 'phsubd', 'phsubsw',
    'psignb', 'psignw', 'psignd', 'pmulhrsw'];
  ssse3.forEach((m, i) => { t[i] = mmx(m); });
  t[0x10] = x66('pblendvb', 'Vx,Wx,XMM0');
  t[0x14] = x66('blendvps', 'Vx,Wx,XMM0');
  t[0x15] = x66('blendvpd', 'Vx,Wx,XMM0');
  t[0x17] = x66('ptest');
  t[0x1c] = mmx('pabsb'); t[0x1d] = mmx('pabsw'); t[0x1e] = mmx('pabsd');
  const s41 = ['pmovsxbw', 'pmovsxbd', 'pmovsxbq', 'pmovsxwd', 'pmovsxwq', 'pmovsxdq', '', '',
    'pmuldq', 'pcmpeqq', '', 'packusdw', '', '', '', '',
    'pmovzxbw', 'pmovzxbd', 'pmovzxbq', 'pmovzxwd', 'pmovzxwq', 'pmovzxdq', '', 'pcmpgtq',
    'pminsb', 'pminsd', 'pminuw', 'pminud', 'pmaxsb', 'pmaxsd', 'pmaxuw', 'pmaxud',
    'pmulld', 'phminposuw'];
  s41.forEach((m, i) => { if (m) t[0x20 + i] = x66(m); });
  t[0x2a] = pfx('', memOnly('movntdqa Vx,Mx'), '', '');
  t[0x80] = pfx('', memOnly('invept Gd,Mx'), '', '');
  t[0x81] = pfx('', memOnly('invvpid Gd,Mx'), '', '');
  t[0x82] = pfx('', memOnly('invpcid Gd,Mx'), '', '');
  t[0xc8] = pfx('sha1nexte Vx,Wx', '', '', '');
  t[0xc9] = pfx('sha1msg1 Vx,Wx', '', '', '');
  t[0xca] = pfx('sha1msg2 Vx,Wx', '', '', '');
  t[0xcb] = pfx('sha256rnds2 Vx,Wx,XMM0', '', '', '');
  t[0xcc] = pfx('sha256msg1 Vx,Wx', '', '', '');
  t[0xcd] = pfx('sha256msg2 Vx,Wx', '', '', '');
  t[0xcf] = x66('gf2p8mulb');
  t[0xd8] = pfx('', '', memOnly(grp('aesencwide128kl M', 'aesdecwide128kl M', 'aesencwide256kl M', 'aesdecwide256kl M', '', '', '', '')), '');
  t[0xdb] = x66('aesimc');
  t[0xdc] = pfx('', 'aesenc Vx,Wx', mod('aesenc128kl Vx,M', 'loadiwkey Vx,Ux'), '');
  t[0xdd] = pfx('', 'aesenclast Vx,Wx', memOnly('aesdec128kl Vx,M'), '');
  t[0xde] = pfx('', 'aesdec Vx,Wx', memOnly('aesenc256kl Vx,M'), '');
  t[0xdf] = pfx('', 'aesdeclast Vx,Wx', memOnly('aesdec256kl Vx,M'), '');
  t[0xf0] = pfx(memOnly('movbe Gv,Mv'), '-', '', 'crc32# Gd,Eb');
  t[0xf1] = pfx(memOnly('movbe Mv,Gv'), '-', '', 'crc32# Gd,Ev');
  t[0xf5] = pfx('', memOnly('wrussd Md,Gd'), '', '');
  t[0xf6] = pfx(memOnly('wrssd Md,Gd'), 'adcx Gd,Ed', 'adox Gd,Ed', '');
  t[0xf8] = pfx('', memOnly('movdir64b Ga,M'), memOnly('enqcmds Ga,M'), memOnly('enqcmd Ga,M'));
  t[0xf9] = pfx(memOnly('movdiri Md,Gd'), '', '', '');
  t[0xfa] = pfx('', '', regOnly('encodekey128 Gd,Rd'), '');
  t[0xfb] = pfx('', '', regOnly('encodekey256 Gd,Rd'), '');
  t[0xfc] = pfx(memOnly('aadd Md,Gd'), memOnly('aand Md,Gd'), memOnly('axor Md,Gd'), memOnly('aor Md,Gd'));
})();

export const THREE_BYTE_3A: Entry[] = new Array<Entry>(256).fill('');
(() => {
  const t = THREE_BYTE_3A;
  const r = ['roundps', 'roundpd', 'roundss', 'roundsd', 'blendps', 'blendpd', 'pblendw'];
  r.forEach((m, i) => { t[0x08 + i] = x66(m, 'Vx,Wx,Ib'); });
  t[0x0f] = mmx('palignr', ',Ib');
  t[0x14] = x66('pextrb', 'Ed,Vx,Ib');
  t[0x15] = x66('pextrw', 'Ed,Vx,Ib');
  t[0x16] = x66('pextrd', 'Ed,Vx,Ib');
  t[0x17] = x66('extractps', 'Ed,Vx,Ib');
  t[0x20] = x66('pinsrb', 'Vx,Ed,Ib');
  t[0x21] = x66('insertps', 'Vx,Wx,Ib');
  t[0x22] = x66('pinsrd', 'Vx,Ed,Ib');
  t[0x40] = x66('dpps', 'Vx,Wx,Ib');
  t[0x41] = x66('dppd', 'Vx,Wx,Ib');
  t[0x42] = x66('mpsadbw', 'Vx,Wx,Ib');
  t[0x44] = x66('pclmul@dq', 'Vx,Wx,Ik');
  t[0x60] = x66('pcmpestrm', 'Vx,Wx,Ib');
  t[0x61] = x66('pcmpestri', 'Vx,Wx,Ib');
  t[0x62] = x66('pcmpistrm', 'Vx,Wx,Ib');
  t[0x63] = x66('pcmpistri', 'Vx,Wx,Ib');
  t[0xcc] = pfx('sha1rnds4 Vx,Wx,Ib', '', '', '');
  t[0xce] = x66('gf2p8affineqb', 'Vx,Wx,Ib');
  t[0xcf] = x66('gf2p8affineinvqb', 'Vx,Wx,Ib');
  t[0xdf] = x66('aeskeygenassist', 'Vx,Wx,Ib');
})();

/** 3DNow! (0F 0F modrm imm8): mnemonic by the trailing opcode byte. */
export const THREEDNOW: Record<number, string> = {
  0x0c: 'pi2fw', 0x0d: 'pi2fd', 0x1c: 'pf2iw', 0x1d: 'pf2id', 0x8a: 'pfnacc', 0x8e: 'pfpnacc',
  0x90: 'pfcmpge', 0x94: 'pfmin', 0x96: 'pfrcp', 0x97: 'pfrsqrt', 0x9a: 'pfsub', 0x9e: 'pfadd',
  0xa0: 'pfcmpgt', 0xa4: 'pfmax', 0xa6: 'pfrcpit1', 0xa7: 'pfrsqit1', 0xaa: 'pfsubr', 0xae: 'pfacc',
  0xb0: 'pfcmpeq', 0xb4: 'pfmul', 0xb6: 'pfrcpit2', 0xb7: 'pmulhrw', 0xbb: 'pswapd', 0xbf: 'pavgusb',
};
