// Hardware task switching (Intel SDM Vol. 3A ch. 7): far jmp/call to a TSS or a task gate,
// interrupts and exceptions through a task gate in the IDT, and iret with EFLAGS.NT set.
// The checks before the switch leave the CPU untouched (memory writes to the old TSS aside);
// a fault after the commit point is taken in the new task's context.
import { CPU_FAULT, X86Cpu } from './cpu';
import { descAttr, descBase, descLimit, descriptorAddr, EXC_DB, EXC_GP, EXC_NP, EXC_SS, EXC_TS } from './seg';
import {
  CR0, CR0_PG, CR0_TS, CR3, DESC_B, DESC_P, DESC_S, DR0, EFLAGS, EIP, FLAG_NT, FLAG_VM, GDTR_BASE, GDTR_LIMIT, LDTR_ATTR,
  LDTR_BASE, LDTR_LIMIT, LDTR_SEL, R_EAX, R_ESP, SEG_ATTR, SEG_BASE, SEG_CS, SEG_LIMIT, SEG_SEL, SEG_SS, TR_ATTR, TR_BASE,
  TR_LIMIT, TR_SEL,
} from './state';

/** Why the switch happens: decides busy bits, NT and the back link. */
export const enum TaskKind { JMP, CALL, IRET, INT }

const BUSY = 0x200;
/** Order in which the new task's segment registers are loaded and checked (as QEMU does). */
const SEG_ORDER = [SEG_CS, SEG_SS, 0 /* ES */, 3 /* DS */, 4 /* FS */, 5 /* GS */];

/** True when `sel` names a TSS (available or busy, 16/32-bit) or a task gate; never faults. */
export function isTaskTarget(cpu: X86Cpu, sel: number, eip: number): boolean {
  if ((sel & 0xfffc) === 0) return false;
  const a = descriptorAddr(cpu, sel);
  if (a === -1) return false;
  const type = (cpu.mem.ldSys(a + 4, 2, eip) >> 8) & 0x1f;
  return type === 5 || (type & 0x15) === 1; // 1, 3, 9, 11
}

function gdtDescriptor(cpu: X86Cpu, sel: number, exc: number, err: number, eip: number): [number, number] {
  if ((sel & 4) || ((sel & ~7) | 7) >>> 0 > cpu.s[GDTR_LIMIT] >>> 0) cpu.raise(exc, err, eip);
  const a = (cpu.s[GDTR_BASE] + (sel & ~7)) | 0;
  return [cpu.mem.ldSys(a, 2, eip), cpu.mem.ldSys(a + 4, 2, eip)];
}

/** TSS named by a task gate: in the GDT, an available TSS, present. */
function gateTarget(cpu: X86Cpu, tssSel: number, ext: number, eip: number): [number, number] {
  const err = (tssSel & 0xfffc) | ext;
  const [lo, hi] = gdtDescriptor(cpu, tssSel, EXC_GP, err, eip);
  const type = (hi >> 8) & 0x1f;
  if (type !== 1 && type !== 9) cpu.raise(EXC_GP, err, eip); // busy or not a TSS
  if (!(hi & DESC_P)) cpu.raise(EXC_NP, err, eip);
  return [lo, hi];
}

/** far jmp/call to a TSS descriptor or a task gate in the GDT/LDT. */
export function jmpCallTask(cpu: X86Cpu, sel: number, call: boolean, nextEip: number, eip: number): void {
  const a = descriptorAddr(cpu, sel);
  const lo = cpu.mem.ldSys(a, 2, eip), hi = cpu.mem.ldSys(a + 4, 2, eip);
  const type = (hi >> 8) & 0x1f, dpl = (hi >> 13) & 3;
  const err = sel & 0xfffc;
  if (dpl < cpu.cpl || dpl < (sel & 3)) cpu.raise(EXC_GP, err, eip);
  const kind = call ? TaskKind.CALL : TaskKind.JMP;
  if (type === 5) {
    if (!(hi & DESC_P)) cpu.raise(EXC_NP, err, eip);
    const tssSel = lo >>> 16;
    const [tlo, thi] = gateTarget(cpu, tssSel, 0, eip);
    switchTask(cpu, tssSel & 0xfffc, tlo, thi, kind, nextEip, eip, -1, 0);
    return;
  }
  if ((sel & 4) || (type & 2)) cpu.raise(EXC_GP, err, eip); // a TSS lives in the GDT; busy
  if (!(hi & DESC_P)) cpu.raise(EXC_NP, err, eip);
  switchTask(cpu, err, lo, hi, kind, nextEip, eip, -1, 0);
}

/** Interrupt or exception through a task gate of the IDT (gate DPL/present already checked). */
export function interruptTask(cpu: X86Cpu, gateLo: number, ext: number, error: number, retEip: number, eip: number): void {
  const tssSel = gateLo >>> 16;
  const [lo, hi] = gateTarget(cpu, tssSel, ext, eip);
  switchTask(cpu, tssSel & 0xfffc, lo, hi, TaskKind.INT, retEip, eip, error, ext);
}

/** iret with NT = 1: back to the task named by the back link of the current TSS. */
export function iretTask(cpu: X86Cpu, nextEip: number, eip: number): void {
  const link = cpu.mem.ldSys(cpu.s[TR_BASE], 1, eip) & 0xffff;
  const err = link & 0xfffc;
  const [lo, hi] = gdtDescriptor(cpu, link, EXC_TS, err, eip);
  const type = (hi >> 8) & 0x1f;
  if (type !== 3 && type !== 11) cpu.raise(EXC_TS, err, eip); // must be a busy TSS
  if (!(hi & DESC_P)) cpu.raise(EXC_NP, err, eip);
  switchTask(cpu, err, lo, hi, TaskKind.IRET, nextEip, eip, -1, 0);
}

/** The state image of a TSS: EIP, EFLAGS, 8 GPRs, 6 selectors, LDT, CR3, T bit. */
interface TaskImage { eip: number; eflags: number; regs: number[]; segs: number[]; ldt: number; cr3: number; trap: boolean }

function readImage(cpu: X86Cpu, base: number, is32: boolean, eip: number): TaskImage {
  const ld = (off: number, size: number) => cpu.mem.ldSys((base + off) | 0, size === 4 ? 2 : 1, eip);
  if (is32) {
    return {
      cr3: ld(0x1c, 4), eip: ld(0x20, 4), eflags: ld(0x24, 4),
      regs: [0, 1, 2, 3, 4, 5, 6, 7].map(i => ld(0x28 + 4 * i, 4)),
      segs: [0, 1, 2, 3, 4, 5].map(i => ld(0x48 + 4 * i, 2) & 0xffff),
      ldt: ld(0x60, 2) & 0xffff, trap: (ld(0x64, 2) & 1) !== 0,
    };
  }
  // 16-bit TSS: only the low halves of the registers are loaded (see switchTask).
  return {
    cr3: 0, eip: ld(0x0e, 2) & 0xffff, eflags: ld(0x10, 2) & 0xffff,
    regs: [0, 1, 2, 3, 4, 5, 6, 7].map(i => ld(0x12 + 2 * i, 2) & 0xffff),
    segs: [0, 1, 2, 3].map(i => ld(0x22 + 2 * i, 2) & 0xffff).concat([0, 0]),
    ldt: ld(0x2a, 2) & 0xffff, trap: false,
  };
}

function saveImage(cpu: X86Cpu, base: number, is32: boolean, eip: number, eflags: number, faultEip: number): void {
  const s = cpu.s;
  const st = (off: number, v: number, size: number) => cpu.mem.stSys((base + off) | 0, v, size === 4 ? 2 : 1, faultEip);
  if (is32) {
    st(0x20, eip, 4); st(0x24, eflags, 4);
    for (let i = 0; i < 8; i++) st(0x28 + 4 * i, s[R_EAX + i], 4);
    for (let i = 0; i < 6; i++) st(0x48 + 4 * i, s[SEG_SEL + i], 2);
  } else {
    st(0x0e, eip, 2); st(0x10, eflags, 2);
    for (let i = 0; i < 8; i++) st(0x12 + 2 * i, s[R_EAX + i], 2);
    for (let i = 0; i < 4; i++) st(0x22 + 2 * i, s[SEG_SEL + i], 2);
  }
}

function setBusy(cpu: X86Cpu, sel: number, busy: boolean, eip: number): void {
  const a = (cpu.s[GDTR_BASE] + (sel & ~7) + 4) | 0;
  const hi = cpu.mem.ldSys(a, 2, eip);
  cpu.mem.stSys(a, busy ? hi | BUSY : hi & ~BUSY, 2, eip);
}

/**
 * The switch proper (SDM 7.3): `sel`/`lo`/`hi` name the new TSS, already checked for type,
 * busy state and presence by the caller. `nextEip` is saved as the old task's EIP; `error`
 * (>= 0) is pushed on the new task's stack; `ext` is the EXT bit of error codes.
 */
function switchTask(cpu: X86Cpu, sel: number, lo: number, hi: number, kind: TaskKind, nextEip: number, eip: number,
  error: number, ext: number): void {
  const s = cpu.s;
  const is32 = (hi & 0x800) !== 0;
  const base = descBase(lo, hi), limit = descLimit(lo, hi);
  if (limit >>> 0 < (is32 ? 0x67 : 0x2b)) cpu.raise(EXC_TS, (sel & 0xfffc) | ext, eip);
  const old32 = (s[TR_ATTR] & 0x800) !== 0;
  if (s[TR_LIMIT] >>> 0 < (old32 ? 0x5f : 0x29)) cpu.raise(EXC_TS, (s[TR_SEL] & 0xfffc) | ext, eip);
  // Read the new image, then write the old one: a #PF here changes no register.
  const img = readImage(cpu, base, is32, eip);
  let oldFlags = cpu.getEflags();
  if (kind === TaskKind.JMP || kind === TaskKind.IRET) oldFlags &= ~FLAG_NT;
  saveImage(cpu, s[TR_BASE], old32, nextEip, oldFlags, eip);
  if (kind === TaskKind.JMP || kind === TaskKind.IRET) setBusy(cpu, s[TR_SEL], false, eip);
  let newFlags = img.eflags;
  if (kind === TaskKind.CALL || kind === TaskKind.INT) {
    cpu.mem.stSys(base, s[TR_SEL], 1, eip);
    newFlags |= FLAG_NT;
  }
  if (kind !== TaskKind.IRET) setBusy(cpu, sel, true, eip);

  // Commit: from here on, faults belong to the new task.
  s[TR_SEL] = sel; s[TR_BASE] = base; s[TR_LIMIT] = limit; s[TR_ATTR] = descAttr(hi | BUSY);
  s[CR0] |= CR0_TS;
  if (is32 && (s[CR0] & CR0_PG)) { s[CR3] = img.cr3; cpu.mem.flushTlb(); } // as QEMU: only with paging on
  cpu.setEflags(newFlags & ~FLAG_VM, is32 ? -1 : 0xffff);
  s[EIP] = img.eip;
  // The SDM leaves the upper halves undefined for a 16-bit TSS: keep them, as QEMU does
  // (Bochs sets them to all ones).
  for (let i = 0; i < 8; i++) s[R_EAX + i] = is32 ? img.regs[i] : (s[R_EAX + i] & ~0xffff) | img.regs[i];
  // Selectors first with empty caches (what the new task shows if a check below faults).
  for (let i = 0; i < 6; i++) cpu.setSegmentFlat(i, img.segs[i], 0, 0, 0);
  s[LDTR_SEL] = img.ldt; s[LDTR_BASE] = 0; s[LDTR_LIMIT] = 0;
  s[DR0 + 7] &= ~0x55; // local breakpoints are per task
  const cpl = img.segs[SEG_CS] & 3;
  cpu.setCpl(cpl);
  cpu.updateHflags();
  try {
    const ne = s[EIP];
    loadTaskLdt(cpu, img.ldt, ext, ne);
    for (const seg of SEG_ORDER) loadTaskSeg(cpu, seg, img.segs[seg], cpl, ext, ne);
    cpu.updateHflags();
    cpu.hooks.modeChanged();
    if (error >= 0) pushError(cpu, error, is32, ne);
    if (s[EIP] >>> 0 > s[SEG_LIMIT + SEG_CS] >>> 0) cpu.raise(EXC_GP, ext, ne);
    if (img.trap) { s[DR0 + 6] |= 0x8000; cpu.raise(EXC_DB, -1, ne); } // T bit: #DB before the first instruction
  } catch (e) {
    if (e !== CPU_FAULT || cpu.smcRestart) throw e;
    cpu.updateHflags();
    cpu.hooks.modeChanged();
    // Deliver in place when we can: a rethrow from a helper would let the translated block
    // write the old task's registers back over the new ones.
    const deliver = cpu.hooks.deliverFault;
    if (!deliver) throw e;
    deliver();
  }
}

function pushError(cpu: X86Cpu, error: number, is32: boolean, eip: number): void {
  const s = cpu.s;
  const mask = s[SEG_ATTR + SEG_SS] & DESC_B ? -1 : 0xffff;
  const size = is32 ? 4 : 2;
  const sp = (s[R_ESP] - size) | 0;
  cpu.mem.st((s[SEG_BASE + SEG_SS] + (sp & mask)) | 0, error, is32 ? 2 : 1, eip);
  s[R_ESP] = (s[R_ESP] & ~mask) | (sp & mask);
}

function loadTaskLdt(cpu: X86Cpu, sel: number, ext: number, eip: number): void {
  const s = cpu.s;
  if ((sel & 0xfffc) === 0) return;
  const err = (sel & 0xfffc) | ext;
  const [lo, hi] = gdtDescriptor(cpu, sel, EXC_TS, err, eip);
  if ((hi & 0x1f00) !== 0x200 || !(hi & DESC_P)) cpu.raise(EXC_TS, err, eip);
  s[LDTR_BASE] = descBase(lo, hi); s[LDTR_LIMIT] = descLimit(lo, hi); s[LDTR_ATTR] = descAttr(hi);
}

/** Segment loads of the new task (SDM Table 7-1): #TS for bad descriptors, #NP/#SS if absent. */
function loadTaskSeg(cpu: X86Cpu, seg: number, sel: number, cpl: number, ext: number, eip: number): void {
  const err = (sel & 0xfffc) | ext;
  if ((sel & 0xfffc) === 0) {
    if (seg === SEG_CS || seg === SEG_SS) cpu.raise(EXC_TS, err, eip);
    return; // a null data selector is fine
  }
  const a = descriptorAddr(cpu, sel);
  if (a === -1) cpu.raise(EXC_TS, err, eip);
  const lo = cpu.mem.ldSys(a, 2, eip);
  let hi = cpu.mem.ldSys(a + 4, 2, eip);
  if (!(hi & DESC_S)) cpu.raise(EXC_TS, err, eip);
  const type = (hi >> 8) & 0xf, dpl = (hi >> 13) & 3, rpl = sel & 3;
  const code = (type & 8) !== 0;
  if (seg === SEG_CS) {
    if (!code || ((type & 4) ? dpl > cpl : dpl !== cpl)) cpu.raise(EXC_TS, err, eip);
  } else if (seg === SEG_SS) {
    if (code || !(type & 2) || dpl !== cpl || rpl !== cpl) cpu.raise(EXC_TS, err, eip);
  } else {
    if (code && !(type & 2)) cpu.raise(EXC_TS, err, eip); // execute-only
    if ((!code || !(type & 4)) && (dpl < cpl || dpl < rpl)) cpu.raise(EXC_TS, err, eip);
  }
  if (!(hi & DESC_P)) cpu.raise(seg === SEG_SS ? EXC_SS : EXC_NP, err, eip);
  if (!(hi & 0x100)) { hi |= 0x100; cpu.mem.stSys(a + 4, hi, 2, eip); } // accessed
  cpu.setSegmentFlat(seg, sel, descBase(lo, hi), descLimit(lo, hi), descAttr(hi));
}
