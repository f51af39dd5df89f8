// `--asm "insn; insn" [--regs eax=1,ecx=2] [--eflags X]`: run hand-written instructions in
// the fuzz kernel and show every field of the dumps (QEMU's, then the backends' differences).
// For checking a suspected divergence by hand; nothing is masked (no flag is undefined).
import { buildAndRun, BatchOptions } from './batch';
import { sandboxSeed } from './campaign';
import { isEmpty, Rec } from './dump';
import { hex } from './prng';
import { diffTable, initialState } from './report';
import { Emu } from './run';
import { Insn, Sequence } from './sequence';

const REGS = ['eax', 'ecx', 'edx', 'ebx', 'esp', 'ebp', 'esi', 'edi'];

export function probeSequence(asm: string, regs: string, eflags: number, seed: string): Sequence {
  const init = [0, 0, 0, 0, 0x8000, 0, 0, 0];
  for (const kv of regs.split(',').filter((x) => x)) {
    const [k, v] = kv.split('=');
    const i = REGS.indexOf(k.trim());
    if (i < 0 || v === undefined) throw new Error(`--regs: bad entry ${kv}`);
    init[i] = Number(v) >>> 0;
  }
  const insns: Insn[] = asm.split(';').map((l) => l.trim()).filter((l) => l)
    .map((l) => ({ cls: 'probe', asm: [l], reads: 0, defs: 0, undefs: 0, esp: 0 }));
  return { id: 'probe', regs: init, eflags: eflags | 2, insns, sandbox: sandboxSeed(seed) };
}

function show(r: Rec): string {
  return `vec=${hex(r.vec)} insn=${hex(r.idx)} err=${hex(r.err)} eip+${hex(r.eipoff)}\n    ` +
    REGS.map((n, i) => `${n}=${hex(r.regs[i])}`).join(' ') + ` eflags=${hex(r.efl)} ` +
    ['ds', 'es', 'fs', 'gs', 'ss'].map((n, i) => `${n}=${hex(r.segs[i], 4)}`).join(' ') + '\n' +
    `    fcw=${hex(r.fcw, 4)} fsw=${hex(r.fsw, 4)} ftw=${hex(r.ftw, 4)} ${r.st.map((s, i) => `st${i}=${s}`).filter((_, i) => !isEmpty(r, i)).join(' ')}\n` +
    `    memory: ${[...r.mem].map(([a, v]) => `${hex(a, 4)}=${hex(v)}`).join(' ') || 'unchanged'}`;
}

export async function probe(seq: Sequence, o: BatchOptions): Promise<boolean> {
  const res = await buildAndRun([seq], o);
  const r = res.results[0];
  console.log(`initial: ${initialState(seq)}`);
  console.log(`qemu: ${show(res.outputs.qemu!.recs.get(0)!)}`);
  const failing = o.backends.filter((e: Emu) => r.diffs[e]?.length);
  if (!failing.length) console.log(`${o.backends.join(', ')}: identical`);
  else console.log(diffTable(r, o.backends).join('\n'));
  return failing.length === 0;
}
