// Translator introspection: `info jit`, `info tb [-h]` (the TB cache) and `info tb ADDR`
// (one TB in full: guest code, optimized IR, generated JavaScript, links).
import { CpuExec } from '../emu/cpu-exec/exec';
import { CF_NOCHAIN, CF_SINGLE_INSN, TranslationBlock, tbName, tbTlbBase } from '../emu/cpu-exec/tb';
import { genFunctionSource } from '../emu/hostgen/jsgen';
import { formatIr } from '../emu/tcg/printer';
import { HF_CS32 } from '../emu/translate-i386/state';
import { disasmLine, hex8 } from './format';

export const TB_LIST_LIMIT = 20;

export function infoJit(exec: CpuExec): string[] {
  const o = exec.opts;
  const then = exec.compilesToWasm() ? 'WebAssembly and page units' : 'JavaScript and regions';
  const backend = o.backend === 'tiered' ? `tiered (IR interpreter, then ${then} after ${o.hotThreshold} runs, ${o.compileBatch} TBs per batch)` : o.backend;
  return [
    'Translation buffer state:',
    `TB count              ${exec.tbCountNow()} (flush beyond ${o.maxTbs})`,
    `backend               ${backend}${o.nochain ? ', chaining off (nochain)' : ''}`,
    ...exec.stats.describe().split('\n'),
  ];
}

/** Execution count; compiled TBs stop counting (the JavaScript fast path has no counter), hence "N+". */
export function execText(tb: TranslationBlock): string { return String(tb.execCount); }
export const backendText = (tb: TranslationBlock) => (tb.fn ? (tb.wasm ? 'wasm' : 'js') : 'interp');
const linkText = (t: TranslationBlock | null) => (t ? `#${t.id}@${hex8(t.pc)}` : '-');

function cflagsText(c: number): string {
  const f: string[] = [];
  if (c & CF_SINGLE_INSN) f.push('single-insn');
  if (c & CF_NOCHAIN) f.push('nochain');
  return f.length ? f.join(',') : '0';
}

export function infoTbList(exec: CpuExec, hottest: boolean): string[] {
  const all = exec.allTbs();
  const sorted = hottest ? all.sort((a, b) => b.execCount - a.execCount || b.id - a.id) : all.sort((a, b) => b.id - a.id);
  const shown = sorted.slice(0, TB_LIST_LIMIT);
  const out = [`${all.length} TBs, ${hottest ? 'hottest' : 'newest'} first:`];
  out.push('    id  guest pc    phys pc     flags     insns bytes      exec  code    links');
  for (const tb of shown) {
    out.push(`${String(tb.id).padStart(6)}  0x${hex8(tb.pc)}  0x${hex8(tb.physPc)}  ${hex8(tb.flags)} ${String(tb.icount).padStart(5)} ` +
      `${String(tb.size).padStart(5)} ${execText(tb).padStart(9)}  ${backendText(tb).padEnd(6)}  0:${linkText(tb.jmp[0])} 1:${linkText(tb.jmp[1])}`);
  }
  if (all.length > shown.length) out.push(`... ${all.length - shown.length} more (info tb ADDR shows one TB in full)`);
  return out;
}

/** TBs starting at linear `addr`; failing that, those whose code covers it. */
export function findTbs(exec: CpuExec, addr: number): TranslationBlock[] {
  const all = exec.allTbs();
  const exact = all.filter(t => t.pc >>> 0 === addr >>> 0);
  if (exact.length) return exact.sort((a, b) => b.id - a.id);
  return all.filter(t => ((addr - t.pc) >>> 0) < t.size).sort((a, b) => b.id - a.id);
}

/** Physical address of byte `off` of the TB's code (it may span two pages). */
function physOfOffset(tb: TranslationBlock, off: number): number {
  const r = tb.ranges;
  const first = r[1] - r[0];
  if (off < first || r.length < 4) return r[0] + off;
  return r[2] + (off - first);
}

export function infoTbOne(exec: CpuExec, tb: TranslationBlock): string[] {
  const mem = exec.cpu.mem, loop = exec.mayLoop(tb);
  const out = [
    `TB #${tb.id}: pc=0x${hex8(tb.pc)} cs_base=0x${hex8(tb.csBase)} phys=0x${hex8(tb.physPc)} flags=0x${hex8(tb.flags)} cflags=${cflagsText(tb.cflags)}`,
    `  ${tb.icount} guest instructions, ${tb.size} bytes, exec count ${execText(tb)}, ${tb.fn ? `compiled to ${tb.wasm ? 'WebAssembly' : 'JavaScript'}` : 'interpreted'}`,
    '  guest code:',
  ];
  const code32 = (tb.flags & HF_CS32) !== 0;
  const fetch = (a: number): number | null => {
    const off = (a - tb.pc) >>> 0;
    if (off >= tb.size) return null;
    const p = physOfOffset(tb, off) >>> 0;
    return p < mem.size ? mem.m8[p] : null;
  };
  for (const eip of tb.insnEips) {
    const lin = (tb.csBase + eip) >>> 0;
    const d = disasmLine(fetch, lin, code32);
    out.push(`    ${d ? d.text : `0x${hex8(lin)}: (code not readable)`}`);
  }
  if (tb.ir) {
    if (!tb.invalid) {
      out.push('  IR before optimization:');
      for (const l of formatIr(exec.irBeforeOptimization(tb)).trimEnd().split('\n')) out.push('   ' + l);
    }
    out.push('  IR after optimization:');
    for (const l of formatIr(tb.ir).trimEnd().split('\n')) out.push('   ' + l);
    const src = genFunctionSource(tb.ir, tbName(tb), tbTlbBase(tb), loop);
    out.push(!tb.fn ? '  JavaScript (not compiled yet; the source it will get):'
      : tb.wasm ? '  WebAssembly (op for op the same code as this JavaScript):' : '  JavaScript:');
    for (const l of src.trimEnd().split('\n')) out.push('    ' + l);
  } else {
    out.push('  IR: not kept for this TB');
  }
  out.push(`  exits: 0 -> ${linkText(tb.jmp[0])}, 1 -> ${linkText(tb.jmp[1])}`);
  const inc = tb.incoming.map(i => `#${i.tb.id}@${hex8(i.tb.pc)}/${i.slot}`);
  out.push(`  linked from: ${inc.length ? inc.join(' ') : 'none'}`);
  return out;
}
