// Text of a run's result: the one-line summary and, on a divergence, both states side by
// side with the differing fields marked, the last instructions, and how to reproduce it.
import * as path from 'path';
import { Diff } from './compare';
import { ROOT } from './launch';
import { Divergence, LockstepOptions, LockstepResult } from './types';
import { CpuState, fmt } from './state';

const hex = (v: number) => `0x${(v >>> 0).toString(16)}`;

export function summaryLine(r: LockstepResult): string {
  const name = path.basename(r.kernel).padEnd(16);
  const what = r.outcome === 'exit' ? `agree to the end (${r.note})` : r.outcome === 'budget' ? `agree within the budget${r.note ? ` (${r.note})` : ''}`
    : r.outcome === 'async' ? `agree up to interrupt timing that differs (instruction ${r.divergence?.insn}: ${fieldsText(r.divergence!.diff)})`
      : `DIVERGENCE at instruction ${r.divergence?.insn}: ${fieldsText(r.divergence!.diff)}`;
  return `${name} ${String(r.insns).padStart(9)} insns  ${String(r.checkpoints).padStart(6)} checkpoints  ${(r.ms / 1000).toFixed(1).padStart(6)} s  ${what}`;
}

function fieldsText(d: Diff): string {
  return [...d.regs.map((r) => r.field), ...d.mem.map((m) => `mem[${hex(m.addr)}..+${m.len}]`)].join(', ');
}

/** Registers side by side; `*` marks a differing field. */
function sideBySide(t: CpuState, q: CpuState, d: Diff, fields: string[]): string[] {
  const differs = new Set(d.regs.map((r) => r.field));
  const out = [`  ${'field'.padEnd(8)} ${'tcg86'.padStart(32)}   ${'qemu'.padStart(32)}`];
  for (const f of fields) {
    const a = t.regs.get(f), b = q.regs.get(f);
    if (!differs.has(f) && /^(st|xmm)/.test(f) && !a && !b) continue;   // empty vector/x87 registers: not worth a line
    out.push(`${differs.has(f) ? '*' : ' '} ${f.padEnd(8)} ${fmt(f, a).padStart(32)}   ${fmt(f, b).padStart(32)}`);
  }
  return out;
}

function memLines(d: Diff): string[] {
  const out: string[] = [];
  for (const m of d.mem) {
    out.push(`* memory ${hex(m.addr)}..${hex(m.addr + m.len - 1)} (${m.len} bytes)`);
    const show = (b: Buffer | null) => (b ? b.subarray(0, 32).toString('hex').replace(/(..)/g, '$1 ').trim() + (b.length > 32 ? ' ...' : '') : 'not readable');
    out.push(`    tcg86: ${show(m.tcg)}`, `    qemu:  ${show(m.qemu)}`);
  }
  return out;
}

/** The command that runs the same comparison up to just past the divergence. */
export function reproduceCommand(o: Omit<LockstepOptions, 'kernel' | 'maxInsns' | 'timeLimitMs'>, kernel: string, insn: number): string {
  return ['npm run lockstep --', '-kernel', path.relative(ROOT, kernel), ...(o.stepOnly ? ['--step-only'] : []),
    '--icount', o.icount === null ? 'off' : String(o.icount), ...(o.strict ? ['--strict'] : []),
    ...(o.inject ? [`--inject ${o.inject.after}:${o.inject.field}=0x${o.inject.value.toString(16)}`] : []),
    ...(o.stepOnly ? [] : ['--thin', String(o.thinAfter)]), '--max-insns', String(insn + 10), '-v'].join(' ');
}

export interface ReportContext {
  fields: string[];
  symbolize(addr: number): string;
  /** The command line that reproduces the run (npm run lockstep -- ...). */
  reproduce: string;
}

export function divergenceReport(r: LockstepResult, d: Divergence, ctx: ReportContext): string {
  const lines: string[] = [];
  const [t, q] = d.after;
  const eip = q.regs.get('eip');
  lines.push(d.async && r.outcome === 'async' ? `INTERRUPT TIMING DIFFERS in ${r.kernel} (not counted as a divergence; --strict counts it)` : `DIVERGENCE in ${r.kernel}`);
  lines.push(`  after instruction ${d.insn} (counted from the kernel entry)${d.kind === 'checkpoint' ? ', seen at a checkpoint' : ''}`);
  if (d.executed) {
    const sym = ctx.symbolize(d.executed.addr);
    lines.push(`  instruction: ${hex(d.executed.addr)}${sym ? ` <${sym}>` : ''}: ${d.executed.bytes.padEnd(30)} ${d.executed.text}`);
  } else if (eip !== undefined) {
    const sym = ctx.symbolize(Number(eip));
    lines.push(`  qemu's eip: ${hex(Number(eip))}${sym ? ` <${sym}>` : ''}`);
  }
  if (d.note) lines.push(`  ${d.note}`);
  lines.push(`  differing: ${fieldsText(d.diff)}`);
  lines.push('', d.before ? 'state after the instruction:' : 'state:');
  lines.push(...sideBySide(t, q, d.diff, ctx.fields), ...memLines(d.diff));
  if (d.before) {
    lines.push('', 'state before the instruction (equal on both sides):');
    lines.push(...sideBySide(d.before[0], d.before[1], { regs: [], mem: [] }, ctx.fields.filter((f) => !/^(st|xmm)/.test(f))));
  }
  // The last 10 instructions; for a difference seen at a checkpoint, the stepped window (up to 64).
  const shown = d.kind === 'checkpoint' ? d.history : d.history.slice(-10);
  if (shown.length) {
    lines.push('', `last ${shown.length} instructions single-stepped in lockstep (oldest first):`);
    for (const i of shown) {
      const sym = ctx.symbolize(i.addr);
      lines.push(`  ${hex(i.addr).padStart(10)} ${(sym ? `<${sym}>` : '').padEnd(24)} ${i.bytes.padEnd(30)} ${i.text}`);
    }
  }
  lines.push('', 'info registers, tcg86:', ...indent(d.infoRegisters[0]), 'info registers, qemu:', ...indent(d.infoRegisters[1]));
  lines.push('', 'reproduce:', `  ${ctx.reproduce}`);
  if (r.commands) {
    lines.push('by hand (then attach gdb to each port):', `  node ${r.commands.tcg86.join(' ')}`, `  qemu-system-i386 ${r.commands.qemu.join(' ')}`);
  }
  return lines.join('\n');
}

function indent(text: string): string[] {
  return text.trimEnd().split('\n').filter((l) => l.trim() && !/^(FPR|XMM)/.test(l)).map((l) => `  ${l}`);
}

export function entryReport(r: LockstepResult): string {
  if (!r.entry) return '';
  return ['differences at the kernel entry (before normalisation):', ...r.entry.differences.map((d) => `  ${d}`),
    'normalisation:', ...r.entry.normalised.map((n) => `  ${n}`)].join('\n');
}

export function statsReport(r: LockstepResult): string {
  const rate = (ms: number) => (ms > 0 ? `${Math.round((r.steps / ms) * 1000)} steps/s` : '-');
  const lines = [
    `instructions compared: ${r.insns}; checkpoints: ${r.checkpoints}; single steps: ${r.steps} ` +
      `(tcg86 ${rate(r.stepMs.tcg86)}, qemu ${rate(r.stepMs.qemu)}); restarts: ${r.restarts}; ${(r.ms / 1000).toFixed(1)} s`,
  ];
  if (r.nullSteps) lines.push(`qemu single steps repeated (executed nothing): ${r.nullSteps}`);
  for (const [why, n] of r.resyncs) lines.push(`resynced ${n}x: ${why}`);
  return lines.join('\n');
}
