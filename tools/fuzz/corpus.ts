// Regression corpus: minimized diverging sequences, stored as JSON (the Sequence model as is,
// with a note on each), replayed by test/tools/fuzz.test.ts.
import * as fs from 'fs';
import { DecoderCorpusEntry } from './decoder';
import { Sequence } from './sequence';

export interface CorpusEntry extends Sequence {
  /** What the divergence was (free text). */
  note?: string;
}

export function loadCorpus(file: string): CorpusEntry[] {
  if (!fs.existsSync(file)) return [];
  const j = JSON.parse(fs.readFileSync(file, 'utf8')) as { sequences?: CorpusEntry[] };
  return j.sequences ?? [];
}

const keyOf = (s: Sequence): string => JSON.stringify([s.regs, s.eflags, s.sandbox, s.insns]);

/** Appends the sequences not already present; returns how many were added. */
export function appendCorpus(file: string, seqs: CorpusEntry[]): number {
  const cur = loadCorpus(file);
  const have = new Set(cur.map(keyOf));
  let added = 0;
  for (const s of seqs) if (!have.has(keyOf(s))) { cur.push(s); have.add(keyOf(s)); added++; }
  writeList(file, 'sequences', cur);
  return added;
}

/** The decoder corpus: samples (bytes, registers, EFLAGS) whose outcome must equal QEMU's. */
export function loadDecoderCorpus(file: string): DecoderCorpusEntry[] {
  if (!fs.existsSync(file)) return [];
  return (JSON.parse(fs.readFileSync(file, 'utf8')) as { samples?: DecoderCorpusEntry[] }).samples ?? [];
}

export function appendDecoderCorpus(file: string, entries: DecoderCorpusEntry[]): number {
  const cur = loadDecoderCorpus(file);
  const have = new Set(cur.map((e) => JSON.stringify(e.bytes)));
  let added = 0;
  for (const e of entries) if (!have.has(JSON.stringify(e.bytes))) { cur.push(e); have.add(JSON.stringify(e.bytes)); added++; }
  writeList(file, 'samples', cur);
  return added;
}

/** JSON with one entry per line (reviewable diffs). */
function writeList(file: string, key: string, items: unknown[]): void {
  fs.writeFileSync(file, `{"${key}": [\n${items.map((i) => '  ' + JSON.stringify(i)).join(',\n')}\n]}\n`);
}
