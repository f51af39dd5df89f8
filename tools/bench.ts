// `npm run bench`: guest MIPS of the benchmark kernel under each backend, and QEMU's time.
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { Backend } from '../src/emu/cpu-exec/exec';
import { PcMachine } from '../src/hw/pc/machine';

const ROOT = path.join(__dirname, '..', '..');
const kernelPath = process.argv[2] ?? path.join(ROOT, 'tools', 'guest', 'bench', 'bench.elf');

async function runOne(backend: Backend): Promise<{ mips: number; secs: number; cpuSecs: number; insns: number; out: string; status: number }> {
  let out = '';
  const m = new PcMachine({
    ramBytes: 128 << 20, kernel: fs.readFileSync(kernelPath), cmdline: 'bench', modules: [],
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
  let checksum = '';
  // BENCH_BACKENDS=tiered,js limits the run (the interpreter alone takes minutes).
  const backends = (process.env.BENCH_BACKENDS ?? 'tiered,js,interp').split(',') as Backend[];
  for (const b of backends) {
    const r = await runOne(b);
    const last = r.out.trim().split('\n').pop() ?? '';
    checksum ||= last;
    // CPU seconds next to wall seconds: on a busy machine the CPU time is the steadier figure.
    console.log(`${b.padEnd(7)} ${r.mips.toFixed(1).padStart(8)} MIPS  ${r.secs.toFixed(2)} s (${r.cpuSecs.toFixed(2)} s CPU)  ${r.insns} insns  exit ${r.status}  "${last}"${last === checksum ? '' : '  MISMATCH'}`);
    results[b] = r.secs;
  }
  let hasQemu = false;
  try { execFileSync('qemu-system-i386', ['--version'], { stdio: 'ignore' }); hasQemu = true; } catch { /* not installed */ }
  if (hasQemu) {
    const t0 = process.hrtime.bigint();
    const q = spawnSync('qemu-system-i386', ['-kernel', kernelPath, '-serial', 'stdio', '-display', 'none', '-device', 'isa-debug-exit,iobase=0xf4,iosize=0x04', '-no-reboot'], { encoding: 'utf8', timeout: 300000 });
    const secs = Number(process.hrtime.bigint() - t0) / 1e9;
    const last = (q.stdout ?? '').trim().split('\n').pop() ?? '';
    console.log(`qemu    ${secs.toFixed(2)} s (TCG, wall clock incl. startup)  "${last}"${last === checksum ? '' : '  MISMATCH'}`);
    console.log(`tiered / qemu time ratio: ${(results.tiered / secs).toFixed(2)}x`);
  } else console.log('qemu-system-i386 not installed: no comparison');
}

main().catch((e) => { console.error(e); process.exit(1); });
