// A fuzzing campaign: sequences seed/0 .. seed/(count-1), run in kernels of `perKernel`,
// compared with QEMU; divergences minimized. Sequence i depends only on (seed, i), so that
// `--only i` reproduces it alone.
import { BatchOptions, buildBatch, runBatch, SeqResult } from './batch';
import { DEFAULT_GEN, generate, GenOptions } from './gen';
import { minimize, MinimizeResult } from './minimize';
import { Rng } from './prng';
import { failingBackends } from './report';
import { Emu } from './run';
import { flatten, Sequence } from './sequence';

export interface CampaignOptions {
  seed: string;
  count: number;
  perKernel: number;
  backends: Emu[];
  workDir: string;
  gen?: GenOptions;
  minimize: boolean;
  /** Divergences minimized at most (the rest are reported as found). */
  maxMinimize: number;
  timeoutMs: number;
  /** Run only these sequence indexes. */
  only?: number[];
  log: (line: string) => void;
  verbose: boolean;
}

export interface Divergence {
  index: number;
  result: SeqResult;
  min: MinimizeResult | null;
}

export interface CampaignStats {
  sequences: number;
  kernels: number;
  ms: number;
  /** Instructions of the sequences, set-up included (an upper bound of those executed; rep iterations count once). */
  seqInsns: number;
  /** Whole-kernel guest instructions under the tcg86 interpreter (-icount), harness included. */
  kernelInsns: number;
  /** Wall-clock time per emulator, summed over kernels. */
  emuMs: Partial<Record<Emu, number>>;
}

export const sandboxSeed = (seed: string): number => new Rng(`sandbox/${seed}`).u32() || 1;

export function sequenceFor(seed: string, i: number, gen: GenOptions = DEFAULT_GEN): Sequence {
  return generate(new Rng(`${seed}/${i}`), `${seed}/${i}`, sandboxSeed(seed), gen);
}

export async function campaign(o: CampaignOptions): Promise<{ divergences: Divergence[]; stats: CampaignStats }> {
  const t0 = Date.now();
  const stats: CampaignStats = { sequences: 0, kernels: 0, ms: 0, seqInsns: 0, kernelInsns: 0, emuMs: {} };
  const queue = o.only ?? Array.from({ length: o.count }, (_, i) => i);
  const divergences: Divergence[] = [];
  const bopts = (name: string): BatchOptions => ({ dir: o.workDir, name, backends: o.backends, timeoutMs: o.timeoutMs });
  let pos = 0;
  while (pos < queue.length) {
    const idx = queue.slice(pos, pos + o.perKernel);
    const seqs = idx.map((i) => sequenceFor(o.seed, i, o.gen));
    const name = `k${stats.kernels}`;
    const res = await runBatch(seqs, await buildBatch(seqs, bopts(name)), bopts(name));
    stats.kernels++;
    for (const [e, r] of Object.entries(res.runs)) stats.emuMs[e as Emu] = (stats.emuMs[e as Emu] ?? 0) + r.ms;
    stats.kernelInsns += res.outputs.interp?.tsc ?? 0;
    // A backend that stopped early: the sequence without a dump is the culprit; the ones after
    // it go into the next kernel.
    let done = seqs.length;
    for (const e of o.backends) {
      const out = res.outputs[e]!;
      if (out.end) continue;
      const firstMissing = seqs.findIndex((_, k) => !out.recs.has(k));
      if (firstMissing >= 0) done = Math.min(done, firstMissing + 1);
    }
    for (const r of res.results.slice(0, done)) {
      stats.sequences++;
      stats.seqInsns += flatten(r.seq.insns).reduce((n, i) => n + i.asm.length, 0);
      if (failingBackends(r, o.backends).length) divergences.push({ index: idx[res.results.indexOf(r)], result: r, min: null });
    }
    const nd = divergences.length;
    if (o.verbose) {
      const times = Object.entries(res.runs).map(([e, r]) => `${e} ${(r.ms / 1000).toFixed(1)}s`).join(', ');
      o.log(`kernel ${name}: sequences ${idx[0]}..${idx[done - 1]}, ${times}, divergences so far ${nd}`);
    }
    pos += done;
  }
  if (o.minimize) {
    for (const d of divergences.slice(0, o.maxMinimize)) {
      const failing = failingBackends(d.result, o.backends);
      d.min = await minimize(d.result.seq, failing, bopts(`min${d.index}`));
      if (o.verbose) o.log(`minimized ${d.result.seq.id}: ${flatten(d.result.seq.insns).length} -> ${flatten(d.min.result.seq.insns).length} instructions`);
    }
  }
  stats.ms = Date.now() - t0;
  return { divergences, stats };
}
