// `npx tsc -p . && node dist/tools/bench-gdb.js`: the cost of debugging with gdb, for tcg86 and
// (when installed) QEMU, on the benchmark kernel tools/guest/bench/bench.elf:
//   - stepi rate driven from gdb (a Python loop of gdb.execute('stepi') from main), steps/s
//   - raw-socket `s` round trip (no-ack mode, from main), mean and median in us
//   - time from `continue` (at main) to a breakpoint on exit_qemu, the last function it calls
//   - the benchmark's time (continue at main -> exit) plain, with a watchpoint on a page it never
//     touches, with 8 breakpoints on code that never runs, with a watchpoint on its hottest data
//     page (the page of crc_table, read ~190 million times), and slowdowns against the plain run.
// Every run is measured the same way: raw RSP client, stopped at main, the setup packets, then
// the time from `c` to the end (W packet or connection close; or the stop at exit_qemu).
//
// Environment: BENCH_GDB_QUICK=1 (only stepi, round trip and continue-to-the-end: ~1 minute),
// BENCH_GDB_QEMU=0 (no QEMU), BENCH_GDB_STEPS (gdb stepi count, 2000), BENCH_GDB_RTT (raw `s`
// count, 2000), BENCH_GDB_LIMIT (seconds after which a run is interrupted, 120).
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { frame, readElf, RspClient, sym } from '../test/support/gdbstub-harness';
import { gdbBatch, haveQemu, killMine, startTarget, Target, TargetKind } from '../test/support/gdb-tools';

const ROOT = path.join(__dirname, '..', '..');
const KERNEL = path.join(ROOT, 'tools', 'guest', 'bench', 'bench.elf');
const env = (name: string, dflt: number): number => (process.env[name] !== undefined ? Number(process.env[name]) : dflt);
const QUICK = process.env.BENCH_GDB_QUICK === '1';
const STEPS = env('BENCH_GDB_STEPS', 2000);
const RTT = env('BENCH_GDB_RTT', 2000);
const LIMIT_S = env('BENCH_GDB_LIMIT', 120);

const elf = readElf(KERNEL);
const MAIN = sym(elf, 'main');
const END = sym(elf, 'exit_qemu');
/** A page the benchmark never touches (its image and bss end below 13 MiB; RAM is 128 MiB). */
const UNTOUCHED = 0x2000000;
/** In the page of crc_table (the CRC inner loop reads it ~190M times); written only when the table is built. */
const HOT = sym(elf, 'crc_table') + 0x200;
/** Functions of the runtime the benchmark never calls (each a breakpoint that must never hit). */
const COLD = ['serial_getc', 'snprintf', 'memmove', 'strcmp', 'gdt_set', 'idt_clear', 'pit_read_counter', 't_print_fail'].map((f) => sym(elf, f));

const h = (v: number): string => v.toString(16);
const now = (): number => Number(process.hrtime.bigint()) / 1e6;   // ms

/** A target stopped at main, with a raw no-ack RSP client. */
async function atMain(kind: TargetKind): Promise<{ t: Target; c: RspClient }> {
  const t = await startTarget(kind, KERNEL);
  const c = await RspClient.connect(t.port);
  if ((await c.request('QStartNoAckMode')) === 'OK') c.ackMode = false;      // QEMU 7.2 does not support it
  await expectOk(c, `Z0,${h(MAIN)},1`);
  const stop = await c.request('c', 30000);
  if (!/^T05/.test(stop)) throw new Error(`${kind}: no stop at main: ${stop}`);
  await expectOk(c, `z0,${h(MAIN)},1`);
  return { t, c };
}

async function expectOk(c: RspClient, pkt: string): Promise<void> {
  const r = await c.request(pkt);
  if (r !== 'OK') throw new Error(`${pkt}: ${r || '(not supported)'}`);
}

/** eip from `g` (QEMU answers `p` only after gdb read its target description). */
async function pc(c: RspClient): Promise<number> { return Buffer.from((await c.request('g')).slice(64, 72), 'hex').readUInt32LE(0); }

/** gdb's stepi rate: a Python loop of gdb.execute('stepi') from main (gdb without Python: -ex stepi x N, minus a 0-step run). */
async function gdbStepRate(kind: TargetKind): Promise<number> {
  const py = path.join(os.tmpdir(), `bench-gdb-${process.pid}.py`);
  fs.writeFileSync(py, [
    'import time', 'import gdb',
    't = time.perf_counter()',
    `for i in range(${STEPS}):`, "    gdb.execute('stepi', to_string=True)",
    "print('@@secs %.6f' % (time.perf_counter() - t))", '',
  ].join('\n'));
  const session = async (cmds: string[]): Promise<{ out: string; ms: number }> => {
    const t = await startTarget(kind, KERNEL);
    try {
      const r = await gdbBatch(KERNEL, t.port, [...t.toEntry, `break *0x${h(MAIN)}`, 'continue', 'delete', ...cmds, 'kill'], 300000);
      return { out: r.stdout + r.stderr, ms: r.ms };
    } finally { t.kill(); }
  };
  try {
    const r = await session([`source ${py}`]);
    const m = /@@secs ([0-9.]+)/.exec(r.out);
    if (m) return STEPS / Number(m[1]);
    if (!/Python scripting is not supported/.test(r.out)) throw new Error(`${kind}: gdb stepi loop failed\n${r.out.slice(-2000)}`);
    const base = await session([]);
    const full = await session(Array<string>(STEPS).fill('stepi'));
    return STEPS / ((full.ms - base.ms) / 1000);
  } finally { fs.rmSync(py, { force: true }); }
}

async function rspStepRtt(kind: TargetKind): Promise<{ mean: number; median: number }> {
  const { t, c } = await atMain(kind);
  try {
    const us: number[] = [];
    for (let i = 0; i < RTT; i++) {
      const t0 = now();
      const r = await c.request('s');
      us.push((now() - t0) * 1000);
      if (!/^T05/.test(r)) throw new Error(`${kind}: s -> ${r}`);
    }
    us.sort((a, b) => a - b);
    return { mean: us.reduce((a, b) => a + b, 0) / us.length, median: us[us.length >> 1] };
  } finally { c.close(); t.kill(); }
}

interface Run { secs: number; watchStops: number; other: string[]; limited: boolean }

/** From main: send `setup`, then time `c` up to the guest's exit (or the stop at `endAt`). */
async function timedRun(kind: TargetKind, setup: string[], endAt?: number): Promise<Run> {
  const { t, c } = await atMain(kind);
  try {
    for (const p of setup) await expectOk(c, p);
    const run: Run = { secs: 0, watchStops: 0, other: [], limited: false };
    const t0 = now();
    const deadline = t0 + LIMIT_S * 1000;
    c.write(frame('c'));
    for (;;) {
      const left = deadline - now();
      let r: string | null = null;
      try { r = await c.packet(Math.max(1, left)); } catch (e) {
        if (c.closed) break;                                            // QEMU exits without a W packet
        if (now() >= deadline) {                                        // too slow: stop it, report a bound
          run.limited = true;
          c.write('\x03');
          break;
        }
        throw e;
      }
      if (/^[WX]/.test(r)) break;
      if (/^T/.test(r)) {
        if (/watch:/.test(c.lastRaw)) run.watchStops++;
        else {
          const at = await pc(c);
          if (at === endAt) break;
          run.other.push(`stop at 0x${h(at)}: ${r}`);
        }
        c.write(frame('c'));
      }
    }
    run.secs = (now() - t0) / 1000;
    return run;
  } finally { c.close(); t.kill(); }
}

const fmt = (r: Run): string => `${r.limited ? '>' : ''}${r.secs.toFixed(2)} s`;

async function main(): Promise<void> {
  const kinds: TargetKind[] = ['tcg86'];
  if (process.env.BENCH_GDB_QEMU !== '0' && haveQemu()) kinds.push('qemu');
  console.log(`kernel ${path.relative(process.cwd(), KERNEL)}: main 0x${h(MAIN)}, end breakpoint exit_qemu 0x${h(END)}`);
  console.log(`targets: ${kinds.join(', ')}${kinds.includes('qemu') ? '' : ' (qemu-system-i386 not installed or BENCH_GDB_QEMU=0)'}; ` +
    `run limit ${LIMIT_S} s${QUICK ? '; BENCH_GDB_QUICK=1' : ''}; ${os.cpus().length} CPUs, load ${os.loadavg()[0].toFixed(2)}`);
  const results: Record<string, Record<string, string>> = {};
  const put = (k: TargetKind, what: string, v: string): void => {
    (results[what] ??= {})[k] = v;
    console.log(`  ${k.padEnd(6)} ${what}: ${v}`);
  };
  for (const k of kinds) {
    console.log(`${k}:`);
    const rate = await gdbStepRate(k);
    put(k, `gdb stepi x${STEPS}`, `${rate.toFixed(0)} steps/s (${(1e6 / rate).toFixed(0)} us/step)`);
    const rtt = await rspStepRtt(k);
    put(k, `raw 's' round trip x${RTT}`, `mean ${rtt.mean.toFixed(0)} us, median ${rtt.median.toFixed(0)} us`);
    const end = await timedRun(k, [`Z0,${h(END)},1`], END);
    put(k, 'continue -> breakpoint at exit_qemu', fmt(end) + (end.other.length ? `  UNEXPECTED ${end.other.join('; ')}` : ''));
    if (QUICK) continue;
    const plain = await timedRun(k, []);
    put(k, 'plain run (continue -> exit)', fmt(plain));
    const slow = (r: Run): string => `${fmt(r)}  x${(r.secs / plain.secs).toFixed(2)}` +
      (r.watchStops ? `  (${r.watchStops} watchpoint stops)` : '') + (r.other.length ? `  UNEXPECTED ${r.other.slice(0, 3).join('; ')}` : '');
    put(k, `watchpoint on an untouched page (0x${h(UNTOUCHED)})`, slow(await timedRun(k, [`Z2,${h(UNTOUCHED)},4`])));
    put(k, '8 breakpoints on code that never runs', slow(await timedRun(k, COLD.map((a) => `Z0,${h(a)},1`))));
    put(k, `watchpoint on the hottest data page (0x${h(HOT)}, crc_table's)`, slow(await timedRun(k, [`Z2,${h(HOT)},4`])));
  }
  if (kinds.length > 1) {
    console.log('\nsummary (tcg86 | qemu):');
    for (const [what, v] of Object.entries(results)) console.log(`  ${what.padEnd(62)} ${v.tcg86 ?? '-'} | ${v.qemu ?? '-'}`);
  }
}

main().then(() => { killMine(); }, (e) => { console.error(e); killMine(); process.exit(1); });
