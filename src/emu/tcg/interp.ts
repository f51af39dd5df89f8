// The IR interpreter: the reference backend and the first tier.
// A TB's optimized IR is assembled once into a flat Int32Array; operands are encoded as
// `x >= 0` -> frame slot (locals and constants), `x < 0` -> guest state slot ~x.
import { evalCond, mulhs, mulhu } from './optimize';
import { CONST_BASE, GLOBAL_LIMIT, HelperInfo, IrFunc, Opc, opShape } from './ir';

/** Guest memory as the backends see it: linear addresses; eip of the instruction for faults. */
export interface GuestMemory {
  ld(addr: number, memop: number, eip: number): number;
  st(addr: number, value: number, memop: number, eip: number): void;
}

export interface InterpCode {
  code: Int32Array;
  frame: Int32Array;
}

/** Assembly buffers, reused from TB to TB (a TB's code is copied out of them). */
let asmCode = new Int32Array(1024);
let asmLabels = new Int32Array(64);
let asmFixups = new Int32Array(64);
/**
 * TBs' code and frames are views of shared arenas: a typed array of its own costs a backing
 * store allocation (about a microsecond), more than assembling the TB. An arena is freed when
 * no TB uses it any more.
 */
const ARENA_WORDS = 1 << 16;
let arena = new Int32Array(ARENA_WORDS), arenaUsed = 0;
function arenaAlloc(words: number): Int32Array {
  if (words > ARENA_WORDS >> 4) return new Int32Array(words);
  if (arenaUsed + words > ARENA_WORDS) { arena = new Int32Array(ARENA_WORDS); arenaUsed = 0; }
  const view = arena.subarray(arenaUsed, arenaUsed + words);
  arenaUsed += words;
  return view;
}
export function assemble(f: IrFunc): InterpCode {
  const nLocals = f.nextLocal - GLOBAL_LIMIT;
  const enc = (t: number): number => {
    if (t < 0) return 0;
    if (t < GLOBAL_LIMIT) return ~t;
    if (t < CONST_BASE) return t - GLOBAL_LIMIT;
    return nLocals + (t - CONST_BASE);
  };
  // At most 3 words besides the args per op (a call's dest, helper and count; a one-input op's pad).
  let words = 0, branches = 0;
  for (const o of f.ops) { words += o.args.length + 3; if (o.op === Opc.br || o.op === Opc.brcond) branches++; }
  if (asmCode.length < words) asmCode = new Int32Array(words * 2);
  if (asmLabels.length < f.nextLabel) asmLabels = new Int32Array(f.nextLabel * 2);
  if (asmFixups.length < branches * 2) asmFixups = new Int32Array(branches * 4);
  const code = asmCode, labelPos = asmLabels, fixups = asmFixups;
  let n = 0, nFix = 0;
  for (const o of f.ops) {
    const a = o.args;
    switch (o.op) {
      case Opc.label: labelPos[a[0]] = n; break;
      case Opc.br: code[n++] = o.op; fixups[nFix++] = n; fixups[nFix++] = a[0]; code[n++] = 0; break;
      case Opc.brcond:
        code[n++] = o.op; code[n++] = enc(a[0]); code[n++] = enc(a[1]); code[n++] = a[2];
        fixups[nFix++] = n; fixups[nFix++] = a[3]; code[n++] = 0;
        break;
      case Opc.exit: case Opc.insn_start: code[n++] = o.op; code[n++] = a[0]; break;
      case Opc.setcond: code[n++] = o.op; code[n++] = enc(a[0]); code[n++] = enc(a[1]); code[n++] = enc(a[2]); code[n++] = a[3]; break;
      case Opc.movcond:
        code[n++] = o.op;
        for (let i = 0; i < 5; i++) code[n++] = enc(a[i]);
        code[n++] = a[5];
        break;
      case Opc.ld: case Opc.st: code[n++] = o.op; code[n++] = enc(a[0]); code[n++] = enc(a[1]); code[n++] = a[2]; break;
      case Opc.call: {
        // dest (or a scratch slot), helper index, nargs, args
        code[n++] = o.op; code[n++] = a[0] < 0 ? -(1 << 30) : enc(a[0]); code[n++] = a[a.length - 1]; code[n++] = a.length - 2;
        for (let i = 1; i < a.length - 1; i++) code[n++] = enc(a[i]);
        break;
      }
      default: {
        const { nout, nin } = opShape(o);
        code[n++] = o.op;
        for (let i = 0; i < nout + nin; i++) code[n++] = enc(a[i]);
        if (nin === 1) code[n++] = 0;
      }
    }
  }
  for (let i = 0; i < nFix; i += 2) code[fixups[i]] = labelPos[fixups[i + 1]];
  const frameWords = nLocals + f.consts.length, both = arenaAlloc(n + frameWords);
  both.set(code.subarray(0, n));
  const frame = both.subarray(n);
  frame.set(f.consts, nLocals);
  return { code: both.subarray(0, n), frame };
}

/** Run one TB's code; returns the exit slot taken. */
export function interpret(ic: InterpCode, s: Int32Array, mem: GuestMemory, helpers: HelperInfo[], ctx: unknown): number {
  const code = ic.code, t = ic.frame;
  let pc = 0, eip = 0;
  const rd = (x: number): number => (x >= 0 ? t[x] : s[~x]);
  const wr = (x: number, v: number): void => { if (x >= 0) t[x] = v; else if (x !== -(1 << 30)) s[~x] = v; };
  for (;;) {
    const op = code[pc];
    switch (op) {
      case Opc.insn_start: eip = code[pc + 1]; pc += 2; continue;
      case Opc.exit: return code[pc + 1];
      case Opc.br: pc = code[pc + 1]; continue;
      case Opc.brcond:
        pc = evalCond(code[pc + 3], rd(code[pc + 1]), rd(code[pc + 2])) ? code[pc + 4] : pc + 5;
        continue;
      case Opc.setcond:
        wr(code[pc + 1], evalCond(code[pc + 4], rd(code[pc + 2]), rd(code[pc + 3])) ? 1 : 0);
        pc += 5; continue;
      case Opc.movcond:
        wr(code[pc + 1], evalCond(code[pc + 6], rd(code[pc + 2]), rd(code[pc + 3])) ? rd(code[pc + 4]) : rd(code[pc + 5]));
        pc += 7; continue;
      case Opc.ld: wr(code[pc + 1], mem.ld(rd(code[pc + 2]), code[pc + 3], eip)); pc += 4; continue;
      case Opc.st: mem.st(rd(code[pc + 1]), rd(code[pc + 2]), code[pc + 3], eip); pc += 4; continue;
      case Opc.call: {
        const h = helpers[code[pc + 2]];
        const n = code[pc + 3];
        const b = pc + 4;
        let r: number | void;
        switch (n) {
          case 0: r = h.fn(ctx); break;
          case 1: r = h.fn(ctx, rd(code[b])); break;
          case 2: r = h.fn(ctx, rd(code[b]), rd(code[b + 1])); break;
          case 3: r = h.fn(ctx, rd(code[b]), rd(code[b + 1]), rd(code[b + 2])); break;
          case 4: r = h.fn(ctx, rd(code[b]), rd(code[b + 1]), rd(code[b + 2]), rd(code[b + 3])); break;
          default: {
            const args: number[] = [];
            for (let i = 0; i < n; i++) args.push(rd(code[b + i]));
            r = h.fn(ctx, ...args);
          }
        }
        wr(code[pc + 1], (r as number) | 0);
        pc = b + n; continue;
      }
      default: {
        const a = rd(code[pc + 2]), b = rd(code[pc + 3]);
        let v: number;
        switch (op) {
          case Opc.mov: v = a; break;
          case Opc.add: v = (a + b) | 0; break;
          case Opc.sub: v = (a - b) | 0; break;
          case Opc.mul: v = Math.imul(a, b); break;
          case Opc.and: v = a & b; break;
          case Opc.or: v = a | b; break;
          case Opc.xor: v = a ^ b; break;
          case Opc.shl: v = a << b; break;
          case Opc.shr: v = (a >>> b) | 0; break;
          case Opc.sar: v = a >> b; break;
          case Opc.rotl: v = (a << (b & 31)) | (a >>> ((32 - b) & 31)); break;
          case Opc.rotr: v = (a >>> (b & 31)) | (a << ((32 - b) & 31)); break;
          case Opc.neg: v = (-a) | 0; break;
          case Opc.not: v = ~a; break;
          case Opc.ext8s: v = (a << 24) >> 24; break;
          case Opc.ext8u: v = a & 0xff; break;
          case Opc.ext16s: v = (a << 16) >> 16; break;
          case Opc.ext16u: v = a & 0xffff; break;
          case Opc.mulhu: v = mulhu(a, b); break;
          case Opc.mulhs: v = mulhs(a, b); break;
          default: throw new Error(`interp: bad opcode ${op} at ${pc}`);
        }
        wr(code[pc + 1], v);
        pc += 4; continue;
      }
    }
  }
}
