// One gdb script, run against tcg86 and against QEMU on the same kernel: the stops (breakpoint
// hits and stepi), gdb's stop lines and the general registers at each, for qemu-compare.test.ts.
import { GENERAL_REGS, gdbBatch, GdbRun, parseRegisters, sections, startTarget, Target, TargetKind } from './gdb-tools';

/** The architecturally defined EFLAGS bits (CF PF AF ZF SF TF IF DF OF IOPL NT RF VM AC VIF VIP ID); bit 1 is always 1. */
export const EFLAGS_DEFINED = 0x3f7fd5;

export interface Stop {
  /** `entry`, `cont` (a continue) or `step` (a stepi). */
  kind: string;
  /** What gdb printed for the stop (`Breakpoint 2, 0x00102310 in t_eq ()`, `0x00102313 in t_eq ()`). */
  line: string;
  regs: Map<string, number>;
}

export interface Session {
  target: TargetKind;
  run: GdbRun;
  stops: Stop[];
  /** What gdb printed after the last continue (`[Inferior 1 (process 1) exited with code 01]`). */
  exitLine: string;
  /** The emulator's exit status (null: it did not exit within 5 s of gdb's end and was killed). */
  status: number | null;
}

/**
 * The script after the target is at the kernel's entry: the registers there, then for each
 * function in turn (in the order the guest reaches them): `break *f`, continue, the registers,
 * `steps` x (stepi + registers), delete; then continue to the guest's exit.
 */
export function compareScript(funcs: string[], steps: number): string[] {
  const regs = `info registers ${GENERAL_REGS.join(' ')}`;
  const cmds = ['echo @@entry\\n', regs];
  for (const f of funcs) {
    cmds.push(`break *${f}`, 'echo @@cont\\n', 'continue', regs);
    for (let s = 0; s < steps; s++) cmds.push('echo @@step\\n', 'stepi', regs);
    cmds.push('delete');
  }
  cmds.push('echo @@exit\\n', 'continue');
  return cmds;
}

export async function runSession(kind: TargetKind, kernel: string, script: string[], timeoutMs = 60000): Promise<Session> {
  let t: Target | null = null;
  try {
    t = await startTarget(kind, kernel);
    const run = await gdbBatch(kernel, t.port, [...t.toEntry, ...script], timeoutMs);
    const stops: Stop[] = [];
    let exitLine = '';
    for (const s of sections(run.stdout)) {
      if (s.label === 'exit') {
        exitLine = /\[Inferior 1 \(process 1\) [^\]]*\]/.exec(s.text)?.[0] ?? /Remote connection closed/.exec(run.stderr)?.[0] ?? s.text.trim();
        continue;
      }
      // gdb numbers breakpoints globally, and QEMU's way to the entry used one: drop the numbers
      const line = s.text.split('\n').find((l) => /^(Breakpoint \d+, )?0x[0-9a-f]+ in /.test(l)) ?? '';
      stops.push({ kind: s.label, line: line.trim().replace(/^Breakpoint \d+,/, 'Breakpoint,'), regs: parseRegisters(s.text) });
    }
    const status = await Promise.race([t.exited, new Promise<null>((r) => setTimeout(() => r(null), 5000))]);
    return { target: kind, run, stops, exitLine, status };
  } finally { t?.kill(); }
}

const hex = (v: number | undefined): string => (v === undefined ? 'none' : `0x${v.toString(16)}`);

/**
 * Indices of the stepi stops that executed nothing: a `step` stop with exactly the registers of
 * the stop before it (a rep iteration changes ecx, so this is never a real step). QEMU does this
 * now and then on a loaded host: its single step can end on an exit request before the
 * instruction runs, and gdb then reports the same pc again.
 */
export function nullSteps(s: Session): number[] {
  const same = (x: Stop, y: Stop): boolean => GENERAL_REGS.every((r) => x.regs.get(r) !== undefined && x.regs.get(r) === y.regs.get(r));
  return s.stops.flatMap((x, k) => (k > 0 && x.kind === 'step' && same(x, s.stops[k - 1]) ? [k] : []));
}

/** The stops without the null steps, cut into segments: the entry, then one per `continue`. */
function segments(s: Session): Stop[][] {
  const drop = new Set(nullSteps(s));
  const segs: Stop[][] = [];
  s.stops.forEach((x, k) => {
    if (drop.has(k)) return;
    if (k === 0 || x.kind !== 'step') segs.push([x]); else segs[segs.length - 1].push(x);
  });
  return segs;
}

/**
 * Differences between the two sessions' stops: stop kinds and lines, and the general registers
 * (eflags under EFLAGS_DEFINED; a register holding each side's multiboot info address -- its
 * ebx at the entry, which differs: tcg86 0x9000, QEMU 0x9500 -- counts as equal). The entry
 * stop compares eax and eip only: the multiboot spec leaves the rest undefined. Null steps
 * (see nullSteps) are left out, and each continue's steps are compared as far as both got.
 */
export function diffSessions(a: Session, b: Session, maxDiffs = 20): string[] {
  const out: string[] = [];
  const mbiA = a.stops[0]?.regs.get('ebx'), mbiB = b.stops[0]?.regs.get('ebx');
  const sa = segments(a), sb = segments(b);
  if (sa.length !== sb.length) out.push(`${a.target} has ${sa.length} continue stops, ${b.target} ${sb.length}`);
  for (let g = 0; g < Math.min(sa.length, sb.length); g++) {
    for (let k = 0; k < Math.min(sa[g].length, sb[g].length) && out.length < maxDiffs; k++) {
      const x = sa[g][k], y = sb[g][k];
      const where = `segment ${g} stop ${k} (${x.kind} ${x.line || y.line})`;
      if (x.kind !== y.kind || x.line !== y.line) { out.push(`${where}: ${a.target} "${x.kind} ${x.line}" vs ${b.target} "${y.kind} ${y.line}"`); continue; }
      const names = g === 0 ? ['eax', 'eip'] : GENERAL_REGS;
      for (const r of names) {
        let va = x.regs.get(r), vb = y.regs.get(r);
        if (va === undefined || vb === undefined) { out.push(`${where}: ${r} missing (${hex(va)} / ${hex(vb)})`); continue; }
        if (r === 'eflags') { va &= EFLAGS_DEFINED; vb &= EFLAGS_DEFINED; }
        if (va === mbiA && vb === mbiB) continue;
        if (va !== vb) out.push(`${where}: ${r} ${a.target} ${hex(va)} ${b.target} ${hex(vb)}`);
      }
    }
  }
  return out;
}
