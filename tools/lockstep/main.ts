// npm run lockstep -- -kernel K [--max-insns N] [--step-only] [--icount N] [-v] | --corpus
// Exit status: 0 no divergence, 1 divergence, 2 tool error (one line on stderr).
import * as fs from 'fs';
import * as path from 'path';
import yargs from 'yargs';
import { runCorpus } from './corpus';
import { Lockstep, LockstepOptions } from './lockstep';
import { divergenceReport, entryReport, reproduceCommand, statsReport, summaryLine } from './report';

/** QEMU's spelling (-kernel) as yargs wants it (--kernel); single letters (-v) stay. */
function normalizeArgs(argv: string[]): string[] {
  return argv.map((a) => (/^-[a-zA-Z][a-zA-Z0-9_-]+/.test(a) && !/^-v+$/.test(a) ? `-${a}` : a));
}

function parse(argv: string[]) {
  return yargs(normalizeArgs(argv))
    .scriptName('lockstep')
    .usage('usage: npm run lockstep -- -kernel K.elf [options]\n       npm run lockstep -- --corpus [options]\n\n' +
      'Runs tcg86 and qemu-system-i386 on the same multiboot kernel and compares them instruction by instruction.')
    .parserConfiguration({ 'camel-case-expansion': false, 'boolean-negation': false })
    .option('kernel', { type: 'string', describe: 'multiboot ELF kernel' })
    .option('corpus', { type: 'boolean', describe: 'run every test/guest/bin/*.elf with a bounded budget each' })
    .option('max-insns', { type: 'number', describe: 'instruction budget (per kernel with --corpus)' })
    .option('time', { type: 'number', describe: 'wall-clock budget in seconds (per kernel with --corpus)' })
    .option('step-only', { type: 'boolean', default: false, describe: 'compare after every instruction (no checkpoints)' })
    .option('icount', { type: 'string', default: '5', describe: '-icount shift=N on both sides (deterministic virtual time), or off' })
    .option('jobs', { type: 'number', default: 1, describe: 'kernels run at the same time with --corpus' })
    .option('strict', { type: 'boolean', default: false, describe: 'no tolerance for known QEMU deviations (descriptor accessed bit)' })
    .option('thin', { type: 'number', default: 100, describe: 'drop a checkpoint after N agreeing hits' })
    .option('cont-timeout', { type: 'number', default: 30, describe: 'longest continue between two breakpoints, in seconds' })
    .option('bisect-steps', { type: 'number', default: 20000, describe: 'most single steps to find a difference between two checkpoints' })
    .option('serial', { type: 'string', describe: 'directory for each side\'s COM1 output (tcg86.txt, qemu.txt)' })
    .option('inject', { type: 'string', describe: 'test hook N:REG=VALUE or N:mem:ADDR=BYTE: at compare point N change tcg86 (a divergence on purpose)' })
    .option('v', { type: 'count', describe: 'more output (-v progress and entry state, -vv every hit and resync, -vvv every packet)' })
    .strict()
    .help()
    .version(false);
}

function icountOf(spec: string): number | null {
  if (spec === 'off') return null;
  if (!/^\d+$/.test(spec) || Number(spec) > 10) throw new Error(`--icount '${spec}': expected a shift 0..10 or off`);
  return Number(spec);
}

function injection(spec: string | undefined): LockstepOptions['inject'] {
  if (spec === undefined) return null;
  const m = /^(\d+):([a-z0-9_]+|mem:(?:0x[0-9a-f]+|\d+))=(0x[0-9a-f]+|\d+)$/i.exec(spec);
  if (!m) throw new Error(`--inject '${spec}': expected N:REG=VALUE or N:mem:ADDR=BYTE`);
  return { after: Number(m[1]), field: m[2].toLowerCase(), value: BigInt(m[3]) };
}

export async function main(argv: string[]): Promise<number> {
  const a = await parse(argv).parseAsync();
  const verbose = a.v as number;
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const base: Omit<LockstepOptions, 'kernel' | 'maxInsns' | 'timeLimitMs'> = {
    stepOnly: !!a['step-only'], icount: icountOf(a.icount as string), verbose, log,
    contTimeoutMs: (a['cont-timeout'] as number) * 1000, serialDir: (a.serial as string | undefined) ?? null, inject: injection(a.inject as string | undefined),
    strict: !!a.strict, bisectSteps: a['bisect-steps'] as number, thinAfter: a.thin as number,
  };
  if (base.serialDir) fs.mkdirSync(base.serialDir, { recursive: true });
  if (a.corpus) {
    const results = await runCorpus({ ...base, maxInsns: (a['max-insns'] as number | undefined) ?? 2_000_000, timeLimitMs: ((a.time as number | undefined) ?? 5) * 1000 },
      (line) => process.stdout.write(`${line}\n`), undefined, a.jobs as number);
    return results.some((r) => r.outcome === 'divergence') ? 1 : 0;
  }
  if (!a.kernel) throw new Error('-kernel FILE or --corpus is needed (see --help)');
  const kernel = path.resolve(a.kernel as string);
  if (!fs.existsSync(kernel)) throw new Error(`-kernel '${a.kernel}': no such file`);
  const maxInsns = (a['max-insns'] as number | undefined) ?? 10_000_000;
  const ls = new Lockstep({ ...base, kernel, maxInsns, timeLimitMs: a.time === undefined ? null : (a.time as number) * 1000 });
  const r = await ls.run();
  if (verbose) process.stdout.write(`${entryReport(r)}\n`);
  if (r.divergence) {
    const reproduce = reproduceCommand(base, kernel, r.divergence.insn);
    process.stdout.write(`${divergenceReport(r, r.divergence, { fields: ls.fields, symbolize: (x) => ls.symbolize(x), reproduce })}\n\n`);
  }
  process.stdout.write(`${summaryLine(r)}\n${statsReport(r)}\n`);
  return r.outcome === 'divergence' ? 1 : 0;
}

if (require.main === module) {
  // Ctrl-C: exit normally so that the emulators are killed (launch.ts).
  process.on('SIGINT', () => process.exit(130));
  main(process.argv.slice(2)).then((code) => { process.exitCode = code; }, (e) => {
    process.stderr.write(`lockstep: ${(e as Error).message.split('\n')[0]}\n`);
    process.exitCode = 2;
  });
}
