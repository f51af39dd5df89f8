// `npm run bench`: guest MIPS of the benchmark kernel under each backend, and QEMU's time.
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { Backend } from '../src/emu/cpu-exec/exec';
import { PcMachine } from '../src/hw/pc/machine';

const ROOT = path.join(__dirname, '..', '..');
const kernelPath = process.argv[2] ?? path.join(ROOT, 'tools', 'guest', 'bench', 'bench.elf');

async function runOne(backend: Backend, cmdline = 'bench'): Promise<{ mips: number; secs: number; cpuSecs: number; insns: number; out: string; status: number }> {
  let out = '';
  const m = new PcMachine({
    ramBytes: 128 << 20, kernel: fs.readFileSync(kernelPath), cmdline, modules: [],
    serialOut: (b) => { out += String.fromCharCode(b); }, debugExit: { iobase: 0xf4, iosize: 4 }, noReboot: true,
    icountShift: null, backend,
  });
  const t0 = process.hrtime.bigint();
  const c0 = process.cpuUsage();
  const status = await m.start();
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  const c1 = process.cpuUsage(c0);
  return { mips: m.exec.insns / secs / 1e6, secs, cpuSecs: (c1.user + c1.system) / 1e6, insns: m.exec.insns, out, status };
}

async function main(): Promise<void> {
  console.log(`benchmark kernel: ${path.relative(process.cwd(), kernelPath)}`);
  const results: Record<string, number> = {};
  const cpuSecs: Record<string, number> = {};
  let checksum = '';
  // BENCH_BACKENDS=tiered,wasm limits the run (the interpreter alone takes minutes).
  const backends = (process.env.BENCH_BACKENDS ?? 'tiered,js,wasm,interp').split(',') as Backend[];
  for (const b of backends) {
    const r = await runOne(b);
    const last = r.out.trim().split('\n').pop() ?? '';
    checksum ||= last;
    // CPU seconds next to wall seconds: on a busy machine the CPU time is the steadier figure.
    console.log(`${b.padEnd(7)} ${r.mips.toFixed(1).padStart(8)} MIPS  ${r.secs.toFixed(2)} s (${r.cpuSecs.toFixed(2)} s CPU)  ${r.insns} insns  exit ${r.status}  "${last}"${last === checksum ? '' : '  MISMATCH'}`);
    results[b] = r.secs;
    cpuSecs[b] = r.cpuSecs;
  }
  let hasQemu = false;
  try { execFileSync('qemu-system-i386', ['--version'], { stdio: 'ignore' }); hasQemu = true; } catch { /* not installed */ }
  const qemu = (append: string): { secs: number; last: string } => {
    const t0 = process.hrtime.bigint();
    const q = spawnSync('qemu-system-i386', ['-kernel', kernelPath, '-append', append, '-serial', 'stdio', '-display', 'none',
      '-device', 'isa-debug-exit,iobase=0xf4,iosize=0x04', '-no-reboot'], { encoding: 'utf8', timeout: 300000 });
    return { secs: Number(process.hrtime.bigint() - t0) / 1e9, last: (q.stdout ?? '').trim().split('\n').pop() ?? '' };
  };
  if (hasQemu) {
    const q = qemu('');
    console.log(`qemu    ${q.secs.toFixed(2)} s (TCG, wall clock incl. startup)  "${q.last}"${q.last === checksum ? '' : '  MISMATCH'}`);
    if (results.tiered) console.log(`tiered / qemu time ratio: ${(results.tiered / q.secs).toFixed(2)}x`);
  } else console.log('qemu-system-i386 not installed: no comparison');
  if (process.env.BENCH_PAGING === '0') return;
  // The same integer parts with paging on (4 KiB pages): the softmmu's cost; then the paging-heavy parts.
  const pg = await runOne('tiered', 'bench paging');
  const pgLast = pg.out.trim().split('\n').pop() ?? '';
  console.log(`paging  ${pg.mips.toFixed(1).padStart(8)} MIPS  ${pg.secs.toFixed(2)} s (${pg.cpuSecs.toFixed(2)} s CPU)  "${pgLast}"${pgLast === checksum ? '' : '  MISMATCH'}`);
  if (results.tiered) console.log(`paging on / paging off (tiered, CPU time): ${(pg.cpuSecs / cpuSecs.tiered).toFixed(2)}x`);
  const mmu = await runOne('tiered', 'bench mmu');
  const mmuLast = mmu.out.trim().split('\n').pop() ?? '';
  console.log(`mmu     ${mmu.mips.toFixed(1).padStart(8)} MIPS  ${mmu.secs.toFixed(2)} s (${mmu.cpuSecs.toFixed(2)} s CPU)  pointer chase 32 MiB + 2M syscalls  "${mmuLast}"`);
  if (hasQemu) {
    const q = qemu('mmu');
    console.log(`qemu    ${q.secs.toFixed(2)} s for the paging parts  "${q.last}"${q.last === mmuLast ? '' : '  MISMATCH'}`);
  }
}

main().catch((e) => { console.error(e); process.exit(1); });
