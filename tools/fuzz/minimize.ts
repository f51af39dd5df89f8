// Delta debugging of a diverging sequence: each round puts every candidate reduction (chunks
// of instructions dropped, halves down to single ones; skips unwrapped into their bodies) in
// one kernel, and keeps the smallest candidate that still diverges on the same backends.
// Candidates that would read an undefined flag are not valid tests and are not tried.
import { buildAndRun, BatchOptions, SeqResult } from './batch';
import { Emu } from './run';
import { analyze, flatten, Insn, Sequence } from './sequence';

/** Lists of instructions with one reduction applied. */
export function reductions(list: Insn[]): Insn[][] {
  const out: Insn[][] = [];
  const n = list.length;
  for (let size = Math.max(1, 2 ** Math.floor(Math.log2(Math.max(1, n / 2)))); size >= 1; size = Math.floor(size / 2)) {
    for (let s = 0; s < n; s += size) out.push([...list.slice(0, s), ...list.slice(s + size)]);
  }
  list.forEach((i, k) => {
    if (!i.body) return;
    out.push([...list.slice(0, k), ...i.body, ...list.slice(k + 1)]);
    for (const b of reductions(i.body)) if (b.length) out.push([...list.slice(0, k), { ...i, body: b }, ...list.slice(k + 1)]);
  });
  return out;
}

const size = (s: Sequence): number => flatten(s.insns).length;
const key = (list: Insn[]): string => JSON.stringify(list.map((i) => [i.asm, i.body ? key(i.body) : null]));

export interface MinimizeResult {
  /** The smallest diverging sequence found (the input itself when nothing smaller diverges). */
  result: SeqResult;
  /** The divergence reproduced with the sequence alone (not only after other sequences). */
  reproduced: boolean;
  rounds: number;
}

export async function minimize(seq: Sequence, failing: Emu[], o: BatchOptions, maxRounds = 40): Promise<MinimizeResult> {
  const diverges = (r: SeqResult): boolean => failing.some((e) => r.diffs[e]?.length);
  const first = (await buildAndRun([seq], { ...o, backends: failing, name: `${o.name}-0` })).results[0];
  if (!diverges(first)) return { result: first, reproduced: false, rounds: 0 };
  let best = first;
  let rounds = 0;
  while (rounds < maxRounds) {
    rounds++;
    const seen = new Set<string>();
    const cands: Sequence[] = [];
    for (const list of reductions(best.seq.insns)) {
      const k = key(list);
      if (!list.length || seen.has(k)) continue;
      seen.add(k);
      const c: Sequence = { ...best.seq, insns: list };
      if (!analyze(c).error) cands.push(c);
    }
    if (!cands.length) break;
    const res = await buildAndRun(cands, { ...o, backends: failing, name: `${o.name}-${rounds}` });
    const hits = res.results.filter(diverges).sort((a, b) => size(a.seq) - size(b.seq));
    if (!hits.length) break;
    best = hits[0];
  }
  return { result: best, reproduced: true, rounds };
}
