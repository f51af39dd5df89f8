// Guest memory: RAM in one ArrayBuffer, and a softmmu TLB that generated code checks inline.
// The TLB has a supervisor half and a user half (QEMU's MMU indexes): code running at CPL 3
// uses entries filled by user accesses only, so permissions hold without flushing on every
// kernel entry and exit.
//
// A TLB entry for virtual page v is (physical page address ^ v << 12), so that
// `entry ^ addr` is the physical address; its low 12 bits are zero when valid, and any
// non-zero low bit (INVALID) sends the access to the slow path. Pages that hold translated
// code get no write entry, so stores to them reach the slow path and invalidate TBs.
import { GuestMemory } from '../tcg/interp';
import { DISPATCH_PENDING, EIP, EXTRA_INSNS, MEM_RESTART, STATE_SIZE } from './state';

export const PAGE_BITS = 12;
export const PAGE_SIZE = 1 << PAGE_BITS;
export const TLB_INVALID = -1;
/** One TLB half per privilege: supervisor entries at 0, user entries at USER_TLB (so no flush on ring changes). */
export const USER_TLB = 1 << 20;
const TLB_ENTRIES = 2 << 20;

/** Access kinds passed to the address translation. */
export const enum Access { READ = 0, WRITE = 1, FETCH = 2 }

/** Hooks the rest of the emulator installs: paging, code-page writes, MMIO. */
export interface MemoryHooks {
  /** Linear -> physical for `access`; raises the guest fault itself (throws) when it fails. */
  translate(addr: number, access: Access, eip: number): number;
  /** A store of `len` bytes hits a page holding translated code (may throw to restart the insn). */
  codeWrite(phys: number, len: number, eip: number): void;
  /** An access to a linear page with a watchpoint (may throw to restart the insn). */
  watch(addr: number, len: number, write: boolean, eip: number): void;
}

const WASM_PAGE = 65536;
/** After the state: room for the run-time tables of generated code (the wasm dispatcher's). */
export const HOST_AREA_BYTES = 12 << 20;

/**
 * RAM, the two TLBs and the CPU state in one buffer, RAM first: a WebAssembly.Memory when the
 * host allows one that large (wasm code then reaches all of it), else a plain ArrayBuffer.
 */
function allocate(bytes: number): { buffer: ArrayBuffer; wasm: WebAssembly.Memory | null } {
  const pages = Math.ceil(bytes / WASM_PAGE);
  try {
    const wasm = new WebAssembly.Memory({ initial: pages, maximum: pages });
    return { buffer: wasm.buffer, wasm };
  } catch {
    return { buffer: new ArrayBuffer(pages * WASM_PAGE), wasm: null };
  }
}

export class Memory implements GuestMemory {
  readonly ram: ArrayBuffer;
  /** The memory generated wasm code imports (null: the host could not provide one this large). */
  readonly wasm: WebAssembly.Memory | null;
  /** Byte offsets of the TLBs (read, write, fetch), the CPU state and the host area in `ram` (RAM itself is at 0). */
  readonly layout: { tlbR: number; tlbW: number; tlbX: number; state: number; extra: number; pending: number; eip: number; restart: number; host: number };
  /** The CPU's architectural state (X86Cpu.s), here so that wasm code reaches it. */
  readonly state: Int32Array;
  readonly m8: Uint8Array;
  readonly i8: Int8Array;
  readonly m16: Uint16Array;
  readonly i16: Int16Array;
  readonly m32: Int32Array;
  readonly dv: DataView;
  readonly tlbR: Int32Array;
  readonly tlbW: Int32Array;
  /** The instruction-fetch TLB (TB lookups, in the exec loop and the wasm dispatcher), same encoding. */
  readonly tlbX: Int32Array;
  /** TLB slots filled from a global page (with CR4.PGE): a CR3 load keeps them, as the hardware does. */
  private readonly tlbGlobal: Uint8Array;
  /** Set by each page walk: whether its translation came from a global page. */
  walkGlobal = false;
  /** Number of TBs on each physical page (0: stores are fast). */
  readonly codePages: Uint16Array;
  /** Watchpoints per linear page: such pages get no TLB entry, so every access is checked. */
  readonly watchPages = new Uint8Array(USER_TLB);
  /** The TLB half of the current privilege level: 0 (CPL 0-2) or USER_TLB (CPL 3). */
  tlbBase = 0;
  /** Virtual pages with a valid TLB entry of a non-global page, for cheap flushes. */
  private readonly validPages: number[] = [];
  /** The same for entries of global pages, which a CR3 load keeps (so it need not look at them). */
  private readonly globalPages: number[] = [];
  hooks: MemoryHooks;

  constructor(readonly size: number) {
    if (size % PAGE_SIZE) throw new Error('RAM size must be a multiple of 4 KiB');
    const tlbBytes = TLB_ENTRIES * 4;
    const state = size + 3 * tlbBytes;
    const host = state + STATE_SIZE * 4;
    this.layout = { tlbR: size, tlbW: size + tlbBytes, tlbX: size + 2 * tlbBytes, state, extra: state + EXTRA_INSNS * 4, pending: state + DISPATCH_PENDING * 4,
      eip: state + EIP * 4, restart: state + MEM_RESTART * 4, host };
    const { buffer, wasm } = allocate(host + HOST_AREA_BYTES);
    this.ram = buffer;
    this.wasm = wasm;
    this.m8 = new Uint8Array(buffer, 0, size);
    this.i8 = new Int8Array(buffer, 0, size);
    this.m16 = new Uint16Array(buffer, 0, size >>> 1);
    this.i16 = new Int16Array(buffer, 0, size >>> 1);
    this.m32 = new Int32Array(buffer, 0, size >>> 2);
    this.dv = new DataView(buffer, 0, size);
    this.tlbR = new Int32Array(buffer, this.layout.tlbR, TLB_ENTRIES).fill(TLB_INVALID);
    this.tlbW = new Int32Array(buffer, this.layout.tlbW, TLB_ENTRIES).fill(TLB_INVALID);
    this.tlbX = new Int32Array(buffer, this.layout.tlbX, TLB_ENTRIES).fill(TLB_INVALID);
    this.tlbGlobal = new Uint8Array(TLB_ENTRIES);
    this.state = new Int32Array(buffer, this.layout.state, STATE_SIZE);
    this.codePages = new Uint16Array(size >>> PAGE_BITS);
    this.hooks = { translate: (a) => a, codeWrite: () => undefined, watch: () => undefined };
  }

  /** Set when a TLB entry came from a 2/4 MiB page: invlpg must then flush everything (QEMU does likewise). */
  largePageCached = false;
  /** Set around implicit supervisor accesses (descriptor tables, TSS): privilege checks as CPL 0, supervisor TLB half. */
  sysAccess = false;

  /** Called after every TLB flush (the exec loop drops its virtual-pc jump cache). */
  onFlush: () => void = () => undefined;
  /** Called after a flush that kept the global pages (a CR3 load with CR4.PGE). */
  onFlushNonGlobal: () => void = () => this.onFlush();
  /** Called after a one-page flush (invlpg) with the virtual page number. */
  onFlushPage: (page: number) => void = () => this.onFlush();

  flushTlb(): void {
    this.onFlush();
    this.largePageCached = false;
    for (const v of this.validPages) this.invalidateSlot(v);
    for (const v of this.globalPages) this.invalidateSlot(v);
    this.validPages.length = this.globalPages.length = 0;
  }

  /** A CR3 load with CR4.PGE: every entry goes but those of global pages. */
  flushTlbNonGlobal(): void {
    for (const v of this.validPages) this.invalidateSlot(v);
    this.validPages.length = 0;
    this.onFlushNonGlobal();
  }

  /** Whether code at linear `pc` (fetched at CPL 3 when `user`) is in a TLB entry of a global page. */
  globalCode(pc: number, user: boolean): boolean {
    const v = (user ? USER_TLB : 0) | (pc >>> PAGE_BITS);
    return this.tlbGlobal[v] !== 0 && this.tlbX[v] !== TLB_INVALID;
  }

  private invalidateSlot(v: number): void {
    this.tlbR[v] = this.tlbW[v] = this.tlbX[v] = TLB_INVALID;
    this.tlbGlobal[v] = 0;
  }

  flushTlbPage(addr: number): void {
    if (this.largePageCached) { this.flushTlb(); return; }
    const v = addr >>> PAGE_BITS;
    this.invalidateSlot(v);
    this.invalidateSlot(v | USER_TLB);
    this.onFlushPage(v);
  }

  /** A page got its first TB: stores to it must leave the fast path. */
  protectCodePage(physPage: number): void {
    for (const pages of [this.validPages, this.globalPages]) {
      for (const v of pages) {
        const e = this.tlbW[v];
        if (e !== TLB_INVALID && (((e ^ (v << PAGE_BITS)) >>> PAGE_BITS) === physPage)) this.tlbW[v] = TLB_INVALID;
      }
    }
  }

  private fill(addr: number, phys: number, write: boolean): void {
    if (phys >= this.size || phys < 0) return;
    if (this.watchPages[addr >>> PAGE_BITS]) return;
    // Implicit supervisor accesses (descriptor tables, TSS) use the supervisor half.
    const v = (this.sysAccess ? 0 : this.tlbBase) | (addr >>> PAGE_BITS);
    const e = ((phys & ~(PAGE_SIZE - 1)) ^ (addr & ~(PAGE_SIZE - 1))) | 0;
    this.track(v);
    if (write) {
      if (this.codePages[phys >>> PAGE_BITS] === 0) this.tlbW[v] = e;
    } else this.tlbR[v] = e;
  }

  // ---- physical access (devices, loaders, gdb): no TLB, no faults ----
  // Physical addresses arrive as int32: RAM above 2 GiB has them negative, hence `>>> 0`.
  physRead8(p: number): number { p >>>= 0; return p < this.size ? this.m8[p] : 0xff; }
  physRead(p: number, size: number): number {
    p >>>= 0;
    if (p + size > this.size) {
      let v = 0;
      for (let i = 0; i < size; i++) v |= this.physRead8(p + i) << (8 * i);
      return v;
    }
    return size === 1 ? this.m8[p] : size === 2 ? this.dv.getUint16(p, true) : this.dv.getInt32(p, true);
  }
  physWrite(p: number, size: number, v: number): void {
    p >>>= 0;
    if (p + size > this.size) {
      for (let i = 0; i < size; i++) if (p + i < this.size) this.m8[p + i] = v >> (8 * i);
      return;
    }
    if (size === 1) this.m8[p] = v; else if (size === 2) this.dv.setUint16(p, v, true); else this.dv.setInt32(p, v, true);
  }

  // ---- linear access with translation (slow paths of generated code, helpers) ----
  ld(addr: number, memop: number, eip: number): number {
    const size = 1 << (memop & 3);
    let v: number;
    if (this.watchPages[addr >>> PAGE_BITS] || this.watchPages[(addr + size - 1) >>> PAGE_BITS]) this.hooks.watch(addr, size, false, eip);
    if (((addr & (PAGE_SIZE - 1)) + size) > PAGE_SIZE) {
      v = 0;
      // Translate both pages first so that a fault leaves nothing half done.
      this.hooks.translate(addr, Access.READ, eip);
      this.hooks.translate((addr + size - 1) & ~(PAGE_SIZE - 1), Access.READ, eip);
      for (let i = 0; i < size; i++) v |= this.ld8(addr + i, eip) << (8 * i);
    } else {
      // Unaligned accesses within a page miss the inline path but usually hit the TLB here.
      const e = this.tlbR[(this.sysAccess ? 0 : this.tlbBase) | (addr >>> PAGE_BITS)];
      let p: number;
      if ((e & (PAGE_SIZE - 1)) === 0) p = (e ^ addr) >>> 0;
      else {
        p = this.hooks.translate(addr, Access.READ, eip);
        this.fill(addr, p, false);
      }
      v = this.physRead(p, size);
    }
    switch (memop) {
      case 4: return (v << 24) >> 24;
      case 5: return (v << 16) >> 16;
      case 1: return v & 0xffff;
      case 0: return v & 0xff;
      default: return v | 0;
    }
  }

  private ld8(addr: number, eip: number): number {
    return this.physRead8(this.hooks.translate(addr, Access.READ, eip));
  }

  st(addr: number, value: number, memop: number, eip: number): void {
    const size = 1 << (memop & 3);
    if (this.watchPages[addr >>> PAGE_BITS] || this.watchPages[(addr + size - 1) >>> PAGE_BITS]) this.hooks.watch(addr, size, true, eip);
    if (((addr & (PAGE_SIZE - 1)) + size) > PAGE_SIZE) {
      const p0 = this.hooks.translate(addr, Access.WRITE, eip);
      const p1 = this.hooks.translate((addr + size - 1) & ~(PAGE_SIZE - 1), Access.WRITE, eip) + ((addr + size - 1) & (PAGE_SIZE - 1));
      const n0 = PAGE_SIZE - (addr & (PAGE_SIZE - 1));
      this.checkCode(p0, n0, eip);
      this.checkCode(p1 - (size - 1 - n0), size - n0, eip);
      for (let i = 0; i < size; i++) {
        const p = i < n0 ? p0 + i : p1 - (size - 1 - i);
        if (p >>> 0 < this.size) this.m8[p >>> 0] = value >> (8 * i);
      }
      return;
    }
    const e = this.tlbW[(this.sysAccess ? 0 : this.tlbBase) | (addr >>> PAGE_BITS)];
    if ((e & (PAGE_SIZE - 1)) === 0) { this.physWrite((e ^ addr) >>> 0, size, value); return; }
    const p = this.hooks.translate(addr, Access.WRITE, eip);
    this.checkCode(p, size, eip);
    this.fill(addr, p, true);
    this.physWrite(p, size, value);
  }

  /** Implicit supervisor-mode access (GDT/LDT/IDT/TSS): checked as CPL 0 whatever the CPL, never cached. */
  ldSys(addr: number, memop: number, eip: number): number {
    this.sysAccess = true;
    try { return this.ld(addr, memop, eip); } finally { this.sysAccess = false; }
  }
  stSys(addr: number, value: number, memop: number, eip: number): void {
    this.sysAccess = true;
    try { this.st(addr, value, memop, eip); } finally { this.sysAccess = false; }
  }

  private checkCode(p: number, len: number, eip: number): void {
    if (p >>> 0 < this.size && this.codePages[p >>> PAGE_BITS] !== 0) this.hooks.codeWrite(p, len, eip);
  }

  /** A TLB slot about to be filled: on the list of valid ones (the TLB is emptied when that grows long). */
  private track(v: number): void {
    if (this.tlbR[v] === TLB_INVALID && this.tlbW[v] === TLB_INVALID && this.tlbX[v] === TLB_INVALID) {
      if (this.validPages.length + this.globalPages.length > 8192) this.flushTlb();
      (this.walkGlobal ? this.globalPages : this.validPages).push(v);
    }
    this.tlbGlobal[v] = this.walkGlobal ? 1 : 0;
  }

  /** Code fetch: physical address of linear `addr` (faults as an instruction fetch). */
  codePhys(addr: number, eip: number): number {
    const v = this.tlbBase | (addr >>> PAGE_BITS);
    const e = this.tlbX[v];
    if (e !== TLB_INVALID) return e ^ addr;
    const p = this.hooks.translate(addr, Access.FETCH, eip);
    if (p >= 0 && p < this.size && !this.watchPages[addr >>> PAGE_BITS]) {
      this.track(v);
      this.tlbX[v] = ((p & ~(PAGE_SIZE - 1)) ^ (addr & ~(PAGE_SIZE - 1))) | 0;
    }
    return p;
  }
}
