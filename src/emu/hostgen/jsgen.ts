// IR -> JavaScript source -> functions. Guest globals used by a TB live in locals; they
// are written back in one `finally` (every exit and every fault) and around helper calls.
// Memory accesses check the softmmu TLB inline and call the slow path on a miss.
import { CallFlags, Cond, CONST_BASE, GLOBAL_LIMIT, IrFunc, Opc, opShape } from '../tcg/ir';

/** What generated code runs against: state, RAM views, TLBs, slow paths, helpers. */
export interface HostEnv {
  s: Int32Array;
  m8: Uint8Array;
  i8: Int8Array;
  m16: Uint16Array;
  i16: Int16Array;
  m32: Int32Array;
  tlbR: Int32Array;
  tlbW: Int32Array;
  ldSlow: (addr: number, memop: number, eip: number) => number;
  stSlow: (addr: number, value: number, memop: number, eip: number) => void;
  helpers: { fn: (...a: any[]) => any; flags: number }[];
  ctx: unknown;
  /** The exec loop's requests, read by regions after a member that called a helper. */
  ctl: { exitRequest: boolean; irqLine: boolean; insns: number };
  /** Index in `s` of the count of instructions run beyond the returning TB's own (self-loops, regions). */
  extraInsns: number;
}

/** A TB's function; `left` is how many instructions the run may still execute (self-loops and regions stop there). */
export type TbFunction = (left: number) => number;

const JS_COND: Record<number, string> = {
  [Cond.eq]: '===', [Cond.ne]: '!==', [Cond.lt]: '<', [Cond.ge]: '>=', [Cond.le]: '<=', [Cond.gt]: '>',
  [Cond.ltu]: '<', [Cond.geu]: '>=', [Cond.leu]: '<=', [Cond.gtu]: '>',
};

function unsignedCond(c: Cond): boolean { return c >= Cond.ltu; }

/** Extra iterations a self-looping TB may run before it returns to the exec loop. */
export const LOOP_CAP = 255;
/** Guest instructions a region may run before it returns to the exec loop. */
export const REGION_CAP = 4096;

/** How one IR function's ops become JavaScript statements, and what its exits turn into. */
interface BodyCtx {
  f: IrFunc;
  out: string[];
  tlbBase: number;
  sync: string;
  reload: string;
  /** Label names are prefixed so that several TBs can share one function (regions). */
  labelPrefix: string;
  /** Emitted before each helper call (regions: bring the loop's instruction count up to date). */
  beforeCall?: string;
  exit(slot: number): string;
}

/** The guest-state globals the ops of `fs` read or write, in index order. */
export function usedGlobals(fs: IrFunc[]): number[] {
  const used = new Set<number>();
  for (const f of fs) {
    for (const o of f.ops) {
      const { nout, nin } = opShape(o);
      for (let i = 0; i < nout + nin; i++) { const t = o.args[i]; if (t >= 0 && t < GLOBAL_LIMIT) used.add(t); }
    }
  }
  return [...used].sort((a, b) => a - b);
}

function declareLocals(out: string[], globals: number[], nLocal: number, extra: string): void {
  if (globals.length) out.push(`  let ${globals.map(g => `g${g} = s[${g}]`).join(', ')};`);
  if (nLocal > 0) {
    const locals: string[] = [];
    for (let i = 0; i < nLocal; i++) locals.push(`t${i} = 0`);
    out.push(`  let ${locals.join(', ')};`);
  }
  out.push(`  let a = 0, e = 0${extra};`);
}

const hasCalls = (f: IrFunc): boolean => f.ops.some(o => o.op === Opc.call);
/** Calls a helper that may read the clock, raise an interrupt line or stop the run (not a pure one). */
export const hasImpureCalls = (f: IrFunc): boolean =>
  f.ops.some(o => o.op === Opc.call && !(f.helpers[o.args[o.args.length - 1]].flags & CallFlags.PURE));
/** A TB that jumps back to its own start and calls no helper may iterate inside its function. */
export function canSelfLoop(f: IrFunc): boolean { return f.loopSlots !== 0 && !hasCalls(f); }
export const insnCount = (f: IrFunc): number => f.ops.filter(o => o.op === Opc.insn_start).length;

/** The statements of one TB (labelled blocks for its forward branches), ending with its fall-through exit. */
function emitBody(b: BodyCtx): void {
  const { f, out, tlbBase, sync, reload } = b;
  const v = (t: number): string => {
    if (t < GLOBAL_LIMIT) return `g${t}`;
    if (t < CONST_BASE) return `t${t - GLOBAL_LIMIT}`;
    return String(f.constValue(t));
  };
  const cmp = (c: Cond, a: number, b2: number): string =>
    unsignedCond(c) ? `(${v(a)} >>> 0) ${JS_COND[c]} (${v(b2)} >>> 0)` : `${v(a)} ${JS_COND[c]} ${v(b2)}`;
  // Labels are forward targets only: open one labelled block per label, outermost = last.
  const labelPos = new Map<number, number>();
  f.ops.forEach((o, i) => { if (o.op === Opc.label) labelPos.set(o.args[0], i); });
  const labels = [...labelPos.entries()].sort((x, y) => y[1] - x[1]).map(e => e[0]);
  const L = (l: number) => `L${b.labelPrefix}${l}`;
  for (const l of labels) out.push(`  ${L(l)}: {`);
  let eip = 0;
  for (const o of f.ops) {
    const a = o.args;
    switch (o.op) {
      case Opc.insn_start: eip = a[0]; out.push(`    // ${(eip >>> 0).toString(16)}`); break;
      case Opc.label: out.push(`  } // ${L(a[0])}`); break;
      case Opc.br: out.push(`    break ${L(a[0])};`); break;
      case Opc.brcond: out.push(`    if (${cmp(a[2], a[0], a[1])}) break ${L(a[3])};`); break;
      case Opc.exit: out.push(`    ${b.exit(a[0])}`); break;
      case Opc.mov: out.push(`    ${v(a[0])} = ${v(a[1])};`); break;
      case Opc.add: out.push(`    ${v(a[0])} = (${v(a[1])} + ${v(a[2])}) | 0;`); break;
      case Opc.sub: out.push(`    ${v(a[0])} = (${v(a[1])} - ${v(a[2])}) | 0;`); break;
      case Opc.mul: out.push(`    ${v(a[0])} = Math.imul(${v(a[1])}, ${v(a[2])});`); break;
      case Opc.and: out.push(`    ${v(a[0])} = ${v(a[1])} & ${v(a[2])};`); break;
      case Opc.or: out.push(`    ${v(a[0])} = ${v(a[1])} | ${v(a[2])};`); break;
      case Opc.xor: out.push(`    ${v(a[0])} = ${v(a[1])} ^ ${v(a[2])};`); break;
      case Opc.shl: out.push(`    ${v(a[0])} = ${v(a[1])} << ${v(a[2])};`); break;
      case Opc.shr: out.push(`    ${v(a[0])} = (${v(a[1])} >>> ${v(a[2])}) | 0;`); break;
      case Opc.sar: out.push(`    ${v(a[0])} = ${v(a[1])} >> ${v(a[2])};`); break;
      case Opc.rotl: out.push(`    ${v(a[0])} = (${v(a[1])} << (${v(a[2])} & 31)) | (${v(a[1])} >>> ((32 - ${v(a[2])}) & 31));`); break;
      case Opc.rotr: out.push(`    ${v(a[0])} = (${v(a[1])} >>> (${v(a[2])} & 31)) | (${v(a[1])} << ((32 - ${v(a[2])}) & 31));`); break;
      case Opc.neg: out.push(`    ${v(a[0])} = (-${v(a[1])}) | 0;`); break;
      case Opc.not: out.push(`    ${v(a[0])} = ~${v(a[1])};`); break;
      case Opc.ext8s: out.push(`    ${v(a[0])} = (${v(a[1])} << 24) >> 24;`); break;
      case Opc.ext8u: out.push(`    ${v(a[0])} = ${v(a[1])} & 255;`); break;
      case Opc.ext16s: out.push(`    ${v(a[0])} = (${v(a[1])} << 16) >> 16;`); break;
      case Opc.ext16u: out.push(`    ${v(a[0])} = ${v(a[1])} & 65535;`); break;
      case Opc.mulhu: out.push(`    ${v(a[0])} = mulhu(${v(a[1])}, ${v(a[2])});`); break;
      case Opc.mulhs: out.push(`    ${v(a[0])} = mulhs(${v(a[1])}, ${v(a[2])});`); break;
      case Opc.setcond: out.push(`    ${v(a[0])} = (${cmp(a[3], a[1], a[2])}) ? 1 : 0;`); break;
      case Opc.movcond: out.push(`    ${v(a[0])} = (${cmp(a[5], a[1], a[2])}) ? ${v(a[3])} : ${v(a[4])};`); break;
      case Opc.ld: out.push(`    ${genLoad(v(a[0]), v(a[1]), a[2], eip, tlbBase)}`); break;
      case Opc.st: out.push(`    ${genStore(v(a[0]), v(a[1]), a[2], eip, tlbBase)}`); break;
      case Opc.call: {
        const hi = a[a.length - 1];
        const flags = f.helpers[hi].flags;
        const args = ['ctx', ...a.slice(1, -1).map(v)].join(', ');
        const call = `h${hi}(${args})`;
        const touches = !(flags & (CallFlags.PURE | CallFlags.NO_GLOBALS));
        if (b.beforeCall && !(flags & CallFlags.PURE)) out.push(`    ${b.beforeCall}`);
        if (touches && sync) out.push(`    ${sync}`);
        if (a[0] >= 0 && touches && reload) {
          // The globals the helper may have written first, then its result (which may be a global).
          out.push(`    { const r = ${call} | 0; ${reload} ${v(a[0])} = r; }`);
        } else {
          out.push(a[0] >= 0 ? `    ${v(a[0])} = ${call} | 0;` : `    ${call};`);
          if (touches && reload) out.push(`    ${reload}`);
        }
        break;
      }
      default: throw new Error(`jsgen: opcode ${o.op}`);
    }
  }
  out.push(`    ${b.exit(3)}`);
}

/**
 * JavaScript source of one TB's function (named for stack traces and profiles).
 * With `loop`, a TB whose exit jumps back to its own start and that calls no helper (so
 * nothing can raise an interrupt or change the machine behind it) iterates in place, up to
 * LOOP_CAP extra times; it returns `exit | extraIterations << 2`, and on a fault adds the
 * instructions of the extra iterations to `s[XI]`.
 */
export function genFunctionSource(f: IrFunc, name: string, tlbBase = 0, loop = false): string {
  const globals = usedGlobals([f]);
  const sync = globals.map(g => `s[${g}] = g${g};`).join(' ');
  const reload = globals.map(g => `g${g} = s[${g}];`).join(' ');
  const loops = loop && canSelfLoop(f);
  const out: string[] = [`function ${name}(left) {`];
  // A self-loop stops where the exec loop would have stopped after one TB at a time: at the
  // first iteration that reaches the run's instruction limit (so both backends stop alike).
  declareLocals(out, globals, f.nextLocal - GLOBAL_LIMIT,
    loops ? `, it = 0, itMax = Math.min(${LOOP_CAP}, Math.ceil(left / ${insnCount(f)}) - 1)` : '');
  out.push('  try {');
  if (loops) out.push('  for (;; it++) {');
  emitBody({
    f, out, tlbBase, sync, reload, labelPrefix: '',
    exit: (slot) => {
      if (!loops) return `return ${slot};`;
      if (slot < 2 && (f.loopSlots & (1 << slot))) return `if (it < itMax) continue; return ${slot} | (it << 2);`;
      return `return ${slot} | (it << 2);`;
    },
  });
  if (loops) out.push(`  }\n  } catch (x) { s[XI] += it * ${insnCount(f)}; throw x;`);
  out.push(`  } finally { ${sync} }`);
  out.push('}');
  return out.join('\n');
}

/** One TB of a region: its IR and, for exits 0 and 1, the index of the member they lead to (-1: leave). */
export interface RegionMember { ir: IrFunc; next: [number, number] }

/**
 * A region may hold any TB: one that calls helpers (which may raise an interrupt line or ask
 * the loop to stop) continues to the next member only while neither is pending; helpers that
 * change modes end their TB with exit 2 or 3, which always leaves the region.
 */
export function regionEligible(_f: IrFunc): boolean { return true; }

/**
 * One function for a hot loop spanning several TBs (tier 3): the members' bodies are cases of
 * a switch, and an exit that leads to another member continues there without returning to the
 * exec loop (guest registers stay in locals). After REGION_CAP instructions, or at an exit that
 * leaves the region, it returns ~(member << 2 | exit) (a negative number) and adds the
 * instructions of the members it completed before that one to `s[XI]`.
 */
export function genRegionSource(members: RegionMember[], name: string, tlbBase = 0): string {
  const globals = usedGlobals(members.map(m => m.ir));
  const sync = globals.map(g => `s[${g}] = g${g};`).join(' ');
  const reload = globals.map(g => `g${g} = s[${g}];`).join(' ');
  const out: string[] = [`function ${name}(left) {`];
  declareLocals(out, globals, Math.max(...members.map(m => m.ir.nextLocal - GLOBAL_LIMIT)), ', m = 0, n = 0, k = 0');
  // Like a self-loop, a region stops at the run's instruction limit, as one TB at a time would.
  out.push(`  const lim = Math.min(${REGION_CAP}, left);`);
  out.push('  try {');
  out.push('  for (;;) {');
  out.push('  switch (m) {');
  members.forEach((mem, i) => {
    const icount = insnCount(mem.ir);
    const guard = hasImpureCalls(mem.ir) ? ' && !(X.exitRequest || X.irqLine)' : '';
    out.push(`  case ${i}: {`);
    emitBody({
      f: mem.ir, out, tlbBase, sync, reload, labelPrefix: `${i}_`,
      // Helpers may read the clock (rdtsc, timer ports), which counts instructions: the members
      // completed so far must be counted already, as they are outside regions.
      // `k` is the part of `n` already counted that way; `n` alone bounds the region's run.
      beforeCall: 'X.insns += n - k; k = n;',
      exit: (slot) => {
        const leave = `s[XI] += n - k; return ${~((i << 2) | slot)};`;
        const to = slot < 2 ? mem.next[slot] : -1;
        return to >= 0 ? `if (n + ${icount} < lim${guard}) { n += ${icount}; m = ${to}; continue; } ${leave}` : leave;
      },
    });
    out.push('  }');
  });
  out.push('  }');
  out.push('  }');
  out.push('  } catch (x) { s[XI] += n - k; throw x;');
  out.push(`  } finally { ${sync} }`);
  out.push('}');
  return out.join('\n');
}

const LOAD_VIEW = ['m8', 'm16', 'm32', '', 'i8', 'i16'];
const SHIFT = [0, 1, 2, 0, 0, 1];

/** The TLB index of address `a` in the half `tlbBase` (a TB runs at one privilege level). */
function tlbIndex(tlbBase: number): string { return tlbBase ? `(a >>> 12) | ${tlbBase}` : 'a >>> 12'; }

function genLoad(d: string, addr: string, memop: number, eip: number, tlbBase: number): string {
  const size = 1 << (memop & 3);
  const align = size - 1;
  const check = align ? `((e & 4095) | (a & ${align})) === 0` : `(e & 4095) === 0`;
  const idx = SHIFT[memop] ? `((e ^ a) >>> ${SHIFT[memop]})` : `((e ^ a) >>> 0)`;
  return `a = ${addr}; e = tlbR[${tlbIndex(tlbBase)}]; ${d} = ${check} ? ${LOAD_VIEW[memop]}[${idx}] : ldSlow(a, ${memop}, ${eip});`;
}

function genStore(addr: string, val: string, memop: number, eip: number, tlbBase: number): string {
  const size = 1 << (memop & 3);
  const align = size - 1;
  const check = align ? `((e & 4095) | (a & ${align})) === 0` : `(e & 4095) === 0`;
  const view = ['m8', 'm16', 'm32'][memop & 3];
  const idx = SHIFT[memop & 3] ? `((e ^ a) >>> ${SHIFT[memop & 3]})` : `((e ^ a) >>> 0)`;
  return `a = ${addr}; e = tlbW[${tlbIndex(tlbBase)}]; if (${check}) ${view}[${idx}] = ${val}; else stSlow(a, ${val}, ${memop}, ${eip});`;
}

/** Compile several TBs' functions with one `new Function` call. */
export function compileBatch(env: HostEnv, sources: string[], mulhu: (a: number, b: number) => number, mulhs: (a: number, b: number) => number): TbFunction[] {
  const nh = env.helpers.length;
  const hdecl: string[] = [];
  for (let i = 0; i < nh; i++) hdecl.push(`h${i} = H[${i}].fn`);
  const body = [
    "'use strict';",
    'const s = env.s, m8 = env.m8, i8 = env.i8, m16 = env.m16, i16 = env.i16, m32 = env.m32, tlbR = env.tlbR, tlbW = env.tlbW;',
    'const ldSlow = env.ldSlow, stSlow = env.stSlow, ctx = env.ctx, H = env.helpers, X = env.ctl, XI = env.extraInsns;',
    `const ${hdecl.join(', ')};`,
    ...sources,
    `return [${sources.map(src => /^function (\w+)/.exec(src)![1]).join(', ')}];`,
  ].join('\n');
  // eslint-disable-next-line no-new-func
  const make = new Function('env', 'mulhu', 'mulhs', body) as (e: HostEnv, a: typeof mulhu, b: typeof mulhs) => TbFunction[];
  return make(env, mulhu, mulhs);
}
