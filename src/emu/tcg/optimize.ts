// Optimizer: constant folding, algebraic simplification and copy propagation
// (forward, per extended basic block), then dead-code elimination through liveness.
import { callHelper, CallFlags, Cond, CONST_BASE, GLOBAL_LIMIT, IrFunc, IrOp, isConst, Opc, opShape, Temp } from './ir';

export function evalCond(c: Cond, a: number, b: number): boolean {
  switch (c) {
    case Cond.eq: return a === b;
    case Cond.ne: return a !== b;
    case Cond.lt: return (a | 0) < (b | 0);
    case Cond.ge: return (a | 0) >= (b | 0);
    case Cond.le: return (a | 0) <= (b | 0);
    case Cond.gt: return (a | 0) > (b | 0);
    case Cond.ltu: return (a >>> 0) < (b >>> 0);
    case Cond.geu: return (a >>> 0) >= (b >>> 0);
    case Cond.leu: return (a >>> 0) <= (b >>> 0);
    case Cond.gtu: return (a >>> 0) > (b >>> 0);
  }
  return false;
}

/** Value of a pure arithmetic op on constants; undefined if `op` is not foldable. */
export function foldOp(op: Opc, a: number, b: number): number | undefined {
  switch (op) {
    case Opc.mov: return a | 0;
    case Opc.add: return (a + b) | 0;
    case Opc.sub: return (a - b) | 0;
    case Opc.mul: return Math.imul(a, b);
    case Opc.and: return a & b;
    case Opc.or: return a | b;
    case Opc.xor: return a ^ b;
    case Opc.shl: return a << b;
    case Opc.shr: return (a >>> b) | 0;
    case Opc.sar: return a >> b;
    case Opc.rotl: return (a << (b & 31)) | (a >>> ((32 - b) & 31));
    case Opc.rotr: return (a >>> (b & 31)) | (a << ((32 - b) & 31));
    case Opc.neg: return (-a) | 0;
    case Opc.not: return ~a;
    case Opc.ext8s: return (a << 24) >> 24;
    case Opc.ext8u: return a & 0xff;
    case Opc.ext16s: return (a << 16) >> 16;
    case Opc.ext16u: return a & 0xffff;
    case Opc.mulhu: return mulhu(a, b);
    case Opc.mulhs: return mulhs(a, b);
  }
  return undefined;
}

/** High 32 bits of the unsigned 64-bit product, exact with doubles. */
export function mulhu(a: number, b: number): number {
  const al = a & 0xffff, ah = a >>> 16, bl = b & 0xffff, bh = b >>> 16;
  const mid = ah * bl + ((al * bl) >>> 16);
  const mid2 = al * bh + (mid & 0xffff);
  return (ah * bh + Math.floor(mid / 65536) + Math.floor(mid2 / 65536)) | 0;
}
export function mulhs(a: number, b: number): number {
  return (mulhu(a, b) - (a < 0 ? b : 0) - (b < 0 ? a : 0)) | 0;
}

function isPureValueOp(op: Opc): boolean {
  return op <= Opc.movcond;
}

export function optimize(f: IrFunc): void {
  propagate(f);
  eliminateDead(f);
}

/**
 * Copies known at this point of the extended basic block: `t` reads as `copySrc[t]` while the
 * entry is of the current block (`copyEpoch`), neither temp was redefined since (`ver`), and,
 * when a global is involved, no helper call has clobbered the globals since (`copyGlobalEpoch`).
 * Versions make every kill O(1); the arrays live across TBs, so nothing is cleared per TB.
 */
let copyCap = 0;
let ver = new Int32Array(0), copySrc = ver, copyKeyVer = ver, copySrcVer = ver, copyEpochOf = ver, copyGlobalEpochOf = ver;
let epoch = 1, globalEpoch = 1;

function copyTables(n: number): void {
  if (n <= copyCap) return;
  copyCap = Math.max(n, copyCap * 2, 4096);
  ver = new Int32Array(copyCap); copySrc = new Int32Array(copyCap); copyKeyVer = new Int32Array(copyCap);
  copySrcVer = new Int32Array(copyCap); copyEpochOf = new Int32Array(copyCap); copyGlobalEpochOf = new Int32Array(copyCap);
}

/** An epoch counter's next value; before it wraps, the stamps compared with it are cleared. */
function bumpEpoch(e: number, stamps: Int32Array): number {
  if (e + 1 < 0x40000000) return e + 1;
  stamps.fill(0);
  return 1;
}

function copyOf(t: Temp): Temp {
  if (t < 0 || t >= CONST_BASE || copyEpochOf[t] !== epoch || copyKeyVer[t] !== ver[t]) return t;
  const s = copySrc[t];
  if (s < CONST_BASE && ver[s] !== copySrcVer[t]) return t;
  if ((t < GLOBAL_LIMIT || s < GLOBAL_LIMIT) && copyGlobalEpochOf[t] !== globalEpoch) return t;
  return s;
}

function propagate(f: IrFunc): void {
  copyTables(f.nextLocal);
  epoch = bumpEpoch(epoch, copyEpochOf);
  const out: IrOp[] = [];
  const cv = (t: Temp) => f.constValue(t);
  for (const o of f.ops) {
    const { nout, nin } = opShape(o);
    // Ops are rewritten in place: the unoptimized IR is translated again when it is wanted.
    const args = o.args;
    for (let i = nout; i < nout + nin; i++) args[i] = copyOf(args[i]);
    let n: IrOp = o;
    if (o.op === Opc.label) { epoch = bumpEpoch(epoch, copyEpochOf); out.push(n); continue; }
    if (o.op === Opc.call) {
      const flags = f.helpers[callHelper(n)].flags;
      if (!(flags & (CallFlags.PURE | CallFlags.NO_GLOBALS))) globalEpoch = bumpEpoch(globalEpoch, copyGlobalEpochOf);
      if (args[0] >= 0) ver[args[0]]++;
      out.push(n);
      continue;
    }
    if (o.op === Opc.brcond && isConst(args[0]) && isConst(args[1])) {
      if (evalCond(args[2], cv(args[0]), cv(args[1]))) out.push({ op: Opc.br, args: [args[3]] });
      continue;
    }
    if (isPureValueOp(o.op)) n = simplify(f, n);
    if (nout === 1 && args[0] >= 0) {
      const d = n.args[0], src = n.args[1];
      ver[d]++;
      if (n.op === Opc.mov) {
        if (src === d) continue;
        copySrc[d] = src; copyKeyVer[d] = ver[d]; copyEpochOf[d] = epoch; copyGlobalEpochOf[d] = globalEpoch;
        if (src < CONST_BASE) copySrcVer[d] = ver[src];
      }
    }
    out.push(n);
  }
  f.ops = out;
}

/** Constant-fold and simplify one pure op; returns the op to keep. */
function simplify(f: IrFunc, o: IrOp): IrOp {
  const a = o.args;
  const d = a[0];
  const mov = (src: Temp): IrOp => ({ op: Opc.mov, args: [d, src] });
  const k = (v: number): IrOp => mov(f.const(v));
  const c1 = isConst(a[1]), c2 = a.length > 2 && isConst(a[2]);
  const v1 = c1 ? f.constValue(a[1]) : 0, v2 = c2 ? f.constValue(a[2]) : 0;
  switch (o.op) {
    case Opc.setcond:
      if (c1 && c2) return k(evalCond(a[3], v1, v2) ? 1 : 0);
      return o;
    case Opc.movcond:
      if (c1 && c2) return mov(evalCond(a[5], v1, v2) ? a[3] : a[4]);
      if (a[3] === a[4]) return mov(a[3]);
      return o;
    case Opc.mov: case Opc.neg: case Opc.not: case Opc.ext8s: case Opc.ext8u: case Opc.ext16s: case Opc.ext16u:
      if (c1) return k(foldOp(o.op, v1, 0)!);
      return o;
  }
  if (c1 && c2) {
    const v = foldOp(o.op, v1, v2);
    if (v !== undefined) return k(v);
  }
  switch (o.op) {
    case Opc.add: case Opc.or: case Opc.xor:
      if (c2 && v2 === 0) return mov(a[1]);
      if (c1 && v1 === 0) return mov(a[2]);
      if (o.op === Opc.xor && a[1] === a[2]) return k(0);
      if (o.op === Opc.or && a[1] === a[2]) return mov(a[1]);
      break;
    case Opc.sub:
      if (c2 && v2 === 0) return mov(a[1]);
      if (a[1] === a[2]) return k(0);
      break;
    case Opc.shl: case Opc.shr: case Opc.sar: case Opc.rotl: case Opc.rotr:
      if (c2 && (v2 & 31) === 0) return mov(a[1]);
      break;
    case Opc.and:
      if ((c2 && v2 === 0) || (c1 && v1 === 0)) return k(0);
      if (c2 && v2 === -1) return mov(a[1]);
      if (c1 && v1 === -1) return mov(a[2]);
      if (a[1] === a[2]) return mov(a[1]);
      break;
    case Opc.mul:
      if ((c2 && v2 === 0) || (c1 && v1 === 0)) return k(0);
      if (c2 && v2 === 1) return mov(a[1]);
      if (c1 && v1 === 1) return mov(a[2]);
      break;
  }
  return o;
}

/** Liveness slot of each global written in the TB being swept (-1: not written), kept across TBs. */
const liveSlotOfGlobal = new Int32Array(GLOBAL_LIMIT).fill(-1);
let deadLive = new Uint8Array(256), deadAtLabel = new Uint8Array(4096), deadLabelMet = new Uint8Array(64);

/**
 * Backward liveness. Globals are live at every exit and at every op that can fault or call
 * out (the CPU state must be exact there). Branches are forward only, so walking backward
 * we meet a label before the branches to it, and know its live set exactly.
 *
 * Only a write can be dead, so liveness is kept for the globals the TB writes (slots 0 ..
 * nGlobals - 1) and its temps (the slots after): a few dozen slots, not the whole state.
 */
function eliminateDead(f: IrFunc): void {
  const ops = f.ops;
  const written: number[] = [];
  for (const o of ops) {
    const d = o.args[0];
    if (d >= 0 && d < GLOBAL_LIMIT && opShape(o).nout && liveSlotOfGlobal[d] < 0) {
      liveSlotOfGlobal[d] = written.length;
      written.push(d);
    }
  }
  const nGlobals = written.length, size = nGlobals + f.nextLocal - GLOBAL_LIMIT;
  // The liveness slot of a temp or global; -1 for constants and globals never written (always live).
  const slot = (t: Temp): number => (t >= CONST_BASE || t < 0 ? -1 : t < GLOBAL_LIMIT ? liveSlotOfGlobal[t] : nGlobals + t - GLOBAL_LIMIT);
  // Scratch arrays reused across TBs: the live set, its copy at each label, and whether the label was met.
  if (deadLive.length < size) deadLive = new Uint8Array(size * 2);
  if (deadAtLabel.length < size * f.nextLabel) deadAtLabel = new Uint8Array(size * f.nextLabel * 2);
  if (deadLabelMet.length < f.nextLabel) deadLabelMet = new Uint8Array(f.nextLabel * 2);
  const live = deadLive, atLabel = deadAtLabel, met = deadLabelMet;
  // Plain loops: the sets are a few dozen bytes, less than a call of TypedArray fill costs.
  const globalsLive = () => { for (let j = 0; j < nGlobals; j++) live[j] = 1; };
  const allLive = () => { for (let j = 0; j < size; j++) live[j] = 1; };
  for (let j = 0; j < size; j++) live[j] = 0;
  for (let j = 0; j < f.nextLabel; j++) met[j] = 0;
  const kept: IrOp[] = [];
  for (let i = ops.length - 1; i >= 0; i--) {
    const o = ops[i];
    const { nout, nin } = opShape(o);
    switch (o.op) {
      case Opc.exit:
        for (let j = nGlobals; j < size; j++) live[j] = 0;
        globalsLive();
        kept.push(o);
        continue;
      case Opc.label: {
        const l = o.args[0];
        for (let j = 0, b = l * size; j < size; j++) atLabel[b + j] = live[j];
        met[l] = 1;
        kept.push(o);
        continue;
      }
      case Opc.br: {
        const l = o.args[0];
        if (met[l]) for (let j = 0, b = l * size; j < size; j++) live[j] = atLabel[b + j];
        else allLive();
        kept.push(o);
        continue;
      }
      case Opc.brcond: {
        const l = o.args[3];
        if (met[l]) for (let j = 0, b = l * size; j < size; j++) live[j] |= atLabel[b + j];
        else allLive();
        break;
      }
      case Opc.ld: case Opc.st: globalsLive(); break;
      case Opc.call: {
        const flags = f.helpers[callHelper(o)].flags;
        if (flags & CallFlags.PURE) {
          if (o.args[0] < 0 || !live[slot(o.args[0])]) continue;
        } else globalsLive();
        break;
      }
      case Opc.insn_start: kept.push(o); continue;
      default:
        if (nout === 1 && !live[slot(o.args[0])]) continue;
    }
    for (let j = 0; j < nout; j++) { const x = slot(o.args[j]); if (x >= 0) live[x] = 0; }
    for (let j = nout; j < nout + nin; j++) { const x = slot(o.args[j]); if (x >= 0) live[x] = 1; }
    kept.push(o);
  }
  for (const g of written) liveSlotOfGlobal[g] = -1;
  f.ops = kept.reverse();
}
