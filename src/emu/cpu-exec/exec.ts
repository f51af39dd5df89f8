// The execution loop (QEMU's cpu_exec): TB lookup through a jump cache and a hash table,
// translation on a miss, tiering (IR interpreter -> JavaScript), chaining of direct exits,
// per-page TB lists and invalidation on writes to code, interrupts and exceptions.
import createDebug from 'debug';
import { compileBatch, genFunctionSource, genRegionSource, HostEnv, regionEligible, TbFunction } from '../hostgen/jsgen';
import { isLoop, TAIL_CALLS, WasmBackend, WasmMember } from '../hostgen/wasmgen';
import { WasmDispatcher } from '../hostgen/wasm-dispatch';
import { assemble, interpret } from '../tcg/interp';
import { IrFunc } from '../tcg/ir';
import { mulhs, mulhu, optimize } from '../tcg/optimize';
import { formatIr } from '../tcg/printer';
import { CPU_FAULT, X86Cpu } from '../translate-i386/cpu';
import { GuestDebugRegs } from './debug-regs';
import { WatchType } from './debug-target';
import { HELPERS } from '../translate-i386/helpers';
import { debugPhys, translateLinear } from '../translate-i386/paging';
import { HOST_AREA_BYTES, USER_TLB } from '../translate-i386/mmu';
import { deliverInterrupt, EXC_DB, EXC_DF, hasErrorCode } from '../translate-i386/seg';
import {
  DR0, EFLAGS, EIP, EXTRA_INSNS, FLAG_IF, FLAG_RF, HF_CPL_MASK, HF_INHIBIT_IRQ, HF_TF, HFLAGS, R_EAX, REG_NAMES32, SEG_BASE, SEG_CS,
  DISPATCH_CHAINED, DISPATCH_PENDING, DISPATCH_SLOT, DISPATCH_TICK, MEM_RESTART,
} from '../translate-i386/state';
import { MAX_INSNS, translateTb } from '../translate-i386/translate';
import { CF_NOCHAIN, CF_SINGLE_INSN, PageUnit, TranslationBlock, tbName, tbTlbBase, UnitGroup } from './tb';
import { ExecStats } from './stats';
import { TbLog } from './tblog';

const dbg = createDebug('tcg86:exec');

/**
 * tiered: IR interpreter, then WebAssembly (JavaScript for self-loops), then JavaScript regions
 * for hot loops; js / wasm / interp: every TB through that one backend.
 */
export type Backend = 'tiered' | 'js' | 'wasm' | 'interp';

export interface ExecOptions {
  backend: Backend;
  /** Executions after which a TB is compiled (tiered backend). */
  hotThreshold: number;
  /** TBs compiled together (one `new Function` call or wasm module). */
  compileBatch: number;
  /** Flush the whole cache beyond this many TBs. */
  maxTbs: number;
  nochain: boolean;
  /**
   * Compile page units on V8's threads while the guest runs on (installed when done, between
   * slices); else on the spot. A unit is an optimisation of TBs that already run compiled.
   */
  asyncUnits?: boolean;
}

/** Interrupt controller as the CPU sees it. */
export interface InterruptSource {
  hasPendingInterrupt(): boolean;
  acknowledge(): number;
}

export const enum StopReason { BUDGET, HALTED, REQUEST, BREAKPOINT, STEP, WATCHPOINT }

/**
 * The jump cache (virtual pc -> TB) is grouped by page, as QEMU's tb_jmp_cache: the TBs of one
 * virtual page hash into one bucket of JC_SLOTS entries, so invlpg clears one bucket only.
 */
const JC_PAGE_BITS = 6, JC_SLOT_BITS = 8;
/** A queued TB that has run this many times the hot threshold on the interpreter gets its batch compiled at once. */
const QUEUED_RUNS_MAX = 2;
const JC_SLOTS = 1 << JC_SLOT_BITS;
const JC_SIZE = 1 << (JC_PAGE_BITS + JC_SLOT_BITS);
function jcBucket(page: number): number { return ((page ^ (page >>> JC_PAGE_BITS)) & ((1 << JC_PAGE_BITS) - 1)) << JC_SLOT_BITS; }
/** Most TBs one page unit compiles together (the hottest of the page). */
const UNIT_MAX_TBS = 128;
/** A wasm TB's page unit is checked every UNIT_TICK of its dispatches from the exec loop (a power of 2). */
const UNIT_TICK = 512;
/**
 * Dispatches that pay for compiling one member of a unit: compiling costs about 60 µs per TB;
 * a dispatch by the wasm dispatcher about 20 ns (75 ns from the exec loop, before the dispatcher
 * took most of them; with 800, as then, Linux's boot was about 10% slower: more builds, more
 * compiling, the same dispatch savings).
 */
const UNIT_BUILD_COST = 3200;
/**
 * A unit member whose TLB-miss exits reach MISS_EXITS_MIN and one in MISS_EXIT_SHARE of its
 * runs goes back to slow-path calls: a miss exit costs a few microseconds (back to the exec
 * loop, the instruction alone, a lookup), a call a tenth of that. Misses that fill the TLB (a
 * new page, a flush) are far rarer than that in hot code.
 */
const MISS_EXITS_MIN = 64, MISS_EXIT_SHARE = 16;
/** Most TBs one region (tier 3) compiles together. */
const REGION_MAX_TBS = 16;

export class CpuExec {
  readonly stats = new ExecStats();
  private readonly tbs = new Map<number, TranslationBlock[]>();
  private readonly pageTbs = new Map<number, Set<TranslationBlock>>();
  private readonly jc: (TranslationBlock | null)[] = new Array(JC_SIZE).fill(null);
  /**
   * The jump-cache slots filled since the last full clear (jcUsedN of them; more than the array
   * holds: clear everything). A guest that reloads CR3 often fills few slots in between, and
   * clearing those beats clearing all 16,384.
   */
  private readonly jcUsed = new Int32Array(JC_SIZE >> 2);
  private jcUsedN = 0;
  /**
   * The slots given TBs whose page was not in a global TLB entry: all that a CR3 load with
   * CR4.PGE clears (a global entry leaves the TLB only through invlpg or a full flush, which
   * clear the jump cache themselves). Linux pokes kernel text through a temporary mm, two
   * CR3 loads per poke, thousands per second of its init.
   */
  private readonly jcNonGlobal = new Int32Array(JC_SIZE >> 2);
  private jcNonGlobalN = 0;
  private readonly env: HostEnv;
  /** Null when the host gave no WebAssembly.Memory for this much RAM: JavaScript does its work. */
  private readonly wasm: WasmBackend | null;
  /** What page units are built from, by unitKey. */
  private readonly unitGroups = new Map<string, UnitGroup>();
  private nextId = 0;
  private tbCount = 0;
  private compileQueue: TranslationBlock[] = [];
  curTb: TranslationBlock | null = null;
  /** One-shot cflags for the next TB (SMC restart: the store runs alone). */
  private cflagsNext = 0;
  /** Set from outside (device IRQ, gdb, monitor) to leave the inner loop soon. */
  get exitRequest(): boolean { return this.exitRequested; }
  set exitRequest(v: boolean) { this.exitRequested = v; this.updatePending(); }
  private exitRequested = false;
  irq: InterruptSource | null = null;
  /** The interrupt controller's INTR output, kept current by the board (checked per TB). */
  get irqLine(): boolean { return this.irqRaised; }
  set irqLine(v: boolean) { this.irqRaised = v; this.updatePending(); }
  private irqRaised = false;
  /** Wasm code (loops, the dispatcher) sees both in a state word. */
  private updatePending(): void { this.cpu.s[DISPATCH_PENDING] = (this.exitRequested ? 1 : 0) | (this.irqRaised ? 2 : 0); }
  /** Runs chains of wasm TBs without the exec loop (null without WebAssembly). */
  private readonly dispatch: WasmDispatcher | null;
  /** The TB of each dispatcher slot. */
  private slotTbs: TranslationBlock[] = [];
  /** True while the dispatcher runs: the running TB is then the one in DISPATCH_SLOT. */
  private dispatching = false;
  /** Guest instructions executed (counted per TB; see insnsNow). */
  insns = 0;
  /** Instructions executed up to now, also inside a run of chained TBs (for the clock). */
  insnsNow(): number { return this.insns + this.cpu.s[EXTRA_INSNS]; }
  /** Where the current run stops (self-loops and regions read it to stop at the same point). */
  limit = 0;
  log: TbLog;
  onTripleFault: () => void = () => { throw new Error('triple fault'); };

  constructor(readonly cpu: X86Cpu, readonly opts: ExecOptions, log?: TbLog) {
    this.log = log ?? new TbLog();
    const mem = cpu.mem;
    mem.hooks = {
      translate: (a, access, eip) => translateLinear(cpu, a, access, eip),
      codeWrite: (phys, len, eip) => this.codeWrite(phys, len, eip),
      watch: (addr, len, write, eip) => this.watchAccess(addr, len, write, eip),
    };
    mem.onFlush = () => this.clearJumpCache();
    mem.onFlushNonGlobal = () => this.clearJumpCacheNonGlobal();
    mem.onFlushPage = (page) => { const b = jcBucket(page); this.jc.fill(null, b, b + JC_SLOTS); };
    cpu.hooks.modeChanged = () => { /* lookups use the current hflags; nothing cached by mode */ };
    cpu.hooks.softInterrupt = (vector, nextEip, eip) => {
      this.log.interrupt(cpu, vector, true, -1, this.stats.interrupts);
      this.stats.exceptions++;
      this.deliver(vector, true, -1, nextEip, eip);
    };
    cpu.hooks.debugRegsChanged = () => this.loadDebugRegs();
    cpu.hooks.ioAccess = (port, len, eip) => this.guestIoAccess(port, len, eip);
    cpu.hooks.deliverFault = () => {
      const v = cpu.excVector;
      this.log.interrupt(cpu, v, false, cpu.excError, this.stats.interrupts);
      this.stats.exceptions++;
      cpu.excVector = -1;
      this.deliver(v, false, cpu.excError, cpu.excEip);
    };
    this.env = {
      s: cpu.s, m8: mem.m8, i8: mem.i8, m16: mem.m16, i16: mem.i16, m32: mem.m32, tlbR: mem.tlbR, tlbW: mem.tlbW,
      ldSlow: (a, m, e) => mem.ld(a, m, e), stSlow: (a, v, m, e) => mem.st(a, v, m, e),
      helpers: HELPERS, ctx: cpu, ctl: this, extraInsns: EXTRA_INSNS,
    };
    this.wasm = mem.wasm && opts.backend !== 'js' && opts.backend !== 'interp' ? new WasmBackend({
      memory: mem.wasm, layout: mem.layout, ldSlow: this.env.ldSlow, stSlow: this.env.stSlow, helpers: HELPERS, ctx: cpu,
      count: (n) => { this.insns += n; },
    }) : null;
    const st = mem.layout.state;
    this.dispatch = this.wasm ? new WasmDispatcher(mem.wasm!, {
      eip: st + EIP * 4, csBase: st + (SEG_BASE + SEG_CS) * 4, hflags: st + HFLAGS * 4, eflags: st + EFLAGS * 4,
      extra: mem.layout.extra, pending: mem.layout.pending, slot: st + DISPATCH_SLOT * 4, tick: st + DISPATCH_TICK * 4,
      chained: st + DISPATCH_CHAINED * 4, tlbX: mem.layout.tlbX, userTlb: USER_TLB,
      area: mem.layout.host, areaBytes: HOST_AREA_BYTES,
    }) : null;
    // Tiered falls back to JavaScript; the wasm backend alone must not pass for what it is not.
    if (opts.backend === 'wasm' && !this.wasm) throw new Error('backend=wasm: the host gave no WebAssembly.Memory this large');
  }

  // ---- the TB cache ----

  private cflags(): number {
    if (this.cflagsNext) { const c = this.cflagsNext; this.cflagsNext = 0; return c; }
    return this.opts.nochain ? CF_NOCHAIN : 0;
  }

  private clearJumpCache(): void {
    const jc = this.jc, n = this.jcUsedN;
    if (n > this.jcUsed.length) jc.fill(null);
    else for (let i = 0; i < n; i++) jc[this.jcUsed[i]] = null;
    this.jcUsedN = 0;
    this.jcNonGlobalN = 0;
  }

  /** After a CR3 load that kept the TLB entries of global pages: the code on those stays in the jump cache. */
  private clearJumpCacheNonGlobal(): void {
    const n = this.jcNonGlobalN;
    if (n > this.jcNonGlobal.length) { this.clearJumpCache(); return; }
    const jc = this.jc, list = this.jcNonGlobal;
    for (let i = 0; i < n; i++) jc[list[i]] = null;
    this.jcNonGlobalN = 0;
  }

  private lookup(pc: number, csBase: number, flags: number, cflags: number): TranslationBlock {
    this.stats.lookups++;
    const h = jcBucket(pc >>> 12) | (((pc >>> 2) ^ (pc >>> 10)) & (JC_SLOTS - 1));
    let tb = this.jc[h];
    if (tb && tb.pc === pc && tb.csBase === csBase && tb.flags === flags && tb.cflags === cflags && !tb.invalid
      && (tb.page2 < 0 || this.secondPageMatches(tb))) {
      this.stats.jcHits++;
      return tb;
    }
    const phys = this.cpu.mem.codePhys(pc, this.cpu.s[EIP]);
    const list = this.tbs.get(phys);
    tb = null;
    if (list) {
      for (const t of list) {
        if (t.pc === pc && t.csBase === csBase && t.flags === flags && t.cflags === cflags
          && (t.page2 < 0 || this.secondPageMatches(t))) { tb = t; break; }
      }
    }
    if (!tb) tb = this.translate(pc, csBase, flags, cflags, phys);
    if (this.jc[h] === null) {
      if (this.jcUsedN < this.jcUsed.length) this.jcUsed[this.jcUsedN] = h;
      this.jcUsedN++;
    }
    if (!this.cpu.mem.globalCode(pc, (flags & HF_CPL_MASK) === 3)) {
      if (this.jcNonGlobalN < this.jcNonGlobal.length) this.jcNonGlobal[this.jcNonGlobalN] = h;
      this.jcNonGlobalN++;
    }
    this.jc[h] = tb;
    // Another TB may have taken its place in the dispatcher's table since.
    if (tb.dslot >= 0) this.dispatch!.register(tb.dslot, pc, tb.physPc, flags, csBase);
    return tb;
  }

  /**
   * A TB whose code continues on a second page is valid only while that page still maps to
   * the same physical page (QEMU's tb_lookup_cmp does the same check).
   */
  private secondPageMatches(tb: TranslationBlock): boolean {
    if (this.cpu.mem.tlbX[tb.page2] === tb.page2Entry) return true;
    const next = ((tb.pc & ~0xfff) + 0x1000) | 0;
    const p = debugPhys(this.cpu, next); // no side effects (CR2, A bits); a miss retranslates
    return p >= 0 && (p & ~0xfff) === (tb.ranges[2] & ~0xfff);
  }

  /**
   * A TB's IR before optimization, translated again from its code (which is unchanged while the
   * TB is valid): no TB keeps it, only `info tb` shows it.
   */
  irBeforeOptimization(tb: TranslationBlock): IrFunc {
    const mem = this.cpu.mem, [p0, end0, p1] = tb.ranges, firstLen = end0 - p0;
    const fetch = (linear: number): number => {
      const off = (linear - tb.pc) | 0;
      return mem.physRead8(off < firstLen ? p0 + off : p1 + (off - firstLen));
    };
    return translateTb(fetch, tb.csBase, (tb.pc - tb.csBase) | 0, tb.flags, tb.cflags & CF_SINGLE_INSN ? 1 : MAX_INSNS).ir;
  }

  private translate(pc: number, csBase: number, flags: number, cflags: number, phys: number): TranslationBlock {
    // Also when the dispatcher has no slot left (invalidated TBs keep theirs until a flush).
    if (this.tbCount >= this.opts.maxTbs || this.dispatch?.full) this.flush();
    const mem = this.cpu.mem;
    const page0 = pc >>> 12;
    let phys1 = -1;
    const eip = this.cpu.s[EIP];
    const fetch = (linear: number): number => {
      if (linear >>> 12 === page0) return mem.physRead8(phys + (linear - pc));
      const p = mem.codePhys(linear, eip);
      if (phys1 < 0) phys1 = p & ~0xfff;
      return mem.physRead8(p);
    };
    const t0 = performance.now();
    const res = translateTb(fetch, csBase, eip, flags, cflags & CF_SINGLE_INSN ? 1 : MAX_INSNS);
    const size = (res.endPc - pc) | 0;
    const ir = res.ir;
    const opText = this.log.enabled('op') ? formatIr(ir) : '';
    optimize(ir);
    this.stats.tbsTranslated++;
    this.stats.insnsTranslated += res.icount;
    this.stats.opsBefore += res.opsBefore;
    this.stats.opsAfter += ir.ops.length;
    const ranges: number[] = [];
    const firstLen = Math.min(size, 4096 - (pc & 0xfff));
    ranges.push(phys, phys + firstLen);
    if (size > firstLen && phys1 >= 0) ranges.push(phys1, phys1 + (size - firstLen));
    const tb = new TranslationBlock(this.nextId++, pc, csBase, flags, cflags, phys, size, res.icount, res.insnEips, ir,
      this.compilesAtOnce() ? null : assemble(ir), ranges);
    this.stats.translateMs += performance.now() - t0;
    let list = this.tbs.get(phys);
    if (!list) this.tbs.set(phys, list = []);
    list.push(tb);
    for (const p of tb.pages()) {
      let set = this.pageTbs.get(p);
      if (!set) this.pageTbs.set(p, set = new Set());
      set.add(tb);
      if (p < mem.codePages.length) {
        if (mem.codePages[p] === 0) mem.protectCodePage(p);
        mem.codePages[p] = Math.min(0xffff, mem.codePages[p] + 1);
      }
    }
    this.tbCount++;
    if (this.compilesAtOnce()) this.compile([tb]);
    this.log.translated(tb, opText, mem);
    if (dbg.enabled) dbg('translated TB %d at %s: %d insns, %d bytes', tb.id, (pc >>> 0).toString(16), res.icount, size);
    return tb;
  }

  /**
   * A TB may run chained after another without the exec loop unless each execution must be
   * seen (-d exec, nochain, TF single-step traps, interrupt shadows).
   */
  private mayChain(tb: TranslationBlock): boolean {
    return !this.log.execEnabled && !(tb.cflags & (CF_NOCHAIN | CF_SINGLE_INSN)) && !(tb.flags & (HF_TF | HF_INHIBIT_IRQ));
  }

  /**
   * A TB may iterate inside its function (or join a region or unit) when it may be chained and
   * lies on one page (a TB on two pages is entered only after a check of its second page).
   */
  mayLoop(tb: TranslationBlock): boolean {
    return this.mayChain(tb) && tb.page2 < 0;
  }

  /**
   * Tier 3: when a hot TB heads a loop of chained TBs on its own page, compile the loop as one
   * function (a region). Members are TBs linked from the head, same page, same flags, no helper
   * calls; the region is kept only if a member links back to the head.
   */
  private buildRegion(head: TranslationBlock): void {
    if (head.region || !head.fn || !head.ir || !this.mayLoop(head) || !regionEligible(head.ir)) return;
    const page = head.physPc >>> 12;
    const members = [head];
    const index = new Map<TranslationBlock, number>([[head, 0]]);
    for (let i = 0; i < members.length; i++) {
      for (const nx of members[i].jmp) {
        if (!nx || index.has(nx) || members.length >= REGION_MAX_TBS || nx.invalid || !nx.ir || nx.flags !== head.flags
          || nx.csBase !== head.csBase || (nx.physPc >>> 12) !== page || !this.mayLoop(nx) || !regionEligible(nx.ir)) continue;
        index.set(nx, members.length);
        members.push(nx);
      }
    }
    if (members.length < 2 || !members.some(m => m.jmp[0] === head || m.jmp[1] === head)) return;
    const spec = members.map(m => ({
      ir: m.ir!,
      next: [m.jmp[0] ? index.get(m.jmp[0]) ?? -1 : -1, m.jmp[1] ? index.get(m.jmp[1]) ?? -1 : -1] as [number, number],
    }));
    const t0 = performance.now();
    const src = genRegionSource(spec, `region_${(head.pc >>> 0).toString(16)}_${head.id}`, tbTlbBase(head));
    const fn = compileBatch(this.env, [src], mulhu, mulhs)[0];
    this.stats.compileMs += performance.now() - t0;
    this.stats.regions++;
    this.stats.regionTbs += members.length;
    head.ownFn = head.fn;
    head.fn = fn;
    head.region = members;
    for (const m of members) m.inRegions.push(head);
    this.log.compiled(head, src);
  }

  /** A member changed: its regions fall back to their heads' own functions. */
  private dissolveRegions(tb: TranslationBlock): void {
    if (tb.unit) this.dissolveUnit(tb.unit);
    for (const head of tb.inRegions) {
      if (head.region) { head.fn = head.ownFn; head.region = null; }
    }
    tb.inRegions = [];
  }

  // ---- page units (tier 3 with WebAssembly) ----

  /** Which unit a TB may join: physical and virtual page, flags, CS base. */
  private unitKey(tb: TranslationBlock): string {
    return `${tb.physPc >>> 12}:${tb.pc >>> 12}:${tb.flags}:${tb.csBase}`;
  }

  private unitGroup(key: string): UnitGroup {
    let g = this.unitGroups.get(key);
    if (!g) this.unitGroups.set(key, g = { key, unit: null, changes: 0, compiled: 0, ticks: 0 });
    return g;
  }

  /** Something a unit would include changed (a TB compiled, a link made): count it toward a rebuild. */
  private unitChanged(tb: TranslationBlock, compiled: boolean): void {
    if (!this.mayLoop(tb)) return;
    const g = this.unitGroup(this.unitKey(tb));
    g.changes++;
    if (compiled) g.compiled++;
  }

  /**
   * Every UNIT_TICK dispatches of a wasm TB from the exec loop: (re)build its page's unit when
   * the page has changed since the last build and its TBs have returned to the exec loop often
   * enough to pay for compiling the unit (UNIT_BUILD_COST dispatches per member).
   */
  private unitTick(tb: TranslationBlock): void {
    if (tb.invalid || !this.mayLoop(tb) || !TAIL_CALLS) return;
    const g = this.unitGroups.get(this.unitKey(tb));
    if (!g || !g.changes) return;
    if (++g.ticks * UNIT_TICK < UNIT_BUILD_COST * Math.min(g.compiled, UNIT_MAX_TBS)) return;
    this.buildUnit(tb, g);
  }

  private buildUnit(tb: TranslationBlock, g: UnitGroup): void {
    if (g.building) return;
    g.changes = 0;
    g.ticks = 0;
    const members = [...this.pageTbs.get(tb.physPc >>> 12) ?? []]
      .filter(t => t.wasm && !t.invalid && t.ir && this.mayLoop(t) && this.unitKey(t) === g.key)
      .sort((a, b) => this.heat(b) - this.heat(a)).slice(0, UNIT_MAX_TBS);
    g.compiled = members.length;
    if (members.length < 2) return;
    const spec = this.unitSpec(members);
    const t0 = performance.now();
    const tbs = [{ members: spec, tlbBase: tbTlbBase(tb) }];
    if (!this.opts.asyncUnits) {
      const fns = this.wasm!.compile(tbs)[0];
      this.stats.compileMs += performance.now() - t0;
      this.installUnit(g, members, spec, fns);
      return;
    }
    // Compiled on V8's threads while the guest runs on: the members' own code serves meanwhile.
    g.building = true;
    this.stats.unitsCompiling++;
    const pending = this.wasm!.compileAsync(tbs);
    this.stats.compileMs += performance.now() - t0;
    const settled = () => { g.building = false; this.stats.unitsCompiling--; };
    pending.then((fns) => {
      settled();
      // Installed only if nothing it was made from has changed since.
      const now = this.unitGroups.get(g.key) === g && !members.some(m => m.invalid || !m.wasm) ? this.unitSpec(members) : null;
      if (!now || now.some((m, i) => m.missExit !== spec[i].missExit || m.next[0] !== spec[i].next[0] || m.next[1] !== spec[i].next[1])) {
        this.stats.unitsStale++;
        g.changes++;
        return;
      }
      this.installUnit(g, members, spec, fns[0]);
    }, settled);
  }

  /** What wasmgen compiles for a unit of these members (each's successors as member indices). */
  private unitSpec(members: TranslationBlock[]): WasmMember[] {
    const index = new Map(members.map((m, i) => [m, i]));
    return members.map((m, i) => ({
      ir: m.ir!,
      next: [0, 1].map(s => (m.ir!.loopSlots & (1 << s)) ? i : index.get(m.link(s)!) ?? -1) as [number, number],
      // Leave before a TLB miss rather than call the slow path (wasmgen's WasmMember.missExit).
      // Members are never one-instruction TBs (what runs the instruction then) nor under an
      // interrupt shadow or TF (mayLoop). Only units do: in a TB compiled on its own, the
      // instructions after a restart would make a new TB, itself compiled to leave at its first
      // miss, and so on down a straight run of code that writes to its own page.
      missExit: !m.noMissExit,
    }));
  }

  private installUnit(g: UnitGroup, members: TranslationBlock[], spec: WasmMember[], fns: TbFunction[]): void {
    // The new unit replaces the old one, whose members not in the new one go back to their own code.
    const old = g.unit;
    if (old) for (const m of old.members) if (m.unit === old && !members.includes(m)) this.leaveUnit(m);
    this.stats.regions++;
    this.stats.regionTbs += members.length;
    const unit: PageUnit = { group: g, members };
    g.unit = unit;
    const base = this.dispatch!.unitMembers(members.map(m => m.dslot));
    members.forEach((m, i) => {
      if (m.unit === null) m.ownFn = m.fn;
      m.fn = fns[i];
      m.region = members;
      m.unit = unit;
      if (m.dslot >= 0) this.dispatch!.setCode(m.dslot, m.fn, base);
    });
    if (this.log.enabled('out_asm')) {
      this.log.compiled(members[0], `// WebAssembly page unit; op for op the same code as this JavaScript:\n${genRegionSource(spec, `unit_${g.key.replace(/:/g, '_')}`, tbTlbBase(members[0]))}`);
    }
  }

  private dissolveUnit(u: PageUnit): void {
    for (const m of u.members) if (m.unit === u) this.leaveUnit(m);
    if (u.group.unit === u) u.group.unit = null;
  }

  /** A member goes back to its own function. */
  private leaveUnit(m: TranslationBlock): void {
    m.fn = m.ownFn;
    m.region = null;
    m.unit = null;
    if (m.dslot >= 0) this.dispatch!.setCode(m.dslot, m.fn, -1);
  }

  /** A new direct link from `tb` to `nt`: a unit change, or (JavaScript) maybe a loop to make a region. */
  private linked(tb: TranslationBlock, nt: TranslationBlock): void {
    if (this.wasm) {
      if (tb.wasm && nt.wasm && this.unitKey(tb) === this.unitKey(nt)) this.unitChanged(tb, false);
    } else if (nt.id <= tb.id && nt.fn !== null) {
      // A link back to an older TB closes a loop: make it a region.
      this.buildRegion(nt);
    }
  }

  /**
   * A unit member whose accesses keep missing the TLB (memory-mapped I/O, stores to a page
   * holding code, watched pages, accesses across a page boundary) goes back to its own code,
   * which calls the slow path: far cheaper than leaving the TB each time. The unit is rebuilt
   * later with that member calling the slow path too.
   */
  private withoutMissExit(tb: TranslationBlock): void {
    tb.noMissExit = true;
    if (!tb.unit) return;
    this.dissolveUnit(tb.unit);
    this.unitChanged(tb, false);
  }

  /** Compiled code is WebAssembly (tiered and wasm backends, with a WebAssembly.Memory), else JavaScript. */
  compilesToWasm(): boolean { return this.wasm !== null; }

  /** The js and wasm backends compile each TB when it is translated (no IR interpreter). */
  private compilesAtOnce(): boolean { return this.opts.backend === 'js' || this.opts.backend === 'wasm'; }


  private compile(batch: TranslationBlock[]): void {
    const live = batch.filter(t => !t.invalid && !t.fn && t.ir);
    if (!live.length) return;
    const t0 = performance.now();
    this.stats.compileBatches++;
    if (!this.wasm) {
      const sources = live.map(t => genFunctionSource(t.ir!, tbName(t), tbTlbBase(t), this.mayLoop(t)));
      const fns = compileBatch(this.env, sources, mulhu, mulhs);
      live.forEach((t, i) => {
        t.fn = fns[i];
        t.interp = null;
        this.log.compiled(t, sources[i]);
        this.buildRegion(t);
      });
      this.stats.tbsCompiled += live.length;
      this.stats.compileMs += performance.now() - t0;
      return;
    }
    // A TB that jumps back to its own start iterates inside its function (a loop of one member).
    const specs = live.map(t => {
      const ir = t.ir!, self = this.mayLoop(t);
      const next: [number, number] = [self && (ir.loopSlots & 1) ? 0 : -1, self && (ir.loopSlots & 2) ? 0 : -1];
      return { members: [{ ir, next }], tlbBase: tbTlbBase(t) };
    });
    const fns = this.wasm.compile(specs);
    this.stats.compileMs += performance.now() - t0;
    live.forEach((t, i) => {
      t.fn = fns[i][0];
      t.wasm = true;
      t.interp = null; // compiled code runs it from now on
      this.addSlot(t);
      this.stats.tbsWasm++;
      this.stats.tbsCompiled++;
      this.unitChanged(t, true);
      if (this.log.enabled('out_asm')) {
        const members = specs[i].members;
        const js = isLoop(members) ? genRegionSource(members, tbName(t), tbTlbBase(t)) : genFunctionSource(t.ir!, tbName(t), tbTlbBase(t));
        this.log.compiled(t, `// WebAssembly; op for op the same code as this JavaScript:\n${js}`);
      }
    });
  }

  /** A compiled wasm TB that may run chained gets a dispatcher slot, with the links it and its predecessors have. */
  private addSlot(t: TranslationBlock): void {
    const d = this.dispatch;
    if (!d || !this.mayChain(t)) return;
    const slot = d.add(t.fn, t.icount, t.page2, t.page2Entry);
    if (slot < 0) return;
    t.dslot = slot;
    this.slotTbs[slot] = t;
    t.jmp.forEach((nx, k) => { if (nx && !nx.invalid && nx.dslot >= 0) d.setLink(slot, k, nx.dslot); });
    for (const { tb: src, slot: k } of t.incoming) if (src.dslot >= 0 && src.link(k) === t) d.setLink(src.dslot, k, slot);
    d.register(slot, t.pc, t.physPc, t.flags, t.csBase);
  }

  /** Link exit `k` of `src` to `to` (null: unlink), for the exec loop and the dispatcher. */
  private setLink(src: TranslationBlock, k: number, to: TranslationBlock | null): void {
    src.setLink(k, to);
    if (src.dslot >= 0) this.dispatch!.setLink(src.dslot, k, to ? to.dslot : -1);
  }

  /** The TB whose code runs now (inside the dispatcher: the one it called last). */
  private runningTb(): TranslationBlock | null {
    return this.dispatching ? this.slotTbs[this.cpu.s[DISPATCH_SLOT]] ?? null : this.curTb;
  }

  /** How often a TB has run: from the exec loop, and from the dispatcher. */
  private heat(t: TranslationBlock): number {
    return t.execCount + (t.dslot >= 0 ? this.dispatch!.count(t.dslot) : 0);
  }

  private flushCompileQueue(): void {
    const q = this.compileQueue;
    this.compileQueue = [];
    this.compile(q);
    for (const t of q) t.compileQueued = false;
  }

  /** Drop every TB (QEMU's tb_flush). */
  flush(): void {
    for (const list of this.tbs.values()) for (const t of list) { t.invalid = true; t.dslot = -1; }
    this.tbs.clear();
    this.dispatch?.reset();
    this.slotTbs = [];
    this.pageTbs.clear();
    this.cpu.mem.codePages.fill(0);
    this.clearJumpCache();
    this.unitGroups.clear();
    this.compileQueue = [];
    this.tbCount = 0;
    this.stats.flushes++;
    this.cpu.mem.flushTlb();
    this.dr.load(this.cpu.s); // after a reset DR7 is clear again
    this.updateWatchPages();
  }

  invalidateTb(tb: TranslationBlock): void {
    if (tb.invalid) return;
    tb.invalid = true;
    this.stats.invalidations++;
    if (tb.dslot >= 0) { this.dispatch!.invalidate(tb.dslot); tb.dslot = -1; }
    const list = this.tbs.get(tb.physPc);
    if (list) {
      const i = list.indexOf(tb);
      if (i >= 0) list.splice(i, 1);
      if (!list.length) this.tbs.delete(tb.physPc);
    }
    const mem = this.cpu.mem;
    for (const p of tb.pages()) {
      const set = this.pageTbs.get(p);
      if (set) { set.delete(tb); if (!set.size) this.pageTbs.delete(p); }
      if (p < mem.codePages.length && mem.codePages[p] > 0) mem.codePages[p]--;
    }
    for (const { tb: src, slot } of tb.incoming) if (src.link(slot) === tb) this.setLink(src, slot, null);
    tb.incoming = [];
    this.dissolveRegions(tb);
    tb.jmp0 = tb.jmp1 = null;
    this.tbCount--;
  }

  /** Invalidate TBs overlapping [phys, phys+len) (DMA, loaders, gdb). */
  invalidateRange(phys: number, len: number): boolean {
    let hitCurrent = false;
    for (let p = phys >>> 12; p <= (phys + len - 1) >>> 12; p++) {
      const set = this.pageTbs.get(p);
      if (!set) continue;
      for (const tb of [...set]) {
        if (tb.overlaps(phys, phys + len)) {
          // The running TB, or a member of the region it heads (the region runs its code).
          const cur = this.runningTb();
          if (tb === cur || (cur && cur.region && cur.region.includes(tb))) hitCurrent = true;
          this.invalidateTb(tb);
        }
      }
    }
    return hitCurrent;
  }

  /** A guest store reaches a page with code. If it hits the running TB, restart precisely. */
  private codeWrite(phys: number, len: number, eip: number): void {
    const cur = this.runningTb();
    this.stats.codePageWrites++;
    const hitCurrent = this.invalidateRange(phys, len);
    if (hitCurrent && cur && !(cur.cflags & CF_SINGLE_INSN)) {
      // Re-execute the storing instruction alone; the rest is retranslated from memory.
      this.stats.smcRestarts++;
      this.cflagsNext = CF_SINGLE_INSN;
      this.cpu.smcRestart = true;
      this.cpu.excEip = eip;
      throw CPU_FAULT;
    }
  }

  tbCountNow(): number { return this.tbCount; }
  allTbs(): TranslationBlock[] { const r: TranslationBlock[] = []; for (const l of this.tbs.values()) r.push(...l); return r; }

  // ---- running ----

  private checkInterrupts(): boolean {
    const cpu = this.cpu, s = cpu.s;
    if (this.irqLine && this.irq && (s[EFLAGS] & FLAG_IF) && !(s[HFLAGS] & HF_INHIBIT_IRQ) && this.irq.hasPendingInterrupt()) {
      const vector = this.irq.acknowledge();
      cpu.halted = false;
      this.log.interrupt(cpu, vector, false, -1, this.stats.interrupts);
      this.stats.interrupts++;
      this.deliver(vector, false, -1, s[EIP]);
      return true;
    }
    return false;
  }

  /** Deliver an exception or interrupt, with the double- and triple-fault rules. */
  deliver(vector: number, soft: boolean, error: number, retEip: number, faultEip = retEip): void {
    const cpu = this.cpu;
    try {
      deliverInterrupt(cpu, vector, soft, hasErrorCode(vector) && !soft ? Math.max(error, 0) : -1, retEip, faultEip);
    } catch (e) {
      if (e !== CPU_FAULT) throw e;
      const second = cpu.excVector;
      // A fault while delivering int n (e.g. #GP for a gate's DPL) is delivered as itself:
      // the double-fault rules are about exceptions, not software interrupts with the same number.
      if (soft) { this.deliver(second, false, cpu.excError, cpu.excEip); return; }
      if (vector === EXC_DF) { this.onTripleFault(); return; }
      const contributory = (v: number) => v === 0 || (v >= 10 && v <= 13);
      const df = (contributory(vector) && contributory(second)) || (vector === 14 && (contributory(second) || second === 14));
      if (df) this.deliver(EXC_DF, false, 0, cpu.excEip);
      else this.deliver(second, false, cpu.excError, cpu.excEip);
    }
  }

  private handleFault(): void {
    const cpu = this.cpu;
    if (cpu.smcRestart) {
      cpu.smcRestart = false;
      cpu.s[EIP] = cpu.excEip;
      return;
    }
    const v = cpu.excVector;
    cpu.s[EIP] = cpu.excSoft ? cpu.s[EIP] : cpu.excEip;
    this.log.interrupt(cpu, v, cpu.excSoft, cpu.excError, this.stats.interrupts);
    this.stats.exceptions++;
    cpu.excVector = -1;
    this.deliver(v, cpu.excSoft, cpu.excError, cpu.excEip, cpu.excSoft ? cpu.excInsnEip : cpu.excEip);
  }

  // ---- debugging: breakpoints and single-step (used by the gdbstub and the monitor) ----

  /** Linear addresses of breakpoints, and how many sit on each linear page. */
  /** The guest's DR0-DR7 breakpoints (not gdb's). */
  readonly dr = new GuestDebugRegs();

  /** After a write to DR0-DR7 (or a reset): retranslate the pages whose instruction breakpoints changed. */
  loadDebugRegs(): void {
    const before = [...this.dr.execPages];
    this.dr.load(this.cpu.s);
    for (const p of new Set([...before, ...this.dr.execPages])) this.invalidateLinearPage(p << 12);
    this.updateWatchPages();
  }

  private readonly bpAddrs = new Set<number>();
  private readonly bpPages = new Map<number, number>();
  /** Address of the breakpoint that stopped the last run(). */
  bpHit = -1;

  insertBreakpoint(addr: number): void {
    addr |= 0;
    if (this.bpAddrs.has(addr)) return;
    this.bpAddrs.add(addr);
    const page = addr >>> 12;
    this.bpPages.set(page, (this.bpPages.get(page) ?? 0) + 1);
    this.invalidateLinearPage(addr);
  }

  removeBreakpoint(addr: number): boolean {
    addr |= 0;
    if (!this.bpAddrs.delete(addr)) return false;
    const page = addr >>> 12;
    const n = (this.bpPages.get(page) ?? 1) - 1;
    if (n) this.bpPages.set(page, n); else this.bpPages.delete(page);
    this.invalidateLinearPage(addr);
    return true;
  }

  breakpoints(): number[] { return [...this.bpAddrs]; }

  private readonly watchpoints: { addr: number; len: number; type: WatchType }[] = [];
  /** The watchpoint hit by the last instruction, reported when it completes. */
  watchHit: { addr: number; type: WatchType } | null = null;

  insertWatchpoint(addr: number, len: number, type: WatchType): void {
    this.watchpoints.push({ addr: addr | 0, len: Math.max(1, len), type });
    this.updateWatchPages();
  }

  removeWatchpoint(addr: number, len: number, type: WatchType): boolean {
    const i = this.watchpoints.findIndex(w => w.addr === (addr | 0) && w.len === Math.max(1, len) && w.type === type);
    if (i < 0) return false;
    this.watchpoints.splice(i, 1);
    this.updateWatchPages();
    return true;
  }

  private updateWatchPages(): void {
    const pages = this.cpu.mem.watchPages;
    pages.fill(0);
    for (const w of [...this.watchpoints, ...this.dr.data]) {
      for (let p = w.addr >>> 12; p <= ((w.addr + w.len - 1) >>> 12); p++) pages[p & 0xfffff] = 1;
    }
    this.cpu.mem.flushTlb(); // watched pages must lose their fast-path entries
  }

  /**
   * An access to a watched page. A hit inside a multi-instruction TB restarts the instruction
   * alone (its TB ends right after it), so the stop comes exactly after the accessing instruction.
   */
  private watchAccess(addr: number, len: number, write: boolean, eip: number): void {
    const a = addr >>> 0;
    const w = this.watchpoints.find(x => a < (x.addr >>> 0) + x.len && a + len > (x.addr >>> 0)
      && (x.type === 'access' || (x.type === 'write') === write));
    const guestHit = this.dr.data.length !== 0 && this.dr.access(a, len, write);
    if ((!w || this.watchHit) && !guestHit) return;
    this.runAlone(eip);
    if (guestHit) this.cpu.debugTrap = true;
    if (!w || this.watchHit) return;
    this.watchHit = { addr: w.addr >>> 0, type: w.type };
    this.exitRequest = true;
  }

  /** Port I/O while guest I/O breakpoints are set: a hit traps after the instruction, as a data breakpoint. */
  private guestIoAccess(port: number, len: number, eip: number): void {
    if (this.dr.io.length === 0 || !this.dr.ioAccess(port, len)) return;
    this.runAlone(eip); // before the access: an I/O access must not be done twice
    this.cpu.debugTrap = true;
  }

  /** Inside a multi-instruction TB, restart the instruction at `eip` alone (its TB ends right after it). */
  private runAlone(eip: number): void {
    const cur = this.runningTb();
    if (!cur || (cur.cflags & CF_SINGLE_INSN)) return;
    this.dr.pendingHits = 0; // recorded again when the instruction runs alone
    this.cflagsNext = CF_SINGLE_INSN;
    this.cpu.smcRestart = true;
    this.cpu.excEip = eip;
    throw CPU_FAULT;
  }

  /** Drop the TBs of the page holding linear `addr`, so that its code is retranslated. */
  private invalidateLinearPage(addr: number): void {
    const phys = debugPhys(this.cpu, addr);
    if (phys >= 0) this.invalidateRange(phys & ~0xfff, 4096);
    this.clearJumpCache();
  }

  /**
   * The TB for the current CS:EIP, or null when a breakpoint is there. On a page with a
   * breakpoint every TB is one instruction long and never chained (QEMU's CF_BP_PAGE), so
   * each instruction start of that page passes through here.
   */
  private nextTb(cflags: number): TranslationBlock | null {
    const s = this.cpu.s;
    let pc = (s[SEG_BASE + SEG_CS] + s[EIP]) | 0;
    if (this.dr.execPages.size && this.dr.execPages.has(pc >>> 12)) {
      cflags |= CF_SINGLE_INSN;
      const bits = this.dr.exec.get(pc);
      if (bits !== undefined && !(s[EFLAGS] & FLAG_RF)) {
        // A guest instruction breakpoint: #DB, a fault (the instruction has not run).
        s[DR0 + 6] = (s[DR0 + 6] & ~0xf) | bits;
        this.deliver(EXC_DB, false, -1, s[EIP]);
        pc = (s[SEG_BASE + SEG_CS] + s[EIP]) | 0;
        if (this.dr.execPages.has(pc >>> 12)) cflags |= CF_SINGLE_INSN;
      }
    }
    if (this.bpPages.size && this.bpPages.has(pc >>> 12)) {
      if (this.bpAddrs.has(pc) && !this.bpSkip) { this.bpHit = pc; return null; }
      cflags |= CF_SINGLE_INSN;
    }
    this.bpSkip = false;
    return this.lookup(pc, s[SEG_BASE + SEG_CS], s[HFLAGS], cflags);
  }
  /** Resume over the breakpoint at the current pc once (continuing from a breakpoint stop). */
  bpSkip = false;

  /**
   * Run until `budget` instructions have executed, the CPU halts, a breakpoint is reached,
   * or an exit is requested. With `step`, run exactly one instruction (one 1-insn TB, or the
   * delivery of an exception) and return STEP; `noIrq` keeps interrupts out while stepping.
   */
  run(budget: number, step = false, noIrq = false): StopReason {
    this.cpu.singleStepping = step;
    try {
      return this.runLoop(budget, step, noIrq);
    } finally {
      this.cpu.singleStepping = false;
      this.stats.insnsTotal = this.insns;
    }
  }

  private runLoop(budget: number, step: boolean, noIrq: boolean): StopReason {
    const cpu = this.cpu, s = cpu.s;
    const limit = this.insns + budget;
    this.limit = limit;
    this.exitRequest = false;
    while (this.insns < limit) {
      if (this.watchHit) return StopReason.WATCHPOINT;
      if (this.exitRequest) return StopReason.REQUEST;
      if (!(step && noIrq)) this.checkInterrupts();
      if (cpu.halted) return step ? StopReason.STEP : StopReason.HALTED;
      try {
        const first = this.nextTb(step ? CF_SINGLE_INSN : this.cflags());
        if (!first) return StopReason.BREAKPOINT;
        let tb: TranslationBlock = first;
        // The chained inner loop: follow direct links while nothing needs the outer loop.
        for (;;) {
          this.curTb = tb;
          if (this.log.execEnabled) this.log.exec(tb, cpu);
          const flagsAtEntry = tb.flags;
          const rfAtEntry = this.dr.active ? s[EFLAGS] & FLAG_RF : 0;
          let exit: number;
          if (tb.dslot >= 0 && !step && !this.dr.active) {
            // The dispatcher runs this TB and those chained after it; the last one's exit comes back.
            this.dispatching = true;
            exit = this.dispatch!.run(tb.dslot, limit - this.insns);
            this.dispatching = false;
            this.stats.dispatcherRuns++;
            this.stats.dispatcherChained += s[DISPATCH_CHAINED];
            s[DISPATCH_CHAINED] = 0;
            tb = this.slotTbs[s[DISPATCH_SLOT]];
            this.curTb = tb;
          } else {
            const fn = tb.fn;
            exit = fn !== null ? fn(limit - this.insns) : this.interpretTb(tb);
          }
          if (exit < 0) {
            // A region (or a wasm self-loop) returned from one of its members: continue as after that TB.
            const c = ~exit;
            if (tb.region) tb = tb.region[c >> 2];
            exit = c & 3;
          }
          if ((++tb.execCount & (UNIT_TICK - 1)) === 0 && tb.wasm) this.unitTick(tb);
          else if (s[DISPATCH_TICK]) { s[DISPATCH_TICK] = 0; this.unitTick(tb); }
          this.insns += tb.icount;
          if (exit > 3) { this.insns += (exit >> 2) * tb.icount; exit &= 3; } // iterations of a self-loop
          // What loops, units, the dispatcher and rep-string chunks completed beyond this TB: counted
          // now, so that every backend stops at the same budget.
          if (s[EXTRA_INSNS]) { this.insns += s[EXTRA_INSNS]; s[EXTRA_INSNS] = 0; }
          let restart = 0;
          if (exit === 3 && (restart = s[MEM_RESTART]) !== 0) {
            // Left before a TLB miss: that instruction runs alone (its access on the slow path) next.
            s[MEM_RESTART] = 0;
            this.cflagsNext = CF_SINGLE_INSN;
            this.stats.memRestarts++;
            if (++tb.memRestarts >= MISS_EXITS_MIN && tb.memRestarts * MISS_EXIT_SHARE > this.heat(tb)) this.withoutMissExit(tb);
          }
          if (flagsAtEntry & (HF_INHIBIT_IRQ | HF_TF)) {
            if (flagsAtEntry & HF_INHIBIT_IRQ) s[HFLAGS] &= ~HF_INHIBIT_IRQ;
            if ((flagsAtEntry & HF_TF) && exit !== 3) this.singleStepTrap();
          }
          // RF stays when no instruction completed.
          if (this.dr.active && this.guestDebugAfter(restart === 1 ? 0 : rfAtEntry)) {
            if (step) { this.curTb = null; return StopReason.STEP; }
            break;
          }
          if (step) { this.curTb = null; return StopReason.STEP; }
          if (exit > 2 || this.insns >= limit || this.exitRequest || (this.irqLine && (s[EFLAGS] & FLAG_IF) !== 0)) break;
          if (exit === 2) {
            // An indirect jump (ret, jmp *reg, a jump to another page): look up the target and
            // go on without the outer loop's round trip (QEMU's lookup_and_goto_ptr).
            const it = this.nextTb(this.cflags());
            if (!it) { this.curTb = null; return StopReason.BREAKPOINT; }
            tb = it;
            continue;
          }
          const next = exit === 0 ? tb.jmp0 : tb.jmp1;
          if (next !== null && !next.invalid && (next.page2 < 0 || this.secondPageMatches(next))) { tb = next; continue; }
          // Look up the successor and link it for next time.
          const nt = this.nextTb(this.cflags());
          if (!nt) { this.curTb = null; return StopReason.BREAKPOINT; }
          // A link into a TB on two pages is followed only after a check of its second page.
          if (!(tb.cflags & (CF_NOCHAIN | CF_SINGLE_INSN)) && !(nt.cflags & CF_SINGLE_INSN) && !tb.invalid) {
            this.setLink(tb, exit, nt);
            nt.incoming.push({ tb, slot: exit });
            this.stats.chainLinks++;
            if (this.log.execEnabled) this.log.link(tb, exit, nt);
            this.linked(tb, nt);
          }
          tb = nt;
        }
      } catch (e) {
        this.dispatching = false;
        if (e !== CPU_FAULT) throw e;
        if (s[EXTRA_INSNS]) { this.insns += s[EXTRA_INSNS]; s[EXTRA_INSNS] = 0; }
        this.dr.pendingHits = 0; // the faulting instruction did not complete
        this.handleFault();
        if (step) { this.curTb = null; return StopReason.STEP; }
      }
      this.curTb = null;
    }
    return StopReason.BUDGET;
  }

  /** Tier 1: run a TB on the IR interpreter; queue it for compilation once hot. */
  private interpretTb(tb: TranslationBlock): number {
    const cpu = this.cpu;
    const exit = interpret(tb.interp!, cpu.s, cpu.mem, HELPERS, cpu);
    this.stats.insnsInterp += tb.icount;
    if (this.opts.backend === 'tiered' && tb.execCount + 1 >= this.opts.hotThreshold) {
      if (!tb.compileQueued) {
        tb.compileQueued = true;
        this.compileQueue.push(tb);
        if (this.compileQueue.length >= this.opts.compileBatch) this.flushCompileQueue();
      } else if (tb.execCount + 1 >= this.opts.hotThreshold * QUEUED_RUNS_MAX) {
        // Still running on the interpreter while its batch fills (a hot loop of a few TBs):
        // compile what is queued now rather than at the end of the slice.
        this.flushCompileQueue();
      }
    }
    return exit;
  }

  /** Flush pending compilations (end of a slice). */
  idle(): void { if (this.compileQueue.length) this.flushCompileQueue(); }

  /**
   * After a TB while guest breakpoints are set: RF lasts one instruction; data breakpoints hit
   * by the instruction trap now (#DB after it). True when a #DB was delivered.
   */
  private guestDebugAfter(rfAtEntry: number): boolean {
    const s = this.cpu.s;
    if (rfAtEntry) s[EFLAGS] &= ~FLAG_RF;
    const hits = this.dr.pendingHits;
    if (!hits) return false;
    this.dr.pendingHits = 0;
    s[DR0 + 6] = (s[DR0 + 6] & ~0xf) | hits;
    this.deliver(EXC_DB, false, -1, s[EIP]);
    return true;
  }

  private singleStepTrap(): void {
    const s = this.cpu.s;
    s[DR0 + 6] |= 0x4000; // BS
    this.deliver(EXC_DB, false, -1, s[EIP]);
  }

  /** Registers for `-d cpu` and errors. */
  dumpRegs(): string {
    const s = this.cpu.s;
    const r = REG_NAMES32.map((n, i) => `${n.toUpperCase()}=${(s[R_EAX + i] >>> 0).toString(16).padStart(8, '0')}`);
    return `${r.slice(0, 4).join(' ')}\n${r.slice(4).join(' ')}\nEIP=${(s[EIP] >>> 0).toString(16).padStart(8, '0')} EFL=${(this.cpu.getEflags() >>> 0).toString(16).padStart(8, '0')}`;
  }
}

