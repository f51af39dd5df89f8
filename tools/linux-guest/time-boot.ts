// Runs a boot of the Linux workload (QEMU or tcg86), prefixes every output
// line with the seconds since the start, and ends with one summary line:
// when init started, when it was done, when the emulator exited, and whether
// the run was right (sum and busybox md5 as expected, emulator exited 0).
//
//   node dist/tools/linux-guest/time-boot.js [--timeout S] [--md5 HEX] -- CMD ARGS...
import { spawn } from 'child_process';

const MARK = 'TCG86-LINUX: ';
// Sum of i*i for i = 1..2000, as init.sh computes it.
export const EXPECTED_SUM = String((2000 * 2001 * 4001) / 6);

interface Opts { timeout: number; md5?: string; cmd: string[] }

function parseArgs(argv: string[]): Opts {
  const o: Opts = { timeout: 300, cmd: [] };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--') { o.cmd = argv.slice(i + 1); break; }
    if (argv[i] === '--timeout' && i + 1 < argv.length) o.timeout = Number(argv[++i]);
    else if (argv[i] === '--md5' && i + 1 < argv.length) o.md5 = argv[++i];
    else throw new Error(`bad argument '${argv[i]}'`);
  }
  if (o.cmd.length === 0 || !(o.timeout > 0)) {
    throw new Error('usage: time-boot [--timeout S] [--md5 HEX] -- CMD ARGS...');
  }
  return o;
}

function main(): void {
  const o = parseArgs(process.argv.slice(2));
  const t0 = process.hrtime.bigint();
  const now = () => Number(process.hrtime.bigint() - t0) / 1e9;
  const at: Record<string, number> = {};
  const said: Record<string, string> = {};

  const onLine = (raw: string) => {
    const line = raw.replace(/\r$/, '');
    const t = now();
    process.stdout.write(`${t.toFixed(3).padStart(8)} ${line}\n`);
    const i = line.indexOf(MARK);
    if (i < 0) return;
    const rest = line.slice(i + MARK.length);
    const key = rest.split(/[ =]/)[0];
    if (!(key in at)) { at[key] = t; said[key] = rest; }
  };

  // stdin closed: the workload runs without a shell unless asked on its cmdline.
  const child = spawn(o.cmd[0], o.cmd.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
  for (const stream of [child.stdout, child.stderr]) {
    let pending = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      const parts = (pending + chunk).split('\n');
      pending = parts.pop() as string;
      parts.forEach(onLine);
    });
    stream.on('end', () => { if (pending) onLine(pending); });
  }
  const timer = setTimeout(() => { child.kill('SIGKILL'); }, o.timeout * 1000);
  child.on('error', (e) => {
    process.stderr.write(`time-boot: cannot run ${o.cmd[0]}: ${e.message}\n`);
    process.exit(1);
  });
  child.on('close', (code, signal) => {
    clearTimeout(timer);
    const t = now();
    const s = (k: string) => (k in at ? `${at[k].toFixed(3)} s` : 'never');
    const problems: string[] = [];
    if (!('init' in at)) problems.push('no init marker');
    if (said.sum !== `sum=${EXPECTED_SUM}`) problems.push(`sum ${said.sum ?? 'missing'}`);
    if (o.md5 && said.md5 !== `md5 ${o.md5}`) problems.push(`md5 ${said.md5 ?? 'missing'}`);
    if (!('done' in at)) problems.push('no done marker');
    if (code !== 0) problems.push(signal ? `killed by ${signal}` : `exit status ${code}`);
    process.stdout.write(`time-boot: init started ${s('init')}, done ${s('done')}, ` +
      `exit at ${t.toFixed(3)} s: ${problems.length ? 'FAILED (' + problems.join('; ') + ')' : 'ok'}\n`);
    process.exit(problems.length ? 1 : 0);
  });
}

if (require.main === module) {
  try {
    main();
  } catch (e) {
    process.stderr.write(`time-boot: ${(e as Error).message}\n`);
    process.exit(1);
  }
}
