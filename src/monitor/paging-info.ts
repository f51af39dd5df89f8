// `info tlb` and `info mem`: walks of the guest's two-level 32-bit page tables (4 KiB pages,
// and 4 MiB pages under CR4.PSE), printed as QEMU's tlb_info_32 and mem_info_32 print them.
import { CR0, CR0_PG, CR3, CR4 } from '../emu/translate-i386/state';
import { X86Cpu } from '../emu/translate-i386/cpu';
import { hex16 } from './format';

const PG_P = 1, PG_W = 2, PG_U = 4, PG_PWT = 8, PG_PCD = 0x10, PG_A = 0x20, PG_D = 0x40, PG_PS = 0x80, PG_G = 0x100;
const CR4_PSE = 0x10;

/** A 32-bit physical read for the walk; outside RAM reads as 0 (not present). */
function reader(cpu: X86Cpu): (p: number) => number {
  const mem = cpu.mem;
  return (p) => (p >= 0 && p + 4 <= mem.size ? mem.physRead(p, 4) >>> 0 : 0);
}

function pteFlags(pte: number): string {
  const bits: [number, string][] = [[PG_G, 'G'], [PG_PS, 'P'], [PG_D, 'D'], [PG_A, 'A'], [PG_PCD, 'C'], [PG_PWT, 'T'], [PG_U, 'U'], [PG_W, 'W']];
  return '-' + bits.map(([m, c]) => (pte & m ? c : '-')).join('');
}

export function pagingEnabled(cpu: X86Cpu): boolean { return (cpu.s[CR0] & CR0_PG) !== 0; }

/** Visit every present mapping: (linear, pte or 4 MiB pde, pde, big). */
function walk(cpu: X86Cpu, visit: (l1: number, pde: number, l2: number, pte: number, big: boolean) => void): void {
  const rd = reader(cpu);
  const pgd = (cpu.s[CR3] & ~0xfff) >>> 0;
  const pse = (cpu.s[CR4] & CR4_PSE) !== 0;
  for (let l1 = 0; l1 < 1024; l1++) {
    const pde = rd(pgd + l1 * 4);
    if (!(pde & PG_P)) { visit(l1, pde, -1, 0, false); continue; }
    if ((pde & PG_PS) && pse) { visit(l1, pde, -1, pde, true); continue; }
    const pt = (pde & ~0xfff) >>> 0;
    for (let l2 = 0; l2 < 1024; l2++) visit(l1, pde, l2, rd(pt + l2 * 4), false);
  }
}

export function infoTlb(cpu: X86Cpu): string[] {
  if (!pagingEnabled(cpu)) return ['PG disabled'];
  const out: string[] = [];
  walk(cpu, (l1, pde, l2, pte, big) => {
    if (!(pde & PG_P)) return;
    if (big) { out.push(`${hex16(l1 * 0x400000)}: ${hex16((pde & ~0x1fffff) >>> 0)} ${pteFlags(pde)}`); return; }
    if (!(pte & PG_P)) return;
    const e = pte & ~PG_PS;
    out.push(`${hex16(l1 * 0x400000 + l2 * 0x1000)}: ${hex16((e & ~0xfff) >>> 0)} ${pteFlags(e)}`);
  });
  return out;
}

export function infoMem(cpu: X86Cpu): string[] {
  if (!pagingEnabled(cpu)) return ['PG disabled'];
  const out: string[] = [];
  let start = -1, lastProt = 0;
  const print = (end: number, prot: number) => {
    if (prot === lastProt) return;
    if (start !== -1) {
      out.push(`${hex16(start)}-${hex16(end)} ${hex16(end - start)} ${lastProt & PG_U ? 'u' : '-'}r${lastProt & PG_W ? 'w' : '-'}`);
    }
    start = prot ? end : -1;
    lastProt = prot;
  };
  const MASK = PG_U | PG_W | PG_P;
  walk(cpu, (l1, pde, l2, pte, big) => {
    const base = l1 * 0x400000;
    if (!(pde & PG_P)) print(base, 0);
    else if (big) print(base, pde & MASK);
    else print(base + l2 * 0x1000, pte & PG_P ? pte & pde & MASK : 0);
  });
  print(2 ** 32, 0);
  return out;
}
