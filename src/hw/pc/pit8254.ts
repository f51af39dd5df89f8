// Intel 8254 programmable interval timer, plus the PC's port 0x61 (channel 2 gate,
// speaker enable, channel 2 output, refresh toggle).
//
// Counters are not stepped: each channel remembers when its count was loaded and
// computes its counter value and OUT level from the elapsed input-clock ticks.
import { AccessSize, Clock, IoBus, IrqSink, PortDevice, TimedDevice } from './bus';
import { readSplit, writeSplit } from './devices-common';

export const PIT_HZ = 1193182;

/** Input-clock ticks elapsed at `ns` (split to stay exact in double precision). */
export function nsToTicks(ns: number): number {
  const s = Math.floor(ns / 1e9);
  const r = ns - s * 1e9;
  return s * PIT_HZ + Math.floor((r * PIT_HZ) / 1e9);
}

/** First nanosecond at which nsToTicks() reaches `t`. */
export function ticksToNs(t: number): number {
  const s = Math.floor(t / PIT_HZ);
  const r = t - s * PIT_HZ;
  return s * 1e9 + Math.ceil((r * 1e9) / PIT_HZ);
}

function bcdToBin16(v: number): number {
  return ((v >> 12) & 15) * 1000 + ((v >> 8) & 15) * 100 + ((v >> 4) & 15) * 10 + (v & 15);
}

function binToBcd16(v: number): number {
  let r = 0;
  for (let shift = 0; shift < 16; shift += 4, v = Math.floor(v / 10)) r |= (v % 10) << shift;
  return r;
}

class PitChannel {
  mode = 3;
  rw = 3; // 1 = LSB only, 2 = MSB only, 3 = LSB then MSB
  bcd = false;
  /** Count register: the last count written. */
  cr = 0;
  /** Effective count (0 means 65536, or 10000 in BCD) of the running segment. */
  n = 0x10000;
  /** The counting element holds a count (and, in modes 1/5, was triggered). */
  running = false;
  hasCount = false;
  start = 0;
  /** The segment began with a rising edge of OUT (mode 2/3 reload at end of period). */
  startIsEdge = false;
  /** Elapsed ticks frozen while GATE is low in modes 0 and 4. */
  paused: number | null = null;
  /** Mode 2/3: a count written while counting takes effect at the end of the period. */
  pending: { n: number; at: number } | null = null;
  /** Counter value shown while not counting. */
  held = 0;
  nullCount = true;
  writeHi = false;
  lowByte = 0;
  readHi = false;
  latched: number | null = null;
  status: number | null = null;

  constructor(public gate: boolean) {}

  get modulus(): number {
    return this.bcd ? 10000 : 0x10000;
  }

  effective(raw: number): number {
    if (raw === 0) return this.modulus;
    return this.bcd ? bcdToBin16(raw) || this.modulus : raw;
  }

  sync(t: number): void {
    const p = this.pending;
    if (p && t >= p.at) {
      this.n = p.n;
      this.start = p.at;
      this.startIsEdge = true;
      this.pending = null;
      this.nullCount = false;
    }
  }

  private elapsed(t: number): number {
    return this.paused ?? t - this.start;
  }

  begin(t: number): void {
    this.n = this.effective(this.cr);
    this.start = t;
    this.startIsEdge = false;
    this.running = true;
    this.pending = null;
    this.nullCount = false;
    this.paused = (this.mode === 0 || this.mode === 4) && !this.gate ? 0 : null;
  }

  control(mode: number, rw: number, bcd: boolean, t: number): void {
    this.held = this.counter(t);
    this.mode = mode > 5 ? mode & 3 : mode; // modes 6 and 7 are 2 and 3
    this.rw = rw;
    this.bcd = bcd;
    this.running = this.hasCount = false;
    this.pending = null;
    this.paused = null;
    this.nullCount = true;
    this.writeHi = this.readHi = false;
    this.latched = this.status = null;
  }

  writeCount(v: number, t: number): void {
    switch (this.rw) {
      case 1: this.load(v, t); break;
      case 2: this.load(v << 8, t); break;
      default:
        if (!this.writeHi) {
          this.lowByte = v;
          this.writeHi = true;
          // Mode 0: writing the first byte stops counting and OUT goes low.
          if (this.mode === 0 && this.running) {
            this.held = this.counter(t);
            this.running = false;
          }
        } else {
          this.writeHi = false;
          this.load(this.lowByte | (v << 8), t);
        }
    }
  }

  private load(raw: number, t: number): void {
    this.sync(t);
    this.cr = raw;
    this.hasCount = true;
    this.nullCount = true;
    switch (this.mode) {
      case 0:
      case 4:
        this.begin(t);
        break;
      case 1:
      case 5:
        break; // used at the next GATE trigger
      default: // 2, 3
        if (this.running) {
          const n = this.n;
          this.pending = { n: this.effective(raw), at: this.start + (Math.floor((t - this.start) / n) + 1) * n };
        } else if (this.gate) {
          this.begin(t);
        }
    }
  }

  setGate(level: boolean, t: number): void {
    this.sync(t);
    if (level === this.gate) return;
    this.gate = level;
    switch (this.mode) {
      case 0:
      case 4: // GATE low suspends counting
        if (!this.running) break;
        if (!level) this.paused = t - this.start;
        else if (this.paused !== null) {
          this.start = t - this.paused;
          this.paused = null;
        }
        break;
      case 1:
      case 5: // a rising edge (re)triggers
        if (level && this.hasCount) this.begin(t);
        break;
      default: // 2, 3: GATE low stops counting and forces OUT high; rising edge reloads
        if (!level) {
          this.held = this.counter(t);
          this.running = false;
          this.pending = null;
        } else if (this.hasCount) {
          this.begin(t);
        }
    }
  }

  /** Binary counter value at tick t. */
  counter(t: number): number {
    this.sync(t);
    if (!this.running) return this.held;
    const d = this.elapsed(t);
    const n = this.n;
    const m = this.modulus;
    switch (this.mode) {
      case 2:
        return (n - (d % n)) % m;
      case 3: {
        // Counts down by two; odd counts load N-1 and stay high one clock longer.
        const p = d % n;
        const h = Math.ceil(n / 2);
        const even = n & ~1;
        return (even - 2 * (p < h ? p : p - h)) % m;
      }
      default: // 0, 1, 4, 5 count down and wrap
        return (((n - d) % m) + m) % m;
    }
  }

  out(t: number): boolean {
    this.sync(t);
    if (!this.running) return this.mode !== 0;
    const d = this.elapsed(t);
    const n = this.n;
    switch (this.mode) {
      case 0:
      case 1:
        return d >= n;
      case 2:
        return d % n !== n - 1; // low for one clock when the counter reaches 1
      case 3:
        return d % n < Math.ceil(n / 2);
      default: // 4, 5: low for one clock at terminal count
        return d !== n;
    }
  }

  /** First tick > after where OUT rises, or Infinity. Does not modify the channel. */
  nextRisingEdge(after: number): number {
    if (!this.running || this.paused !== null) return Infinity;
    let s = this.start;
    let n = this.n;
    let startIsEdge = this.startIsEdge;
    if (this.pending && after >= this.pending.at) {
      s = this.pending.at;
      n = this.pending.n;
      startIsEdge = true;
    }
    if (startIsEdge && after < s) return s;
    let e: number;
    switch (this.mode) {
      case 0:
      case 1:
        e = s + n;
        break;
      case 4:
      case 5:
        e = s + n + 1;
        break;
      default: // 2, 3: rising edge at the end of every period
        return s + (after < s ? 1 : Math.floor((after - s) / n) + 1) * n;
    }
    return e > after ? e : Infinity;
  }

  statusByte(t: number): number {
    return (this.out(t) ? 0x80 : 0) | (this.nullCount ? 0x40 : 0) | (this.rw << 4) | (this.mode << 1) | (this.bcd ? 1 : 0);
  }

  latchCount(t: number): void {
    if (this.latched !== null) return; // a second latch before reading is ignored
    const c = this.counter(t);
    this.latched = this.bcd ? binToBcd16(c) : c;
    this.readHi = false;
  }

  read(t: number): number {
    if (this.status !== null) {
      const s = this.status;
      this.status = null;
      return s;
    }
    const c = this.counter(t);
    const v = this.latched ?? (this.bcd ? binToBcd16(c) : c);
    switch (this.rw) {
      case 1:
        this.latched = null;
        return v & 0xff;
      case 2:
        this.latched = null;
        return (v >> 8) & 0xff;
      default:
        if (!this.readHi) {
          this.readHi = true;
          return v & 0xff;
        }
        this.readHi = false;
        this.latched = null;
        return (v >> 8) & 0xff;
    }
  }
}

export class Pit8254 implements PortDevice, TimedDevice {
  /** IRQ0 rising edges delivered, and periods that elapsed without their own edge. */
  irq0Edges = 0;
  irq0Coalesced = 0;
  private readonly ch: PitChannel[];
  private port61 = 0;
  private lastTick: number;
  private irqLevel = false;

  constructor(private readonly irqs: IrqSink, private readonly clock: Clock) {
    // Reset state as QEMU leaves it: every channel in mode 3 with count 65536,
    // channels 0 and 1 running (gate tied high), channel 2 gated off by port 0x61.
    const t = nsToTicks(clock.nowNs());
    this.ch = [new PitChannel(true), new PitChannel(true), new PitChannel(false)];
    for (const c of this.ch) {
      c.hasCount = true;
      if (c.gate) c.begin(t);
    }
    this.lastTick = t;
  }

  attach(bus: IoBus): void {
    bus.register(0x40, 4, this);
    bus.register(0x61, 1, this);
  }

  get speakerEnabled(): boolean {
    return (this.port61 & 3) === 3;
  }

  /** Debug view of a channel at the current time. */
  channelState(i: number): { mode: number; count: number; counter: number; out: boolean; gate: boolean } {
    const c = this.ch[i];
    const t = this.ticksNow();
    return { mode: c.mode, count: c.effective(c.cr), counter: c.counter(t), out: c.out(t), gate: c.gate };
  }

  update(nowNs: number): void {
    const t = nsToTicks(nowNs);
    if (t <= this.lastTick) return;
    const c = this.ch[0];
    const e = c.nextRisingEdge(this.lastTick);
    if (e <= t) {
      // Several periods may have passed since the last slice: deliver one edge, like a
      // PC whose CPU was too busy to take every tick, and count the rest.
      if ((c.mode === 2 || c.mode === 3) && !c.pending) {
        const missed = Math.floor((t - c.start) / c.n) - Math.floor((e - c.start) / c.n);
        if (missed > 0) this.irq0Coalesced += missed;
      }
      this.pulseIrq0();
    }
    c.sync(t);
    this.lastTick = t;
  }

  nextEventNs(nowNs: number): number {
    const e = this.ch[0].nextRisingEdge(this.lastTick);
    return e === Infinity ? Infinity : Math.max(ticksToNs(e), nowNs);
  }

  ioRead(port: number, size: AccessSize): number {
    return readSplit((p) => this.read8(p), port, size);
  }

  ioWrite(port: number, size: AccessSize, value: number): void {
    writeSplit((p, v) => this.write8(p, v), port, size, value);
  }

  private ticksNow(): number {
    return nsToTicks(this.clock.nowNs());
  }

  private read8(port: number): number {
    const t = this.ticksNow();
    if (port >= 0x40 && port <= 0x42) return this.ch[port - 0x40].read(t);
    if (port === 0x61) {
      // Bit 4 toggles with the DRAM refresh request (every 15.085 us on the AT).
      const refresh = Math.floor(this.clock.nowNs() / 15085) & 1;
      return (this.port61 & 0x0f) | (refresh << 4) | (this.ch[2].out(t) ? 0x20 : 0);
    }
    return 0xff; // 0x43 is write-only
  }

  private write8(port: number, v: number): void {
    const now = this.clock.nowNs();
    this.update(now); // deliver IRQ0 edges due under the old programming first
    const t = nsToTicks(now);
    if (port === 0x61) {
      this.port61 = v & 0x0f;
      this.ch[2].setGate((v & 1) !== 0, t);
      return;
    }
    if (port >= 0x40 && port <= 0x42) {
      this.ch[port - 0x40].writeCount(v, t);
      if (port === 0x40) this.followOut0(t);
      return;
    }
    if (port !== 0x43) return;
    const sc = v >> 6;
    if (sc === 3) {
      // Read-back: bit 5 = 0 latches counts, bit 4 = 0 latches status, bits 3..1 select.
      for (let i = 0; i < 3; i++) {
        if (!(v & (2 << i))) continue;
        const c = this.ch[i];
        if (!(v & 0x10) && c.status === null) c.status = c.statusByte(t);
        if (!(v & 0x20)) c.latchCount(t);
      }
      return;
    }
    const c = this.ch[sc];
    const rw = (v >> 4) & 3;
    if (rw === 0) {
      c.latchCount(t); // counter latch command
      return;
    }
    c.control((v >> 1) & 7, rw, (v & 1) !== 0, t);
    if (sc === 0) this.followOut0(t);
  }

  /**
   * The IRQ0 line stays high after each edge (the PIC needs it held until INTA); it only
   * drops when OUT0 genuinely goes low for a while: mode 0/1 counting toward terminal count.
   */
  private followOut0(t: number): void {
    const c = this.ch[0];
    if ((c.mode === 0 || c.mode === 1) && !c.out(t) && this.irqLevel) {
      this.irqLevel = false;
      this.irqs.setIrq(0, false);
    }
  }

  private pulseIrq0(): void {
    if (this.irqLevel) this.irqs.setIrq(0, false);
    this.irqs.setIrq(0, true);
    this.irqLevel = true;
    this.irq0Edges++;
  }
}
