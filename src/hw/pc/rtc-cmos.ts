// Motorola MC146818 real-time clock with its 128 bytes of CMOS RAM (ports 0x70/0x71).
//
// The clock is not stepped: the RTC time is `baseMs` at virtual time `baseNs` plus the
// whole seconds elapsed since; the periodic interrupt runs on the 32.768 kHz divider
// chain, aligned with the seconds. The IRQ 8 line follows register C's IRQF bit, so it
// stays asserted until the guest reads register C, as on the real chip.
import { AccessSize, Clock, IoBus, IrqSink, PortDevice, TimedDevice } from './bus';
import { fromBcd, readSplit, toBcd, writeSplit } from './devices-common';

export interface RtcOptions {
  /** ISA IRQ line, 8 on a PC. */
  irq?: number;
  /** Wall-clock time (UTC fields are shown) at the clock's current virtual time. */
  startTime?: Date;
  /** RAM size in bytes (below 4 GiB) for the CMOS memory-size bytes, as QEMU fills them. */
  memoryBytes?: number;
}

const REG_A = 0x0a;
const REG_B = 0x0b;
const REG_C = 0x0c;
const REG_D = 0x0d;
const CENTURY = 0x32;

const A_UIP = 0x80;
const B_SET = 0x80;
const B_UIE = 0x10;
const B_AIE = 0x20;
const B_PIE = 0x40;
const B_DM = 0x04; // 1 = binary, 0 = BCD
const B_24H = 0x02;
const C_IRQF = 0x80;
const C_PF = 0x40;
const C_AF = 0x20;
const C_UF = 0x10;

const NS = 1e9;
/** UIP rises this long before each update cycle. */
const UIP_LEAD_NS = 244_000;
const TIME_REGS = new Set([0, 2, 4, 6, 7, 8, 9, CENTURY]);

/** 32.768 kHz divider ticks in `ns` nanoseconds (split to stay exact). */
function ticks32k(ns: number): number {
  const s = Math.floor(ns / NS);
  return s * 32768 + Math.floor(((ns - s * NS) * 32768) / NS);
}

function ticks32kToNs(t: number): number {
  const s = Math.floor(t / 32768);
  return s * NS + Math.ceil(((t - s * 32768) * NS) / 32768);
}

export class RtcCmos implements PortDevice, TimedDevice {
  readonly cmos = new Uint8Array(128);
  /** Bit 7 of the last index write (the PC's NMI mask). */
  nmiDisabled = false;
  private index = 0;
  private readonly irq: number;
  private baseMs: number;
  private baseNs: number;
  private lastNs: number;
  private irqLevel = false;

  constructor(private readonly irqs: IrqSink, private readonly clock: Clock, opts: RtcOptions = {}) {
    this.irq = opts.irq ?? 8;
    const now = clock.nowNs();
    const ms = (opts.startTime ?? new Date()).getTime();
    this.baseMs = Math.floor(ms / 1000) * 1000;
    this.baseNs = now - (ms - this.baseMs) * 1e6; // keep the start time's sub-second phase
    this.lastNs = now;
    this.cmos[REG_A] = 0x26; // 32.768 kHz time base, 1024 Hz periodic rate
    this.cmos[REG_B] = B_24H; // BCD, 24-hour
    this.cmos[REG_D] = 0x80; // VRT: battery good
    if (opts.memoryBytes !== undefined) this.setMemorySize(opts.memoryBytes);
  }

  attach(bus: IoBus): void {
    bus.register(0x70, 2, this);
  }

  /** Fill the memory-size bytes the way QEMU's pc_cmos_init does. */
  setMemorySize(bytes: number): void {
    const KiB = 1024;
    const MiB = 1024 * KiB;
    const set16 = (lo: number, v: number) => {
      this.cmos[lo] = v & 0xff;
      this.cmos[lo + 1] = (v >> 8) & 0xff;
    };
    set16(0x15, Math.min(Math.floor(bytes / KiB), 640)); // base memory in KiB
    const ext = bytes > MiB ? Math.min(Math.floor((bytes - MiB) / KiB), 0xffff) : 0;
    set16(0x17, ext); // extended memory in KiB above 1 MiB
    set16(0x30, ext);
    set16(0x34, bytes > 16 * MiB ? Math.min(Math.floor((bytes - 16 * MiB) / (64 * KiB)), 0xffff) : 0);
  }

  /** The RTC's current time (frozen while SET or the divider is in reset). */
  currentTime(): Date {
    const now = this.clock.nowNs();
    return new Date(this.frozen() ? this.parseTime() : this.timeMsAt(now));
  }

  update(nowNs: number): void {
    if (nowNs <= this.lastNs) return;
    const last = this.lastNs;
    this.lastNs = nowNs;
    let c = this.cmos[REG_C];
    const p = this.periodTicks();
    if (p && Math.floor(ticks32k(nowNs - this.baseNs) / p) !== Math.floor(ticks32k(last - this.baseNs) / p)) c |= C_PF;
    if (!this.frozen() && Math.floor((nowNs - this.baseNs) / NS) !== Math.floor((last - this.baseNs) / NS)) {
      // An update cycle completed: registers advance, then the alarm is compared.
      c |= C_UF;
      this.storeTime(this.timeMsAt(nowNs));
      if (this.alarmMatches()) c |= C_AF;
    }
    this.cmos[REG_C] = c;
    this.updateIrq();
  }

  nextEventNs(nowNs: number): number {
    let next = Infinity;
    const b = this.cmos[REG_B];
    const p = this.periodTicks();
    if (b & B_PIE && p) {
      const k = Math.floor(ticks32k(nowNs - this.baseNs) / p) + 1;
      next = this.baseNs + ticks32kToNs(k * p);
    }
    if (b & (B_UIE | B_AIE) && !this.frozen()) {
      next = Math.min(next, this.baseNs + (Math.floor((nowNs - this.baseNs) / NS) + 1) * NS);
    }
    return next;
  }

  ioRead(port: number, size: AccessSize): number {
    return readSplit((p) => this.read8(p), port, size);
  }

  ioWrite(port: number, size: AccessSize, value: number): void {
    writeSplit((p, v) => this.write8(p, v), port, size, value);
  }

  private read8(port: number): number {
    if (port !== 0x71) return 0xff; // the index port is write-only
    const now = this.clock.nowNs();
    this.update(now);
    const i = this.index;
    if (TIME_REGS.has(i)) {
      if (!this.frozen()) this.storeTime(this.timeMsAt(now));
      return this.cmos[i];
    }
    switch (i) {
      case REG_A: {
        const inSecond = (((now - this.baseNs) % NS) + NS) % NS;
        const uip = !this.frozen() && inSecond >= NS - UIP_LEAD_NS;
        return (this.cmos[REG_A] & 0x7f) | (uip ? A_UIP : 0);
      }
      case REG_C: {
        const v = this.cmos[REG_C];
        this.cmos[REG_C] = 0; // all flags clear on read, releasing IRQ 8
        this.updateIrq();
        return v;
      }
      case REG_D:
        return 0x80;
      default:
        return this.cmos[i];
    }
  }

  private write8(port: number, v: number): void {
    if (port === 0x70) {
      this.index = v & 0x7f;
      this.nmiDisabled = (v & 0x80) !== 0;
      return;
    }
    if (port !== 0x71) return;
    const now = this.clock.nowNs();
    this.update(now);
    const i = this.index;
    const wasFrozen = this.frozen();
    if (TIME_REGS.has(i)) {
      if (wasFrozen) {
        this.cmos[i] = v; // SET mode: the program initialises the registers
      } else {
        // Running: the written field changes the time, the divider phase is kept.
        const secs = Math.floor((now - this.baseNs) / NS);
        this.storeTime(this.timeMsAt(now));
        this.cmos[i] = v;
        this.baseMs = this.parseTime();
        this.baseNs += secs * NS;
      }
      return;
    }
    switch (i) {
      case REG_A:
        this.cmos[REG_A] = v & 0x7f; // UIP is read-only
        break;
      case REG_B:
        if (v & B_SET) v &= ~B_UIE; // SET clears UIE
        this.cmos[REG_B] = v;
        break;
      case REG_C:
      case REG_D:
        return; // read-only
      default:
        this.cmos[i] = v;
        return;
    }
    const frozen = this.frozen();
    if (frozen && !wasFrozen) {
      this.storeTime(this.timeMsAt(now)); // freeze the registers at the current time
    } else if (!frozen && wasFrozen) {
      this.baseMs = this.parseTime(); // restart counting from the programmed time
      this.baseNs = now;
    }
    this.updateIrq(); // IRQF = PF.PIE + AF.AIE + UF.UIE
  }

  /** Updates are inhibited by SET, or by the divider held in reset (DV = 11x). */
  private frozen(): boolean {
    return (this.cmos[REG_B] & B_SET) !== 0 || (this.cmos[REG_A] & 0x70) > 0x20;
  }

  /** Periodic interrupt period in 32.768 kHz ticks, 0 when off. */
  private periodTicks(): number {
    let rs = this.cmos[REG_A] & 0x0f;
    if (rs === 0 || (this.cmos[REG_A] & 0x60) === 0x60) return 0;
    if (rs < 3) rs += 7; // rates 1 and 2 repeat 8 and 9 (256 and 128 Hz)
    return 1 << (rs - 1);
  }

  private timeMsAt(nowNs: number): number {
    return this.baseMs + Math.floor((nowNs - this.baseNs) / NS) * 1000;
  }

  private enc(v: number): number {
    return this.cmos[REG_B] & B_DM ? v : toBcd(v);
  }

  private dec(v: number): number {
    return this.cmos[REG_B] & B_DM ? v : fromBcd(v);
  }

  private storeTime(ms: number): void {
    const d = new Date(ms);
    const c = this.cmos;
    c[0] = this.enc(d.getUTCSeconds());
    c[2] = this.enc(d.getUTCMinutes());
    const h = d.getUTCHours();
    c[4] = this.cmos[REG_B] & B_24H ? this.enc(h) : this.enc(h % 12 || 12) | (h >= 12 ? 0x80 : 0);
    c[6] = this.enc(d.getUTCDay() + 1); // 1 = Sunday
    c[7] = this.enc(d.getUTCDate());
    c[8] = this.enc(d.getUTCMonth() + 1);
    c[9] = this.enc(d.getUTCFullYear() % 100);
    c[CENTURY] = this.enc(Math.floor(d.getUTCFullYear() / 100));
  }

  private parseTime(): number {
    const c = this.cmos;
    let hour: number;
    if (c[REG_B] & B_24H) hour = this.dec(c[4]);
    else hour = (this.dec(c[4] & 0x7f) % 12) + (c[4] & 0x80 ? 12 : 0);
    const century = this.dec(c[CENTURY]);
    const yy = this.dec(c[9]);
    const year = century ? century * 100 + yy : yy < 70 ? 2000 + yy : 1900 + yy;
    const d = new Date(0);
    d.setUTCFullYear(year, this.dec(c[8]) - 1, this.dec(c[7]));
    d.setUTCHours(hour, this.dec(c[2]), this.dec(c[0]), 0);
    return d.getTime();
  }

  /** Alarm registers 1, 3, 5 against 0, 2, 4; 0xC0-0xFF means "don't care". */
  private alarmMatches(): boolean {
    const c = this.cmos;
    for (const r of [0, 2, 4]) {
      const alarm = c[r + 1];
      if ((alarm & 0xc0) !== 0xc0 && alarm !== c[r]) return false;
    }
    return true;
  }

  private updateIrq(): void {
    const c = this.cmos[REG_C];
    const irqf = (c & this.cmos[REG_B] & (C_PF | C_AF | C_UF)) !== 0;
    this.cmos[REG_C] = irqf ? c | C_IRQF : c & ~C_IRQF;
    if (irqf !== this.irqLevel) {
      this.irqLevel = irqf;
      this.irqs.setIrq(this.irq, irqf);
    }
  }
}
