// Helpers called from generated code (helper_* in QEMU). Each takes the CPU first.
// Registered in one table so that the IR refers to them by index.
import { CallFlags, HelperInfo } from '../tcg/ir';
import { computeEflags, CcOp } from './cc';
import { ccComputeAllIr } from './cc-ir';
import { X86Cpu } from './cpu';
import { fpuExec, fpuWait, fxGroup } from './fpu';
import { helperSse } from './sse';
import { EXC_AC, EXC_DE, EXC_GP, EXC_UD, EXC_BR, farCall, farJump, farReturn, iret, loadLdt, loadSegment, loadTr, readDescriptor, descriptorAddr, descLimit } from './seg';
import { CC_DST, CC_OP, CC_SRC, CC_SRC2, CR0, CR0_PE, CR0_PG, CR0_TS, CR2, CR3, CR4, CR4_DE, CR4_PGE, DR0, EFER, EFLAGS, EIP, EXTRA_INSNS, FLAG_AC, FLAG_AF, FLAG_CF, FLAG_DF, FLAG_ID, FLAG_IF, FLAG_IOPL, FLAG_NT, FLAG_OF, FLAG_RF, FLAG_TF, FLAG_ZF, GDTR_BASE, GDTR_LIMIT, HF_AC, HF_INHIBIT_IRQ, HFLAGS, IDTR_BASE, IDTR_LIMIT, R_EAX, R_EBX, R_ECX, R_EDI, R_EDX, R_ESI, R_ESP, SEG_BASE, SEG_ES, SEG_SS, SYSENTER_CS, SYSENTER_EIP, SYSENTER_ESP, TR_BASE, LDTR_SEL, TR_SEL, CC_MASK, TR_LIMIT, TR_ATTR } from './state';

export const HELPERS: HelperInfo[] = [];
export const H: Record<string, number> = {};

function def(name: string, flags: number, fn: (cpu: X86Cpu, ...a: number[]) => number | void): void {
  H[name] = HELPERS.length;
  HELPERS.push({ name, fn: fn as HelperInfo['fn'], flags, nargs: fn.length - 1 });
}

const PURE = CallFlags.PURE;
const ANY = 0;

def('cc_compute_all', PURE, (_c, op, dst, src, src2) => computeEflags(op, dst, src, src2));
HELPERS[H.cc_compute_all].body = ccComputeAllIr();

function setFlags(cpu: X86Cpu, f: number): void {
  cpu.s[CC_OP] = CcOp.EFLAGS; cpu.s[CC_SRC] = f & CC_MASK; cpu.s[CC_DST] = 0; cpu.s[CC_SRC2] = 0;
}
function flags(cpu: X86Cpu): number {
  const s = cpu.s;
  return computeEflags(s[CC_OP], s[CC_DST], s[CC_SRC], s[CC_SRC2]);
}

// ---- division (#DE on zero divisor or quotient overflow) ----
def('divb', ANY, (cpu, v, eip) => {
  const s = cpu.s;
  const d = v & 0xff, n = s[R_EAX] & 0xffff;
  if (d === 0) cpu.raise(EXC_DE, -1, eip);
  const q = (n / d) | 0;
  if (q > 0xff) cpu.raise(EXC_DE, -1, eip);
  s[R_EAX] = (s[R_EAX] & ~0xffff) | ((n % d) << 8) | q;
});
def('idivb', ANY, (cpu, v, eip) => {
  const s = cpu.s;
  const d = (v << 24) >> 24, n = (s[R_EAX] << 16) >> 16;
  if (d === 0) cpu.raise(EXC_DE, -1, eip);
  const q = (n / d) | 0;
  if (q !== ((q << 24) >> 24)) cpu.raise(EXC_DE, -1, eip);
  s[R_EAX] = (s[R_EAX] & ~0xffff) | (((n % d) & 0xff) << 8) | (q & 0xff);
});
def('divw', ANY, (cpu, v, eip) => {
  const s = cpu.s;
  const d = v & 0xffff, n = ((s[R_EDX] & 0xffff) * 65536) + (s[R_EAX] & 0xffff);
  if (d === 0) cpu.raise(EXC_DE, -1, eip);
  const q = Math.floor(n / d);
  if (q > 0xffff) cpu.raise(EXC_DE, -1, eip);
  s[R_EAX] = (s[R_EAX] & ~0xffff) | q;
  s[R_EDX] = (s[R_EDX] & ~0xffff) | (n % d);
});
def('idivw', ANY, (cpu, v, eip) => {
  const s = cpu.s;
  const d = (v << 16) >> 16, n = ((s[R_EDX] & 0xffff) << 16) | (s[R_EAX] & 0xffff);
  if (d === 0) cpu.raise(EXC_DE, -1, eip);
  const q = Math.trunc(n / d);
  if (q !== ((q << 16) >> 16)) cpu.raise(EXC_DE, -1, eip);
  s[R_EAX] = (s[R_EAX] & ~0xffff) | (q & 0xffff);
  s[R_EDX] = (s[R_EDX] & ~0xffff) | ((n % d) & 0xffff);
});
def('divl', ANY, (cpu, v, eip) => {
  const s = cpu.s;
  const d = v >>> 0, hi = s[R_EDX] >>> 0, lo = s[R_EAX] >>> 0;
  if (d === 0 || hi >= d) cpu.raise(EXC_DE, -1, eip);
  if (hi === 0) { s[R_EAX] = Math.floor(lo / d) | 0; s[R_EDX] = (lo % d) | 0; return; }
  const n = (BigInt(hi) << 32n) | BigInt(lo), bd = BigInt(d);
  s[R_EAX] = Number(n / bd) | 0;
  s[R_EDX] = Number(n % bd) | 0;
});
def('idivl', ANY, (cpu, v, eip) => {
  const s = cpu.s;
  if (v === 0) cpu.raise(EXC_DE, -1, eip);
  const n = (BigInt(s[R_EDX]) << 32n) | BigInt(s[R_EAX] >>> 0), d = BigInt(v | 0);
  const q = n / d;
  if (q > 0x7fffffffn || q < -0x80000000n) cpu.raise(EXC_DE, -1, eip);
  s[R_EAX] = Number(q) | 0;
  s[R_EDX] = Number(n % d) | 0;
});

// ---- rotates through carry and double shifts: return the result, set flags ----
/** rcl/rcr: rotate through CF; the masked count is taken modulo size+1 for 8/16-bit operands. */
function rotateThroughCarry(cpu: X86Cpu, left: boolean, size: number, v: number, count: number): number {
  const bits = 8 << size;
  const mask = bits === 32 ? -1 : (1 << bits) - 1;
  count &= 31;
  if (bits !== 32) count %= bits + 1;
  if (count === 0) return v;
  const f = flags(cpu);
  let cf = f & 1;
  let r = v & mask;
  for (let i = 0; i < count; i++) {
    const out = left ? (r >>> (bits - 1)) & 1 : r & 1;
    r = left ? ((r << 1) | cf) & mask : ((r >>> 1) | (cf << (bits - 1))) & mask;
    cf = out;
  }
  const of = left ? ((r >>> (bits - 1)) & 1) ^ cf : ((r >>> (bits - 1)) ^ (r >>> (bits - 2))) & 1;
  setFlags(cpu, (f & ~(FLAG_CF | FLAG_OF)) | cf | (of ? FLAG_OF : 0));
  return r | 0;
}
def('rcl', ANY, (cpu, size, v, count) => rotateThroughCarry(cpu, true, size, v, count));
def('rcr', ANY, (cpu, size, v, count) => rotateThroughCarry(cpu, false, size, v, count));
/** shld/shrd: `left` selects the direction; 16-bit counts above 16 follow QEMU (bits of src repeat). */
function shiftDouble(cpu: X86Cpu, left: boolean, size: number, dst: number, src: number, count: number): number {
  count &= 31;
  if (count === 0) return dst;
  const bits = 8 << size;
  let r: number, cf: number;
  if (bits === 32) {
    const x = (BigInt(dst >>> 0) << 32n) | BigInt(src >>> 0);
    if (left) {
      r = Number((x << BigInt(count)) >> 32n & 0xffffffffn) | 0;
      cf = (dst >>> (32 - count)) & 1;
    } else {
      const y = (BigInt(src >>> 0) << 32n) | BigInt(dst >>> 0);
      r = Number((y >> BigInt(count)) & 0xffffffffn) | 0;
      cf = (dst >>> (count - 1)) & 1;
    }
  } else {
    // 16-bit: operate on a 48-bit pattern dst:src:dst as QEMU does for counts > 16
    const d = BigInt(dst & 0xffff), sv = BigInt(src & 0xffff);
    if (left) {
      const x = (d << 32n) | (sv << 16n) | d;
      r = Number((x << BigInt(count)) >> 32n & 0xffffn);
      cf = Number((x << BigInt(count - 1)) >> 47n & 1n);
    } else {
      const x = (d << 32n) | (sv << 16n) | d;
      const y = ((sv << 32n) | (d << 16n)) | 0n;
      const z = (d | (sv << 16n) | (d << 32n));
      r = Number((z >> BigInt(count)) & 0xffffn);
      cf = Number((z >> BigInt(count - 1)) & 1n);
      void x; void y;
    }
  }
  const f = computeEflags(CcOp.LOGIC + size, r, 0, 0);
  const sign = (r >>> (bits - 1)) & 1;
  const of = sign ^ ((dst >>> (bits - 1)) & 1);
  setFlags(cpu, (f & ~(FLAG_CF | FLAG_OF | FLAG_AF)) | cf | (of ? FLAG_OF : 0));
  return r;
}
def('shld', ANY, (cpu, size, dst, src, count) => shiftDouble(cpu, true, size, dst, src, count));
def('shrd', ANY, (cpu, size, dst, src, count) => shiftDouble(cpu, false, size, dst, src, count));

// ---- bit scans: ZF=1 and destination unchanged on a zero source ----
def('bsf', ANY, (cpu, v, old) => {
  setFlags(cpu, computeEflags(CcOp.LOGIC + 2, v, 0, 0));
  return v === 0 ? old : 31 - Math.clz32(v & -v);
});
def('bsr', ANY, (cpu, v, old) => {
  setFlags(cpu, computeEflags(CcOp.LOGIC + 2, v, 0, 0));
  return v === 0 ? old : 31 - Math.clz32(v);
});

// ---- BCD adjust ----
def('daa', ANY, (cpu) => {
  const s = cpu.s; const f = flags(cpu);
  let al = s[R_EAX] & 0xff; const oldAl = al, oldCf = f & FLAG_CF;
  let cf = 0, af = 0;
  if ((al & 0xf) > 9 || (f & FLAG_AF)) { al = (al + 6) & 0xff; af = FLAG_AF; }
  if (oldAl > 0x99 || oldCf) { al = (al + 0x60) & 0xff; cf = FLAG_CF; }
  s[R_EAX] = (s[R_EAX] & ~0xff) | al;
  setFlags(cpu, (computeEflags(CcOp.LOGIC, al, 0, 0) & ~(FLAG_CF | FLAG_AF)) | cf | af | (f & FLAG_OF));
});
def('das', ANY, (cpu) => {
  const s = cpu.s; const f = flags(cpu);
  let al = s[R_EAX] & 0xff; const oldAl = al, oldCf = f & FLAG_CF;
  let cf = 0, af = 0;
  if ((al & 0xf) > 9 || (f & FLAG_AF)) { af = FLAG_AF; if (al < 6 || oldCf) cf = FLAG_CF; al = (al - 6) & 0xff; }
  if (oldAl > 0x99 || oldCf) { al = (al - 0x60) & 0xff; cf = FLAG_CF; }
  s[R_EAX] = (s[R_EAX] & ~0xff) | al;
  setFlags(cpu, (computeEflags(CcOp.LOGIC, al, 0, 0) & ~(FLAG_CF | FLAG_AF)) | cf | af | (f & FLAG_OF));
});
function asciiAdjust(cpu: X86Cpu, sub: boolean): void {
  const s = cpu.s; const f = flags(cpu);
  let ax = s[R_EAX] & 0xffff;
  let fl = f & ~(FLAG_CF | FLAG_AF);
  if ((ax & 0xf) > 9 || (f & FLAG_AF)) {
    ax = sub ? (((ax - 6) & 0xffff) - 0x100) & 0xffff : (ax + 0x106) & 0xffff; // borrows from AL reach AH, as on P6
    fl |= FLAG_CF | FLAG_AF;
  }
  ax &= 0xff0f;
  s[R_EAX] = (s[R_EAX] & ~0xffff) | ax;
  setFlags(cpu, fl);
}
def('aaa', ANY, (cpu) => asciiAdjust(cpu, false));
def('aas', ANY, (cpu) => asciiAdjust(cpu, true));
def('aam', ANY, (cpu, base, eip) => {
  const s = cpu.s;
  if ((base & 0xff) === 0) cpu.raise(EXC_DE, -1, eip);
  const al = s[R_EAX] & 0xff;
  const r = ((((al / base) | 0) & 0xff) << 8) | (al % base);
  s[R_EAX] = (s[R_EAX] & ~0xffff) | r;
  setFlags(cpu, computeEflags(CcOp.LOGIC, r & 0xff, 0, 0));
});
def('aad', ANY, (cpu, base) => {
  const s = cpu.s;
  const ax = s[R_EAX];
  const al = (((ax >> 8) & 0xff) * base + (ax & 0xff)) & 0xff;
  s[R_EAX] = (ax & ~0xffff) | al;
  setFlags(cpu, computeEflags(CcOp.LOGIC, al, 0, 0));
});

// ---- flags register ----
def('pushf_value', ANY, (cpu) => cpu.getEflags() & ~(FLAG_RF | 0x20000));
def('popf', ANY, (cpu, v, size, eip) => {
  const s = cpu.s;
  const cpl = cpu.cpl, iopl = (s[EFLAGS] >> 12) & 3;
  let mask = FLAG_TF | FLAG_NT | FLAG_AC | FLAG_ID | FLAG_DF | CC_MASK;
  if (cpl === 0) mask |= FLAG_IOPL | FLAG_IF;
  else if (cpl <= iopl) mask |= FLAG_IF;
  if (size === 2) mask &= 0xffff;
  void eip;
  cpu.setEflags(v, mask);
  cpu.updateHflags();
});
def('cli', ANY, (cpu, eip) => {
  if (cpu.cpl > ((cpu.s[EFLAGS] >> 12) & 3)) cpu.raise(EXC_GP, 0, eip);
  cpu.s[EFLAGS] &= ~FLAG_IF;
});
def('sti', ANY, (cpu, eip) => {
  if (cpu.cpl > ((cpu.s[EFLAGS] >> 12) & 3)) cpu.raise(EXC_GP, 0, eip);
  if (!(cpu.s[EFLAGS] & FLAG_IF)) cpu.s[HFLAGS] |= HF_INHIBIT_IRQ;
  cpu.s[EFLAGS] |= FLAG_IF;
});
def('set_inhibit_irq', ANY, (cpu) => { cpu.s[HFLAGS] |= HF_INHIBIT_IRQ; });
def('clear_inhibit_irq', ANY, (cpu) => { cpu.s[HFLAGS] &= ~HF_INHIBIT_IRQ; });

// ---- privileged and system instructions ----
function requireCpl0(cpu: X86Cpu, eip: number): void { if (cpu.cpl !== 0) cpu.raise(EXC_GP, 0, eip); }

def('hlt', ANY, (cpu, eip) => { requireCpl0(cpu, eip); cpu.halted = true; });
def('raise', ANY, (cpu, vector, error, eip) => cpu.raise(vector, error, eip));
function softInterrupt(cpu: X86Cpu, vector: number, nextEip: number, eip: number): void {
  const deliver = cpu.hooks.softInterrupt;
  if (deliver && !cpu.singleStepping) deliver(vector, nextEip, eip);
  else cpu.raise(vector, -1, nextEip, true, eip);
}
def('raise_soft', ANY, (cpu, vector, nextEip, eip) => softInterrupt(cpu, vector, nextEip, eip));
def('icebp', ANY, (cpu, nextEip) => cpu.raise(1, -1, nextEip));
// into does not end its TB, so it must unwind (int and int3 end theirs and can deliver in place).
def('into', ANY, (cpu, nextEip, eip) => { if (flags(cpu) & FLAG_OF) cpu.raise(4, -1, nextEip, true, eip); });
def('unimp', ANY, (cpu, eip, opcode) => { cpu.hooks.unimplemented(eip, opcode.toString(16)); cpu.raise(EXC_UD, -1, eip); });

def('fpu_missing', ANY, (cpu, eip) => cpu.raise(cpu.s[CR0] & (4 | CR0_TS) ? 7 : EXC_UD, -1, eip));
def('fpu', ANY, (cpu, opword, addr, ea, eip) => fpuExec(cpu, opword, addr, ea, eip));
def('fwait', ANY, (cpu, eip) => fpuWait(cpu, eip));
def('fxgroup', ANY, (cpu, reg, addr, eip) => fxGroup(cpu, reg, addr, eip));
def('sse', ANY, (cpu, word, addr, eip) => helperSse(cpu, word, addr, eip));
def('load_seg', ANY, (cpu, seg, sel, eip) => loadSegment(cpu, seg, sel, eip));
def('ljmp', ANY, (cpu, sel, off, next, eip) => farJump(cpu, sel, off, next, eip));
def('lcall', ANY, (cpu, sel, off, next, size, eip) => farCall(cpu, sel, off, next, size, eip));
def('lret', ANY, (cpu, size, imm, eip) => farReturn(cpu, size, imm, eip));
def('iret', ANY, (cpu, size, next, eip) => iret(cpu, size, next, eip));

def('lgdt', ANY, (cpu, addr, size, eip) => {
  requireCpl0(cpu, eip);
  const limit = cpu.mem.ld(addr, 1, eip), base = cpu.mem.ld(addr + 2, 2, eip);
  cpu.s[GDTR_LIMIT] = limit; cpu.s[GDTR_BASE] = size === 2 ? base & 0xffffff : base;
});
def('lidt', ANY, (cpu, addr, size, eip) => {
  requireCpl0(cpu, eip);
  const limit = cpu.mem.ld(addr, 1, eip), base = cpu.mem.ld(addr + 2, 2, eip);
  cpu.s[IDTR_LIMIT] = limit; cpu.s[IDTR_BASE] = size === 2 ? base & 0xffffff : base;
});
/** sgdt/sidt: the limit word, then the base dword, each alignment-checked at CPL 3 (an address of 2 mod 4 passes). */
function storeTableReg(cpu: X86Cpu, addr: number, limit: number, base: number, eip: number): void {
  cpu.alignCheck(addr, 2, eip);
  cpu.alignCheck(addr + 2, 4, eip);
  cpu.mem.st(addr, limit, 1, eip); cpu.mem.st(addr + 2, base, 2, eip);
}
def('sgdt', ANY, (cpu, addr, eip) => storeTableReg(cpu, addr, cpu.s[GDTR_LIMIT], cpu.s[GDTR_BASE], eip));
def('sidt', ANY, (cpu, addr, eip) => storeTableReg(cpu, addr, cpu.s[IDTR_LIMIT], cpu.s[IDTR_BASE], eip));
def('lldt', ANY, (cpu, sel, eip) => { requireCpl0(cpu, eip); loadLdt(cpu, sel, eip); });
def('ltr', ANY, (cpu, sel, eip) => { requireCpl0(cpu, eip); loadTr(cpu, sel, eip); });
def('sldt', ANY, (cpu) => cpu.s[LDTR_SEL]);
def('str', ANY, (cpu) => cpu.s[TR_SEL]);

function writeCr0(cpu: X86Cpu, v: number): void {
  const s = cpu.s;
  const old = s[CR0];
  s[CR0] = v | 0x10;
  if ((old ^ v) & (CR0_PG | CR0_PE | 0x10000)) cpu.mem.flushTlb();
  cpu.updateHflags();
  cpu.hooks.modeChanged();
}
def('mov_to_cr', ANY, (cpu, n, v, eip) => {
  requireCpl0(cpu, eip);
  const s = cpu.s;
  switch (n) {
    case 0:
      if ((v & CR0_PG) && !(v & CR0_PE)) cpu.raise(EXC_GP, 0, eip);
      writeCr0(cpu, v); break;
    case 2: s[CR2] = v; break;
    case 3:
      s[CR3] = v;
      // With CR4.PGE, a CR3 load leaves the TLB entries of global pages (SDM 4.10.4.1).
      if (s[CR4] & CR4_PGE) cpu.mem.flushTlbNonGlobal(); else cpu.mem.flushTlb();
      cpu.hooks.modeChanged();
      break;
    case 4:
      if (v & ~0x7fc) cpu.raise(EXC_GP, 0, eip); // TSD DE PSE PAE MCE PGE PCE OSFXSR OSXMMEXCPT; no VME/PVI
      {
        const deChanged = ((s[CR4] ^ v) & CR4_DE) !== 0;
        s[CR4] = v; cpu.mem.flushTlb(); cpu.hooks.modeChanged();
        if (deChanged) cpu.hooks.debugRegsChanged?.(); // DE turns DR7's I/O breakpoints on or off
      }
      break;
    default: cpu.raise(EXC_UD, -1, eip);
  }
});
def('mov_from_cr', ANY, (cpu, n, eip) => {
  requireCpl0(cpu, eip);
  if (n === 1 || n > 4) cpu.raise(EXC_UD, -1, eip);
  return cpu.s[[CR0, -1, CR2, CR3, CR4][n]];
});
/**
 * Checks of a mov to/from DRn: CPL 0; DR4/DR5 alias DR6/DR7 unless CR4.DE (then #UD);
 * DR7.GD makes the access a #DB fault with DR6.BD (GD cleared so the handler can use them).
 */
function drIndex(cpu: X86Cpu, n: number, eip: number): number {
  requireCpl0(cpu, eip);
  const s = cpu.s;
  if (n === 4 || n === 5) {
    if (s[CR4] & 8) cpu.raise(EXC_UD, -1, eip);
    n += 2;
  }
  if (s[DR0 + 7] & 0x2000) {
    s[DR0 + 6] |= 0x2000;
    s[DR0 + 7] &= ~0x2000;
    cpu.raise(1, -1, eip); // #DB
  }
  return n;
}
def('mov_to_dr', ANY, (cpu, n, v, eip) => {
  n = drIndex(cpu, n, eip);
  cpu.s[DR0 + n] = n === 6 ? (v | 0xffff0ff0) : n === 7 ? (v | 0x400) : v;
  if (n !== 6) cpu.hooks.debugRegsChanged?.();
});
def('mov_from_dr', ANY, (cpu, n, eip) => {
  n = drIndex(cpu, n, eip);
  const v = cpu.s[DR0 + n];
  return n === 6 ? v | 0xffff0ff0 : n === 7 ? v | 0x400 : v;
});
def('lmsw', ANY, (cpu, v, eip) => {
  requireCpl0(cpu, eip);
  const cr0 = cpu.s[CR0];
  writeCr0(cpu, (cr0 & ~0xe) | (v & 0xf) | (cr0 & 1));
});
def('smsw', ANY, (cpu) => cpu.s[CR0] & 0xffff);
def('clts', ANY, (cpu, eip) => { requireCpl0(cpu, eip); cpu.s[CR0] &= ~CR0_TS; });
def('invlpg', ANY, (cpu, addr, eip) => { requireCpl0(cpu, eip); cpu.mem.flushTlbPage(addr); cpu.hooks.modeChanged(); });
def('wbinvd', ANY, (cpu, eip) => { requireCpl0(cpu, eip); });

/** lar/lsl/verr/verw: return -1 when the selector does not qualify (ZF=0), else the value (ZF=1). */
function accessibleDescriptor(cpu: X86Cpu, sel: number, eip: number, forLsl: boolean): [number, number] | null {
  if ((sel & 0xfffc) === 0 || descriptorAddr(cpu, sel) === -1) return null;
  const [lo, hi] = readDescriptor(cpu, sel, eip);
  const type = (hi >> 8) & 0x1f;
  const dpl = (hi >> 13) & 3;
  if (!(type & 0x10)) {
    const okSys = forLsl ? [1, 2, 3, 9, 0xb] : [1, 2, 3, 4, 5, 9, 0xb, 0xc];
    if (!okSys.includes(type)) return null;
  }
  const conforming = (type & 0x1c) === 0x1c;
  if (!conforming && (dpl < cpu.cpl || dpl < (sel & 3))) return null;
  return [lo, hi];
}
function setZf(cpu: X86Cpu, z: boolean): void {
  const f = flags(cpu);
  setFlags(cpu, z ? f | FLAG_ZF : f & ~FLAG_ZF);
}
def('lar', ANY, (cpu, sel, old, eip) => {
  const d = accessibleDescriptor(cpu, sel & 0xffff, eip, false);
  setZf(cpu, d !== null);
  return d ? d[1] & 0x00f0ff00 : old;
});
def('lsl', ANY, (cpu, sel, old, eip) => {
  const d = accessibleDescriptor(cpu, sel & 0xffff, eip, true);
  setZf(cpu, d !== null);
  return d ? descLimit(d[0], d[1]) : old;
});
def('verr', ANY, (cpu, sel, eip) => {
  const d = accessibleDescriptor(cpu, sel & 0xffff, eip, false);
  const t = d ? (d[1] >> 8) & 0x1f : 0;
  setZf(cpu, d !== null && (t & 0x10) !== 0 && ((t & 8) === 0 || (t & 2) !== 0));
});
def('verw', ANY, (cpu, sel, eip) => {
  const d = accessibleDescriptor(cpu, sel & 0xffff, eip, false);
  const t = d ? (d[1] >> 8) & 0x1f : 0;
  setZf(cpu, d !== null && (t & 0x18) === 0x10 && (t & 2) !== 0);
});
def('arpl', ANY, (cpu, dst, src) => {
  const f = flags(cpu);
  if ((dst & 3) < (src & 3)) { setFlags(cpu, f | FLAG_ZF); return (dst & ~3) | (src & 3); }
  setFlags(cpu, f & ~FLAG_ZF);
  return dst;
});

// ---- CPUID, MSRs, TSC ----
/** Leaf 1 EDX: exactly what is implemented — FPU, DE, PSE, TSC, MSR, PAE, CX8, SEP, PGE, CMOV, CLFSH, MMX, FXSR, SSE, SSE2. */
export const CPUID_1_EDX = (1 << 0) | (1 << 2) | (1 << 3) | (1 << 4) | (1 << 5) | (1 << 6) | (1 << 8) | (1 << 11) | (1 << 13) | (1 << 15) | (1 << 19) | (1 << 23) | (1 << 24) | (1 << 25) | (1 << 26);
/** Leaf 1 EBX: CLFLUSH line size in 8-byte units (bits 15:8): 64 bytes. */
export const CPUID_1_EBX = 8 << 8;
def('cpuid', ANY, (cpu) => {
  const s = cpu.s;
  const leaf = s[R_EAX] >>> 0;
  const str = (t: string, i: number) => t.charCodeAt(i) | (t.charCodeAt(i + 1) << 8) | (t.charCodeAt(i + 2) << 16) | (t.charCodeAt(i + 3) << 24);
  let a = 0, b = 0, c = 0, d = 0;
  const vendor = 'GenuineIntel';
  if (leaf === 0) { a = 1; b = str(vendor, 0); d = str(vendor, 4); c = str(vendor, 8); }
  else if (leaf === 1) { a = 0x633; b = CPUID_1_EBX; c = 0; d = CPUID_1_EDX; } // family 6, model 3 (Pentium II class)
  else if (leaf === 0x80000000) { a = 0x80000004 | 0; }
  else if (leaf === 0x80000001) { d = 1 << 20; } // NX
  else if (leaf >= 0x80000002 && leaf <= 0x80000004) {
    const name = 'tcg86 i686 translated CPU'.padEnd(48, '\0');
    const o = (leaf - 0x80000002) * 16;
    a = str(name, o); b = str(name, o + 4); c = str(name, o + 8); d = str(name, o + 12);
  }
  s[R_EAX] = a; s[R_EBX] = b; s[R_ECX] = c; s[R_EDX] = d;
});
def('rdtsc', ANY, (cpu, eip) => {
  if ((cpu.s[CR4] & 4) && cpu.cpl !== 0) cpu.raise(EXC_GP, 0, eip);
  const t = cpu.hooks.tsc() + cpu.msrTscOffset;
  cpu.s[R_EAX] = t % 4294967296 | 0;
  cpu.s[R_EDX] = Math.floor(t / 4294967296) | 0;
});
def('rdmsr', ANY, (cpu, eip) => {
  requireCpl0(cpu, eip);
  const s = cpu.s;
  let v = 0, hi = 0;
  switch (s[R_ECX] >>> 0) {
    case 0x10: { const t = cpu.hooks.tsc() + cpu.msrTscOffset; v = t % 4294967296 | 0; hi = Math.floor(t / 4294967296) | 0; break; }
    case 0x174: v = s[SYSENTER_CS]; break;
    case 0x175: v = s[SYSENTER_ESP]; break;
    case 0x176: v = s[SYSENTER_EIP]; break;
    case 0x1b: v = 0xfee00900 | 0; break; // APIC base (no APIC enabled in CPUID; value as on reset)
    case 0x17: break; // IA32_PLATFORM_ID: platform 0
    case 0x8b: hi = 1; break; // IA32_BIOS_SIGN_ID: microcode revision 1 in EDX (QEMU reports the same)
    case 0x1a0: v = cpu.msrMiscEnable; break;
    case 0xc0000080: v = s[EFER]; break;
    default: cpu.raise(EXC_GP, 0, eip);
  }
  s[R_EAX] = v; s[R_EDX] = hi;
});
def('wrmsr', ANY, (cpu, eip) => {
  requireCpl0(cpu, eip);
  const s = cpu.s;
  const v = s[R_EAX];
  switch (s[R_ECX] >>> 0) {
    case 0x10: cpu.msrTscOffset = (s[R_EDX] >>> 0) * 4294967296 + (v >>> 0) - cpu.hooks.tsc(); break;
    case 0x174: s[SYSENTER_CS] = v & 0xffff; break;
    case 0x175: s[SYSENTER_ESP] = v; break;
    case 0x176: s[SYSENTER_EIP] = v; break;
    case 0x1b: break;
    case 0x8b: break; // writing 0 before cpuid latches the microcode revision; nothing to do
    case 0x1a0: cpu.msrMiscEnable = v & 1; break; // IA32_MISC_ENABLE: only fast strings is writable
    case 0xc0000080: // EFER: only NXE (no long mode, no syscall)
      if ((v & ~0x800) || s[R_EDX]) cpu.raise(EXC_GP, 0, eip);
      s[EFER] = v; cpu.mem.flushTlb(); break;
    default: cpu.raise(EXC_GP, 0, eip);
  }
});

// ---- port I/O with the IOPL / CPL check and the TSS I/O permission bitmap ----
export function ioAllowed(cpu: X86Cpu, port: number, bytes: number, eip: number): void {
  const s = cpu.s;
  if (!(s[CR0] & CR0_PE) || cpu.cpl <= ((s[EFLAGS] >> 12) & 3)) return;
  // CPL > IOPL: every bit of the accessed ports must be clear in the bitmap (32-bit TSS only).
  const limit = s[TR_LIMIT] >>> 0;
  if (((s[TR_ATTR] >> 8) & 0xf) !== 0xb || limit < 0x67) cpu.raise(EXC_GP, 0, eip);
  const base = cpu.mem.ldSys(s[TR_BASE] + 0x66, 1, eip);
  const off = base + (port >>> 3);
  if (off + 1 > limit) cpu.raise(EXC_GP, 0, eip);
  const bits = cpu.mem.ldSys(s[TR_BASE] + off, 1, eip);
  const mask = ((1 << bytes) - 1) << (port & 7);
  if (bits & mask) cpu.raise(EXC_GP, 0, eip);
}
/** The checks before a port access: permission (#GP), then the guest's I/O breakpoints (a trap after it). */
function ioCheck(cpu: X86Cpu, port: number, bytes: number, eip: number): void {
  ioAllowed(cpu, port, bytes, eip);
  cpu.hooks.ioAccess?.(port, bytes, eip);
}
def('in', ANY, (cpu, port, size, eip) => { ioCheck(cpu, port & 0xffff, 1 << size, eip); return cpu.io.in(port & 0xffff, (1 << size) as 1 | 2 | 4); });
def('out', ANY, (cpu, port, size, v, eip) => { ioCheck(cpu, port & 0xffff, 1 << size, eip); cpu.io.out(port & 0xffff, (1 << size) as 1 | 2 | 4, v); });
def('rdpmc', ANY, (cpu, eip) => {
  // No performance counters are reported; the privilege check is what guests rely on.
  if (cpu.cpl !== 0 && !(cpu.s[CR4] & 0x100) && (cpu.s[CR0] & CR0_PE)) cpu.raise(EXC_GP, 0, eip);
  if ((cpu.s[R_ECX] >>> 0) > 1) cpu.raise(EXC_GP, 0, eip);
  cpu.s[R_EAX] = 0; cpu.s[R_EDX] = 0;
});

// ---- bound, cmpxchg8b ----
def('bound', ANY, (cpu, v, addr, size, eip) => {
  cpu.alignCheck(addr, size, eip);
  const lo = cpu.mem.ld(addr, size === 2 ? 5 : 2, eip), hi = cpu.mem.ld(addr + (size === 2 ? 2 : 4), size === 2 ? 5 : 2, eip);
  const x = size === 2 ? (v << 16) >> 16 : v;
  if (x < lo || x > hi) cpu.raise(EXC_BR, -1, eip);
});
def('cmpxchg8b', ANY, (cpu, addr, eip) => {
  const s = cpu.s;
  cpu.alignCheck(addr, 8, eip);
  const lo = cpu.mem.ld(addr, 2, eip), hi = cpu.mem.ld(addr + 4, 2, eip);
  const f = flags(cpu);
  if (lo === s[R_EAX] && hi === s[R_EDX]) {
    cpu.mem.st(addr, s[R_EBX], 2, eip); cpu.mem.st(addr + 4, s[R_ECX], 2, eip);
    setFlags(cpu, f | FLAG_ZF);
  } else {
    cpu.mem.st(addr, lo, 2, eip); cpu.mem.st(addr + 4, hi, 2, eip); // always writes, as the CPU does
    s[R_EAX] = lo; s[R_EDX] = hi;
    setFlags(cpu, f & ~FLAG_ZF);
  }
});

// ---- string instructions: one helper, parameters packed in `kind` ----
export const STR_MOVS = 0, STR_CMPS = 1, STR_STOS = 2, STR_LODS = 3, STR_SCAS = 4, STR_INS = 5, STR_OUTS = 6;
/** kind = op | size << 4 | rep << 6 (0 none, 1 repe/rep, 2 repne) | addr16 << 8 | seg << 9 */
def('string', ANY, (cpu, kind, eip) => stringOp(cpu, kind, eip));

/** Iterations done per helper call before returning to let interrupts in (the insn restarts). */
const STRING_CHUNK = 4096;

function stringOp(cpu: X86Cpu, kind: number, eip: number): number {
  const s = cpu.s, mem = cpu.mem;
  const op = kind & 0xf, size = (kind >> 4) & 3, rep = (kind >> 6) & 3, a16 = (kind >> 8) & 1, seg = (kind >> 9) & 7;
  const n = 1 << size;
  const amask = a16 ? 0xffff : -1;
  const step = s[EFLAGS] & FLAG_DF ? -n : n;
  const srcBase = s[SEG_BASE + seg], esBase = s[SEG_BASE + SEG_ES];
  let count = rep ? s[R_ECX] & amask : 1;
  if (op === STR_INS || op === STR_OUTS) ioAllowed(cpu, s[R_EDX] & 0xffff, n, eip); // even when ECX = 0
  if (rep && count === 0) return 0;
  const put = (r: number, v: number) => { s[r] = (s[r] & ~amask) | (v & amask); };
  cpu.debugTrap = false;
  // #AC: the source (DS:ESI) and destination (ES:EDI) operands of each iteration.
  const ac = (s[HFLAGS] & HF_AC) !== 0 && n > 1;
  const readsSrc = op === STR_MOVS || op === STR_LODS || op === STR_CMPS || op === STR_OUTS;
  let iters = 0;
  const limit = cpu.singleStepping || (s[EFLAGS] & FLAG_TF) ? 1 : STRING_CHUNK;
  // rep movs/stos forward in 32-bit addressing: whole runs within a page at a time (below).
  const bulk = rep && !a16 && !ac && step > 0 && limit > 1 && (op === STR_MOVS || op === STR_STOS);
  for (;;) {
    const si = s[R_ESI] & amask, di = s[R_EDI] & amask;
    const src = srcBase + si | 0, dst = esBase + di | 0;
    if (bulk) {
      const k = bulkString(cpu, op, size, src, dst, Math.min(count >>> 0, limit - iters));
      if (k > 0) {
        if (op === STR_MOVS) s[R_ESI] = si + k * n;
        s[R_EDI] = di + k * n;
        count = (count - k) | 0;
        s[R_ECX] = count;
        iters += k;
        if (count === 0) { s[EXTRA_INSNS] += iters - 1; return 0; }
        if (iters >= limit) { s[EXTRA_INSNS] += iters - 1; return 1; }
        continue;
      }
    }
    if (ac) {
      if (readsSrc) cpu.alignCheck(src, n, eip);
      if (op !== STR_LODS && op !== STR_OUTS) cpu.alignCheck(dst, n, eip);
    }
    let stop = false;
    switch (op) {
      case STR_MOVS: mem.st(dst, mem.ld(src, size, eip), size, eip); put(R_ESI, si + step); put(R_EDI, di + step); break;
      case STR_STOS: mem.st(dst, s[R_EAX], size, eip); put(R_EDI, di + step); break;
      case STR_LODS: {
        const v = mem.ld(src, size, eip);
        s[R_EAX] = size === 2 ? v : size === 1 ? (s[R_EAX] & ~0xffff) | v : (s[R_EAX] & ~0xff) | v;
        put(R_ESI, si + step); break;
      }
      case STR_CMPS: case STR_SCAS: {
        const a = op === STR_CMPS ? mem.ld(src, size, eip) : s[R_EAX] & (size === 2 ? -1 : (1 << (8 << size)) - 1);
        const b = mem.ld(dst, size, eip);
        s[CC_OP] = CcOp.SUB + size; s[CC_DST] = (a - b) | 0; s[CC_SRC] = b; s[CC_SRC2] = 0;
        if (op === STR_CMPS) put(R_ESI, si + step);
        put(R_EDI, di + step);
        const z = ((a - b) & (size === 2 ? -1 : (1 << (8 << size)) - 1)) === 0;
        if ((rep === 1 && !z) || (rep === 2 && z)) stop = true;
        break;
      }
      case STR_INS: {
        cpu.hooks.ioAccess?.(s[R_EDX] & 0xffff, n, eip);
        const v = cpu.io.in(s[R_EDX] & 0xffff, n as 1 | 2 | 4);
        mem.st(dst, v, size, eip); put(R_EDI, di + step); break;
      }
      case STR_OUTS: {
        const v = mem.ld(src, size, eip);
        cpu.hooks.ioAccess?.(s[R_EDX] & 0xffff, n, eip);
        cpu.io.out(s[R_EDX] & 0xffff, n as 1 | 2 | 4, v); put(R_ESI, si + step); break;
      }
    }
    if (!rep) return 0;
    count = (count - 1) & amask;
    put(R_ECX, count);
    // Each iteration counts as an instruction (icount, budgets), as in QEMU.
    if (count === 0 || stop) { s[EXTRA_INSNS] += iters; return 0; }
    // A single-step (gdb's, or the guest's TF trap after each iteration) runs one iteration, and
    // so does an iteration that hit a guest breakpoint (its #DB trap comes before the next one);
    // otherwise a chunk at a time.
    if (++iters >= limit || cpu.debugTrap) { s[EXTRA_INSNS] += iters - 1; return 1; }
  }
}

/**
 * Up to `max` iterations of a forward rep movs/stos at once, as long as source and destination
 * stay within their pages and both pages have fast-path TLB entries (plain RAM: no code to
 * protect, no watchpoint, no MMIO; the entries are those generated code uses). Returns how many
 * iterations it did (0: do the next one the ordinary way). An overlapping forward copy with the
 * destination above the source repeats a pattern, unlike a block move: done the ordinary way.
 */
function bulkString(cpu: X86Cpu, op: number, size: number, src: number, dst: number, max: number): number {
  const mem = cpu.mem, n = 1 << size;
  const half = mem.sysAccess ? 0 : mem.tlbBase;
  const ew = mem.tlbW[half | (dst >>> 12)];
  if ((ew & 0xfff) !== 0) return 0;
  let k = Math.min(max, ((0x1000 - (dst & 0xfff)) / n) | 0);
  const hd = (ew ^ dst) >>> 0;
  if (op === STR_STOS) {
    if (k <= 0 || (hd & (n - 1)) !== 0) return 0;
    const v = cpu.s[R_EAX];
    if (size === 0) mem.m8.fill(v, hd, hd + k);
    else if (size === 1) mem.m16.fill(v, hd >>> 1, (hd >>> 1) + k);
    else mem.m32.fill(v, hd >>> 2, (hd >>> 2) + k);
    return k;
  }
  const er = mem.tlbR[half | (src >>> 12)];
  if ((er & 0xfff) !== 0) return 0;
  k = Math.min(k, ((0x1000 - (src & 0xfff)) / n) | 0);
  if (k <= 0) return 0;
  const hs = (er ^ src) >>> 0, len = k * n;
  if (hd > hs && hd < hs + len) return 0;
  mem.m8.copyWithin(hd, hs, hs + len);
  return k;
}

// ---- sysenter / sysexit ----
def('sysenter', ANY, (cpu, eip) => {
  const s = cpu.s;
  const cs = s[SYSENTER_CS] & 0xfffc;
  if (!(s[CR0] & CR0_PE) || cs === 0) cpu.raise(EXC_GP, 0, eip);
  s[EFLAGS] &= ~(FLAG_IF | FLAG_RF | 0x20000);
  cpu.setSegmentFlat(1, cs, 0, -1, 0xcf9b00);
  cpu.setSegmentFlat(SEG_SS, cs + 8, 0, -1, 0xcf9300);
  cpu.setCpl(0);
  s[R_ESP] = s[SYSENTER_ESP];
  s[EIP] = s[SYSENTER_EIP];
  cpu.updateHflags();
  cpu.hooks.modeChanged();
});
def('sysexit', ANY, (cpu, eip) => {
  const s = cpu.s;
  const cs = s[SYSENTER_CS] & 0xfffc;
  if (!(s[CR0] & CR0_PE) || cs === 0 || cpu.cpl !== 0) cpu.raise(EXC_GP, 0, eip);
  cpu.setSegmentFlat(1, (cs + 16) | 3, 0, -1, 0xcffb00);
  cpu.setSegmentFlat(SEG_SS, (cs + 24) | 3, 0, -1, 0xcff300);
  cpu.setCpl(3);
  s[R_ESP] = s[R_ECX];
  s[EIP] = s[R_EDX];
  cpu.updateHflags();
  cpu.hooks.modeChanged();
});

// ---- alignment checking (#AC), emitted by the translator only in TBs whose flags have HF_AC ----
// Defined last: helpers are referred to by index, and the indices of the others stay as they were.
def('check_align', CallFlags.NO_GLOBALS, (cpu, addr, mask, eip) => { if (addr & mask) cpu.raise(EXC_AC, 0, eip); });
