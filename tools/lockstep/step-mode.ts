// --step-only: every instruction compared, no breakpoints. Registers after each step; memory
// every few steps (reading the covered memory costs more than a step when it is large). A
// memory difference found that way is narrowed: restart, step again to the last memory
// compare that agreed, then compare memory after every step.
import { comparedStep } from './compared-step';
import { End } from './endings';
import { RunContext } from './run-context';
import { CpuState } from './state';
import { Divergence } from './types';

/** Bytes of covered memory read per step on average, at most. */
const MEM_BYTES_PER_STEP = 8192;

export interface StepModeHooks {
  budgetLeft(): boolean;
  /** The instruction count at which the test injection happens, or null. */
  injectAt: number | null;
  inject(): Promise<void>;
  /** A fresh pair at the kernel entry. */
  restart(): Promise<[CpuState, CpuState]>;
}

export async function stepOnlyLoop(c: RunContext, [t, q]: [CpuState, CpuState], h: StepModeHooks): Promise<End> {
  if (c.divergence) return { kind: 'end', outcome: 'divergence' };
  const bytes = c.coverage.sections.reduce((n, r) => n + r.len, 0);
  const memEvery = Math.max(1, Math.ceil(bytes / MEM_BYTES_PER_STEP));
  let memGood = 0;
  let narrowFrom = -1;   // while narrowing: compare memory from this count on
  let reported = 0;
  while (h.budgetLeft()) {
    const withMem = narrowFrom >= 0 ? c.count >= narrowFrom : c.count + 1 - memGood >= memEvery;
    c.focus = withMem ? null : [];
    const inj = h.injectAt === c.count + 1 ? async () => { await h.inject(); return true; } : undefined;
    const s = await comparedStep(c, t, q, inj);
    c.focus = null;
    if (s.kind !== 'ok') {
      const d = c.divergence as Divergence | null;
      if (!d || !d.diff.mem.length || d.diff.regs.length || narrowFrom >= 0 || c.count - memGood < 1) return s;
      // Memory differs, written somewhere after the last memory compare: narrow it down.
      c.log(1, `memory differs after instruction ${c.count + 1}; stepping again from the entry, memory compared from instruction ${memGood}`);
      c.divergence = null;
      narrowFrom = memGood;
      [t, q] = await h.restart();
      c.replaying = true;
      continue;
    }
    ({ t, q } = s);
    c.count += s.insns;
    if (withMem) memGood = c.count;
    if (narrowFrom >= 0 && c.count >= narrowFrom) c.replaying = false;
    if (c.count - reported >= 10000) { reported = c.count; c.log(1, `${c.count} instructions compared`); }
  }
  return { kind: 'end', outcome: 'budget' };
}
