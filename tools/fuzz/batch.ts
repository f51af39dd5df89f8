// One kernel: build it from sequences, run it under QEMU and the tcg86 backends (in
// parallel), and compare every sequence's dump with QEMU's.
import { buildKernel, ToolError } from './build';
import { compareRecs, FieldDiff, Output, parseOutput } from './dump';
import { kernelAsm } from './kernel';
import { Emu, runEmu, RunOut } from './run';
import { analyze, Analysis, Sequence } from './sequence';

export interface SeqResult {
  seq: Sequence;
  analysis: Analysis;
  /** Differences from QEMU, per tcg86 backend (absent: none). */
  diffs: Partial<Record<Emu, FieldDiff[]>>;
}

export interface BatchResult {
  results: SeqResult[];
  outputs: Partial<Record<Emu, Output>>;
  runs: Partial<Record<Emu, RunOut>>;
}

export interface BatchOptions {
  dir: string;
  name: string;
  /** tcg86 backends to compare with QEMU. */
  backends: Emu[];
  timeoutMs: number;
}

export async function buildBatch(seqs: Sequence[], o: BatchOptions): Promise<string> {
  for (const s of seqs) {
    const err = analyze(s).error;
    if (err) throw new Error(`generator bug in ${s.id}: ${err}`);
  }
  return buildKernel(o.dir, o.name, kernelAsm(seqs));
}

export async function runBatch(seqs: Sequence[], elf: string, o: BatchOptions): Promise<BatchResult> {
  const emus: Emu[] = ['qemu', ...o.backends];
  const runs = await Promise.all(emus.map((e) => runEmu(e, elf, o.timeoutMs)));
  const res: BatchResult = { results: [], outputs: {}, runs: {} };
  emus.forEach((e, i) => { res.runs[e] = runs[i]; res.outputs[e] = parseOutput(runs[i].text); });
  const q = res.outputs.qemu!;
  if (!q.end) {
    const r = res.runs.qemu!;
    throw new ToolError(`QEMU did not finish kernel ${elf} (status ${r.status}${r.timedOut ? ', timed out' : ''}): ${r.stderr.trim().split('\n')[0] ?? ''}`);
  }
  seqs.forEach((seq, k) => {
    const analysis = analyze(seq);
    const want = q.recs.get(k);
    if (!want) throw new ToolError(`QEMU gave no dump for sequence ${k} of ${elf}`);
    const sr: SeqResult = { seq, analysis, diffs: {} };
    for (const e of o.backends) {
      const got = res.outputs[e]!.recs.get(k);
      const d = got ? compareRecs(want, got, analysis) : [{ field: 'dump', expected: 'present', actual: missing(res.runs[e]!) }];
      if (d.length) sr.diffs[e] = d;
    }
    res.results.push(sr);
  });
  return res;
}

function missing(r: RunOut): string {
  const why = r.timedOut ? 'timed out' : `exit status ${r.status}`;
  const err = r.stderr.trim().split('\n').filter((l) => l).slice(-1)[0] ?? '';
  return `missing (${why}${err ? `: ${err.slice(0, 200)}` : ''})`;
}

export async function buildAndRun(seqs: Sequence[], o: BatchOptions): Promise<BatchResult> {
  return runBatch(seqs, await buildBatch(seqs, o), o);
}
