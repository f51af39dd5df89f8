// --corpus: every kernel of test/guest/bin with a bounded budget each, one summary line each.
import * as fs from 'fs';
import * as path from 'path';
import { ROOT } from './launch';
import { Lockstep, LockstepOptions, LockstepResult } from './lockstep';
import { divergenceReport, reproduceCommand, summaryLine } from './report';

export const CORPUS_DIR = path.join(ROOT, 'test', 'guest', 'bin');

/**
 * Kernels the corpus leaves out, and why: debugregs.elf arms the guest's own DR0-DR7
 * breakpoints, and QEMU 7.2's gdb stub single-steps into them again after the handler's iret
 * with RF set (run freely, QEMU and tcg86 print the same; test/guest compares that);
 * align.elf tests #AC, which QEMU 7.2 does not implement (its expected output follows the SDM).
 */
export const CORPUS_EXCLUDED: Record<string, string> = {
  'debugregs.elf': "guest DR breakpoints: QEMU's single-step ignores EFLAGS.RF",
  'align.elf': 'alignment-check exceptions (#AC): QEMU 7.2 does not implement them, so every checked access diverges',
};

export function corpusKernels(dir = CORPUS_DIR): string[] {
  return fs.readdirSync(dir).filter((f) => f.endsWith('.elf') && !CORPUS_EXCLUDED[f]).sort().map((f) => path.join(dir, f));
}

/**
 * Runs the kernels, `jobs` at a time (the work is mostly waiting for replies, so two pairs
 * share two cores well), one summary line each as they finish. A tool error on a kernel
 * ends the corpus run.
 */
export async function runCorpus(o: Omit<LockstepOptions, 'kernel'>, out: (line: string) => void, kernels = corpusKernels(), jobs = 1): Promise<LockstepResult[]> {
  const results: LockstepResult[] = [];
  const t0 = Date.now();
  const queue = [...kernels];
  const worker = async (): Promise<void> => {
    for (let kernel = queue.shift(); kernel; kernel = queue.shift()) {
      const ls = new Lockstep({ ...o, kernel });
      let r: LockstepResult;
      try {
        r = await ls.run();
      } catch (e) {
        out(`${path.basename(kernel).padEnd(16)} TOOL ERROR: ${(e as Error).message.split('\n')[0]}`);
        throw e;
      }
      results.push(r);
      out(summaryLine(r));
      if (r.divergence && o.verbose) {
        out(divergenceReport(r, r.divergence, { fields: ls.fields, symbolize: (x) => ls.symbolize(x), reproduce: reproduceCommand(o, kernel, r.divergence.insn) }));
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, jobs) }, worker));
  const insns = results.reduce((n, r) => n + r.insns, 0);
  const steps = results.reduce((n, r) => n + r.steps, 0);
  const count = (what: string) => results.filter((r) => r.outcome === what).length;
  out(`corpus: ${results.length} kernels, ${insns} instructions compared, ${steps} single steps, ${count('divergence')} divergences, ` +
    `${count('async')} stopped at differing interrupt timing, ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  return results;
}
