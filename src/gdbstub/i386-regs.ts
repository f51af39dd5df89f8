// The i386 register layout gdb sees, and the target description (target.xml) that names it.
//
// Remote register numbers (the `p`/`P` index) follow the XML order:
//   0x00-0x0f  eax ecx edx ebx esp ebp esi edi eip eflags cs ss ds es fs gs   (org.gnu.gdb.i386.core)
//   0x10-0x17  st0-st7 (10 bytes), 0x18-0x1f fctrl fstat ftag fiseg fioff foseg fooff fop
//   0x20-0x27  xmm0-xmm7 (16 bytes), 0x28 mxcsr                              (org.gnu.gdb.i386.sse)
//   0x29-...   system registers (org.tcg86.i386.system), see SYSTEM_REGS below.
// The `g` packet holds registers 0x00-0x28 only: 308 bytes, gdb's built-in i386 layout, so a
// gdb without XML support parses it too. gdb reads the system registers with `p`.
// The x87 registers are the FPU's own state (st0-7 relative to TOP, full tag word, FPU
// instruction/operand pointers); xmm0-7 and mxcsr are the values fxsave/fxrstor keep.
// Writes: segment selectors load like `mov sreg` (descriptor from the GDT/LDT, with the CPU's
// checks), cr0-cr4 go through the mov-to-CR helper (as if at CPL 0); a value the CPU refuses
// answers E22 and changes nothing. The other system registers (descriptor caches,
// gdtr/idtr, ldtr/tr, efer, dr0-dr7) are written as they are, like a hardware debugger would.
import { DebugTarget } from '../emu/cpu-exec/debug-target';
import { CPU_FAULT, X86Cpu } from '../emu/translate-i386/cpu';
import { H, HELPERS } from '../emu/translate-i386/helpers';
import { loadSegment } from '../emu/translate-i386/seg';
import {
  CR0, CR2, CR3, CR4, DR0, EFER, EIP, GDTR_BASE, GDTR_LIMIT, HF_CPL_MASK, HF_INHIBIT_IRQ, HFLAGS, IDTR_BASE, IDTR_LIMIT,
  LDTR_ATTR, LDTR_BASE, LDTR_LIMIT, LDTR_SEL, SEG_ATTR, SEG_BASE, SEG_CS, SEG_DS, SEG_ES, SEG_FS, SEG_GS, SEG_LIMIT, SEG_SEL,
  SEG_SS, TR_ATTR, TR_BASE, TR_LIMIT, TR_SEL,
} from '../emu/translate-i386/state';
import type { X87State } from '../emu/translate-i386/fpu';

/** Result of a register write: null when accepted, otherwise the error reply (`Exx`). */
export type WriteResult = string | null;

export interface RegDef {
  name: string;
  /** Size in bytes (little-endian in packets). */
  size: number;
  /** XML type and optional group. */
  type: string;
  group?: string;
  read(t: DebugTarget): Uint8Array;
  write(t: DebugTarget, v: Uint8Array): WriteResult;
}

/** EFLAGS bits a debugger may change: CF PF AF ZF SF TF IF DF OF IOPL NT RF VM AC VIF VIP ID. */
const EFLAGS_WRITABLE = 0x3f7fd5;

function u32(v: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, v >>> 0, true);
  return b;
}
function getU32(v: Uint8Array): number { return new DataView(v.buffer, v.byteOffset, 4).getUint32(0, true) | 0; }

/** A 32-bit register backed by a function pair. */
function reg32(name: string, type: string, get: (cpu: X86Cpu) => number,
  set: (t: DebugTarget, v: number) => WriteResult, group?: string): RegDef {
  return { name, size: 4, type, group, read: (t) => u32(get(t.cpu)), write: (t, v) => set(t, getU32(v)) };
}

/** A 32-bit register stored in one slot of the state array; `after` runs after a write. */
function slot(name: string, type: string, index: number, group?: string, mask = -1, changesMode = true): RegDef {
  return reg32(name, type, (cpu) => cpu.s[index], (t, v) => {
    t.cpu.s[index] = v & mask;
    if (changesMode) t.stateChanged();
    return null;
  }, group);
}

/**
 * Runs a CPU helper for the debugger: on a guest fault the CPU state is put back as it was
 * and the write is refused. With `cpl0` the helper runs as if CPL were 0 (a debugger writing
 * a control register is not bound by the privilege of the code it stopped in).
 */
function asDebugger(t: DebugTarget, cpl0: boolean, f: (cpu: X86Cpu) => void): WriteResult {
  const cpu = t.cpu;
  const saved = Int32Array.from(cpu.s);
  const cpl = cpu.s[HFLAGS] & HF_CPL_MASK;
  const inhibit = cpu.s[HFLAGS] & HF_INHIBIT_IRQ;
  try {
    if (cpl0) cpu.s[HFLAGS] &= ~HF_CPL_MASK;
    f(cpu);
    cpu.s[HFLAGS] = (cpu.s[HFLAGS] & ~(HF_CPL_MASK | HF_INHIBIT_IRQ)) | cpl | inhibit;
  } catch (e) {
    cpu.s.set(saved);
    cpu.excVector = -1;
    if (e === CPU_FAULT) return 'E22';   // the CPU refuses the value (#GP, #NP, ...)
    throw e;
  } finally {
    cpu.setCpl(cpu.s[HFLAGS] & HF_CPL_MASK); // the TLB half follows the CPL restored above
    t.stateChanged();
  }
  return null;
}

/** Segment selector: a new value is loaded like `mov sreg` would (descriptor cache from the GDT/LDT). */
function segReg(name: string, seg: number): RegDef {
  return reg32(name, 'int32', (cpu) => cpu.s[SEG_SEL + seg] & 0xffff, (t, v) => {
    const sel = v & 0xffff;
    if (sel === (t.cpu.s[SEG_SEL + seg] & 0xffff)) return null;
    return asDebugger(t, false, (cpu) => loadSegment(cpu, seg, sel, cpu.s[EIP]));
  });
}

/** State slots of CR0..CR4 (they are not CR0 + n: there is no CR1). */
const CR_SLOT = [CR0, -1, CR2, CR3, CR4];

function crReg(n: number, type: string, group?: string): RegDef {
  return reg32(`cr${n}`, type, (cpu) => cpu.s[CR_SLOT[n]], (t, v) =>
    asDebugger(t, true, (cpu) => { HELPERS[H.mov_to_cr].fn(cpu, n, v, cpu.s[EIP]); }), group);
}

const GPR_NAMES = ['eax', 'ecx', 'edx', 'ebx', 'esp', 'ebp', 'esi', 'edi'];
const GDB_SEGS: [string, number][] = [['cs', SEG_CS], ['ss', SEG_SS], ['ds', SEG_DS], ['es', SEG_ES], ['fs', SEG_FS], ['gs', SEG_GS]];

function coreRegs(): RegDef[] {
  const r: RegDef[] = [];
  GPR_NAMES.forEach((n, i) => r.push(slot(n, n === 'esp' || n === 'ebp' ? 'data_ptr' : 'int32', i, undefined, -1, false)));
  r.push(slot('eip', 'code_ptr', EIP, undefined, -1, false));
  r.push(reg32('eflags', 'i386_eflags', (cpu) => cpu.getEflags(), (t, v) => {
    t.cpu.setEflags(v, EFLAGS_WRITABLE);
    t.stateChanged();
    return null;
  }));
  for (const [n, seg] of GDB_SEGS) r.push(segReg(n, seg));
  // x87: st0..st7 are ST(i) (relative to TOP), 80-bit little-endian as gdb expects.
  for (let i = 0; i < 8; i++) {
    r.push({
      name: `st${i}`, size: 10, type: 'i387_ext',
      read: (t) => {
        const v = t.cpu.fpu.get(i);
        const b = new Uint8Array(10);
        const dv = new DataView(b.buffer);
        dv.setBigUint64(0, BigInt.asUintN(64, v.m), true);
        dv.setUint16(8, v.se & 0xffff, true);
        return b;
      },
      write: (t, v) => {
        const dv = new DataView(v.buffer, v.byteOffset, 10);
        const f = t.cpu.fpu;
        f.regs[f.phys(i)] = { m: dv.getBigUint64(0, true), se: dv.getUint16(8, true) };
        return null;
      },
    });
  }
  const fpu32 = (name: string, get: (f: X87State) => number, set: (f: X87State, v: number) => void): RegDef =>
    reg32(name, 'int', (cpu) => get(cpu.fpu), (t, v) => { set(t.cpu.fpu, v); return null; }, 'float');
  r.push(fpu32('fctrl', (f) => f.fcw, (f, v) => { f.fcw = v & 0xffff; }));
  r.push(fpu32('fstat', (f) => f.status, (f, v) => { f.status = v & 0xffff; }));
  r.push(fpu32('ftag', (f) => f.ftw, (f, v) => { f.ftw = v & 0xffff; }));
  r.push(fpu32('fiseg', (f) => f.fcs, (f, v) => { f.fcs = v & 0xffff; }));
  r.push(fpu32('fioff', (f) => f.fip, (f, v) => { f.fip = v; }));
  r.push(fpu32('foseg', (f) => f.fds, (f, v) => { f.fds = v & 0xffff; }));
  r.push(fpu32('fooff', (f) => f.fdp, (f, v) => { f.fdp = v; }));
  r.push(fpu32('fop', (f) => f.fop, (f, v) => { f.fop = v & 0x7ff; }));
  return r;
}

function sseRegs(): RegDef[] {
  const r: RegDef[] = [];
  for (let i = 0; i < 8; i++) {
    r.push({
      name: `xmm${i}`, size: 16, type: 'vec128',
      read: (t) => t.cpu.fpu.xmm.slice(i * 16, i * 16 + 16),
      write: (t, v) => { t.cpu.fpu.xmm.set(v.subarray(0, 16), i * 16); return null; },
    });
  }
  r.push(reg32('mxcsr', 'i386_mxcsr', (cpu) => cpu.fpu.mxcsr, (t, v) => { t.cpu.fpu.mxcsr = v & 0xffff; return null; }, 'vector'));
  return r;
}

function systemRegs(): RegDef[] {
  const r: RegDef[] = [];
  const SYS = 'system';
  r.push(slot('fs_base', 'data_ptr', SEG_BASE + SEG_FS));
  r.push(slot('gs_base', 'data_ptr', SEG_BASE + SEG_GS));
  r.push(crReg(0, 'tcg86_cr0'));
  r.push(crReg(2, 'data_ptr'));
  r.push(crReg(3, 'data_ptr'));
  r.push(crReg(4, 'tcg86_cr4'));
  r.push(slot('efer', 'tcg86_efer', EFER));
  r.push(slot('gdtr_base', 'data_ptr', GDTR_BASE, SYS));
  r.push(slot('gdtr_limit', 'uint32', GDTR_LIMIT, SYS, 0xffff));
  r.push(slot('idtr_base', 'data_ptr', IDTR_BASE, SYS));
  r.push(slot('idtr_limit', 'uint32', IDTR_LIMIT, SYS, 0xffff));
  r.push(slot('ldtr', 'uint32', LDTR_SEL, SYS, 0xffff));
  r.push(slot('ldtr_base', 'data_ptr', LDTR_BASE, SYS));
  r.push(slot('ldtr_limit', 'uint32', LDTR_LIMIT, SYS));
  r.push(slot('ldtr_attr', 'uint32', LDTR_ATTR, SYS));
  r.push(slot('tr', 'uint32', TR_SEL, SYS, 0xffff));
  r.push(slot('tr_base', 'data_ptr', TR_BASE, SYS));
  r.push(slot('tr_limit', 'uint32', TR_LIMIT, SYS));
  r.push(slot('tr_attr', 'uint32', TR_ATTR, SYS));
  for (const [n, seg] of GDB_SEGS) if (seg !== SEG_FS && seg !== SEG_GS) r.push(slot(`${n}_base`, 'data_ptr', SEG_BASE + seg, SYS));
  for (const [n, seg] of GDB_SEGS) r.push(slot(`${n}_limit`, 'uint32', SEG_LIMIT + seg, SYS));
  for (const [n, seg] of GDB_SEGS) r.push(slot(`${n}_attr`, 'uint32', SEG_ATTR + seg, SYS));
  for (let i = 0; i < 8; i++) r.push(slot(`dr${i}`, 'uint32', DR0 + i, SYS, -1, false));
  return r;
}

interface Feature { name: string; types: string; regs: RegDef[] }

const FLAG_TYPES_CORE = flagsXml('i386_eflags', [
  [0, 'CF'], [1, ''], [2, 'PF'], [4, 'AF'], [6, 'ZF'], [7, 'SF'], [8, 'TF'], [9, 'IF'], [10, 'DF'], [11, 'OF'],
  [14, 'NT'], [16, 'RF'], [17, 'VM'], [18, 'AC'], [19, 'VIF'], [20, 'VIP'], [21, 'ID'],
]);

const TYPES_SSE = [
  '<vector id="v4f" type="ieee_single" count="4"/>',
  '<vector id="v2d" type="ieee_double" count="2"/>',
  '<vector id="v16i8" type="int8" count="16"/>',
  '<vector id="v8i16" type="int16" count="8"/>',
  '<vector id="v4i32" type="int32" count="4"/>',
  '<vector id="v2i64" type="int64" count="2"/>',
  '<union id="vec128">',
  '  <field name="v4_float" type="v4f"/>',
  '  <field name="v2_double" type="v2d"/>',
  '  <field name="v16_int8" type="v16i8"/>',
  '  <field name="v8_int16" type="v8i16"/>',
  '  <field name="v4_int32" type="v4i32"/>',
  '  <field name="v2_int64" type="v2i64"/>',
  '  <field name="uint128" type="uint128"/>',
  '</union>',
].join('\n') + '\n' + flagsXml('i386_mxcsr', [
  [0, 'IE'], [1, 'DE'], [2, 'ZE'], [3, 'OE'], [4, 'UE'], [5, 'PE'], [6, 'DAZ'], [7, 'IM'], [8, 'DM'], [9, 'ZM'],
  [10, 'OM'], [11, 'UM'], [12, 'PM'], [15, 'FZ'],
]);

const TYPES_SYSTEM = [
  flagsXml('tcg86_cr0', [[0, 'PE'], [1, 'MP'], [2, 'EM'], [3, 'TS'], [4, 'ET'], [5, 'NE'], [16, 'WP'], [18, 'AM'], [29, 'NW'], [30, 'CD'], [31, 'PG']]),
  flagsXml('tcg86_cr4', [[0, 'VME'], [1, 'PVI'], [2, 'TSD'], [3, 'DE'], [4, 'PSE'], [5, 'PAE'], [6, 'MCE'], [7, 'PGE'], [8, 'PCE'],
    [9, 'OSFXSR'], [10, 'OSXMMEXCPT'], [11, 'UMIP'], [13, 'VMXE'], [14, 'SMXE'], [16, 'FSGSBASE'], [17, 'PCIDE'], [18, 'OSXSAVE'],
    [20, 'SMEP'], [21, 'SMAP'], [22, 'PKE']]),
  flagsXml('tcg86_efer', [[0, 'SCE'], [8, 'LME'], [10, 'LMA'], [11, 'NXE'], [12, 'SVME'], [13, 'LMSLE'], [14, 'FFXSR'], [15, 'TCE']]),
].join('\n');

function flagsXml(id: string, fields: [number, string][]): string {
  return `<flags id="${id}" size="4">\n` + fields.map(([b, n]) => `  <field name="${n}" start="${b}" end="${b}"/>`).join('\n') + '\n</flags>';
}

export const FEATURES: Feature[] = [
  { name: 'org.gnu.gdb.i386.core', types: FLAG_TYPES_CORE, regs: coreRegs() },
  { name: 'org.gnu.gdb.i386.sse', types: TYPES_SSE, regs: sseRegs() },
  { name: 'org.tcg86.i386.system', types: TYPES_SYSTEM, regs: systemRegs() },
];

/** Every register, indexed by its remote number. */
export const REGS: RegDef[] = FEATURES.flatMap(f => f.regs);
/** Registers 0 .. G_REGS-1 form the `g`/`G` packet (gdb's standard i386 layout). */
export const G_REGS = FEATURES[0].regs.length + FEATURES[1].regs.length;
export const G_PACKET_BYTES = REGS.slice(0, G_REGS).reduce((n, r) => n + r.size, 0);

export function regNumber(name: string): number { return REGS.findIndex(r => r.name === name); }

/** The `g` packet contents. */
export function readGRegisters(t: DebugTarget): Buffer {
  return Buffer.concat(REGS.slice(0, G_REGS).map(r => r.read(t)));
}

/**
 * Apply a `G` packet: registers in order until the data runs out (a shorter block is
 * accepted, as gdb may send one; it must end on a register boundary).
 */
export function writeGRegisters(t: DebugTarget, data: Uint8Array): WriteResult {
  if (data.length > G_PACKET_BYTES) return 'E22';
  let off = 0;
  const writes: [RegDef, Uint8Array][] = [];
  for (let i = 0; i < G_REGS && off < data.length; i++) {
    const r = REGS[i];
    if (off + r.size > data.length) return 'E22';
    writes.push([r, data.subarray(off, off + r.size)]);
    off += r.size;
  }
  let err: WriteResult = null;
  for (const [r, v] of writes) {
    const e = r.write(t, v);
    if (e && !err) err = e;
  }
  return err;
}

function xmlEscape(s: string): string { return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/"/g, '&quot;'); }

/** target.xml: the three features inline, each register with its explicit remote number. */
export function targetXml(): string {
  const lines = ['<?xml version="1.0"?>', '<!DOCTYPE target SYSTEM "gdb-target.dtd">', '<target version="1.0">', '<architecture>i386</architecture>'];
  let num = 0;
  for (const f of FEATURES) {
    lines.push(`<feature name="${f.name}">`, f.types);
    for (const r of f.regs) {
      const group = r.group ? ` group="${r.group}"` : '';
      lines.push(`<reg name="${xmlEscape(r.name)}" bitsize="${r.size * 8}" type="${r.type}" regnum="${num}"${group}/>`);
      num++;
    }
    lines.push('</feature>');
  }
  lines.push('</target>', '');
  return lines.join('\n');
}
