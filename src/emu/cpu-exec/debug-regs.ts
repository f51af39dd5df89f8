// The guest's own debug registers (Intel SDM Vol. 3B, 17.2): DR7's enabled breakpoints decoded
// into what the exec loop checks — instruction breakpoints by linear address (faults, checked
// before the instruction runs, suppressed by EFLAGS.RF), data breakpoints by range and, with
// CR4.DE = 1, I/O breakpoints by port range (both traps, delivered after the accessing
// instruction completes).
import { CR4, CR4_DE, DR0 } from '../translate-i386/state';

/** A byte range [addr, addr + len) watched by breakpoint `bit` (DR6.Bn). */
export interface DataBreakpoint { addr: number; len: number; write: boolean; bit: number }
export interface IoBreakpoint { port: number; len: number; bit: number }

export class GuestDebugRegs {
  /** Linear address -> DR6 B0-B3 bits of the instruction breakpoints there. */
  readonly exec = new Map<number, number>();
  /** Pages holding instruction breakpoints: their TBs are one instruction long. */
  readonly execPages = new Set<number>();
  readonly data: DataBreakpoint[] = [];
  readonly io: IoBreakpoint[] = [];
  /** DR6 B0-B3 bits of data and I/O breakpoints hit by the instruction running now. */
  pendingHits = 0;

  /** Any breakpoint enabled: the exec loop checks this once per TB, so it is a plain field. */
  active = false;

  /**
   * Re-read DR0-DR3, DR7 and CR4.DE. R/W = 10 is an I/O breakpoint with CR4.DE = 1; with
   * CR4.DE = 0 its meaning is undefined (SDM 17.2.4) and it is ignored.
   */
  load(s: Int32Array): void {
    this.exec.clear();
    this.execPages.clear();
    this.data.length = 0;
    this.io.length = 0;
    const dr7 = s[DR0 + 7];
    const ioEnabled = (s[CR4] & CR4_DE) !== 0;
    for (let n = 0; n < 4; n++) {
      if (!((dr7 >>> (n * 2)) & 3)) continue; // neither Ln nor Gn
      const rw = (dr7 >>> (16 + n * 4)) & 3, len = [1, 2, 8, 4][(dr7 >>> (18 + n * 4)) & 3];
      const bit = 1 << n;
      // Data and I/O addresses are aligned down to the length, as the hardware compares them.
      const addr = (s[DR0 + n] & ~(len - 1)) >>> 0;
      if (rw === 0) {
        const a = s[DR0 + n] | 0;
        this.exec.set(a, (this.exec.get(a) ?? 0) | bit);
        this.execPages.add(a >>> 12);
      } else if (rw !== 2) {
        this.data.push({ addr, len, write: rw === 1, bit });
      } else if (ioEnabled) {
        this.io.push({ port: addr, len, bit });
      }
    }
    this.active = this.exec.size !== 0 || this.data.length !== 0 || this.io.length !== 0;
  }

  /** Record the data breakpoints an access of `len` bytes at `addr` hits. */
  access(addr: number, len: number, write: boolean): boolean {
    let hit = 0;
    for (const d of this.data) if ((write || !d.write) && addr < d.addr + d.len && addr + len > d.addr) hit |= d.bit;
    this.pendingHits |= hit;
    return hit !== 0;
  }

  /** Record the I/O breakpoints an access to ports [port, port + len) hits. */
  ioAccess(port: number, len: number): boolean {
    let hit = 0;
    for (const b of this.io) if (port < b.port + b.len && port + len > b.port) hit |= b.bit;
    this.pendingHits |= hit;
    return hit !== 0;
  }
}
