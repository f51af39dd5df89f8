// `npm run fuzz -- --seed S --count N [--keep DIR] [-v]`: the instruction fuzzer (tcg86's
// interpreter and JavaScript backends against QEMU), and with --decoder N the decoder fuzzer.
// Exit status: 0 no divergence, 1 divergences, 2 tool error (one line on stderr).
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { checkTools, ToolError } from './build';
import { campaign, Divergence } from './campaign';
import { appendCorpus, appendDecoderCorpus } from './corpus';
import { decoderCampaign } from './decoder';
import { DEFAULT_GEN } from './gen';
import { probe, probeSequence } from './probe';
import { describe, diffTable } from './report';
import { Emu } from './run';
import { flatten, listing } from './sequence';

const USAGE = `usage: npm run fuzz -- [--seed S] [--count N] [--per-kernel N] [--only I,J] [--backends interp,js]
       [--no-x87] [--exclude CLASS,..] [--no-minimize] [--max-minimize N] [--decoder N] [--save-corpus DIR] [--keep DIR] [-v]
       npm run fuzz -- --asm "insn; insn" [--regs eax=1,ecx=2] [--eflags X]   (run instructions by hand)`;

interface Args {
  seed: string; count: number; perKernel: number; only?: number[]; backends: Emu[]; x87: boolean;
  minimize: boolean; maxMinimize: number; decoder: number; saveCorpus?: string; keep?: string; verbose: boolean;
  asm?: string; regs: string; eflags: number; exclude: string[];
}

function parseArgs(argv: string[]): Args {
  const a: Args = {
    seed: String(Date.now() % 1000000), count: 200, perKernel: 100, backends: ['interp', 'js'], x87: true,
    minimize: true, maxMinimize: 10, decoder: 0, verbose: false, regs: '', eflags: 2, exclude: [],
  };
  const num = (v: string | undefined, name: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0) throw new ToolError(`${name} needs a number\n${USAGE}`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i], v = (): string | undefined => argv[++i];
    switch (k) {
      case '--seed': a.seed = v() ?? a.seed; break;
      case '--count': a.count = num(v(), k); break;
      case '--per-kernel': a.perKernel = Math.max(1, num(v(), k)); break;
      case '--only': a.only = (v() ?? '').split(',').map((x) => num(x, k)); break;
      case '--backends': a.backends = (v() ?? '').split(',').filter((x): x is Emu => x === 'interp' || x === 'js'); break;
      case '--no-x87': a.x87 = false; break;
      case '--exclude': a.exclude = (v() ?? '').split(','); break;
      case '--no-minimize': a.minimize = false; break;
      case '--max-minimize': a.maxMinimize = num(v(), k); break;
      case '--decoder': a.decoder = num(v(), k); break;
      case '--save-corpus': a.saveCorpus = v(); break;
      case '--keep': a.keep = v(); break;
      case '--asm': a.asm = v(); break;
      case '--regs': a.regs = v() ?? ''; break;
      case '--eflags': a.eflags = num(v(), k); break;
      case '-v': case '--verbose': a.verbose = true; break;
      case '-h': case '--help': console.log(USAGE); process.exit(0); break;
      default: throw new ToolError(`unknown option ${k}\n${USAGE}`);
    }
  }
  if (!a.backends.length) throw new ToolError('--backends: interp and/or js');
  return a;
}

function printDivergence(d: Divergence, seed: string, backends: Emu[]): void {
  const failing = backends.filter((e) => d.result.diffs[e]?.length);
  console.log(`\nDIVERGENCE seed=${seed} sequence=${d.index} (${failing.join(', ')} differ from QEMU)`);
  console.log(describe(d.result, backends).join('\n'));
  if (d.min && !d.min.reproduced) console.log('  (does not reproduce with the sequence alone: depends on the sequences before it)');
  else if (d.min) {
    const m = d.min.result;
    console.log(`  minimized to ${flatten(m.seq.insns).length} instruction(s) in ${d.min.rounds} round(s):`);
    console.log(listing(m.seq).map((l) => `    ${l}`).join('\n'));
    console.log(diffTable(m, backends).map((l) => `    ${l}`).join('\n'));
  }
  console.log(`  reproduce: npm run fuzz -- --seed ${seed} --only ${d.index}`);
}

async function main(): Promise<number> {
  const a = parseArgs(process.argv.slice(2));
  await checkTools();
  const work = a.keep ? path.resolve(a.keep) : fs.mkdtempSync(path.join(os.tmpdir(), 'tcg86-fuzz-'));
  fs.mkdirSync(work, { recursive: true });
  const log = (l: string): void => console.log(l);
  let bad = 0;
  try {
    if (a.asm !== undefined) {
      const ok = await probe(probeSequence(a.asm, a.regs, a.eflags, a.seed), { dir: work, name: 'probe', backends: a.backends, timeoutMs: 120_000 });
      return ok ? 0 : 1;
    }
    if (a.count > 0 || a.only) {
      const { divergences, stats } = await campaign({
        seed: a.seed, count: a.count, perKernel: a.perKernel, backends: a.backends, workDir: work,
        gen: { ...DEFAULT_GEN, x87: a.x87, exclude: a.exclude }, minimize: a.minimize, maxMinimize: a.maxMinimize, timeoutMs: 300_000,
        only: a.only, log, verbose: a.verbose,
      });
      for (const d of divergences) printDivergence(d, a.seed, a.backends);
      const secs = stats.ms / 1000;
      console.log(`\ninstruction fuzz: seed ${a.seed}, ${stats.sequences} sequences in ${stats.kernels} kernels, ${secs.toFixed(1)} s ` +
        `(${(stats.sequences / secs).toFixed(1)} sequences/s), ${stats.seqInsns} instructions under test (set-up included), ` +
        `${stats.kernelInsns} guest instructions in all (interp -icount, harness included); ` +
        `emulator time ${Object.entries(stats.emuMs).map(([e, ms]) => `${e} ${(ms / 1000).toFixed(1)} s`).join(', ')}; ` +
        `${divergences.length} divergence(s)`);
      if (a.saveCorpus) {
        const file = path.join(a.saveCorpus, 'instructions.json');
        const n = appendCorpus(file, divergences.map((d) => {
          const r = d.min?.reproduced ? d.min.result : d.result;
          const fields = a.backends.flatMap((e) => (r.diffs[e] ?? []).map((f) => f.field));
          return { ...r.seq, note: `from ${d.result.seq.id}; differs in ${[...new Set(fields)].join(', ')}` };
        }));
        console.log(`${n} sequence(s) added to ${file}`);
      }
      bad += divergences.length;
    }
    if (a.decoder > 0) {
      const r = await decoderCampaign({ seed: a.seed, count: a.decoder, workDir: work, backends: a.backends, log, verbose: a.verbose });
      bad += r.divergences + r.lengthMismatches;
      if (a.saveCorpus) {
        const file = path.join(a.saveCorpus, 'decoder.json');
        console.log(`${appendDecoderCorpus(file, r.diverging)} sample(s) added to ${file}`);
      }
    }
  } finally {
    if (!a.keep) fs.rmSync(work, { recursive: true, force: true });
  }
  return bad ? 1 : 0;
}

main().then((st) => process.exit(st), (e: unknown) => {
  const msg = e instanceof Error ? e.message : String(e);
  console.error(`fuzz: ${e instanceof ToolError ? '' : 'error: '}${msg.split('\n')[0]}`);
  if (!(e instanceof ToolError) && e instanceof Error && process.env.FUZZ_DEBUG) console.error(e.stack);
  process.exit(2);
});
