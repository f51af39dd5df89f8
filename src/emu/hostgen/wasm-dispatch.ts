// The wasm dispatcher: goes from one compiled TB to the next without returning to JavaScript,
// as QEMU's chained TBs and lookup_and_goto_ptr do. Each dispatchable TB has a slot: its
// function in a shared table, and in the wasm memory its instruction count, its direct links
// (slots) and its page unit's member slots. An indirect exit (ret, jmp *) finds its target as
// QEMU's tb_lookup does: the physical address through the fetch TLB, then a table of TBs by
// (pc, physical pc, flags, CS base), which a TLB flush leaves valid since the TLB check comes
// first. Whatever the exec loop must see (an exit not
// taken in wasm, an interrupt, the budget, a unit tick) returns the last TB's exit code to it,
// with DISPATCH_SLOT naming that TB: the exec loop then goes on exactly as if it had called
// the TB itself. Instructions of the TBs passed through are added to EXTRA_INSNS.
import { ByteWriter, oneFunctionModule } from './wasm-writer';

/** Slots (dispatchable TBs) between two flushes of the TB cache. */
export const DISPATCH_SLOTS = 1 << 18;
/** Member-slot words for page units (a bump area, emptied by a flush). */
const MEMBER_WORDS = 1 << 18;
/**
 * Per slot: ok (0 invalid, 1 valid, 2 valid while its second page maps as when translated),
 * icount, link0, link1, unit member base (-1 none, -2 leave to JS), dispatch count, and for
 * a TB on two pages the fetch-TLB index of its second page and the entry that page must have.
 */
const META_SHIFT = 5;
const M_OK = 0, M_ICOUNT = 4, M_LINK = 8, M_BASE = 16, M_COUNT = 20, M_PAGE2 = 24, M_PAGE2_ENTRY = 28;
/**
 * The table of TBs by physical pc: entries of pc, physical pc, flags, CS base, slot; two ways
 * (entries 2i and 2i + 1), so that two hot TBs whose hashes meet do not evict each other.
 */
const TABLE_BITS = 16;
const T_SHIFT = 5;

export interface DispatchLayout {
  /** Byte offsets of the state words the dispatcher reads and writes. */
  eip: number; csBase: number; hflags: number; eflags: number; extra: number;
  pending: number; slot: number; tick: number; chained: number;
  /** The fetch TLB (entries phys page ^ virtual page; low bits set: invalid) and its user half's index. */
  tlbX: number; userTlb: number;
  /** Start and size of the area for the dispatcher's tables. */
  area: number; areaBytes: number;
}

/** Where a TB goes in the table (the dispatcher computes the same): the first entry of its pair. */
const TABLE_HASH = 0x9e3779b1 | 0;
export function tableIndex(pc: number, phys: number): number {
  return (Math.imul(pc ^ (phys >>> 12), TABLE_HASH) >>> (32 - TABLE_BITS)) & ~1;
}

const enum W {
  unreachable = 0x00, loop = 0x03, if_ = 0x04, else_ = 0x05, end = 0x0b, br = 0x0c, return_ = 0x0f, call_indirect = 0x11,
  local_get = 0x20, local_set = 0x21, local_tee = 0x22, i32_load = 0x28, i32_store = 0x36, i32_const = 0x41,
  i32_eqz = 0x45, i32_eq = 0x46, i32_ne = 0x47, i32_lt_s = 0x48, i32_ge_s = 0x4e,
  i32_add = 0x6a, i32_sub = 0x6b, i32_mul = 0x6c, i32_and = 0x71, i32_or = 0x72, i32_xor = 0x73, i32_shl = 0x74, i32_shr_u = 0x76,
}

export class WasmDispatcher {
  readonly table: WebAssembly.Table;
  /** run(slot, left): run from that slot's TB; returns the exit code of the TB named by DISPATCH_SLOT. */
  readonly run: (slot: number, left: number) => number;
  private readonly meta: Int32Array;
  private readonly tbTable: Int32Array;
  private readonly members: Int32Array;
  private nextSlot = 0;
  private nextMember = 0;

  constructor(memory: WebAssembly.Memory, private readonly layout: DispatchLayout) {
    const metaBytes = DISPATCH_SLOTS << META_SHIFT, tableBytes = 1 << (TABLE_BITS + T_SHIFT);
    if (metaBytes + tableBytes + MEMBER_WORDS * 4 > layout.areaBytes) throw new Error('wasm dispatcher: area too small');
    this.meta = new Int32Array(memory.buffer, layout.area, metaBytes >> 2);
    this.tbTable = new Int32Array(memory.buffer, layout.area + metaBytes, tableBytes >> 2);
    this.members = new Int32Array(memory.buffer, layout.area + metaBytes + tableBytes, MEMBER_WORDS);
    this.table = new WebAssembly.Table({ element: 'anyfunc', initial: DISPATCH_SLOTS });
    const inst = new WebAssembly.Instance(new WebAssembly.Module(this.encode()), { e: { m: memory, t: this.table } });
    this.run = inst.exports.run as (slot: number, left: number) => number;
    this.reset();
  }

  /** No slot or no unit-member room is left: the TB cache should be flushed. */
  full = false;

  /** Forget every slot (a TB-cache flush). */
  reset(): void {
    this.nextSlot = 0;
    this.nextMember = 0;
    this.full = false;
    this.tbTable.fill(-1);
  }

  /**
   * A slot for a TB whose code is `fn` (a wasm function (left) -> exit), or -1 when none is left.
   * A TB whose code goes on to a second page gives `page2`, that page's fetch-TLB index, and the
   * entry it had at translation: the dispatcher enters the TB only while the TLB still says so
   * (QEMU's tb_lookup compares the second page the same way).
   */
  add(fn: unknown, icount: number, page2 = -1, page2Entry = 0): number {
    if (this.nextSlot >= DISPATCH_SLOTS) { this.full = true; return -1; }
    const slot = this.nextSlot++, m = slot << (META_SHIFT - 2), meta = this.meta;
    this.table.set(slot, fn as never);
    meta[m + M_OK / 4] = page2 < 0 ? 1 : 2;
    meta[m + M_PAGE2 / 4] = page2;
    meta[m + M_PAGE2_ENTRY / 4] = page2Entry;
    meta[m + M_ICOUNT / 4] = icount;
    meta[m + M_LINK / 4] = meta[m + M_LINK / 4 + 1] = -1;
    meta[m + M_BASE / 4] = -1;
    meta[m + M_COUNT / 4] = 0;
    return slot;
  }

  /** The slot's code changes (joins or leaves a page unit); `unitBase` from `unitMembers`, or -1. */
  setCode(slot: number, fn: unknown, unitBase: number): void {
    this.table.set(slot, fn as never);
    this.meta[(slot << (META_SHIFT - 2)) + M_BASE / 4] = unitBase;
  }

  /** Where a unit's member slots are kept, for its negative exit codes (-2: no room, or a member has no slot). */
  unitMembers(slots: number[]): number {
    if (this.nextMember + slots.length > MEMBER_WORDS) this.full = true;
    if (slots.some(s => s < 0) || this.full) return -2;
    const base = this.nextMember;
    this.members.set(slots, base);
    this.nextMember += slots.length;
    return base;
  }

  invalidate(slot: number): void { this.meta[(slot << (META_SHIFT - 2)) + M_OK / 4] = 0; }
  setLink(slot: number, exit: number, to: number): void { this.meta[(slot << (META_SHIFT - 2)) + M_LINK / 4 + exit] = to; }
  /** Dispatches of the slot's TB by the dispatcher (its heat, beside the exec loop's count). */
  count(slot: number): number { return this.meta[(slot << (META_SHIFT - 2)) + M_COUNT / 4]; }

  /** Make a TB findable by indirect exits (it replaces whichever TB had its table entry). */
  register(slot: number, pc: number, physPc: number, flags: number, csBase: number): void {
    const tab = this.tbTable, t = tableIndex(pc, physPc) << (T_SHIFT - 2), u = t + (1 << (T_SHIFT - 2));
    // One entry per pc: replace the TB at the same pc, else the older of the pair goes.
    if (tab[u] === pc) { tab[u + 1] = physPc; tab[u + 2] = flags; tab[u + 3] = csBase; tab[u + 4] = slot; return; }
    if (tab[t] !== pc) tab.copyWithin(u, t, t + 5);
    tab[t] = pc; tab[t + 1] = physPc; tab[t + 2] = flags; tab[t + 3] = csBase; tab[t + 4] = slot;
  }

  private encode(): Uint8Array<ArrayBuffer> {
    const types = new ByteWriter();
    types.u32(2);
    types.bytes([0x60, 1, 0x7f, 1, 0x7f]); // 0: a TB, (left) -> exit
    types.bytes([0x60, 2, 0x7f, 0x7f, 1, 0x7f]); // 1: run, (slot, left) -> exit
    const imports = new ByteWriter();
    imports.u32(2);
    imports.name('e'); imports.name('m'); imports.byte(2); imports.byte(0); imports.u32(0);
    imports.name('e'); imports.name('t'); imports.byte(1); imports.byte(0x70); imports.byte(0); imports.u32(0);
    return oneFunctionModule(types, imports, 0, 1, 'run', this.body());
  }

  private body(): ByteWriter {
    const L = this.layout, w = new ByteWriter();
    const META = L.area, TABLE = L.area + (DISPATCH_SLOTS << META_SHIFT), MEMBERS = TABLE + (1 << (TABLE_BITS + T_SHIFT));
    // Params: 0 slot, 1 left. Locals: r, m (the TB that ran, after unit mapping), ex, e0, cost, nx, pc, mo, t, phys, hf, cs, ok,
    // and the TBs gone on from (stored only when it returns).
    const SLOT = 0, LEFT = 1, R = 2, M = 3, EX = 4, E0 = 5, COST = 6, NX = 7, PC = 8, MO = 9, T = 10, PHYS = 11, HF = 12, CS = 13, OK = 14, CH = 15;
    w.u32(1); w.u32(14); w.byte(0x7f);
    const op = (...b: number[]) => { for (const x of b) w.byte(x); };
    const k = (v: number) => { w.byte(W.i32_const); w.s32(v); };
    const get = (l: number) => { w.byte(W.local_get); w.u32(l); };
    const set = (l: number) => { w.byte(W.local_set); w.u32(l); };
    const tee = (l: number) => { w.byte(W.local_tee); w.u32(l); };
    const load = (offset: number) => { w.byte(W.i32_load); w.u32(2); w.u32(offset); };
    const store = (offset: number) => { w.byte(W.i32_store); w.u32(2); w.u32(offset); };
    const loadAbs = (addr: number) => { k(0); load(addr); };
    // if (cond) { chained = ch; return r }
    const leaveIf = () => { op(W.if_, 0x40); k(0); get(CH); store(L.chained); get(R); op(W.return_, W.end); };
    w.byte(W.loop); w.byte(0x40);
    k(0); get(SLOT); store(L.slot);
    loadAbs(L.extra); set(E0);
    get(LEFT); get(SLOT); w.byte(W.call_indirect); w.u32(0); w.u32(0); set(R);
    get(SLOT); set(M);
    // A unit member's exit ~(member << 2 | exit): which TB it was.
    get(R); k(0); op(W.i32_lt_s, W.if_, 0x40);
    get(SLOT); k(META_SHIFT); op(W.i32_shl); load(META + M_BASE); tee(T); k(-2); op(W.i32_eq); leaveIf();
    get(R); k(-1); op(W.i32_xor); set(EX);
    get(T); k(0); op(W.i32_ge_s, W.if_, 0x40);
    get(T); get(EX); k(2); op(W.i32_shr_u, W.i32_add); k(2); op(W.i32_shl); load(MEMBERS); set(M);
    op(W.end);
    get(EX); k(3); op(W.i32_and); set(EX);
    op(W.else_);
    get(R); set(EX);
    op(W.end);
    // Exit 3 (stop), or a JavaScript self-loop's count: the exec loop's business.
    get(EX); k(3); op(W.i32_ge_s); leaveIf();
    // The unit tick: every 512 dispatches of a TB, the exec loop sees it.
    get(M); k(META_SHIFT); op(W.i32_shl); set(MO);
    get(MO); get(MO); load(META + M_COUNT); k(1); op(W.i32_add); tee(T); store(META + M_COUNT);
    get(T); k(511); op(W.i32_and, W.i32_eqz, W.if_, 0x40); k(0); k(1); store(L.tick); k(0); get(CH); store(L.chained); get(R); op(W.return_, W.end);
    // An exit request, or the interrupt line with IF set.
    loadAbs(L.pending); tee(T); k(1); op(W.i32_and); leaveIf();
    get(T); k(2); op(W.i32_and, W.if_, 0x40); loadAbs(L.eflags); k(0x200); op(W.i32_and); leaveIf(); op(W.end);
    // The budget: this TB's instructions (with those of unit members before it) must leave some.
    loadAbs(L.extra); get(E0); op(W.i32_sub); get(MO); load(META + M_ICOUNT); op(W.i32_add); tee(COST);
    get(LEFT); op(W.i32_ge_s); leaveIf();
    // The next TB: for an indirect exit, the fetch TLB (of the CPL's half) gives the physical pc
    // and the table the TB; else the direct link.
    get(EX); k(2); op(W.i32_eq, W.if_, 0x40);
    loadAbs(L.csBase); tee(CS); loadAbs(L.eip); op(W.i32_add); set(PC);
    loadAbs(L.hflags); set(HF);
    get(PC); k(12); op(W.i32_shr_u);
    get(HF); k(3); op(W.i32_and); k(3); op(W.i32_eq); k(L.userTlb); op(W.i32_mul, W.i32_or);
    k(2); op(W.i32_shl); load(L.tlbX); tee(T); k(4095); op(W.i32_and); leaveIf();
    get(T); get(PC); op(W.i32_xor); set(PHYS);
    get(PC); get(PHYS); k(12); op(W.i32_shr_u, W.i32_xor); k(TABLE_HASH); op(W.i32_mul); k(32 - TABLE_BITS); op(W.i32_shr_u);
    k(-2); op(W.i32_and); k(T_SHIFT); op(W.i32_shl); set(T);
    get(T); load(TABLE); get(PC); op(W.i32_ne, W.if_, 0x40);
    get(T); k(1 << T_SHIFT); op(W.i32_add); tee(T); load(TABLE); get(PC); op(W.i32_ne); leaveIf();
    op(W.end);
    get(T); load(TABLE + 4); get(PHYS); op(W.i32_ne); leaveIf();
    get(T); load(TABLE + 8); get(HF); op(W.i32_ne); leaveIf();
    get(T); load(TABLE + 12); get(CS); op(W.i32_ne); leaveIf();
    get(T); load(TABLE + 16); set(NX);
    op(W.else_);
    get(MO); get(EX); k(2); op(W.i32_shl, W.i32_add); load(META + M_LINK); set(NX);
    op(W.end);
    get(NX); k(0); op(W.i32_lt_s); leaveIf();
    get(NX); k(META_SHIFT); op(W.i32_shl); tee(T); load(META + M_OK); tee(OK); k(1); op(W.i32_ne, W.if_, 0x40);
    get(OK); op(W.i32_eqz); leaveIf();
    get(T); load(META + M_PAGE2); k(2); op(W.i32_shl); load(L.tlbX); get(T); load(META + M_PAGE2_ENTRY); op(W.i32_ne); leaveIf();
    op(W.end);
    // Go on: the TB's instructions are done.
    k(0); get(E0); get(COST); op(W.i32_add); store(L.extra);
    get(CH); k(1); op(W.i32_add); set(CH);
    get(LEFT); get(COST); op(W.i32_sub); set(LEFT);
    get(NX); set(SLOT);
    op(W.br); w.u32(0);
    op(W.end);
    op(W.unreachable, W.end);
    return w;
  }
}
