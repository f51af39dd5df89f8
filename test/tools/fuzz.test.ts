// The instruction and decoder fuzzers (tools/fuzz) with fixed seeds, and their regression
// corpora: tcg86's interpreter and JavaScript backends must agree with QEMU. Needs nasm, GNU
// ld/as/objdump and qemu-system-i386: without them the suite fails (it does not skip).
import { expect } from 'chai';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { buildAndRun } from '../../tools/fuzz/batch';
import { checkTools } from '../../tools/fuzz/build';
import { campaign, sequenceFor } from '../../tools/fuzz/campaign';
import { loadCorpus, loadDecoderCorpus } from '../../tools/fuzz/corpus';
import { checkSamples, decoderCampaign, newTally, showGroups } from '../../tools/fuzz/decoder';
import { compareRecs, Rec } from '../../tools/fuzz/dump';
import { AF, CF, OF, ZF } from '../../tools/fuzz/flags';
import { describe as describeResult } from '../../tools/fuzz/report';
import { Emu, ROOT } from '../../tools/fuzz/run';
import { analyze, flatten, Insn, Sequence } from '../../tools/fuzz/sequence';

const CORPUS = path.join(ROOT, 'test', 'tools', 'fuzz-corpus');
const BACKENDS: Emu[] = ['interp', 'js'];

describe('fuzzing tcg86 against QEMU (tools/fuzz)', function () {
  this.timeout(240_000);
  let work = '';

  before(async function () {
    // No skipping: a machine without the tools must say so.
    await checkTools();
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'tcg86-fuzz-test-'));
  });
  after(() => { if (work) fs.rmSync(work, { recursive: true, force: true }); });

  describe('generator and comparison', () => {
    it('generates the same valid sequences from the same seed, covering every class', () => {
      const classes = new Set<string>();
      for (let i = 0; i < 600; i++) {
        const s = sequenceFor('unit', i);
        expect(JSON.stringify(sequenceFor('unit', i)), `sequence ${i} is reproducible`).to.equal(JSON.stringify(s));
        expect(analyze(s).error, `sequence ${i}`).to.equal(null);
        for (const insn of flatten(s.insns)) classes.add(insn.cls);
      }
      for (const c of ['alu', 'shift', 'shd', 'mul', 'div', 'bit', 'bsx', 'string', 'x87', 'jcc', 'loop', 'cmpxchg8b', 'popf', 'pusha', 'bcd', 'trap']) {
        expect([...classes], `class ${c}`).to.include(c);
      }
    });

    it('compares every field except the flags the sequence leaves undefined', () => {
      const insn = (defs: number, undefs: number): Insn => ({ asm: ['x'], reads: 0, defs, undefs, esp: 0, cls: 't' });
      const seq: Sequence = { id: 't', regs: [0, 0, 0, 0, 0x8000, 0, 0, 0], eflags: 2, sandbox: 1, insns: [insn(CF | ZF, AF | OF)] };
      const rec = (efl: number, eax = 0, mem: [number, number][] = []): Rec => ({
        seq: 0, vec: 0xffffffff, idx: 0xffffffff, err: 0, eipoff: 0, regs: [eax, 0, 0, 0, 0x8000, 0, 0, 0], efl, segs: [0x10, 0x10, 0x10, 0x10, 0x10],
        fcw: 0x37f, fsw: 0, ftw: 0xffff, st: Array(8).fill('-'), mem: new Map(mem),
      });
      const a = analyze(seq);
      expect(compareRecs(rec(0x2), rec(0x2 | AF | OF), a)).to.deep.equal([]);
      expect(compareRecs(rec(0x2), rec(0x2 | CF), a).map((d) => d.field)).to.deep.equal(['eflags (ignoring AF|OF)']);
      expect(compareRecs(rec(0x2, 1), rec(0x2, 2), a).map((d) => d.field)).to.deep.equal(['eax']);
      expect(compareRecs(rec(0x2, 0, [[0x3000, 5]]), rec(0x2), a)).to.deep.equal([{ field: 'mem[3000]', expected: '00000005', actual: 'unchanged' }]);
    });
  });

  it('instruction fuzz, seed "ci", 200 sequences: interp and js agree with QEMU', async () => {
    const { divergences, stats } = await campaign({
      seed: 'ci', count: 200, perKernel: 100, backends: BACKENDS, workDir: work, minimize: false, maxMinimize: 0,
      timeoutMs: 120_000, log: () => undefined, verbose: false,
    });
    expect(stats.sequences).to.equal(200);
    const report = divergences.map((d) => [`sequence ci/${d.index}:`, ...describeResult(d.result, BACKENDS)].join('\n')).join('\n\n');
    expect(divergences.length, `divergences from QEMU:\n${report}`).to.equal(0);
  });

  it('instruction regression corpus (test/tools/fuzz-corpus/instructions.json) agrees with QEMU', async () => {
    const seqs = loadCorpus(path.join(CORPUS, 'instructions.json'));
    expect(seqs.length).to.be.greaterThan(0);
    // One kernel per sandbox pattern.
    const bad: string[] = [];
    for (const sandbox of new Set(seqs.map((s) => s.sandbox))) {
      const group = seqs.filter((s) => s.sandbox === sandbox);
      const res = await buildAndRun(group, { dir: work, name: `corpus-${sandbox}`, backends: BACKENDS, timeoutMs: 120_000 });
      for (const r of res.results) {
        if (BACKENDS.some((e) => r.diffs[e]?.length)) bad.push([`${r.seq.id} (${group[res.results.indexOf(r)].note ?? ''}):`, ...describeResult(r, BACKENDS)].join('\n'));
      }
    }
    expect(bad.length, `corpus sequences that still diverge:\n${bad.join('\n\n')}`).to.equal(0);
  });

  it('decoder fuzz, seed "ci", 1500 samples: same exceptions and lengths as QEMU', async () => {
    const t = await decoderCampaign({ seed: 'ci', count: 1500, workDir: work, backends: BACKENDS, log: () => undefined, verbose: false });
    expect(t.samples).to.equal(1500);
    expect(t.divergences + t.lengthMismatches, `decoder divergences:\n${showGroups(t.groups, '').join('\n')}`).to.equal(0);
  });

  it('decoder regression corpus (test/tools/fuzz-corpus/decoder.json) agrees with QEMU', async () => {
    const samples = loadDecoderCorpus(path.join(CORPUS, 'decoder.json'));
    expect(samples.length).to.be.greaterThan(0);
    const t = newTally();
    await checkSamples(samples, { workDir: work, name: 'deccorpus', backends: BACKENDS, dataSeed: 0x1386, first: 0, origin: 'corpus' }, t);
    expect(t.samples).to.equal(samples.length);
    expect(t.divergences + t.lengthMismatches, `corpus samples that still diverge:\n${showGroups(t.groups, '').join('\n')}`).to.equal(0);
  });
});
