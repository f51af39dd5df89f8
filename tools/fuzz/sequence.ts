// The generated program model: a sequence of instructions, each with the flags it reads,
// defines and leaves undefined, and the analysis that gives the undefined-flag mask at every
// point (the comparison ignores exactly those bits).
//
// Masks hold the six arithmetic EFLAGS bits as they are, and the x87 condition codes
// (C0..C3) shifted left by 16 (bits 24..30, which are reserved in EFLAGS).
import { FPU_CC } from './flags';

/** An x87 status-word mask moved into the combined mask space. */
export const X87 = (ccBits: number): number => (ccBits << 16) >>> 0;
export const X87_CC = X87(FPU_CC);

export interface Insn {
  /** Assembly lines: flag-neutral set-up (mov, cdq, cld...) then the instruction under test. */
  asm: string[];
  /** Flags read (their values must be determined). */
  reads: number;
  /** Flags given a determined value. */
  defs: number;
  /** Flags left undefined. */
  undefs: number;
  /** Net ESP change. */
  esp: number;
  /**
   * x87: the register-stack depth it needs and its net change (stack faults are not tested);
   * the precision control it sets (fldcw), or that it needs extended precision (memory
   * loads: QEMU 7.2 wrongly rounds them to the precision control).
   */
  fpu?: { need: number; delta: number; setPc?: number; needExt?: boolean };
  /** A forward skip: `%L` in asm is the label after `body`, which may or may not run. */
  body?: Insn[];
  /** Instruction class, for statistics. */
  cls: string;
}

export interface Sequence {
  /** `seed/index`: where it came from (for the report and the corpus). */
  id: string;
  /** Initial eax, ecx, edx, ebx, esp, ebp, esi, edi. */
  regs: number[];
  eflags: number;
  insns: Insn[];
  /** Seed of the sandbox's initial pattern (shared by all the sequences of one kernel). */
  sandbox: number;
}

export interface Analysis {
  /** Undefined mask before each instruction, in flattened order (a skip's body follows it). */
  before: number[];
  /** Undefined mask at the end. */
  end: number;
  /** Why the sequence is not a valid test (a read of an undefined flag, stack out of range), or null. */
  error: string | null;
}

/** How far ESP may move from its initial value (the stack lives in the sandbox's middle). */
export const ESP_RANGE = 1024;

export function analyze(seq: Sequence): Analysis {
  const before: number[] = [];
  let error: string | null = null;
  let esp = 0;
  let depth = 0;
  let pc = 3;
  const walk = (list: Insn[], undef: number): number => {
    for (const i of list) {
      before.push(undef);
      if (i.reads & undef && !error) error = `"${last(i)}" reads undefined flags 0x${(i.reads & undef).toString(16)}`;
      if (i.fpu) {
        if ((depth < i.fpu.need || depth + i.fpu.delta > 8) && !error) error = `"${last(i)}" with ${depth} x87 registers in use`;
        if (i.fpu.needExt && pc !== 3 && !error) error = `"${last(i)}" with precision control ${pc}`;
        depth += i.fpu.delta;
        if (i.fpu.setPc !== undefined) pc = i.fpu.setPc;
      }
      undef = ((undef & ~i.defs) | i.undefs) >>> 0;
      esp += i.esp;
      if (Math.abs(esp) > ESP_RANGE && !error) error = `ESP moves ${esp} bytes`;
      // A skipped body: afterwards a flag is undefined if it is on either path.
      if (i.body) undef = (undef | walk(i.body, undef)) >>> 0;
    }
    return undef;
  };
  const end = walk(seq.insns, 0);
  return { before, end, error };
}

/** The undefined mask after `i` (a skip: after either path). */
export function after(undef: number, i: Insn): number {
  let u = ((undef & ~i.defs) | i.undefs) >>> 0;
  if (i.body) {
    let b = u;
    for (const j of i.body) b = after(b, j);
    u = (u | b) >>> 0;
  }
  return u;
}

/** The instruction under test of an Insn (its last line). */
export function last(i: Insn): string { return i.asm[i.asm.length - 1].trim(); }

/** Instructions in flattened order. */
export function flatten(list: Insn[]): Insn[] {
  const out: Insn[] = [];
  for (const i of list) { out.push(i); if (i.body) out.push(...flatten(i.body)); }
  return out;
}

/** The sequence as readable assembly (set-up lines indented under their instruction). */
export function listing(seq: Sequence): string[] {
  const out: string[] = [];
  const walk = (list: Insn[], depth: number, k: { n: number }): void => {
    for (const i of list) {
      const pad = '  '.repeat(depth);
      const lines = i.asm.map((l) => l.replace('%L', `.skip${k.n}`));
      out.push(`${pad}${String(k.n).padStart(3)}: ${lines[lines.length - 1]}` +
        (lines.length > 1 ? `    ; after ${lines.slice(0, -1).join('; ')}` : ''));
      const me = k.n++;
      if (i.body) { walk(i.body, depth + 1, k); out.push(`${pad}     .skip${me}:`); }
    }
  };
  walk(seq.insns, 0, { n: 0 });
  return out;
}
