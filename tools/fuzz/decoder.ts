// The decoder fuzz: random instruction bytes (1) through tcg86's translator against objdump's
// length, and (2) executed once each in ring 3 with TF under QEMU and the tcg86 backends,
// comparing which exception comes first (#DB = executed, then the length or branch target
// from the saved EIP; #UD, #GP, #PF with error code and CR2 ...). Divergences are grouped by
// mnemonic and outcome, one example each; known non-bugs go to named buckets (decoder-classify).
import { buildKernel } from './build';
import { DecodeRec, knownBucket, mnemonic, parseDecodeOutput, same, showRec } from './decoder-classify';
import { lengthMismatch, tcgDecode } from './decoder-host';
import { decoderKernelAsm, DecodeSample } from './decoder-kernel';
import { genSample, objdumpSamples, ObjdumpInsn, opcodeIndex } from './decoder-samples';
import { hex, Rng } from './prng';
import { Emu, runEmu, RunOut } from './run';

export interface DecoderCorpusEntry extends DecodeSample { note?: string }

type Groups = Map<string, { n: number; example: string[] }>;

/** What a set of samples gave: counted divergences, and the buckets that are not counted. */
export interface Tally {
  samples: number;
  divergences: number;
  lengthMismatches: number;
  groups: Groups;
  known: Groups;
  diverging: DecoderCorpusEntry[];
}

export const newTally = (): Tally => ({ samples: 0, divergences: 0, lengthMismatches: 0, groups: new Map(), known: new Map(), diverging: [] });

export interface CheckOptions {
  workDir: string;
  name: string;
  backends: Emu[];
  /** Seed of the user data page's pattern. */
  dataSeed: number;
  /** Index of the first sample, for the report. */
  first: number;
  /** Where the samples came from, for the corpus notes. */
  origin: string;
}

/** Builds and runs one decoder kernel: per emulator (QEMU first), its run and records by sample index. */
export async function runDecoderKernel(samples: DecodeSample[], dir: string, name: string, backends: Emu[], seed: number):
  Promise<{ runs: RunOut[]; recs: Map<number, DecodeRec>[] }> {
  const elf = await buildKernel(dir, name, decoderKernelAsm(samples, seed));
  const runs = await Promise.all((['qemu', ...backends] as Emu[]).map((e) => runEmu(e, elf, 300_000)));
  return { runs, recs: runs.map((x) => parseDecodeOutput(x.text)) };
}

/** Runs samples (several kernels when a run stops early) and adds their outcomes to `t`. */
export async function checkSamples(all: DecodeSample[], o: CheckOptions, t: Tally): Promise<void> {
  const objd = await objdumpSamples(all, o.workDir, o.name);
  let offset = 0;
  while (offset < all.length) {
    const samples = all.slice(offset);
    const { runs, recs } = await runDecoderKernel(samples, o.workDir, `${o.name}_${offset}`, o.backends, o.dataSeed);
    // A run that stopped early: its first missing sample is the last one judged in this kernel.
    let upto = samples.length;
    runs.forEach((x, i) => {
      if (x.text.includes('\nEND')) return;
      const miss = samples.findIndex((_, k) => !recs[i].has(k));
      if (miss >= 0) upto = Math.min(upto, miss + 1);
    });
    for (let k = 0; k < upto; k++) judge(o.first + offset + k, samples[k], objd[offset + k], recs[0].get(k), (i) => recs[i + 1].get(k), runs, o, t);
    t.samples += upto;
    offset += upto;
  }
}

function judge(n: number, s: DecodeSample, od: ObjdumpInsn | undefined, q: DecodeRec | undefined,
  got: (i: number) => DecodeRec | undefined, runs: RunOut[], o: CheckOptions, t: Tally): void {
  const bad = o.backends.filter((_, i) => { const r = got(i); return !q || !r || !same(q, r); });
  // Translator against objdump: a disagreement that QEMU's run settles for tcg86 is only noted.
  let why: string | null;
  try { why = lengthMismatch(s, tcgDecode(s), od); } catch (e) { why = `translator threw ${(e as Error).message}`; }
  if (why && !bad.length) addGroup(t.known, 'objdump disagrees, QEMU agrees with tcg86', [`sample ${n}: ${bytes(s)}: ${why}`]);
  else if (why) { t.lengthMismatches++; addGroup(t.groups, `length: ${mnemonic(od?.text ?? '?')}`, [`sample ${n}: ${bytes(s)}: ${why}`]); }
  if (!bad.length) return;
  const desc = describeSample(n, s, od, q, o.backends, got);
  o.backends.forEach((e, i) => {
    const x = runs[i + 1];
    if (!got(i)) desc.push(`${e} run: ${x.timedOut ? 'timed out' : `exit status ${x.status}`}; ${x.stderr.trim().split('\n').slice(-3).join(' | ').slice(0, 400)}`);
  });
  const unimp = tcgDecode(s).why === 'unimp';
  const buckets = o.backends.map((_, i) => knownBucket(s, od?.text ?? '', q, got(i), unimp));
  if (!q && /fatal error/.test(runs[0].stderr)) buckets.fill(`QEMU 7.2 crashed: ${runs[0].stderr.trim().split('\n')[0]}`);
  if (buckets[0] && buckets.every((b) => b === buckets[0])) { addGroup(t.known, buckets[0], desc); return; }
  t.divergences++;
  t.diverging.push({ ...s, note: `${o.origin} sample ${n}: ${od?.text ?? '?'}: qemu ${showRec(q)}, ${o.backends.map((e, i) => `${e} ${showRec(got(i))}`).join(', ')}` });
  const general = (r: DecodeRec | undefined): string => showRec(r).replace(/[0-9a-f]{4,}/g, '…');
  addGroup(t.groups, `${mnemonic(od?.text ?? '?')}: ${general(q)} vs ${o.backends.map((_, i) => general(got(i))).join(' / ')}`, desc);
}

export interface DecoderOptions {
  seed: string;
  count: number;
  workDir: string;
  backends: Emu[];
  log: (line: string) => void;
  verbose: boolean;
  perKernel?: number;
}

export async function decoderCampaign(o: DecoderOptions): Promise<Tally & { ms: number }> {
  const t0 = Date.now();
  const per = o.perKernel ?? 1000;
  const r = new Rng(`decoder/${o.seed}`);
  const t = newTally();
  for (let base = 0; base < o.count; base += per) {
    const samples = Array.from({ length: Math.min(per, o.count - base) }, () => genSample(r));
    await checkSamples(samples, { workDir: o.workDir, name: `dec${base}`, backends: o.backends, dataSeed: r.u32(), first: base, origin: `decoder seed ${o.seed}` }, t);
    if (o.verbose) o.log(`decoder: ${t.samples}/${o.count} samples, ${t.divergences} divergences`);
  }
  if (o.verbose) for (const l of showGroups(t.known, 'known ')) o.log(l);
  for (const l of showGroups(t.groups, 'DIVERGENCE ')) o.log(l);
  const ms = Date.now() - t0;
  o.log(`decoder fuzz: seed ${o.seed}, ${t.samples} samples, ${(ms / 1000).toFixed(1)} s (${(t.samples / (ms / 1000)).toFixed(0)} samples/s): ` +
    `${t.divergences} differ from QEMU, ${t.lengthMismatches} translator/objdump length mismatches (${t.groups.size} group(s)); ` +
    `not counted: ${[...t.known].map(([k, g]) => `${g.n} ${k.split(' (')[0]}`).join(', ') || 'none'}`);
  return { ...t, ms };
}

export function showGroups(m: Groups, tag: string): string[] {
  return [...m].sort((a, b) => b[1].n - a[1].n).map(([k, g]) => [`${tag}[${g.n}x] ${k}`, ...g.example.map((l) => '    ' + l)].join('\n'));
}

function addGroup(groups: Groups, key: string, example: string[]): void {
  const g = groups.get(key);
  if (g) g.n++; else groups.set(key, { n: 1, example });
}

const bytes = (s: DecodeSample): string => s.bytes.map((b) => hex(b, 2)).join(' ');

function describeSample(n: number, s: DecodeSample, od: ObjdumpInsn | undefined, q: DecodeRec | undefined,
  backends: Emu[], got: (i: number) => DecodeRec | undefined): string[] {
  const tcg = tcgDecode(s);
  return [
    `sample ${n}: ${bytes(s)}`,
    `objdump: ${od ? `${od.text} (${od.len} bytes)` : '?'}; tcg86 disassembler: ${tcg.text}; translator: ${tcg.why ?? `${tcg.len} bytes`}`,
    `registers: ${s.regs.map((v) => hex(v)).join(' ')} eflags ${hex(s.eflags)}; opcode at byte ${opcodeIndex(s.bytes)}`,
    `qemu: ${showRec(q)}`,
    ...backends.map((e, i) => `${e}: ${showRec(got(i))}`),
  ];
}
