// Options and results of one lockstep run.
import { Diff } from './compare';
import { Insn } from './disasm';
import { EntryResult } from './entry';
import { CpuState } from './state';

export interface LockstepOptions {
  kernel: string;
  /** Instruction budget (counted from the kernel entry). */
  maxInsns: number;
  stepOnly: boolean;
  /** -icount shift on both sides, or null for the host clock. */
  icount: number | null;
  /** Wall-clock budget in ms (the run ends as 'budget' when it is used up), or null. */
  timeLimitMs: number | null;
  /** Longest single continue between two checkpoints. */
  contTimeoutMs: number;
  verbose: number;
  log: (line: string) => void;
  /** COM1 of each side goes to <serialDir>/<side>.txt, or nowhere. */
  serialDir: string | null;
  /**
   * Test hook: on arriving at compare point N (checkpoint hit, or instruction N in step-only
   * mode), set a tcg86 register, or a byte of its memory (field `mem:ADDR`).
   */
  inject: { after: number; field: string; value: bigint } | null;
  /** No tolerance for known QEMU deviations (see policy.ts). */
  strict: boolean;
  /** Most single steps spent looking for the first difference between two checkpoints. */
  bisectSteps: number;
  /** A checkpoint hit more often than this (in agreement) loses its breakpoint. */
  thinAfter: number;
}

/**
 * exit: both guests exited alike; budget: no divergence within the budget; async: the
 * comparison stopped where interrupt timing differs (interrupts enabled; see Divergence.async);
 * divergence.
 */
export type Outcome = 'exit' | 'budget' | 'async' | 'divergence';

export interface Divergence {
  /** Instruction count of the differing instruction (1 = the kernel's first instruction). */
  insn: number;
  /** What the difference was found after. */
  kind: 'instruction' | 'checkpoint' | 'exit' | 'entry';
  diff: Diff;
  before: [CpuState, CpuState] | null;
  after: [CpuState, CpuState];
  /** The instruction just executed (kind 'instruction'). */
  executed: Insn | null;
  /** The last executed instructions (oldest first; the last is `executed`). */
  history: Insn[];
  note: string;
  /** `info registers` of both at the divergence. */
  infoRegisters: [string, string];
  /**
   * Interrupts were enabled and the difference cannot be pinned on an instruction (a wake-up
   * from hlt, or a difference that single-stepping does not reproduce): the two machines'
   * interrupt timing differs, which lockstep cannot control. Not counted as a divergence
   * unless --strict.
   */
  async: boolean;
}

export interface LockstepResult {
  kernel: string;
  outcome: Outcome;
  /** Instructions executed in agreement (tcg86's counter at the last agreeing compare, or steps). */
  insns: number;
  /** Checkpoint and resync-point hits. */
  checkpoints: number;
  /** Single steps per side and the time they took (speed figures). */
  steps: number;
  stepMs: { tcg86: number; qemu: number };
  ms: number;
  restarts: number;
  nullSteps: number;
  /** Explained differences that were resynced, by reason. */
  resyncs: Map<string, number>;
  exitStatus: [number | null, number | null] | null;
  entry: EntryResult | null;
  divergence: Divergence | null;
  note: string;
  commands: { tcg86: string[]; qemu: string[] } | null;
}
