// `npm run bench:linux`: Debian's i386 kernel + busybox initramfs (tools/linux-guest/fetch) on
// tcg86 and on QEMU in the same run: seconds to the kernel banner, to the first and to the final
// marker of /init, and where tcg86's time went (translation, compilation, execution).
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { Backend } from '../src/emu/cpu-exec/exec';
import { PcMachine } from '../src/hw/pc/machine';

const ROOT = path.join(__dirname, '..', '..');
const CACHE = path.join(ROOT, '.cache', 'linux-guest');
const APPEND = 'console=ttyS0 nokaslr acpi=off pci=off nolapic noapic panic=-1';
const MARKS: [string, string][] = [['banner', 'Linux version'], ['init', 'TCG86-LINUX: init started'], ['done', 'TCG86-LINUX: done']];

type Times = Record<string, number>;

/** Feeds output text and records when each marker first appears (seconds since t0). */
function markerClock(t0: bigint): { feed: (s: string) => void; times: Times } {
  const times: Times = {};
  let text = '';
  return {
    times,
    feed(s: string): void {
      text += s;
      for (const [k, m] of MARKS) if (times[k] === undefined && text.includes(m)) times[k] = Number(process.hrtime.bigint() - t0) / 1e9;
      if (text.length > 8192) text = text.slice(-4096);
    },
  };
}

async function runTcg86(backend: Backend): Promise<void> {
  const t0 = process.hrtime.bigint();
  const c0 = process.cpuUsage();
  const clock = markerClock(t0);
  const m = new PcMachine({
    ramBytes: 128 << 20, kernel: fs.readFileSync(path.join(CACHE, 'bzImage')), cmdline: '', append: APPEND,
    modules: [{ data: fs.readFileSync(path.join(CACHE, 'initramfs.gz')), cmdline: '' }],
    serialOut: (b) => clock.feed(String.fromCharCode(b)), debugExit: null, noReboot: true, icountShift: null, backend,
  });
  const status = await m.start();
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = process.cpuUsage(c0);
  const st = m.exec.stats;
  report(`tcg86 (${backend})`, clock.times, secs, status);
  console.log(`  CPU ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s; ${(m.exec.insns / 1e9).toFixed(2)} G guest instructions, ${(m.exec.insns / secs / 1e6).toFixed(0)} MIPS;`
    + ` ${(100 * st.insnsInterp / m.exec.insns).toFixed(1)}% of them interpreted`);
  console.log(`  translation ${(st.translateMs / 1000).toFixed(2)} s (${st.tbsTranslated} TBs), code generation + compilation ${(st.compileMs / 1000).toFixed(2)} s`
    + ` (${st.tbsCompiled} TBs, ${st.tbsWasm} of them to WebAssembly; ${st.regions} regions/page units of ${st.regionTbs} TBs),`
    + ` the rest (execution, devices) ${(secs - (st.translateMs + st.compileMs) / 1000).toFixed(2)} s`);
  if (process.env.BENCH_JIT) console.log(st.describe().replace(/^/gm, '  '));
}

function runQemu(): Promise<void> {
  return new Promise((resolve) => {
    const t0 = process.hrtime.bigint();
    const clock = markerClock(t0);
    const p = spawn('qemu-system-i386', ['-kernel', path.join(CACHE, 'bzImage'), '-initrd', path.join(CACHE, 'initramfs.gz'),
      '-append', APPEND, '-m', '128', '-nographic', '-no-reboot', '-cpu', 'pentium2'], { stdio: ['ignore', 'pipe', 'ignore'] });
    p.stdout.on('data', (d) => clock.feed(d.toString('latin1')));
    p.on('error', () => { console.log('qemu-system-i386 not installed: no comparison'); resolve(); });
    p.on('close', (status) => { report('qemu (TCG, -cpu pentium2)', clock.times, Number(process.hrtime.bigint() - t0) / 1e9, status ?? -1); resolve(); });
  });
}

function report(name: string, t: Times, secs: number, status: number): void {
  const f = (k: string) => (t[k] === undefined ? 'never' : `${t[k].toFixed(2)} s`);
  console.log(`${name.padEnd(26)} banner ${f('banner')}, first marker ${f('init')}, final marker ${f('done')}, exit ${secs.toFixed(2)} s (status ${status})`);
}

async function main(): Promise<void> {
  if (!fs.existsSync(path.join(CACHE, 'initramfs.gz'))) {
    console.error('bench-linux: no workload in .cache/linux-guest; run tools/linux-guest/fetch first');
    process.exit(1);
  }
  const backends = (process.env.BENCH_BACKENDS ?? 'tiered').split(',') as Backend[];
  for (const b of backends) await runTcg86(b);
  await runQemu();
}

main().catch((e) => { console.error(e); process.exit(2); });
