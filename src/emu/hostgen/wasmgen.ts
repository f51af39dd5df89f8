// IR -> WebAssembly. V8 compiles a wasm function with its baseline compiler (Liftoff) in
// microseconds and runs it as machine code at once, where a JavaScript TB runs in the bytecode
// interpreter until TurboFan gets to it: for the many TBs that run a few hundred times (kernel
// initialisation, user programs) this is an order of magnitude faster per execution.
//
// Guest RAM, the TLBs and the CPU state live in one WebAssembly.Memory (see mmu.ts). A TB's
// globals are wasm locals, loaded on entry and stored back by the epilogue every exit goes
// through and before every call that may throw (slow memory paths, helpers), so that a fault
// leaves the state exact without a `finally`. The code is the same as the JavaScript backend's (jsgen.ts), op for op.
import { availableParallelism, cpus } from 'os';
import { setFlagsFromString } from 'v8';
import { CallFlags, Cond, CONST_BASE, GLOBAL_LIMIT, HelperInfo, IrFunc, Opc, opShape } from '../tcg/ir';
import { ByteWriter, oneFunctionModule, wasmModule as module } from './wasm-writer';
import { hasImpureCalls, insnCount, REGION_CAP, TbFunction, usedGlobals } from './jsgen';
import { unitRegions } from './wasm-region';

/** Byte offsets of the TLB halves and the CPU state inside the wasm memory (RAM is at 0). */
export interface WasmLayout {
  tlbR: number; tlbW: number; state: number;
  /** The extra-instructions word, and the word that is non-zero while the exec loop must see the next TB. */
  extra: number; pending: number;
  /** EIP, and the word a TB leaving before a TLB miss sets to 1 + the instructions it completed. */
  eip: number; restart: number;
}

export interface WasmEnv {
  memory: WebAssembly.Memory;
  layout: WasmLayout;
  ldSlow: (addr: number, memop: number, eip: number) => number;
  stSlow: (addr: number, value: number, memop: number, eip: number) => void;
  helpers: HelperInfo[];
  ctx: unknown;
  /** Loops and regions: add n completed instructions to the run's count (before a helper, which may read the clock). */
  count: (n: number) => void;
}

/**
 * What to compile together: one TB (`members` of one), or a page unit, whose members are
 * functions of one module that go on to each other by tail calls. `compile` returns one
 * function per member.
 */
export interface WasmTb { members: WasmMember[]; tlbBase: number }

const I32 = 0x7f;
const enum W {
  block = 0x02, loop = 0x03, if_ = 0x04, else_ = 0x05, end = 0x0b, br = 0x0c, br_if = 0x0d, return_ = 0x0f, call = 0x10, return_call = 0x12,
  call_indirect = 0x11, drop = 0x1a, select = 0x1b, local_get = 0x20, local_set = 0x21,
  i32_load = 0x28, i32_load8_s = 0x2c, i32_load8_u = 0x2d, i32_load16_s = 0x2e, i32_load16_u = 0x2f,
  i32_store = 0x36, i32_store8 = 0x3a, i32_store16 = 0x3b, i32_const = 0x41, i64_const = 0x42,
  i32_eqz = 0x45, i32_lt_s = 0x48, i32_add = 0x6a, i32_sub = 0x6b, i32_mul = 0x6c, i32_and = 0x71, i32_or = 0x72, i32_xor = 0x73,
  i32_shl = 0x74, i32_shr_s = 0x75, i32_shr_u = 0x76, i32_rotl = 0x77, i32_rotr = 0x78,
  i64_mul = 0x7e, i64_shr_s = 0x87, i64_shr_u = 0x88, i32_wrap_i64 = 0xa7, i64_extend_i32_s = 0xac, i64_extend_i32_u = 0xad,
  i32_extend8_s = 0xc0, i32_extend16_s = 0xc1,
}

const CMP: Record<number, number> = {
  [Cond.eq]: 0x46, [Cond.ne]: 0x47, [Cond.lt]: 0x48, [Cond.ltu]: 0x49, [Cond.gt]: 0x4a, [Cond.gtu]: 0x4b,
  [Cond.le]: 0x4c, [Cond.leu]: 0x4d, [Cond.ge]: 0x4e, [Cond.geu]: 0x4f,
};
const BINOP: Partial<Record<Opc, number>> = {
  [Opc.add]: W.i32_add, [Opc.sub]: W.i32_sub, [Opc.mul]: W.i32_mul, [Opc.and]: W.i32_and, [Opc.or]: W.i32_or,
  [Opc.xor]: W.i32_xor, [Opc.shl]: W.i32_shl, [Opc.shr]: W.i32_shr_u, [Opc.sar]: W.i32_shr_s,
  [Opc.rotl]: W.i32_rotl, [Opc.rotr]: W.i32_rotr,
};
/** Loads by memop (log2 size | signed << 2) and stores by log2 size. */
const LOAD = [W.i32_load8_u, W.i32_load16_u, W.i32_load, 0, W.i32_load8_s, W.i32_load16_s];
const STORE = [W.i32_store8, W.i32_store16, W.i32_store];

/** Appends a function type of `params` i32 parameters and `results` (0 or 1) i32 results. */
function i32FuncType(types: ByteWriter, params: number, results: number): void {
  types.byte(0x60); types.u32(params); for (let i = 0; i < params; i++) types.byte(I32);
  types.u32(results); if (results) types.byte(I32);
}

/**
 * The `open` markers of the epilogue's block and of the block before each region node's code
 * (NODE_BLOCK - position); labels are >= 0, the loop -1, an if -100.
 */
const EPILOGUE = -200;
const NODE_BLOCK = -1000;

/**
 * TB modules call out through a shared table of wasm functions (`call_indirect`): ldSlow,
 * stSlow and count at these entries, each helper at the entry `WasmBackend.callEntry` gives it,
 * and the type of each (TB module type indices): 1 ldSlow, 2 stSlow, 3 count, 4 + n a helper of
 * n arguments. A module that imported the JavaScript functions themselves had V8 compile a
 * wasm-to-JavaScript wrapper for each import, with TurboFan, when the module was compiled and
 * again when it was instantiated: more than compiling its TBs took.
 */
const ENTRY_LD = 0, ENTRY_ST = 1, ENTRY_COUNT = 2, FIXED_ENTRIES = 3;
const TYPE_LD = 1, TYPE_ST = 2, TYPE_COUNT = 3, HELPER_TYPE = 4;

/**
 * Globals a TB writes before it reads them, before any branch or exit: their entry loads are
 * dead (a wasm load cannot be dropped by the compiler, since it may trap). Until that write the
 * global is not dirty, so nothing stores its (unloaded) local.
 */
function writtenFirst(f: IrFunc): Set<number> {
  const read = new Set<number>(), first = new Set<number>();
  for (const o of f.ops) {
    if (o.op === Opc.label || o.op === Opc.br || o.op === Opc.brcond || o.op === Opc.exit) break;
    const { nout, nin } = opShape(o);
    for (let i = nout; i < nout + nin; i++) if (o.args[i] >= 0 && o.args[i] < GLOBAL_LIMIT) read.add(o.args[i]);
    const d = o.args[0];
    if (nout && d >= 0 && d < GLOBAL_LIMIT && !read.has(d)) first.add(d);
  }
  return first;
}

/**
 * Whether this host's WebAssembly has tail calls (V8 11.2, Node 20; behind a flag in Node 18):
 * page units need them, single TBs do not.
 */
export const TAIL_CALLS = WebAssembly.validate(new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // (module
  0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7f, //         (type (func (result i32)))
  0x03, 0x02, 0x01, 0x00, //                           (func (type 0)
  0x0a, 0x06, 0x01, 0x04, 0x00, 0x12, 0x00, 0x0b, //     return_call 0))
]));

/**
 * One TB to compile: its IR and, for exits 0 and 1, the member of the same WasmTb they lead to
 * (-1: none). `missExit`: a load or store that misses the TLB leaves the TB before its
 * instruction (EIP at it, `restart` set) instead of calling the slow path, which the exec loop
 * then runs as a one-instruction TB. With no call on the fast path, V8's optimizing compiler
 * keeps the TB's values in registers: a call clobbers them all, so TurboFan spilled every value
 * live across a slow-path call to the stack on the fast path too.
 */
export interface WasmMember { ir: IrFunc; next: [number, number]; missExit?: boolean }

/** A member that leads to itself loops inside its function. */
export const isLoop = (members: WasmMember[]): boolean => members.length === 1 && members[0].next.some(n => n === 0);

/**
 * Emits the function of one TB: (left) -> exit, `left` being the instructions the run may still
 * execute. An exit to itself loops inside the function (the guest registers stay in locals);
 * an exit to another member of its page unit is a tail call (return_call) to that member's
 * function, as QEMU's chained TBs jump to each other. Before a tail call the state is stored and
 * the instructions done are added to the state's extra word (as a loop adds its iterations when
 * it leaves); a unit's member returns ~(member << 2 | exit) to name itself, any other TB its
 * exit. (One function switching over all the members of a unit, kept before, had its registers
 * spilled at every member change by V8's optimizing compiler: separate small functions run the
 * Linux decompressor about 1.5x faster.)
 */
class BodyGen {
  private readonly w = new ByteWriter();
  private readonly globals: number[];
  private readonly globalLocal = new Map<number, number>();
  /**
   * Globals that may differ from the state memory here: only these are stored back before an
   * exit or a call that may fault. A straight TB marks a global when it writes it (a monotone
   * set: a write on a branch not taken only costs a store); a loop marks every global it writes,
   * since an iteration may start after any other.
   */
  private readonly dirty = new Set<number>();
  private readonly temps: number;
  private readonly localA: number;
  private readonly localE: number;
  private readonly localN: number;
  private readonly localK: number;
  /** The exit code, for the epilogue every exit branches to. */
  private readonly localX: number;
  /**
   * Globals whose entry load was skipped (written first) and not written yet at this point of
   * the code: a miss exit before their write loads them, since the epilogue stores them.
   */
  private readonly unloaded = new Set<number>();
  private readonly open: number[] = [];
  /** An edge back to the region's root: the function loops. */
  private readonly looping: boolean;
  /**
   * Whether localN counts instructions of TBs completed in this call (a loop's iterations, the
   * nodes of a region gone through) that the extra word does not have yet (those up to localK).
   */
  private readonly counting: boolean;
  /** The node being emitted: member `index` of `unit`, its IR and instruction count. */
  private index: number;
  private member: WasmMember;
  private f!: IrFunc;
  private icount: number;

  /**
   * `region`: the members this function holds, its root (the member it is the function of)
   * first, in an order where every edge between them goes forward but those back to the root
   * (unitRegions). `helperParams`: compile a helper's IR body (HelperInfo.body) taking that many
   * arguments. `helperEntry(hi, nargs)`: the call-table entry of a helper. `fnOf(i)`: the
   * function index of member i of the unit.
   */
  constructor(private readonly unit: WasmMember[], private readonly region: number[], private readonly tlbBase: number,
    private readonly layout: WasmLayout,
    private readonly helperEntry: (hi: number, nargs: number) => number, private readonly fnOf: (i: number) => number,
    helperParams = -1) {
    this.index = region[0];
    this.member = unit[this.index];
    this.icount = insnCount(this.member.ir);
    const irs = region.map(i => unit[i].ir);
    this.looping = region.some(i => unit[i].next.some(n => n === region[0]));
    this.counting = this.looping || region.length > 1;
    if (this.looping) {
      for (const ir of irs) {
        for (const o of ir.ops) {
          const { nout } = opShape(o);
          if (nout && o.args[0] >= 0 && o.args[0] < GLOBAL_LIMIT) this.dirty.add(o.args[0]);
        }
      }
    }
    const params = helperParams >= 0 ? 0 : 1;
    this.globals = usedGlobals(irs);
    this.globals.forEach((g, i) => this.globalLocal.set(g, params + i));
    this.temps = params + this.globals.length;
    // Temps live within a TB: the region's nodes share them.
    this.localA = this.temps + Math.max(...irs.map(ir => ir.nextLocal)) - GLOBAL_LIMIT;
    this.localE = this.localA + 1;
    this.localN = this.localE + 1;
    this.localK = this.localN + 1;
    this.localX = this.localK + 1;
  }

  private local(t: number): number {
    return t < GLOBAL_LIMIT ? this.globalLocal.get(t)! : this.temps + (t - GLOBAL_LIMIT);
  }
  private lget(i: number): void { this.w.byte(W.local_get); this.w.u32(i); }
  private lset(i: number): void { this.w.byte(W.local_set); this.w.u32(i); }
  private get(t: number): void {
    if (t >= CONST_BASE) this.k(this.f.constValue(t)); else this.lget(this.local(t));
  }
  private set(t: number): void {
    if (t < GLOBAL_LIMIT) { this.dirty.add(t); this.unloaded.delete(t); }
    this.lset(this.local(t));
  }
  private op(b: number): void { this.w.byte(b); }
  /** Call entry `entry` of the shared call table, of type `type`. */
  private callOut(entry: number, type: number): void { this.k(entry); this.w.byte(W.call_indirect); this.w.u32(type); this.w.byte(0); }
  private k(v: number): void { this.w.byte(W.i32_const); this.w.s32(v); }
  private mem(opcode: number, align: number, offset: number): void { this.w.byte(opcode); this.w.u32(align); this.w.u32(offset); }
  private loadAbs(addr: number): void { this.k(0); this.mem(W.i32_load, 2, addr); }

  private sync(): void {
    for (const g of this.globals) {
      if (!this.dirty.has(g)) continue;
      this.k(0);
      this.lget(this.globalLocal.get(g)!);
      this.mem(W.i32_store, 2, this.layout.state + g * 4);
    }
  }
  private reload(skip?: Set<number>): void {
    for (const g of this.globals) {
      if (skip?.has(g)) continue;
      this.loadAbs(this.layout.state + g * 4);
      this.lset(this.globalLocal.get(g)!);
    }
  }
  /**
   * extra += (a loop or a region: the instructions of the TBs completed since the last count,
   * n - k) + `plus`. Only those have counts to add without `plus`.
   */
  private addExtra(plus: number): void {
    if (!this.counting && !plus) return;
    this.k(0);
    this.loadAbs(this.layout.extra);
    if (this.counting) { this.lget(this.localN); this.lget(this.localK); this.op(W.i32_sub); this.op(W.i32_add); }
    if (plus) { this.k(plus); this.op(W.i32_add); }
    this.mem(W.i32_store, 2, this.layout.extra);
  }
  /** A loop or a region: add the instructions completed since the last count to the extra word; k = n. */
  private flushExtra(): void {
    if (!this.counting) return;
    this.addExtra(0);
    this.lget(this.localN); this.lset(this.localK);
  }
  /**
   * Leave through exit `slot`: to the epilogue, which counts a loop's or a region's TBs, stores the
   * state and returns the exit code. One store sequence per function, not one per exit: the
   * epilogue stores every global the TB writes anywhere, and on a path that has not written one
   * its local still holds the value loaded at entry (or by a miss exit, see `unloaded`).
   */
  private leave(slot: number): void {
    this.k(this.unit.length > 1 ? ~((this.index << 2) | slot) : slot);
    this.lset(this.localX);
    this.w.byte(W.br); this.w.u32(this.depth(EPILOGUE));
  }
  private epilogue(): void {
    this.flushExtra();
    this.sync();
    this.lget(this.localX);
  }

  /**
   * Leave before instruction `insn` (at `eip`), which the exec loop runs alone next: the state
   * is that of its start (the translator orders each instruction's accesses before its register
   * writes, as a fault needs), the instructions done are insn (the exec loop adds this TB's count).
   */
  private leaveBefore(insn: number, eip: number): void {
    for (const g of this.unloaded) { this.loadAbs(this.layout.state + g * 4); this.lset(this.globalLocal.get(g)!); }
    // A loop's or a region's uncounted TBs are added by the epilogue.
    const plus = insn - this.icount;
    if (plus) { this.k(0); this.loadAbs(this.layout.extra); this.k(plus); this.op(W.i32_add); this.mem(W.i32_store, 2, this.layout.extra); }
    // EIP through its local when the TB has one: the epilogue stores the locals last.
    const eipGlobal = (this.layout.eip - this.layout.state) >> 2;
    if (this.globalLocal.has(eipGlobal)) { this.k(eip); this.set(eipGlobal); } else { this.k(0); this.k(eip); this.mem(W.i32_store, 2, this.layout.eip); }
    this.k(0); this.k(insn + 1); this.mem(W.i32_store, 2, this.layout.restart);
    this.leave(3);
  }

  /**
   * Leaves `((e & 4095) | crossesPage) === 0` on the stack after loading the TLB entry into e. A
   * misaligned access within the page is fast (wasm loads and stores need no alignment): only one
   * that crosses into the next page takes the slow path. It crosses when its first and last
   * bytes differ above bit 11: `(a ^ (a + size - 1)) & -4096`, which has no bit in common with
   * `e & 4095`, so one `or` tests both (two host instructions fewer than a compare and a setcc).
   */
  private tlbCheck(tlbOffset: number, size: number): void {
    this.lget(this.localA);
    this.k(12); this.op(W.i32_shr_u);
    if (this.tlbBase) { this.k(this.tlbBase); this.op(W.i32_or); }
    this.k(2); this.op(W.i32_shl);
    this.mem(W.i32_load, 2, tlbOffset);
    this.lset(this.localE);
    this.lget(this.localE);
    this.k(4095); this.op(W.i32_and);
    if (size > 1) {
      this.lget(this.localA);
      this.lget(this.localA); this.k(size - 1); this.op(W.i32_add);
      this.op(W.i32_xor); this.k(-4096); this.op(W.i32_and);
      this.op(W.i32_or);
    }
    this.op(W.i32_eqz);
  }
  /** The host address `e ^ a` (RAM is at offset 0 of the memory). */
  private hostAddr(): void {
    this.lget(this.localE);
    this.lget(this.localA);
    this.op(W.i32_xor);
  }

  private cmp(c: Cond, a: number, b: number): void { this.get(a); this.get(b); this.op(CMP[c]); }
  private depth(label: number): number { return this.open.length - 1 - this.open.lastIndexOf(label); }

  /** A helper's body: its arguments are its first temps (wasm params), it returns `result`. */
  generateHelper(nargs: number, result: number): ByteWriter {
    const { w } = this;
    if (this.globals.length) throw new Error('wasmgen: a helper body uses globals');
    w.u32(1); w.u32(this.localK + 1 - nargs); w.byte(I32);
    this.body(() => { this.get(result); this.op(W.return_); });
    this.op(W.end);
    return w;
  }

  generate(): ByteWriter {
    const { w, region, unit } = this;
    const root = region[0];
    w.u32(1); w.u32(this.localX); w.byte(I32);
    const skipped = this.looping ? undefined : writtenFirst(unit[root].ir);
    skipped?.forEach(g => this.unloaded.add(g));
    this.reload(skipped);
    w.byte(W.block); w.byte(0x40); this.open.push(EPILOGUE);
    if (this.looping) {
      // left = min(left, REGION_CAP): a loop returns to the exec loop now and then.
      this.lget(0); this.k(REGION_CAP); this.lget(0); this.k(REGION_CAP); this.op(W.i32_lt_s); this.op(W.select); this.lset(0);
      w.byte(W.loop); w.byte(0x40); this.open.push(-1);
    }
    // One block per node after the root, ending where its code starts (the outermost the last).
    const pos = new Map(region.map((m, p) => [m, p]));
    for (let p = region.length - 1; p > 0; p--) { w.byte(W.block); w.byte(0x40); this.open.push(NODE_BLOCK - p); }
    // if (n + icount < left && (no helper calls || nothing pending)) { ... }: helpers may raise
    // an exit request or an interrupt.
    let calls = false;
    const ifMayGoOn = () => {
      this.lget(this.localN); this.k(this.icount); this.op(W.i32_add); this.lget(0); this.op(W.i32_lt_s);
      if (calls) { this.loadAbs(this.layout.pending); this.op(W.i32_eqz); this.op(W.i32_and); }
      w.byte(W.if_); w.byte(0x40); this.open.push(-100);
    };
    const endIf = () => { this.open.pop(); this.op(W.end); };
    // To a node of this function: this TB's instructions are done (n += icount), then a branch.
    const branch = (marker: number) => {
      ifMayGoOn();
      this.lget(this.localN); this.k(this.icount); this.op(W.i32_add); this.lset(this.localN);
      w.byte(W.br); w.u32(this.depth(marker));
      endIf();
    };
    region.forEach((m, p) => {
      if (p > 0) { this.open.pop(); this.op(W.end); }
      this.index = m;
      this.member = unit[m];
      this.icount = insnCount(this.member.ir);
      calls = hasImpureCalls(this.member.ir);
      this.body((exit) => {
        const to = exit < 2 ? this.member.next[exit] : -1;
        const toPos = to >= 0 ? pos.get(to) ?? -1 : -1;
        if (to === root) branch(-1);
        else if (toPos > p) branch(NODE_BLOCK - toPos);
        else if (to >= 0) {
          // Another function: the state stored, the instructions done (this TB's, the uncounted
          // ones before it) in the extra word, and left - n - icount for the next TB.
          ifMayGoOn();
          this.sync();
          this.addExtra(this.icount);
          this.lget(0); if (this.counting) { this.lget(this.localN); this.op(W.i32_sub); } this.k(this.icount); this.op(W.i32_sub);
          w.byte(W.return_call); w.u32(this.fnOf(to));
          endIf();
        }
        this.leave(exit);
      });
    });
    if (this.looping) endIf();
    this.open.pop(); this.op(W.end);
    this.epilogue();
    this.op(W.end);
    return w;
  }

  /** The code of the TB; `exit(slot)` emits what an exit does. */
  private body(exit: (slot: number) => void): void {
    const { w } = this;
    const f = this.f = this.member.ir;
    // Labels are forward targets only: one block per label, outermost = last (as in jsgen).
    const labelPos = new Map<number, number>();
    f.ops.forEach((o, j) => { if (o.op === Opc.label) labelPos.set(o.args[0], j); });
    for (const [l] of [...labelPos.entries()].sort((x, y) => y[1] - x[1])) { w.byte(W.block); w.byte(0x40); this.open.push(l); }
    let eip = 0, insn = -1;
    for (const o of f.ops) {
      const a = o.args;
      switch (o.op) {
        case Opc.insn_start: eip = a[0]; insn++; break;
        case Opc.label: this.open.pop(); this.op(W.end); break;
        case Opc.br: w.byte(W.br); w.u32(this.depth(a[0])); break;
        case Opc.brcond: this.cmp(a[2], a[0], a[1]); w.byte(W.br_if); w.u32(this.depth(a[3])); break;
        case Opc.exit: exit(a[0]); break;
        case Opc.mov: this.get(a[1]); this.set(a[0]); break;
        case Opc.neg: this.k(0); this.get(a[1]); this.op(W.i32_sub); this.set(a[0]); break;
        case Opc.not: this.get(a[1]); this.k(-1); this.op(W.i32_xor); this.set(a[0]); break;
        case Opc.ext8s: this.get(a[1]); this.op(W.i32_extend8_s); this.set(a[0]); break;
        case Opc.ext16s: this.get(a[1]); this.op(W.i32_extend16_s); this.set(a[0]); break;
        case Opc.ext8u: this.get(a[1]); this.k(255); this.op(W.i32_and); this.set(a[0]); break;
        case Opc.ext16u: this.get(a[1]); this.k(65535); this.op(W.i32_and); this.set(a[0]); break;
        case Opc.mulhu: case Opc.mulhs: {
          const ext = o.op === Opc.mulhu ? W.i64_extend_i32_u : W.i64_extend_i32_s;
          this.get(a[1]); this.op(ext); this.get(a[2]); this.op(ext); this.op(W.i64_mul);
          w.byte(W.i64_const); w.s32(32); this.op(o.op === Opc.mulhu ? W.i64_shr_u : W.i64_shr_s);
          this.op(W.i32_wrap_i64); this.set(a[0]);
          break;
        }
        case Opc.setcond: this.cmp(a[3], a[1], a[2]); this.set(a[0]); break;
        case Opc.movcond: this.get(a[3]); this.get(a[4]); this.cmp(a[5], a[1], a[2]); this.op(W.select); this.set(a[0]); break;
        case Opc.ld: {
          const memop = a[2], size = 1 << (memop & 3);
          this.get(a[1]); this.lset(this.localA);
          this.tlbCheck(this.layout.tlbR, size);
          w.byte(W.if_); w.byte(I32); this.open.push(-100);
          this.hostAddr(); this.mem(LOAD[memop], memop & 3, 0);
          this.op(W.else_);
          if (this.member.missExit) this.leaveBefore(insn, eip);
          else {
            this.flushExtra();
            this.sync();
            this.lget(this.localA); this.k(memop); this.k(eip); this.callOut(ENTRY_LD, TYPE_LD);
          }
          this.open.pop(); this.op(W.end);
          this.set(a[0]);
          break;
        }
        case Opc.st: {
          const memop = a[2], size = 1 << (memop & 3);
          this.get(a[0]); this.lset(this.localA);
          this.tlbCheck(this.layout.tlbW, size);
          w.byte(W.if_); w.byte(0x40); this.open.push(-100);
          this.hostAddr(); this.get(a[1]); this.mem(STORE[memop & 3], memop & 3, 0);
          this.op(W.else_);
          if (this.member.missExit) this.leaveBefore(insn, eip);
          else {
            this.flushExtra();
            this.sync();
            this.lget(this.localA); this.get(a[1]); this.k(memop); this.k(eip); this.callOut(ENTRY_ST, TYPE_ST);
          }
          this.open.pop(); this.op(W.end);
          break;
        }
        case Opc.call: {
          const hi = a[a.length - 1];
          const flags = f.helpers[hi].flags;
          if (this.counting && !(flags & CallFlags.PURE)) {
            // Helpers may read the clock, which counts instructions: count the completed members first.
            this.lget(this.localN); this.lget(this.localK); this.op(W.i32_sub); this.callOut(ENTRY_COUNT, TYPE_COUNT);
            this.lget(this.localN); this.lset(this.localK);
          }
          // Anything but a pure helper may fault: the state must be exact before it runs.
          if (!(flags & CallFlags.PURE)) this.sync();
          for (let j = 1; j < a.length - 1; j++) this.get(a[j]);
          this.callOut(this.helperEntry(hi, a.length - 2), HELPER_TYPE + a.length - 2);
          // The globals the helper may have written first, then its result (which may be a global).
          if (!(flags & (CallFlags.PURE | CallFlags.NO_GLOBALS))) this.reload();
          if (a[0] >= 0) this.set(a[0]); else this.op(W.drop);
          break;
        }
        default: {
          const b = BINOP[o.op];
          if (b === undefined) throw new Error(`wasmgen: opcode ${o.op}`);
          this.get(a[1]); this.get(a[2]); this.op(b); this.set(a[0]);
        }
      }
    }
    exit(3);
  }
}

/**
 * Compile every function of a module when the module is made (with Liftoff, on V8's worker
 * threads too), not each at its first call, which V8 (Node 20) does by default. A batch's TBs
 * are all hot, so all are called soon: compiled lazily, each first call stopped the guest for
 * a compilation on the main thread. A whole Linux boot measured 7-9% faster this way. The flag
 * is read when a module is compiled, so setting it here, before the first, is enough.
 */
let eagerSet = false;
function eagerWasmCompilation(): void {
  if (eagerSet) return;
  eagerSet = true;
  setFlagsFromString('--no-wasm-lazy-compilation');
  // V8 compiles wasm on as many of Node's worker threads (4) as it has work for, which on a
  // machine of few cores takes them from the guest's thread: one core for the guest, the rest
  // for compilation (a Linux boot on 2 cores: 5-8% faster with one task than with the default).
  setFlagsFromString(`--wasm-num-compilation-tasks=${Math.max(1, (availableParallelism?.() ?? cpus().length) - 1)}`);
}

/** Compiles batches of TBs into one wasm module each. */
export class WasmBackend {
  /** Helper wrappers that pass the CPU first, by helper index (made once). */
  private readonly wrappers = new Map<number, (...a: number[]) => number>();
  /** Helpers given as IR, compiled once into one module (their call-table entries: no call into JavaScript). */
  private readonly compiledHelpers = new Map<number, (...a: number[]) => number>();
  /** The functions TB modules call out to (see ENTRY_LD), and the entries of helpers by hi * 64 + nargs. */
  private readonly callTable = new WebAssembly.Table({ element: 'anyfunc', initial: 16 });
  private readonly entries = new Map<number, number>();

  constructor(private readonly env: WasmEnv) {
    eagerWasmCompilation();
    this.setEntry(ENTRY_LD, this.trampoline(env.ldSlow, 3, 1));
    this.setEntry(ENTRY_ST, this.trampoline(env.stSlow, 4, 0));
    this.setEntry(ENTRY_COUNT, this.trampoline(env.count, 1, 0));
    const withBody = env.helpers.map((h, hi) => ({ h, hi })).filter(x => x.h.body);
    if (!withBody.length) return;
    const types = new ByteWriter();
    types.u32(withBody.length);
    for (const { h } of withBody) i32FuncType(types, h.nargs, 1);
    const funcs = new ByteWriter();
    funcs.u32(withBody.length);
    withBody.forEach((_, i) => funcs.u32(i));
    const exports = new ByteWriter();
    exports.u32(withBody.length);
    withBody.forEach(({ hi }, i) => { exports.name(`h${hi}`); exports.byte(0); exports.u32(i); });
    const code = new ByteWriter();
    code.u32(withBody.length);
    for (const { h } of withBody) {
      const { f, result } = h.body!;
      const never = () => { throw new Error('wasmgen: a helper body calls'); };
      const gen = new BodyGen([{ ir: f, next: [-1, -1] }], [0], 0, env.layout, never, never, h.nargs);
      code.sized(gen.generateHelper(h.nargs, result));
    }
    const inst = new WebAssembly.Instance(new WebAssembly.Module(module([[1, types], [3, funcs], [7, exports], [10, code]])), {});
    for (const { hi } of withBody) this.compiledHelpers.set(hi, inst.exports[`h${hi}`] as unknown as (...a: number[]) => number);
  }

  private wrapper(hi: number, nargs: number): (...a: number[]) => number {
    const compiled = this.compiledHelpers.get(hi);
    if (compiled) return compiled;
    let fn = this.wrappers.get(hi * 64 + nargs);
    if (!fn) {
      const params = Array.from({ length: nargs }, (_, i) => `a${i}`);
      // A fixed-arity closure: no rest parameters on the path from wasm to the helper.
      // eslint-disable-next-line no-new-func
      fn = new Function('fn', 'ctx', `return (${params.join(', ')}) => fn(${['ctx', ...params].join(', ')});`)(
        this.env.helpers[hi].fn, this.env.ctx) as (...a: number[]) => number;
      this.wrappers.set(hi * 64 + nargs, fn);
    }
    return fn;
  }

  /** The module's bytes for `tbs` (exported as f0, f1, ...); the helpers they call get their call-table entries. */
  encode(tbs: WasmTb[]): Uint8Array<ArrayBuffer> {
    let maxArgs = 0;
    for (const t of tbs) for (const m of t.members) for (const o of m.ir.ops) if (o.op === Opc.call) maxArgs = Math.max(maxArgs, o.args.length - 2);
    // Types: 0 = TB (left) -> i32, then those of the call table's entries.
    const types = new ByteWriter();
    types.u32(HELPER_TYPE + 1 + maxArgs);
    i32FuncType(types, 1, 1); i32FuncType(types, 3, 1); i32FuncType(types, 4, 0); i32FuncType(types, 1, 0);
    for (let n = 0; n <= maxArgs; n++) i32FuncType(types, n, 1);

    const imports = new ByteWriter();
    imports.u32(2);
    imports.name('e'); imports.name('m'); imports.byte(2); imports.byte(0); imports.u32(0);
    imports.name('e'); imports.name('t'); imports.byte(1); imports.byte(0x70); imports.byte(0); imports.u32(0);

    // Functions: one per member, in order.
    const helperEntry = (hi: number, nargs: number) => this.callEntry(hi, nargs);
    const bodies: BodyGen[] = [];
    for (const t of tbs) {
      const first = bodies.length;
      const regions = t.members.length > 1 ? unitRegions(t.members.map(m => ({ next: m.next, ops: m.ir.ops.length }))) : [[0]];
      regions.forEach(r => bodies.push(new BodyGen(t.members, r, t.tlbBase, this.env.layout, helperEntry, (m) => first + m)));
    }
    const funcs = new ByteWriter();
    funcs.u32(bodies.length);
    for (let i = 0; i < bodies.length; i++) funcs.u32(0);
    const exports = new ByteWriter();
    exports.u32(bodies.length);
    bodies.forEach((_, i) => { exports.name(`f${i}`); exports.byte(0); exports.u32(i); });
    const code = new ByteWriter();
    code.u32(bodies.length);
    for (const b of bodies) code.sized(b.generate());
    return module([[1, types], [2, imports], [3, funcs], [7, exports], [10, code]]);
  }

  /** Each WasmTb's functions, one per member. */
  compile(tbs: WasmTb[]): TbFunction[][] {
    return this.instantiate(new WebAssembly.Module(this.encode(tbs)), tbs);
  }

  /** The same, compiled on V8's threads: the caller goes on meanwhile. */
  async compileAsync(tbs: WasmTb[]): Promise<TbFunction[][]> {
    return this.instantiate(await WebAssembly.compile(this.encode(tbs)), tbs);
  }

  /**
   * A wasm function of `params` i32 arguments and `results` (0 or 1) i32 results that calls the
   * JavaScript function `fn`: what the call table holds for a JavaScript function (one
   * wasm-to-JavaScript wrapper, compiled once).
   */
  private trampoline(fn: unknown, params: number, results: number): unknown {
    const types = new ByteWriter();
    types.u32(1); i32FuncType(types, params, results);
    const imports = new ByteWriter();
    imports.u32(1); imports.name('e'); imports.name('f'); imports.byte(0); imports.u32(0);
    const body = new ByteWriter();
    body.u32(0);
    for (let i = 0; i < params; i++) { body.byte(W.local_get); body.u32(i); }
    body.byte(W.call); body.u32(0); body.byte(W.end);
    const mod = new WebAssembly.Module(oneFunctionModule(types, imports, 1, 0, 't', body));
    return new WebAssembly.Instance(mod, { e: { f: fn as never } }).exports.t;
  }

  /** The call-table entry of helper `hi` called with `nargs` arguments (made at its first call). */
  private callEntry(hi: number, nargs: number): number {
    const key = hi * 64 + nargs;
    let entry = this.entries.get(key);
    if (entry === undefined) {
      entry = FIXED_ENTRIES + this.entries.size;
      this.entries.set(key, entry);
      this.setEntry(entry, this.compiledHelpers.get(hi) ?? this.trampoline(this.wrapper(hi, nargs), nargs, 1));
    }
    return entry;
  }

  private setEntry(entry: number, fn: unknown): void {
    if (entry >= this.callTable.length) this.callTable.grow(entry + 1 - this.callTable.length);
    this.callTable.set(entry, fn as never);
  }

  private instantiate(mod: WebAssembly.Module, tbs: WasmTb[]): TbFunction[][] {
    const e = { m: this.env.memory, t: this.callTable };
    const inst = new WebAssembly.Instance(mod, { e });
    let n = 0;
    return tbs.map(t => t.members.map(() => inst.exports[`f${n++}`] as unknown as TbFunction));
  }
}
