// The IR: 32-bit integer ops over temps, in the spirit of TCG.
//
// Temp ids encode their kind, so no lookup is needed on the hot path of the passes:
//   id <  GLOBAL_LIMIT  -> a guest-state global: index `id` of the CPU's Int32Array
//   id <  CONST_BASE    -> a TB-local temp
//   id >= CONST_BASE    -> a constant, value in IrFunc.consts[id - CONST_BASE]

export const GLOBAL_LIMIT = 256;
export const CONST_BASE = 1 << 20;

export type Temp = number;

export const enum Opc {
  mov, add, sub, mul, and, or, xor, shl, shr, sar, rotl, rotr,
  neg, not, ext8s, ext8u, ext16s, ext16u,
  mulhu, mulhs,          // high 32 bits of the 64-bit product
  setcond,               // d = cond(a, b) ? 1 : 0
  movcond,               // d = cond(a, b) ? c : e
  brcond,                // if cond(a, b) goto label
  br, label,
  ld,                    // d = guest memory [linear a], memop
  st,                    // guest memory [linear a] = b, memop
  call,                  // d = helper(args...)
  exit,                  // leave the TB through exit slot n (0/1: chainable, 2: lookup, 3: to loop)
  insn_start,            // marks a guest instruction: its eip (for faults and logs)
}

export const enum Cond { eq, ne, lt, ge, le, gt, ltu, geu, leu, gtu }
export const COND_NAMES = ['eq', 'ne', 'lt', 'ge', 'le', 'gt', 'ltu', 'geu', 'leu', 'gtu'];

/** Memory operation: log2 size in bits 0-1, sign-extend in bit 2. */
export const enum MemOp { U8 = 0, U16 = 1, U32 = 2, S8 = 4, S16 = 5 }

/** Helper call flags. */
export const enum CallFlags {
  /** Reads and writes no global and cannot fault: may be removed when its result is dead. */
  PURE = 1,
  /** Touches no global (but may fault or have side effects). */
  NO_GLOBALS = 2,
}

/** Helper index of a call op. */
export function callHelper(o: IrOp): number { return o.args[o.args.length - 1]; }

export interface IrOp {
  op: Opc;
  /** Outputs first, then inputs; immediates (cond, memop, label, helper index, exit slot) last. */
  args: number[];
}

export interface HelperInfo {
  name: string;
  fn: (...args: any[]) => number | void;
  flags: number;
  nargs: number;
  /**
   * A pure helper may also be given as IR, for backends that compile it instead of calling out
   * (wasm: a call into JavaScript costs more than the helper). Its arguments are the first
   * `nargs` temps of `f`, in order; it returns `result`; it has no globals, memory ops, calls
   * or exits, and its labels are forward targets, as in a TB.
   */
  body?: { f: IrFunc; result: Temp };
}

/** Number of output temps and of input temps for each opcode (the rest of args are immediates). */
export function opShape(o: IrOp): { nout: number; nin: number } {
  switch (o.op) {
    case Opc.mov: case Opc.neg: case Opc.not: case Opc.ext8s: case Opc.ext8u: case Opc.ext16s: case Opc.ext16u:
      return { nout: 1, nin: 1 };
    case Opc.setcond: return { nout: 1, nin: 2 };
    case Opc.movcond: return { nout: 1, nin: 4 };
    case Opc.brcond: return { nout: 0, nin: 2 };
    case Opc.br: case Opc.label: case Opc.exit: case Opc.insn_start: return { nout: 0, nin: 0 };
    case Opc.ld: return { nout: 1, nin: 1 };
    case Opc.st: return { nout: 0, nin: 2 };
    case Opc.call: {
      // args: [dest or -1, ...inputs, helper index]
      return { nout: 1, nin: o.args.length - 2 };
    }
    default: return { nout: 1, nin: 2 };
  }
}

export function isGlobal(t: Temp): boolean { return t >= 0 && t < GLOBAL_LIMIT; }
export function isConst(t: Temp): boolean { return t >= CONST_BASE; }
export function isLocal(t: Temp): boolean { return t >= GLOBAL_LIMIT && t < CONST_BASE; }

/** One translated block's IR, with the builder API used by the front end. */
export class IrFunc {
  ops: IrOp[] = [];
  consts: number[] = [];
  private constIds = new Map<number, Temp>();
  nextLocal = GLOBAL_LIMIT;
  nextLabel = 0;
  /** Exit slots (bit mask) that jump back to the TB's own start: the backend may loop there. */
  loopSlots = 0;

  constructor(readonly helpers: HelperInfo[], readonly globalNames: string[]) {}

  newTemp(): Temp { return this.nextLocal++; }
  newLabel(): number { return this.nextLabel++; }

  const(v: number): Temp {
    v |= 0;
    let id = this.constIds.get(v);
    if (id === undefined) {
      id = CONST_BASE + this.consts.length;
      this.consts.push(v);
      this.constIds.set(v, id);
    }
    return id;
  }
  constValue(t: Temp): number { return this.consts[t - CONST_BASE]; }

  emit(op: Opc, ...args: number[]): void { this.ops.push({ op, args }); }

  // Builders returning a fresh temp (gen* names: translation time).
  binop(op: Opc, a: Temp, b: Temp): Temp { const d = this.newTemp(); this.emit(op, d, a, b); return d; }
  unop(op: Opc, a: Temp): Temp { const d = this.newTemp(); this.emit(op, d, a); return d; }
  add(a: Temp, b: Temp): Temp { return this.binop(Opc.add, a, b); }
  sub(a: Temp, b: Temp): Temp { return this.binop(Opc.sub, a, b); }
  and(a: Temp, b: Temp): Temp { return this.binop(Opc.and, a, b); }
  or(a: Temp, b: Temp): Temp { return this.binop(Opc.or, a, b); }
  xor(a: Temp, b: Temp): Temp { return this.binop(Opc.xor, a, b); }
  shl(a: Temp, b: Temp): Temp { return this.binop(Opc.shl, a, b); }
  shr(a: Temp, b: Temp): Temp { return this.binop(Opc.shr, a, b); }
  sar(a: Temp, b: Temp): Temp { return this.binop(Opc.sar, a, b); }
  andi(a: Temp, v: number): Temp { return this.and(a, this.const(v)); }
  addi(a: Temp, v: number): Temp { return this.add(a, this.const(v)); }
  shri(a: Temp, v: number): Temp { return this.shr(a, this.const(v)); }
  shli(a: Temp, v: number): Temp { return this.shl(a, this.const(v)); }
  sari(a: Temp, v: number): Temp { return this.sar(a, this.const(v)); }
  mov(d: Temp, a: Temp): void { this.emit(Opc.mov, d, a); }
  copy(a: Temp): Temp { const d = this.newTemp(); this.emit(Opc.mov, d, a); return d; }
  setcond(c: Cond, a: Temp, b: Temp): Temp { const d = this.newTemp(); this.emit(Opc.setcond, d, a, b, c); return d; }
  movcond(c: Cond, a: Temp, b: Temp, t: Temp, f: Temp): Temp {
    const d = this.newTemp(); this.emit(Opc.movcond, d, a, b, t, f, c); return d;
  }
  brcond(c: Cond, a: Temp, b: Temp, label: number): void { this.emit(Opc.brcond, a, b, c, label); }
  br(label: number): void { this.emit(Opc.br, label); }
  setLabel(label: number): void { this.emit(Opc.label, label); }
  ld(addr: Temp, memop: MemOp): Temp { const d = this.newTemp(); this.emit(Opc.ld, d, addr, memop); return d; }
  st(addr: Temp, val: Temp, memop: MemOp): void { this.emit(Opc.st, addr, val, memop); }
  call(helper: number, args: Temp[], withResult = true): Temp {
    const d = withResult ? this.newTemp() : -1;
    this.ops.push({ op: Opc.call, args: [d, ...args, helper] });
    return d;
  }
  exit(slot: number): void { this.emit(Opc.exit, slot); }
  insnStart(eip: number): void { this.emit(Opc.insn_start, eip | 0); }
}
