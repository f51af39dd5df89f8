// Linear -> physical translation: segmentation is done by the translator; this walks the
// page tables — two-level 32-bit (4 KiB pages, 4 MiB with CR4.PSE) or three-level PAE
// (4 KiB and 2 MiB pages, NX with EFER.NXE) — sets the accessed and dirty bits, and raises
// #PF with CR2 and the error code (P, W/R, U/S, RSVD, I/D).
import { X86Cpu } from './cpu';
import { Access } from './mmu';
import { CR0, CR0_PG, CR0_WP, CR2, CR3, CR4, CR4_PGE, EFER } from './state';
import { EXC_PF } from './seg';

const PTE_P = 1, PTE_W = 2, PTE_U = 4, PTE_A = 0x20, PTE_D = 0x40, PTE_PS = 0x80, PTE_G = 0x100;
const CR4_PSE = 0x10, CR4_PAE = 0x20;
export const EFER_NXE = 0x800;
const PF_P = 1, PF_W = 2, PF_U = 4, PF_RSVD = 8, PF_I = 0x10;
/** PAE entries: physical address bits above 36 (our MAXPHYADDR) are reserved, except NX (bit 63). */
const PAE_RSVD_HI = 0x7ffffff0;

/** One step of a walk: the entry's low and high words and where it lives. */
interface Entry { lo: number; hi: number; addr: number }

/** Result of a walk, or the #PF error code when it failed (`fault` >= 0). */
interface Walk { phys: number; fault: number; entries: Entry[]; leafBig: boolean; rights: number; nx: boolean; global?: boolean }

function readEntry(cpu: X86Cpu, addr: number, pae: boolean): Entry {
  const lo = cpu.mem.physRead(addr, 4);
  return { lo, hi: pae ? cpu.mem.physRead(addr + 4, 4) : 0, addr };
}

/** Walk the tables without side effects. */
function walkTables(cpu: X86Cpu, addr: number): Walk {
  const s = cpu.s;
  const pae = (s[CR4] & CR4_PAE) !== 0;
  const nxe = (s[EFER] & EFER_NXE) !== 0;
  const entries: Entry[] = [];
  const fail = (code: number): Walk => ({ phys: -1, fault: code, entries, leafBig: false, rights: 0, nx: false });
  let rights = PTE_W | PTE_U;
  let nx = false;
  const rsvd = (e: Entry) => pae && ((e.hi & PAE_RSVD_HI) !== 0 || (!nxe && (e.hi & 0x80000000) !== 0));
  if (!pae) {
    const pde = readEntry(cpu, (s[CR3] & ~0xfff) + ((addr >>> 22) << 2), false);
    entries.push(pde);
    if (!(pde.lo & PTE_P)) return fail(0);
    rights &= pde.lo;
    if ((pde.lo & PTE_PS) && (s[CR4] & CR4_PSE)) {
      return { phys: ((pde.lo & 0xffc00000) | (addr & 0x3fffff)) >>> 0, fault: -1, entries, leafBig: true, rights, nx, global: (pde.lo & PTE_G) !== 0 };
    }
    const pte = readEntry(cpu, (pde.lo & ~0xfff) + (((addr >>> 12) & 0x3ff) << 2), false);
    entries.push(pte);
    if (!(pte.lo & PTE_P)) return fail(0);
    rights &= pte.lo;
    return { phys: ((pte.lo & ~0xfff) | (addr & 0xfff)) >>> 0, fault: -1, entries, leafBig: false, rights, nx, global: (pte.lo & PTE_G) !== 0 };
  }
  const pdpte = readEntry(cpu, (s[CR3] & ~0x1f) + ((addr >>> 30) << 3), true);
  if (!(pdpte.lo & PTE_P)) return fail(0);
  if ((pdpte.lo & 0x1e6) || (pdpte.hi & 0xfffffff0)) return fail(PF_P | PF_RSVD);
  const pde = readEntry(cpu, (pdpte.lo & ~0xfff) + (((addr >>> 21) & 0x1ff) << 3), true);
  entries.push(pde);
  if (!(pde.lo & PTE_P)) return fail(0);
  if (rsvd(pde)) return fail(PF_P | PF_RSVD);
  rights &= pde.lo;
  nx = nxe && (pde.hi & 0x80000000) !== 0;
  if (pde.lo & PTE_PS) {
    if (pde.lo & 0x1fe000) return fail(PF_P | PF_RSVD);
    return { phys: ((pde.lo & 0xffe00000) | (addr & 0x1fffff)) >>> 0, fault: -1, entries, leafBig: true, rights, nx, global: (pde.lo & PTE_G) !== 0 };
  }
  const pte = readEntry(cpu, (pde.lo & ~0xfff) + (((addr >>> 12) & 0x1ff) << 3), true);
  entries.push(pte);
  if (!(pte.lo & PTE_P)) return fail(0);
  if (rsvd(pte)) return fail(PF_P | PF_RSVD);
  rights &= pte.lo;
  nx = nx || (nxe && (pte.hi & 0x80000000) !== 0);
  return { phys: ((pte.lo & ~0xfff) | (addr & 0xfff)) >>> 0, fault: -1, entries, leafBig: false, rights, nx, global: (pte.lo & PTE_G) !== 0 };
}

export function translateLinear(cpu: X86Cpu, addr: number, access: Access, eip: number): number {
  const p = walk(cpu, addr, access, eip);
  return cpu.a20 ? p : p & ~0x100000;
}

function walk(cpu: X86Cpu, addr: number, access: Access, eip: number): number {
  const s = cpu.s;
  cpu.mem.walkGlobal = false;
  if (!(s[CR0] & CR0_PG)) return addr;
  const user = cpu.cpl === 3 && !cpu.mem.sysAccess;
  const write = access === Access.WRITE;
  const fetch = access === Access.FETCH;
  const w = walkTables(cpu, addr);
  if (w.leafBig) cpu.mem.largePageCached = true;
  cpu.mem.walkGlobal = w.global === true && (s[CR4] & CR4_PGE) !== 0;
  const nxe = (s[CR4] & CR4_PAE) !== 0 && (s[EFER] & EFER_NXE) !== 0;
  let code = w.fault;
  if (code < 0) {
    if (user && !(w.rights & PTE_U)) code = PF_P;
    else if (write && !(w.rights & PTE_W) && (user || (s[CR0] & CR0_WP))) code = PF_P;
    else if (fetch && w.nx) code = PF_P;
  }
  if (code >= 0) {
    s[CR2] = addr;
    cpu.raise(EXC_PF, code | (write ? PF_W : 0) | (user ? PF_U : 0) | (fetch && nxe ? PF_I : 0), eip);
  }
  // Accessed bits on every level, dirty on the leaf for writes.
  const last = w.entries.length - 1;
  w.entries.forEach((e, i) => {
    const nv = e.lo | PTE_A | (i === last && write ? PTE_D : 0);
    if (nv !== e.lo) cpu.mem.physWrite(e.addr, 4, nv);
  });
  return w.phys | 0;
}

/**
 * Physical address of linear `addr` for debuggers: no fault, no accessed/dirty bits, no
 * privilege check; -1 when unmapped.
 */
export function debugPhys(cpu: X86Cpu, addr: number): number {
  if (!(cpu.s[CR0] & CR0_PG)) return cpu.a20 ? addr >>> 0 : (addr & ~0x100000) >>> 0;
  const w = walkTables(cpu, addr);
  if (w.fault >= 0) return -1;
  return cpu.a20 ? w.phys : (w.phys & ~0x100000) >>> 0;
}
