// Linear -> physical translation: segmentation is done by the translator; this walks the
// two-level 32-bit page tables (4 KiB and, with CR4.PSE, 4 MiB pages), sets the accessed
// and dirty bits, and raises #PF with CR2 and the error code.
import { X86Cpu } from './cpu';
import { Access } from './mmu';
import { CR0, CR0_PG, CR0_WP, CR2, CR3, CR4 } from './state';
import { EXC_PF } from './seg';

const PTE_P = 1, PTE_W = 2, PTE_U = 4, PTE_A = 0x20, PTE_D = 0x40, PTE_PS = 0x80;
const CR4_PSE = 0x10;

export function translateLinear(cpu: X86Cpu, addr: number, access: Access, eip: number): number {
  const p = walk(cpu, addr, access, eip);
  return cpu.a20 ? p : p & ~0x100000;
}

function walk(cpu: X86Cpu, addr: number, access: Access, eip: number): number {
  const s = cpu.s;
  if (!(s[CR0] & CR0_PG)) return addr;
  const mem = cpu.mem;
  const user = cpu.cpl === 3;
  const write = access === Access.WRITE;
  const fault = (present: boolean): never => {
    s[CR2] = addr;
    cpu.raise(EXC_PF, (present ? 1 : 0) | (write ? 2 : 0) | (user ? 4 : 0), eip);
  };
  const pdeAddr = (s[CR3] & ~0xfff) + ((addr >>> 22) << 2);
  const pde = mem.physRead(pdeAddr, 4);
  if (!(pde & PTE_P)) fault(false);
  const big = (pde & PTE_PS) && (s[CR4] & CR4_PSE);
  let rights: number, pte: number, pteAddr: number;
  if (big) { pte = pde; pteAddr = pdeAddr; rights = pde; }
  else {
    pteAddr = (pde & ~0xfff) + (((addr >>> 12) & 0x3ff) << 2);
    pte = mem.physRead(pteAddr, 4);
    if (!(pte & PTE_P)) fault(false);
    rights = pde & pte;
  }
  if (user && !(rights & PTE_U)) fault(true);
  if (write && !(rights & PTE_W) && (user || (s[CR0] & CR0_WP))) fault(true);
  if (!big && !(pde & PTE_A)) mem.physWrite(pdeAddr, 4, pde | PTE_A);
  const nv = pte | PTE_A | (write ? PTE_D : 0);
  if (nv !== pte) mem.physWrite(pteAddr, 4, nv);
  return big ? ((pte & 0xffc00000) | (addr & 0x3fffff)) : ((pte & ~0xfff) | (addr & 0xfff));
}

/**
 * Physical address of linear `addr` for debuggers: no fault, no accessed/dirty bits, no
 * privilege check; -1 when unmapped.
 */
export function debugPhys(cpu: X86Cpu, addr: number): number {
  const p = debugWalk(cpu, addr);
  return p < 0 || cpu.a20 ? p : p & ~0x100000;
}

function debugWalk(cpu: X86Cpu, addr: number): number {
  const s = cpu.s;
  if (!(s[CR0] & CR0_PG)) return addr >>> 0;
  const mem = cpu.mem;
  const pde = mem.physRead((s[CR3] & ~0xfff) + ((addr >>> 22) << 2), 4);
  if (!(pde & PTE_P)) return -1;
  if ((pde & PTE_PS) && (s[CR4] & CR4_PSE)) return ((pde & 0xffc00000) | (addr & 0x3fffff)) >>> 0;
  const pte = mem.physRead((pde & ~0xfff) + (((addr >>> 12) & 0x3ff) << 2), 4);
  if (!(pte & PTE_P)) return -1;
  return ((pte & ~0xfff) | (addr & 0xfff)) >>> 0;
}
