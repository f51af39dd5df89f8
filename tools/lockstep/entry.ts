// Bringing both machines to the kernel's first instruction and making their states equal
// where the two multiboot loaders legitimately differ.
//
// tcg86's -S machine starts at the entry; QEMU's starts at the BIOS reset vector, so QEMU runs
// to a breakpoint on the entry first. There, the differences (the multiboot spec leaves them
// to the loader) are recorded for the report and normalised:
//  - the multiboot information: QEMU's structure, command line, boot loader name and memory
//    map are copied into tcg86's memory at QEMU's addresses, and ebx is set to QEMU's;
//  - every other differing register field (ecx, edx, esi, edi, ebp, esp, eflags, ...) gets
//    QEMU's value;
//  - page 0 (real-mode IVT, BIOS data area, as SeaBIOS left them) is copied into tcg86;
//  - segment selectors are not written (the two GDTs differ): they are left out of the
//    comparison until both sides hold the same value (see Comparer.pendingSelectors);
//  - GDTR, IDTR, descriptor caches, device state and memory outside the kernel are not compared.
import { Comparer } from './compare';
import { diffInfoRegisters, parseInfoRegisters } from './monitor-regs';
import { Pair } from './pair';
import { CpuState, fmt, SEGS, u32 } from './state';

export interface EntryResult {
  /** Human-readable differences found at the entry, before normalisation. */
  differences: string[];
  /** What was done about them. */
  normalised: string[];
  /** States after normalisation. */
  states: [CpuState, CpuState];
}

const MBI_SIZE = 116;   // multiboot v1 information structure, framebuffer fields included
const LOW_PAGE = 0x1000;
const MBI_FIELDS: [string, number][] = [
  ['flags', 0], ['mem_lower', 4], ['mem_upper', 8], ['boot_device', 12], ['cmdline', 16], ['mods_count', 20], ['mods_addr', 24],
  ['mmap_length', 44], ['mmap_addr', 48], ['drives_length', 52], ['drives_addr', 56], ['config_table', 60], ['boot_loader_name', 64],
  ['apm_table', 68],
];

async function cString(read: (a: number, n: number) => Promise<Buffer | null>, addr: number): Promise<Buffer> {
  if (!addr) return Buffer.alloc(0);
  const b = (await read(addr, 512)) ?? Buffer.alloc(0);
  const nul = b.indexOf(0);
  return b.subarray(0, nul < 0 ? b.length : nul + 1);
}

interface Mbi { addr: number; raw: Buffer; cmdline: Buffer; loader: Buffer; mmap: Buffer; field(name: string): number }

async function readMbi(pair: Pair, side: 'tcg86' | 'qemu', addr: number): Promise<Mbi> {
  const s = pair.stub(side);
  const read = (a: number, n: number) => s.readMemory(a, n);
  const raw = await read(addr, MBI_SIZE);
  if (!raw || raw.length < MBI_SIZE) throw new Error(`${side}: cannot read the multiboot information at 0x${addr.toString(16)}`);
  const field = (name: string): number => raw.readUInt32LE(MBI_FIELDS.find(([n]) => n === name)![1]);
  const flags = field('flags');
  const mmap = flags & 0x40 && field('mmap_length') ? (await read(field('mmap_addr'), field('mmap_length'))) ?? Buffer.alloc(0) : Buffer.alloc(0);
  return {
    addr, raw, field, mmap,
    cmdline: flags & 0x4 ? await cString(read, field('cmdline')) : Buffer.alloc(0),
    loader: flags & 0x200 ? await cString(read, field('boot_loader_name')) : Buffer.alloc(0),
  };
}

function describeMbi(t: Mbi, q: Mbi): string[] {
  const out: string[] = [];
  const hex = (v: number) => `0x${v.toString(16)}`;
  if (t.addr !== q.addr) out.push(`multiboot info address (ebx): tcg86 ${hex(t.addr)}, qemu ${hex(q.addr)}`);
  for (const [name] of MBI_FIELDS) {
    if (['cmdline', 'mmap_addr', 'boot_loader_name'].includes(name)) continue;   // addresses: their contents are compared below
    if (t.field(name) !== q.field(name)) out.push(`mbi.${name}: tcg86 ${hex(t.field(name))}, qemu ${hex(q.field(name))}`);
  }
  const str = (b: Buffer) => JSON.stringify(b.toString('latin1').replace(/\0$/, ''));
  if (!t.cmdline.equals(q.cmdline)) out.push(`mbi.cmdline: tcg86 ${str(t.cmdline)} at ${hex(t.field('cmdline'))}, qemu ${str(q.cmdline)} at ${hex(q.field('cmdline'))}`);
  if (!t.loader.equals(q.loader)) out.push(`mbi.boot_loader_name: tcg86 ${str(t.loader)}, qemu ${str(q.loader)}`);
  if (!t.mmap.equals(q.mmap)) out.push(`mbi.mmap: tcg86 [${mmapText(t.mmap)}], qemu [${mmapText(q.mmap)}]`);
  return out;
}

function mmapText(b: Buffer): string {
  const out: string[] = [];
  for (let o = 0; o + 24 <= b.length;) {
    const size = b.readUInt32LE(o);
    const base = b.readBigUInt64LE(o + 4), len = b.readBigUInt64LE(o + 12), type = b.readUInt32LE(o + 20);
    out.push(`${base.toString(16)}+${len.toString(16)} type ${type}`);
    o += size + 4;
  }
  return out.join(', ');
}

/** QEMU to the entry, the differences, the normalisation. `entry` is the ELF's entry point. */
export async function enterBoth(pair: Pair, entry: number, comparer: Comparer, record: boolean): Promise<EntryResult> {
  await pair.q.setBreakpoints([entry], true);
  const r = await pair.q.cont(30000);
  await pair.q.setBreakpoints([entry], false);
  if (r.kind !== 'stopped' || r.timedOut) throw new Error(`qemu did not reach the kernel entry 0x${entry.toString(16)} (${r.reply || 'exited'})`);
  const [t, q] = await pair.readBoth([]);
  for (const [side, s] of [['tcg86', t], ['qemu', q]] as const) {
    if (u32(s, 'eip') !== entry) throw new Error(`${side} is at 0x${u32(s, 'eip').toString(16)}, not at the kernel entry 0x${entry.toString(16)}`);
  }
  const differences: string[] = [];
  const normalised: string[] = [];
  const regDiffs = pair.fields.filter((f) => t.regs.get(f) !== q.regs.get(f));
  if (record) {
    for (const f of regDiffs) differences.push(`${f}: tcg86 ${fmt(f, t.regs.get(f))}, qemu ${fmt(f, q.regs.get(f))}`);
    const [mt, mq] = await Promise.all([pair.t.monitor('info registers'), pair.q.monitor('info registers')]);
    for (const d of diffInfoRegisters(parseInfoRegisters(mt), parseInfoRegisters(mq))) {
      if (/^[A-Z]+$/.test(d.key) && pair.fields.includes(d.key.toLowerCase())) continue;   // already listed from the gdb registers
      if (/^E[A-Z]{2}$|^EFL$/.test(d.key)) continue;
      differences.push(`info registers ${d.key}: tcg86 ${d.tcg}, qemu ${d.qemu}`);
    }
  }
  if (t.regs.get('eax') !== q.regs.get('eax')) throw new Error(`eax differs at the entry (multiboot magic): tcg86 ${fmt('eax', t.regs.get('eax'))}, qemu ${fmt('eax', q.regs.get('eax'))}`);
  const mbT = await readMbi(pair, 'tcg86', u32(t, 'ebx'));
  const mbQ = await readMbi(pair, 'qemu', u32(q, 'ebx'));
  if (record) differences.push(...describeMbi(mbT, mbQ));
  if (mbQ.field('flags') & 0x8 && mbQ.field('mods_count')) throw new Error('qemu passed multiboot modules: not supported by lockstep');
  await pair.t.writeMemory(mbQ.addr, mbQ.raw);
  if (mbQ.cmdline.length) await pair.t.writeMemory(mbQ.field('cmdline'), mbQ.cmdline);
  if (mbQ.loader.length) await pair.t.writeMemory(mbQ.field('boot_loader_name'), mbQ.loader);
  if (mbQ.mmap.length) await pair.t.writeMemory(mbQ.field('mmap_addr'), mbQ.mmap);
  normalised.push(`copied QEMU's multiboot information (0x${mbQ.addr.toString(16)}, command line, loader name, memory map) into tcg86`);
  // Page 0 holds what SeaBIOS left (real-mode IVT, BIOS data area); tcg86 has zeros there.
  const low = await pair.q.readMemory(0, LOW_PAGE);
  if (low && low.length === LOW_PAGE) {
    const mine = await pair.t.readMemory(0, LOW_PAGE);
    if (record && mine && !mine.equals(low)) differences.push(`memory 0x0-0x${(LOW_PAGE - 1).toString(16)} (IVT, BIOS data area): tcg86 ${mine.some((b) => b) ? 'differs' : 'zeros'}, qemu SeaBIOS's`);
    await pair.t.writeMemory(0, low);
    normalised.push(`copied QEMU's page 0 (real-mode IVT and BIOS data area) into tcg86`);
  }
  const copy = regDiffs.filter((f) => !SEGS.includes(f));
  await pair.copyToTcg(copy, q);
  if (copy.length) normalised.push(`set tcg86's ${copy.join(', ')} to QEMU's values`);
  const states = await pair.readBoth([]);
  comparer.initSelectors(states[0], states[1]);
  if (comparer.pendingSelectors.size) normalised.push(`selectors ${[...comparer.pendingSelectors].join(', ')} compared once both sides load the same value`);
  return { differences, normalised, states };
}
