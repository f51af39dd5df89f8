// Segmentation and protected-mode control transfers: descriptor loads, far jmp/call/ret,
// iret, and interrupt/exception delivery through the IDT. All run as helpers (cold path).
import { X86Cpu } from './cpu';
import {
  CR0, CR0_PE, DESC_B, DESC_P, DESC_S, EFLAGS, EIP, FLAG_IF, FLAG_NT, FLAG_RF, FLAG_TF, FLAG_VM, GDTR_BASE, GDTR_LIMIT,
  HF_INHIBIT_IRQ, HFLAGS, FLAG_DF, HF_CPL_MASK, IDTR_BASE, IDTR_LIMIT, LDTR_BASE, LDTR_LIMIT, R_ESP, SEG_ATTR, SEG_BASE, SEG_CS, SEG_DS, SEG_ES, SEG_FS,
  SEG_GS, SEG_LIMIT, SEG_SEL, SEG_SS, TR_BASE, TR_LIMIT, TR_SEL, TR_ATTR, LDTR_SEL, LDTR_ATTR, FLAG_IOPL, FLAG_AC, FLAG_ID,
} from './state';
import { interruptTask, iretTask, isTaskTarget, jmpCallTask } from './task-switch';

import {
  EXC_AC, EXC_BP, EXC_BR, EXC_DB, EXC_DE, EXC_DF, EXC_GP, EXC_NM, EXC_NP, EXC_OF, EXC_PF, EXC_SS, EXC_TS, EXC_UD,
} from './state';
/** The exception vectors (defined in state.ts), for this module's importers. */
export {
  EXC_AC, EXC_BP, EXC_BR, EXC_DB, EXC_DE, EXC_DF, EXC_GP, EXC_NM, EXC_NP, EXC_OF, EXC_PF, EXC_SS, EXC_TS, EXC_UD,
};

/**
 * Runs a control transfer all or nothing: a fault half-way (a bad SS after CS was loaded, a
 * stack page missing) leaves the registers as they were before the instruction.
 */
// Saved states by nesting depth: a typed array per far transfer would allocate an ArrayBuffer
// each time, which costs more than the transfer itself.
const savedStates: Int32Array[] = [];
let atomicDepth = 0;
function atomically(cpu: X86Cpu, f: () => void): void {
  const saved = savedStates[atomicDepth] ??= new Int32Array(cpu.s.length);
  saved.set(cpu.s);
  atomicDepth++;
  try {
    f();
  } catch (e) {
    cpu.s.set(saved);
    cpu.setCpl(saved[HFLAGS] & HF_CPL_MASK); // back to the TLB half of the restored CPL
    throw e;
  } finally {
    atomicDepth--;
  }
}

export function descBase(lo: number, hi: number): number {
  return ((lo >>> 16) | ((hi & 0xff) << 16) | (hi & 0xff000000)) | 0;
}
export function descLimit(lo: number, hi: number): number {
  let l = (lo & 0xffff) | (hi & 0xf0000);
  if (hi & (1 << 23)) l = ((l << 12) | 0xfff) | 0;
  return l;
}
export function descAttr(hi: number): number { return hi & 0x00f0ff00; }

/** Descriptor tables and the TSS are read with supervisor privilege whatever the CPL. */
function rdLinear32(cpu: X86Cpu, addr: number, eip: number): number { return cpu.mem.ldSys(addr, 2, eip); }

/** Address of the descriptor for `sel` in the GDT or LDT, or -1 when beyond the table limit. */
export function descriptorAddr(cpu: X86Cpu, sel: number): number {
  const s = cpu.s;
  const idx = sel & ~7;
  const base = sel & 4 ? s[LDTR_BASE] : s[GDTR_BASE];
  const limit = sel & 4 ? s[LDTR_LIMIT] : s[GDTR_LIMIT];
  if ((idx | 7) >>> 0 > limit >>> 0) return -1;
  return (base + idx) | 0;
}

export function readDescriptor(cpu: X86Cpu, sel: number, eip: number, exc = EXC_GP): [number, number] {
  const a = descriptorAddr(cpu, sel);
  if (a === -1) cpu.raise(exc, sel & 0xfffc, eip);
  return [rdLinear32(cpu, a, eip), rdLinear32(cpu, a + 4, eip)];
}

function setAccessed(cpu: X86Cpu, sel: number, hi: number, eip: number): void {
  if (!(hi & 0x100)) cpu.mem.stSys(descriptorAddr(cpu, sel) + 4, hi | 0x100, 2, eip);
}

function loadCache(cpu: X86Cpu, seg: number, sel: number, lo: number, hi: number): void {
  const s = cpu.s;
  s[SEG_SEL + seg] = sel;
  s[SEG_BASE + seg] = descBase(lo, hi);
  s[SEG_LIMIT + seg] = descLimit(lo, hi);
  s[SEG_ATTR + seg] = descAttr(hi | 0x100);
}

/** mov/pop/lds... to a data segment register or SS (helper `load_seg`). */
export function loadSegment(cpu: X86Cpu, seg: number, sel: number, eip: number): void {
  const s = cpu.s;
  sel &= 0xffff;
  if (!(s[CR0] & CR0_PE) || (s[EFLAGS] & FLAG_VM)) {
    cpu.setSegmentFlat(seg, sel, sel << 4, 0xffff, s[SEG_ATTR + seg] | DESC_P | DESC_S | 0x200);
    cpu.updateHflags();
    return;
  }
  const cpl = cpu.cpl;
  if ((sel & 0xfffc) === 0) {
    if (seg === SEG_SS) cpu.raise(EXC_GP, 0, eip);
    cpu.setSegmentFlat(seg, sel, 0, 0, 0);
    cpu.updateHflags();
    return;
  }
  const [lo, hi] = readDescriptor(cpu, sel, eip);
  const type = (hi >> 8) & 0xf;
  const dpl = (hi >> 13) & 3;
  const rpl = sel & 3;
  if (!(hi & DESC_S)) cpu.raise(EXC_GP, sel & 0xfffc, eip);
  if (seg === SEG_SS) {
    if ((type & 0xa) !== 2 || rpl !== cpl || dpl !== cpl) cpu.raise(EXC_GP, sel & 0xfffc, eip);
    if (!(hi & DESC_P)) cpu.raise(EXC_SS, sel & 0xfffc, eip);
  } else {
    if ((type & 0xa) === 8) cpu.raise(EXC_GP, sel & 0xfffc, eip); // execute-only code
    if ((type & 0xc) !== 0xc && (rpl > dpl || cpl > dpl)) cpu.raise(EXC_GP, sel & 0xfffc, eip);
    if (!(hi & DESC_P)) cpu.raise(EXC_NP, sel & 0xfffc, eip);
  }
  setAccessed(cpu, sel, hi, eip);
  loadCache(cpu, seg, sel, lo, hi);
  if (seg === SEG_SS) s[HFLAGS] |= HF_INHIBIT_IRQ;
  cpu.updateHflags();
}

function loadCs(cpu: X86Cpu, sel: number, lo: number, hi: number, cpl: number): void {
  loadCache(cpu, SEG_CS, (sel & 0xfffc) | cpl, lo, hi);
  cpu.setCpl(cpl);
  cpu.updateHflags();
}

/** Checks a code-segment descriptor for a far jmp/call to `sel`; returns it. */
function checkCodeTarget(cpu: X86Cpu, sel: number, eip: number): [number, number] {
  if ((sel & 0xfffc) === 0) cpu.raise(EXC_GP, 0, eip);
  const [lo, hi] = readDescriptor(cpu, sel, eip);
  const type = (hi >> 8) & 0x1f;
  const dpl = (hi >> 13) & 3;
  const cpl = cpu.cpl;
  if (!(type & 0x10) || !(type & 8)) cpu.raise(EXC_GP, sel & 0xfffc, eip); // call gates and tasks were handled before
  if (type & 4) { if (dpl > cpl) cpu.raise(EXC_GP, sel & 0xfffc, eip); }
  else if (dpl !== cpl || (sel & 3) > cpl) cpu.raise(EXC_GP, sel & 0xfffc, eip);
  if (!(hi & DESC_P)) cpu.raise(EXC_NP, sel & 0xfffc, eip);
  return [lo, hi];
}

function realMode(cpu: X86Cpu): boolean { return !(cpu.s[CR0] & CR0_PE) || (cpu.s[EFLAGS] & FLAG_VM) !== 0; }

export function farJump(cpu: X86Cpu, sel: number, offset: number, nextEip: number, eip: number): void {
  atomically(cpu, () => farJumpUnchecked(cpu, sel, offset, nextEip, eip));
}

function farJumpUnchecked(cpu: X86Cpu, sel: number, offset: number, nextEip: number, eip: number): void {
  sel &= 0xffff;
  if (realMode(cpu)) {
    cpu.setSegmentFlat(SEG_CS, sel, sel << 4, 0xffff, cpu.s[SEG_ATTR + SEG_CS]);
  } else {
    if (isCallGate(cpu, sel)) { throughCallGate(cpu, sel, false, 0, eip); cpu.hooks.modeChanged(); return; }
    if (isTaskTarget(cpu, sel, eip)) { jmpCallTask(cpu, sel, false, nextEip, eip); return; }
    const [lo, hi] = checkCodeTarget(cpu, sel, eip);
    if ((offset >>> 0) > (descLimit(lo, hi) >>> 0)) cpu.raise(EXC_GP, 0, eip);
    setAccessed(cpu, sel, hi, eip);
    loadCs(cpu, sel, lo, hi, cpu.cpl);
  }
  cpu.s[EIP] = offset;
  cpu.hooks.modeChanged();
}

/** True when `sel` names a present-or-not call gate (16-bit type 4, 32-bit type 12). */
function isCallGate(cpu: X86Cpu, sel: number): boolean {
  if ((sel & 0xfffc) === 0 || descriptorAddr(cpu, sel) === -1) return false;
  const hi = cpu.mem.ldSys(descriptorAddr(cpu, sel) + 4, 2, 0);
  const type = (hi >> 8) & 0x1f;
  return type === 0x04 || type === 0x0c;
}

/**
 * far call/jmp through a call gate: privilege checks on the gate and the target, and for a
 * call into a more privileged non-conforming segment, the stack switch through the TSS with
 * the gate's parameter count copied from the caller's stack.
 */
function throughCallGate(cpu: X86Cpu, gateSel: number, call: boolean, nextEip: number, eip: number): void {
  const s = cpu.s;
  const cpl = cpu.cpl;
  const [glo, ghi] = readDescriptor(cpu, gateSel, eip);
  const gdpl = (ghi >> 13) & 3;
  if (gdpl < cpl || gdpl < (gateSel & 3)) cpu.raise(EXC_GP, gateSel & 0xfffc, eip);
  if (!(ghi & DESC_P)) cpu.raise(EXC_NP, gateSel & 0xfffc, eip);
  const size = (ghi >> 8) & 8 ? 4 : 2;
  const csSel = glo >>> 16;
  const offset = size === 4 ? ((ghi & 0xffff0000) | (glo & 0xffff)) : glo & 0xffff;
  const params = ghi & 0x1f;
  if ((csSel & 0xfffc) === 0) cpu.raise(EXC_GP, 0, eip);
  const [clo, chi] = readDescriptor(cpu, csSel, eip);
  const ctype = (chi >> 8) & 0x1f, cdpl = (chi >> 13) & 3;
  if ((ctype & 0x18) !== 0x18 || cdpl > cpl) cpu.raise(EXC_GP, csSel & 0xfffc, eip);
  if (!call && !(ctype & 4) && cdpl !== cpl) cpu.raise(EXC_GP, csSel & 0xfffc, eip);
  if (!(chi & DESC_P)) cpu.raise(EXC_NP, csSel & 0xfffc, eip);
  if ((offset >>> 0) > (descLimit(clo, chi) >>> 0)) cpu.raise(EXC_GP, 0, eip);
  const oldCs = s[SEG_SEL + SEG_CS];
  if (call && !(ctype & 4) && cdpl < cpl) {
    // Inner privilege: new SS:ESP from the TSS, then the caller's SS:ESP and parameters.
    const tssOff = 4 + cdpl * 8;
    if ((tssOff + 5) >>> 0 > (s[TR_LIMIT] >>> 0)) cpu.raise(EXC_TS, s[TR_SEL] & 0xfffc, eip);
    const newEsp = cpu.mem.ldSys(s[TR_BASE] + tssOff, 2, eip);
    const newSs = cpu.mem.ldSys(s[TR_BASE] + tssOff + 4, 1, eip);
    const oldSs = s[SEG_SEL + SEG_SS], oldEsp = s[R_ESP];
    const oldSsBase = s[SEG_BASE + SEG_SS], oldMask = ssMask(cpu);
    const args: number[] = [];
    for (let i = 0; i < params; i++) {
      args.push(cpu.mem.ld((oldSsBase + ((oldEsp + i * size) & oldMask)) | 0, size === 4 ? 2 : 1, eip));
    }
    cpu.setCpl(cdpl);
    try { loadSegment(cpu, SEG_SS, newSs, eip); } catch (e) {
      if (cpu.excVector === EXC_GP || cpu.excVector === EXC_SS || cpu.excVector === EXC_NP) cpu.excVector = EXC_TS;
      throw e;
    }
    s[R_ESP] = newEsp;
    let sp = newEsp;
    sp = push(cpu, sp, oldSs, size, eip);
    sp = push(cpu, sp, oldEsp, size, eip);
    for (let i = params - 1; i >= 0; i--) sp = push(cpu, sp, args[i], size, eip);
    sp = push(cpu, sp, oldCs, size, eip);
    sp = push(cpu, sp, nextEip, size, eip);
    setSp(cpu, sp);
    setAccessed(cpu, csSel, chi, eip);
    loadCs(cpu, csSel, clo, chi, cdpl);
  } else {
    if (call) {
      let sp = pushChecked(cpu, s[R_ESP], oldCs, size, eip);
      sp = pushChecked(cpu, sp, nextEip, size, eip);
      setSp(cpu, sp);
    }
    setAccessed(cpu, csSel, chi, eip);
    loadCs(cpu, csSel, clo, chi, cpl);
  }
  s[EIP] = offset;
}

/** Stack access helpers using SS and its B bit; `sp` is the full ESP. */
function ssMask(cpu: X86Cpu): number { return cpu.s[SEG_ATTR + SEG_SS] & DESC_B ? -1 : 0xffff; }

function push(cpu: X86Cpu, sp: number, v: number, size: number, eip: number): number {
  const mask = ssMask(cpu);
  sp = (sp - size) | 0;
  cpu.mem.st((cpu.s[SEG_BASE + SEG_SS] + (sp & mask)) | 0, v, size === 4 ? 2 : 1, eip);
  return sp;
}
/**
 * A push of the program's far call (not of an interrupt delivery): alignment-checked, which
 * only matters at CPL 3 (a call to an inner level pushes after the switch to CPL 0-2).
 */
function pushChecked(cpu: X86Cpu, sp: number, v: number, size: number, eip: number): number {
  cpu.alignCheck((cpu.s[SEG_BASE + SEG_SS] + ((sp - size) & ssMask(cpu))) | 0, size, eip);
  return push(cpu, sp, v, size, eip);
}
/** Pops (far return, iret) are made at the returning level: alignment-checked when that is CPL 3. */
function pop(cpu: X86Cpu, sp: number, size: number, eip: number): number {
  const addr = (cpu.s[SEG_BASE + SEG_SS] + (sp & ssMask(cpu))) | 0;
  cpu.alignCheck(addr, size, eip);
  return cpu.mem.ld(addr, size === 4 ? 2 : 1, eip);
}
function setSp(cpu: X86Cpu, sp: number): void {
  const mask = ssMask(cpu);
  cpu.s[R_ESP] = (cpu.s[R_ESP] & ~mask) | (sp & mask);
}

export function farCall(cpu: X86Cpu, sel: number, offset: number, nextEip: number, size: number, eip: number): void {
  atomically(cpu, () => farCallUnchecked(cpu, sel, offset, nextEip, size, eip));
}

function farCallUnchecked(cpu: X86Cpu, sel: number, offset: number, nextEip: number, size: number, eip: number): void {
  sel &= 0xffff;
  const s = cpu.s;
  const oldCs = s[SEG_SEL + SEG_CS];
  if (realMode(cpu)) {
    let sp = push(cpu, s[R_ESP], oldCs, size, eip);
    sp = push(cpu, sp, nextEip, size, eip);
    setSp(cpu, sp);
    cpu.setSegmentFlat(SEG_CS, sel, sel << 4, 0xffff, s[SEG_ATTR + SEG_CS]);
  } else {
    if (isCallGate(cpu, sel)) { throughCallGate(cpu, sel, true, nextEip, eip); cpu.hooks.modeChanged(); return; }
    if (isTaskTarget(cpu, sel, eip)) { jmpCallTask(cpu, sel, true, nextEip, eip); return; }
    const [lo, hi] = checkCodeTarget(cpu, sel, eip);
    if ((offset >>> 0) > (descLimit(lo, hi) >>> 0)) cpu.raise(EXC_GP, 0, eip);
    let sp = pushChecked(cpu, s[R_ESP], oldCs, size, eip);
    sp = pushChecked(cpu, sp, nextEip, size, eip);
    setAccessed(cpu, sel, hi, eip);
    setSp(cpu, sp);
    loadCs(cpu, sel, lo, hi, cpu.cpl);
  }
  s[EIP] = size === 2 ? offset & 0xffff : offset;
  cpu.hooks.modeChanged();
}

/** Data segments whose DPL is below the new CPL become null when returning outward. */
function nullifyOuterSegments(cpu: X86Cpu, cpl: number): void {
  for (const seg of [SEG_ES, SEG_DS, SEG_FS, SEG_GS]) {
    const attr = cpu.s[SEG_ATTR + seg];
    const dpl = (attr >> 13) & 3;
    const conformingCode = (attr & 0xc00) === 0xc00 && (attr & 0x800);
    if (!conformingCode && dpl < cpl) cpu.setSegmentFlat(seg, 0, 0, 0, 0);
  }
}

/** Return to `sel:off` popped from the stack; `popped` bytes already consumed from `sp`. */
function returnTo(cpu: X86Cpu, sel: number, off: number, sp: number, size: number, imm: number, eip: number): number {
  const s = cpu.s;
  const [lo, hi] = readDescriptor(cpu, sel, eip);
  const rpl = sel & 3;
  const cpl = cpu.cpl;
  const type = (hi >> 8) & 0x1f;
  const dpl = (hi >> 13) & 3;
  if (!(type & 0x18) || (type & 0x18) !== 0x18 || rpl < cpl) cpu.raise(EXC_GP, sel & 0xfffc, eip);
  if ((type & 4) ? dpl > rpl : dpl !== rpl) cpu.raise(EXC_GP, sel & 0xfffc, eip);
  if (!(hi & DESC_P)) cpu.raise(EXC_NP, sel & 0xfffc, eip);
  sp = (sp + imm) | 0;
  if (rpl > cpl) {
    const newSp = pop(cpu, sp, size, eip);
    const newSs = pop(cpu, sp + size, size, eip) & 0xffff;
    setAccessed(cpu, sel, hi, eip);
    loadCs(cpu, sel, lo, hi, rpl);
    loadSegment(cpu, SEG_SS, newSs, eip);
    s[R_ESP] = size === 2 ? (s[R_ESP] & ~0xffff) | (newSp & 0xffff) : newSp;
    s[R_ESP] = (s[R_ESP] + imm) | 0;
    nullifyOuterSegments(cpu, rpl);
    return -1;
  }
  setAccessed(cpu, sel, hi, eip);
  loadCs(cpu, sel, lo, hi, cpl);
  return sp;
}

export function farReturn(cpu: X86Cpu, size: number, imm: number, eip: number): void {
  atomically(cpu, () => farReturnUnchecked(cpu, size, imm, eip));
}

function farReturnUnchecked(cpu: X86Cpu, size: number, imm: number, eip: number): void {
  const s = cpu.s;
  let sp = s[R_ESP];
  const off = pop(cpu, sp, size, eip);
  const sel = pop(cpu, sp + size, size, eip) & 0xffff;
  sp = (sp + 2 * size) | 0;
  if (realMode(cpu)) {
    cpu.setSegmentFlat(SEG_CS, sel, sel << 4, 0xffff, s[SEG_ATTR + SEG_CS]);
    setSp(cpu, sp + imm);
  } else {
    const r = returnTo(cpu, sel, off, sp, size, imm, eip);
    if (r !== -1) setSp(cpu, r);
  }
  s[EIP] = size === 2 ? off & 0xffff : off;
  cpu.hooks.modeChanged();
}

export function iret(cpu: X86Cpu, size: number, nextEip: number, eip: number): void {
  atomically(cpu, () => iretUnchecked(cpu, size, nextEip, eip));
}

function iretUnchecked(cpu: X86Cpu, size: number, nextEip: number, eip: number): void {
  const s = cpu.s;
  if (!realMode(cpu) && (s[EFLAGS] & FLAG_NT)) { iretTask(cpu, nextEip, eip); return; } // back to the linked task
  let sp = s[R_ESP];
  const off = pop(cpu, sp, size, eip);
  const sel = pop(cpu, sp + size, size, eip) & 0xffff;
  const fl = pop(cpu, sp + 2 * size, size, eip);
  sp = (sp + 3 * size) | 0;
  const cpl = cpu.cpl;
  let mask = FLAG_TF | FLAG_NT | FLAG_RF | FLAG_AC | FLAG_ID | FLAG_DF | 0x8d5 /* O S Z A P C */;
  if (cpl === 0) mask |= FLAG_IOPL | FLAG_IF;
  else if (cpl <= ((s[EFLAGS] >> 12) & 3)) mask |= FLAG_IF;
  if (size === 2) mask &= 0xffff;
  if (realMode(cpu)) {
    cpu.setSegmentFlat(SEG_CS, sel, sel << 4, 0xffff, s[SEG_ATTR + SEG_CS]);
    setSp(cpu, sp);
  } else {
    const r = returnTo(cpu, sel, off, sp, size, 0, eip);
    if (r !== -1) setSp(cpu, r);
  }
  cpu.setEflags(fl, mask);
  s[EIP] = size === 2 ? off & 0xffff : off;
  cpu.updateHflags();
  cpu.hooks.modeChanged();
}

/** Exceptions whose delivery pushes an error code. */
export function hasErrorCode(v: number): boolean {
  return v === EXC_DF || (v >= EXC_TS && v <= EXC_PF) || v === 17;
}

/**
 * Delivers interrupt `vector` through the IDT (protected mode) or the IVT (real mode).
 * `retEip` is pushed as the return address; `soft` is int n/int3/into (gate DPL checked).
 * A fault while delivering reports `faultEip` (for int n: the int instruction itself).
 */
export function deliverInterrupt(cpu: X86Cpu, vector: number, soft: boolean, error: number, retEip: number, faultEip = retEip): void {
  atomically(cpu, () => deliverInterruptUnchecked(cpu, vector, soft, error, retEip, faultEip));
}

function deliverInterruptUnchecked(cpu: X86Cpu, vector: number, soft: boolean, error: number, retEip: number, faultEip: number): void {
  const s = cpu.s;
  s[HFLAGS] &= ~HF_INHIBIT_IRQ;
  if (realMode(cpu)) {
    const a = vector * 4;
    const off = cpu.mem.ldSys(s[IDTR_BASE] + a, 1, faultEip);
    const sel = cpu.mem.ldSys(s[IDTR_BASE] + a + 2, 1, faultEip);
    let sp = push(cpu, s[R_ESP], cpu.getEflags(), 2, faultEip);
    sp = push(cpu, sp, s[SEG_SEL + SEG_CS], 2, faultEip);
    sp = push(cpu, sp, retEip, 2, faultEip);
    setSp(cpu, sp);
    cpu.setSegmentFlat(SEG_CS, sel, sel << 4, 0xffff, s[SEG_ATTR + SEG_CS]);
    s[EIP] = off;
    s[EFLAGS] &= ~(FLAG_IF | FLAG_TF | FLAG_AC);
    cpu.updateHflags();
    return;
  }
  const extBit = soft ? 0 : 1;
  const gateErr = vector * 8 + 2 + extBit;
  if (vector * 8 + 7 > (s[IDTR_LIMIT] >>> 0)) cpu.raise(EXC_GP, gateErr, faultEip);
  const lo = cpu.mem.ldSys(s[IDTR_BASE] + vector * 8, 2, faultEip);
  const hi = cpu.mem.ldSys(s[IDTR_BASE] + vector * 8 + 4, 2, faultEip);
  const type = (hi >> 8) & 0x1f;
  const dpl = (hi >> 13) & 3;
  const cpl = cpu.cpl;
  if (type !== 0xe && type !== 0xf && type !== 0x6 && type !== 0x7 && type !== 0x5) cpu.raise(EXC_GP, gateErr, faultEip);
  if (soft && dpl < cpl) cpu.raise(EXC_GP, gateErr, faultEip);
  if (!(hi & DESC_P)) cpu.raise(EXC_NP, gateErr, faultEip);
  if (type === 0x5) { interruptTask(cpu, lo, extBit, error, retEip, faultEip); return; } // task gate
  const size = type & 8 ? 4 : 2;
  const sel = lo >>> 16;
  const off = size === 4 ? ((hi & 0xffff0000) | (lo & 0xffff)) : lo & 0xffff;
  if ((sel & 0xfffc) === 0) cpu.raise(EXC_GP, extBit, faultEip);
  const [clo, chi] = readDescriptor(cpu, sel, faultEip);
  const cdpl = (chi >> 13) & 3;
  if ((chi & 0x1800) !== 0x1800 || cdpl > cpl) cpu.raise(EXC_GP, (sel & 0xfffc) + extBit, faultEip);
  if (!(chi & DESC_P)) cpu.raise(EXC_NP, (sel & 0xfffc) + extBit, faultEip);
  const flags = cpu.getEflags();
  const conforming = (chi & 0x400) !== 0;
  const newCpl = conforming ? cpl : cdpl;
  if (newCpl < cpl) {
    // Inner-privilege interrupt: stack from the TSS.
    const tssOff = 4 + newCpl * 8;
    if ((tssOff + 5) >>> 0 > (s[TR_LIMIT] >>> 0)) cpu.raise(EXC_TS, s[TR_SEL] & 0xfffc, faultEip);
    const newEsp = cpu.mem.ldSys(s[TR_BASE] + tssOff, 2, faultEip);
    const newSs = cpu.mem.ldSys(s[TR_BASE] + tssOff + 4, 1, faultEip);
    const oldSs = s[SEG_SEL + SEG_SS], oldEsp = s[R_ESP];
    const oldCpl = cpl;
    cpu.setCpl(newCpl);
    try {
      loadSegment(cpu, SEG_SS, newSs, faultEip);
    } catch (e) {
      cpu.setCpl(oldCpl);
      if (cpu.excVector === EXC_GP || cpu.excVector === EXC_SS || cpu.excVector === EXC_NP) cpu.excVector = EXC_TS;
      throw e;
    }
    let sp = newEsp;
    sp = push(cpu, sp, oldSs, size, faultEip);
    sp = push(cpu, sp, oldEsp, size, faultEip);
    sp = push(cpu, sp, flags, size, faultEip);
    sp = push(cpu, sp, s[SEG_SEL + SEG_CS], size, faultEip);
    sp = push(cpu, sp, retEip, size, faultEip);
    if (error >= 0) sp = push(cpu, sp, error, size, faultEip);
    setSp(cpu, sp);
    for (const seg of [SEG_ES, SEG_DS, SEG_FS, SEG_GS]) if (s[EFLAGS] & FLAG_VM) cpu.setSegmentFlat(seg, 0, 0, 0, 0);
  } else {
    let sp = s[R_ESP];
    sp = push(cpu, sp, flags, size, faultEip);
    sp = push(cpu, sp, s[SEG_SEL + SEG_CS], size, faultEip);
    sp = push(cpu, sp, retEip, size, faultEip);
    if (error >= 0) sp = push(cpu, sp, error, size, faultEip);
    setSp(cpu, sp);
  }
  loadCs(cpu, sel, clo, chi, newCpl);
  s[EIP] = off;
  let clear = FLAG_TF | FLAG_NT | FLAG_RF | FLAG_VM;
  if (!(type & 1)) clear |= FLAG_IF;
  s[EFLAGS] &= ~clear;
  cpu.updateHflags();
}

/** lgdt/lidt/lldt/ltr-style loads of system registers. */
export function loadLdt(cpu: X86Cpu, sel: number, eip: number): void {
  const s = cpu.s;
  sel &= 0xffff;
  // A null selector leaves LDTR invalid; the attributes stay as they were (only shown by the
  // monitor and gdb, where QEMU shows them so too).
  if ((sel & 0xfffc) === 0) { s[LDTR_SEL] = sel; s[LDTR_BASE] = 0; s[LDTR_LIMIT] = 0; return; }
  if (sel & 4) cpu.raise(EXC_GP, sel & 0xfffc, eip);
  const [lo, hi] = readDescriptor(cpu, sel, eip);
  if ((hi & 0x1f00) !== 0x200) cpu.raise(EXC_GP, sel & 0xfffc, eip);
  if (!(hi & DESC_P)) cpu.raise(EXC_NP, sel & 0xfffc, eip);
  s[LDTR_SEL] = sel; s[LDTR_BASE] = descBase(lo, hi); s[LDTR_LIMIT] = descLimit(lo, hi); s[LDTR_ATTR] = descAttr(hi);
}

export function loadTr(cpu: X86Cpu, sel: number, eip: number): void {
  const s = cpu.s;
  sel &= 0xffff;
  if ((sel & 0xfffc) === 0 || (sel & 4)) cpu.raise(EXC_GP, sel & 0xfffc, eip);
  const [lo, hi] = readDescriptor(cpu, sel, eip);
  const type = (hi >> 8) & 0x1f;
  if (type !== 1 && type !== 9) cpu.raise(EXC_GP, sel & 0xfffc, eip);
  if (!(hi & DESC_P)) cpu.raise(EXC_NP, sel & 0xfffc, eip);
  cpu.mem.stSys(descriptorAddr(cpu, sel) + 4, hi | 0x200, 2, eip); // mark busy
  s[TR_SEL] = sel; s[TR_BASE] = descBase(lo, hi); s[TR_LIMIT] = descLimit(lo, hi); s[TR_ATTR] = descAttr(hi | 0x200);
}

