// `info registers` in the layout of QEMU's x86_cpu_dump_state (32-bit guest, with its FPU
// part: control/status/tag words, MXCSR, the x87 registers in physical order, XMM0-7), and
// `info cpus`.
import { X86Cpu } from '../emu/translate-i386/cpu';
import {
  CR0, CR2, CR3, CR4, DESC_B, DESC_G, DESC_P, DESC_S, DR0, EFER, EIP, GDTR_BASE, GDTR_LIMIT, HF_CPL_MASK, HF_INHIBIT_IRQ,
  HF_PE, HFLAGS, IDTR_BASE, IDTR_LIMIT, LDTR_ATTR, LDTR_BASE, LDTR_LIMIT, LDTR_SEL, R_EAX, R_EBP, R_EBX, R_ECX, R_EDI,
  R_EDX, R_ESI, R_ESP, SEG_ATTR, SEG_BASE, SEG_LIMIT, SEG_NAMES, SEG_SEL, TR_ATTR, TR_BASE, TR_LIMIT, TR_SEL,
} from '../emu/translate-i386/state';
import { hex16, hex2, hex4, hex8 } from './format';

const SYS_TYPES = [
  'Reserved', 'TSS16-avl', 'LDT', 'TSS16-busy', 'CallGate16', 'TaskGate', 'IntGate16', 'TrapGate16',
  'Reserved', 'TSS32-avl', 'Reserved', 'TSS32-busy', 'CallGate32', 'Reserved', 'IntGate32', 'TrapGate32',
];

/**
 * The descriptor's high dword as QEMU keeps it in SegmentCache.flags (bits 8..23). Our cache
 * drops limit bits 16..19; they are rebuilt from the limit so that the column matches QEMU.
 */
export function segFlags(attr: number, limit: number): number {
  const raw = attr & DESC_G ? limit >>> 12 : limit >>> 0;
  return ((attr & 0x00f0ff00) | (((raw >>> 16) & 0xf) << 16)) >>> 0;
}

/** One line of QEMU's cpu_x86_dump_seg_cache. */
export function segLine(name: string, sel: number, base: number, limit: number, attr: number, pe: boolean): string {
  const flags = segFlags(attr, limit);
  let t = `${name.padEnd(3)}=${hex4(sel)} ${hex8(base)} ${hex8(limit)} ${hex8(flags)}`;
  if (!pe || !(flags & DESC_P)) return t;
  t += ` DPL=${(flags >>> 13) & 3} `;
  if (flags & DESC_S) {
    if (flags & (1 << 11)) {
      t += flags & DESC_B ? 'CS32' : 'CS16';
      t += ` [${flags & (1 << 10) ? 'C' : '-'}${flags & (1 << 9) ? 'R' : '-'}`;
    } else {
      t += flags & DESC_B ? 'DS  ' : 'DS16';
      t += ` [${flags & (1 << 10) ? 'E' : '-'}${flags & (1 << 9) ? 'W' : '-'}`;
    }
    t += `${flags & (1 << 8) ? 'A' : '-'}]`;
  } else {
    t += SYS_TYPES[(flags >>> 8) & 0xf];
  }
  return t;
}

/** The `[DOSZAPC]` flag letters of QEMU's EFL= field. */
export function eflagsLetters(e: number): string {
  const bits: [number, string][] = [[0x400, 'D'], [0x800, 'O'], [0x80, 'S'], [0x40, 'Z'], [0x10, 'A'], [0x4, 'P'], [0x1, 'C']];
  return bits.map(([m, c]) => (e & m ? c : '-')).join('');
}

export function infoRegisters(cpu: X86Cpu): string[] {
  const s = cpu.s;
  const efl = cpu.getEflags();
  const pe = (s[HFLAGS] & HF_PE) !== 0;
  const lines = [
    '',
    'CPU#0',
    `EAX=${hex8(s[R_EAX])} EBX=${hex8(s[R_EBX])} ECX=${hex8(s[R_ECX])} EDX=${hex8(s[R_EDX])}`,
    `ESI=${hex8(s[R_ESI])} EDI=${hex8(s[R_EDI])} EBP=${hex8(s[R_EBP])} ESP=${hex8(s[R_ESP])}`,
    `EIP=${hex8(s[EIP])} EFL=${hex8(efl)} [${eflagsLetters(efl)}] CPL=${s[HFLAGS] & HF_CPL_MASK} ` +
      `II=${s[HFLAGS] & HF_INHIBIT_IRQ ? 1 : 0} A20=${cpu.a20 ? 1 : 0} SMM=0 HLT=${cpu.halted ? 1 : 0}`,
  ];
  SEG_NAMES.forEach((n, i) => lines.push(segLine(n.toUpperCase(), s[SEG_SEL + i], s[SEG_BASE + i], s[SEG_LIMIT + i], s[SEG_ATTR + i], pe)));
  lines.push(segLine('LDT', s[LDTR_SEL], s[LDTR_BASE], s[LDTR_LIMIT], s[LDTR_ATTR], pe));
  lines.push(segLine('TR', s[TR_SEL], s[TR_BASE], s[TR_LIMIT], s[TR_ATTR], pe));
  lines.push(`GDT=     ${hex8(s[GDTR_BASE])} ${hex8(s[GDTR_LIMIT])}`);
  lines.push(`IDT=     ${hex8(s[IDTR_BASE])} ${hex8(s[IDTR_LIMIT])}`);
  lines.push(`CR0=${hex8(s[CR0])} CR2=${hex8(s[CR2])} CR3=${hex8(s[CR3])} CR4=${hex8(s[CR4])}`);
  lines.push([0, 1, 2, 3].map(i => `DR${i}=${hex8(s[DR0 + i])}`).join(' ') + ' ');
  lines.push(`DR6=${hex8(s[DR0 + 6])} DR7=${hex8(s[DR0 + 7])}`);
  lines.push(`EFER=${hex16(s[EFER] >>> 0)}`);
  return lines.concat(fpuLines(cpu));
}

/** QEMU's FPU part: FTW is the abridged tag (bit set = register not empty), FPRn are physical registers. */
function fpuLines(cpu: X86Cpu): string[] {
  const f = cpu.fpu;
  const lines = [`FCW=${hex4(f.fcw)} FSW=${hex4(f.status)} [ST=${f.top}] FTW=${hex2(~f.empty)} MXCSR=${hex8(f.mxcsr)}`];
  const pairs = (items: string[]) => { for (let i = 0; i < items.length; i += 2) lines.push(`${items[i]} ${items[i + 1]}`); };
  pairs(f.regs.map((r, i) => `FPR${i}=${r.m.toString(16).padStart(16, '0')} ${hex4(r.se)}`));
  const quad = (off: number) => {
    let v = 0n;
    for (let b = 7; b >= 0; b--) v = (v << 8n) | BigInt(f.xmm[off + b]);
    return hex16(v);
  };
  pairs(Array.from({ length: 8 }, (_, i) => `XMM${String(i).padStart(2, '0')}=${quad(i * 16 + 8)} ${quad(i * 16)}`));
  return lines;
}

export function infoCpus(cpu: X86Cpu): string[] {
  return [`* CPU #0: thread_id=${process.pid}${cpu.halted ? ' (halted)' : ''}`];
}
