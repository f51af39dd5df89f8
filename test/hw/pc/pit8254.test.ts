import { expect } from 'chai';
import { Pit8254, PIT_HZ, nsToTicks, ticksToNs } from '../../../src/hw/pc/pit8254';
import { FakeClock, IrqLog, TestBus } from './fakes';

describe('Pit8254', () => {
  let clock: FakeClock;
  let irqs: IrqLog;
  let pit: Pit8254;
  let bus: TestBus;

  /** Move virtual time to `t` input-clock ticks and let the machine update the PIT. */
  function toTick(t: number): void {
    clock.ns = ticksToNs(t);
    pit.update(clock.ns);
  }

  function program(channel: number, control: number, count: number): void {
    bus.outb(0x43, control);
    bus.outb(0x40 + channel, count & 0xff);
    bus.outb(0x40 + channel, count >> 8);
  }

  function latch(channel: number): number {
    bus.outb(0x43, channel << 6); // counter latch command
    const lo = bus.inb(0x40 + channel);
    return lo | (bus.inb(0x40 + channel) << 8);
  }

  beforeEach(() => {
    clock = new FakeClock();
    irqs = new IrqLog();
    pit = new Pit8254(irqs, clock);
    bus = new TestBus();
    pit.attach(bus);
  });

  it('converts between nanoseconds and input-clock ticks exactly', () => {
    expect(nsToTicks(1e9)).to.equal(PIT_HZ);
    for (const t of [0, 1, 1193, 65536, PIT_HZ - 1, PIT_HZ * 3600 + 12345]) {
      const ns = ticksToNs(t);
      expect(nsToTicks(ns)).to.equal(t);
      expect(nsToTicks(ns - 1)).to.equal(t - 1 < 0 ? -1 : t - 1);
    }
  });

  it('runs channel 0 at 18.2 Hz after reset, as the BIOS leaves it', () => {
    expect(pit.nextEventNs(0)).to.equal(ticksToNs(65536));
    toTick(65535);
    expect(irqs.rising(0)).to.equal(0);
    toTick(65536);
    expect(irqs.rising(0)).to.equal(1);
  });

  it('mode 2: one rising IRQ0 edge per period, counter decreasing', () => {
    program(0, 0x34, 1193); // Linux periodic tick: ch0, lo/hi, mode 2, binary
    expect(pit.nextEventNs(clock.ns)).to.equal(ticksToNs(1193));
    toTick(100);
    expect(latch(0)).to.equal(1093);
    toTick(1192);
    expect(latch(0)).to.equal(1);
    expect(irqs.rising(0)).to.equal(0);
    toTick(1193);
    expect(irqs.rising(0)).to.equal(1);
    expect(irqs.level[0]).to.equal(true); // held high for the PIC until the next period
    expect(latch(0)).to.equal(1193); // reloaded
    expect(pit.nextEventNs(clock.ns)).to.equal(ticksToNs(2 * 1193));
    toTick(2 * 1193 + 5);
    expect(irqs.rising(0)).to.equal(2);
  });

  it('delivers one edge, not a burst, when many periods passed between slices', () => {
    program(0, 0x34, 1000);
    toTick(10_500);
    expect(irqs.rising(0)).to.equal(1);
    expect(pit.irq0Coalesced).to.equal(9);
    toTick(11_000);
    expect(irqs.rising(0)).to.equal(2);
  });

  it('counter latch freezes the value until both bytes are read', () => {
    program(0, 0x34, 0x4000);
    toTick(0x100);
    bus.outb(0x43, 0x00);
    toTick(0x300); // time passes between the latch and the reads
    expect(bus.inb(0x40)).to.equal(0x00);
    expect(bus.inb(0x40)).to.equal(0x3f);
    expect(latch(0)).to.equal(0x4000 - 0x300); // a new latch sees the current count
  });

  it('treats a count of 0 as 65536', () => {
    program(0, 0x34, 0);
    expect(pit.nextEventNs(clock.ns)).to.equal(ticksToNs(65536));
    toTick(1);
    expect(latch(0)).to.equal(65535);
  });

  it('supports LSB-only and MSB-only access', () => {
    bus.outb(0x43, 0x14); // ch0, LSB only, mode 2
    bus.outb(0x40, 200);
    expect(pit.nextEventNs(clock.ns)).to.equal(ticksToNs(200));
    toTick(50);
    expect(bus.inb(0x40)).to.equal(150);
    bus.outb(0x43, 0x24); // ch0, MSB only, mode 2
    bus.outb(0x40, 0x02); // count 0x200
    toTick(50 + 0x80);
    expect(bus.inb(0x40)).to.equal(0x01); // 0x200 - 0x80 = 0x180
  });

  it('mode 3 drives a square wave on channel 2, gated by port 0x61', () => {
    bus.outb(0x61, 0x00);
    program(2, 0xb6, 100); // ch2, lo/hi, mode 3
    clock.ns = ticksToNs(30);
    expect(bus.inb(0x61) & 0x20).to.equal(0x20); // gate low: OUT high, not counting
    bus.outb(0x61, 0x03); // gate on, speaker on (the count starts now, at tick 30)
    expect(pit.speakerEnabled).to.equal(true);
    const out = (t: number) => {
      clock.ns = ticksToNs(30 + t);
      return (bus.inb(0x61) & 0x20) !== 0;
    };
    expect([out(0), out(49), out(50), out(99), out(100), out(149), out(150)]).to.deep.equal([
      true, true, false, false, true, true, false,
    ]);
    expect(bus.inb(0x61) & 0x03).to.equal(0x03);
  });

  it('mode 3 with an odd count stays high one clock longer than low', () => {
    bus.outb(0x61, 0x01);
    program(2, 0xb6, 5);
    const out = (t: number) => {
      clock.ns = ticksToNs(t);
      return (bus.inb(0x61) & 0x20) !== 0;
    };
    expect([0, 1, 2, 3, 4, 5].map(out)).to.deep.equal([true, true, true, false, false, true]);
  });

  it('mode 1 on channel 2 is a one-shot triggered by the gate rising', () => {
    bus.outb(0x61, 0x00);
    program(2, 0xb2, 100); // ch2, lo/hi, mode 1
    const out = () => (bus.inb(0x61) & 0x20) !== 0;
    clock.ns = ticksToNs(10);
    expect(out()).to.equal(true); // armed, not triggered
    bus.outb(0x61, 0x01); // trigger at tick 10
    expect(out()).to.equal(false);
    clock.ns = ticksToNs(60);
    expect(latch(2)).to.equal(50);
    clock.ns = ticksToNs(110);
    expect(out()).to.equal(true);
  });

  it('mode 3 counts down by two in each half period', () => {
    program(0, 0x36, 100);
    toTick(10);
    expect(latch(0)).to.equal(80);
    toTick(60);
    expect(latch(0)).to.equal(80);
  });

  it('mode 0 on channel 2 signals terminal count in port 0x61 bit 5 (TSC calibration)', () => {
    bus.outb(0x61, (bus.inb(0x61) & ~0x02) | 0x01); // gate high, speaker off
    program(2, 0xb0, 1000); // ch2, lo/hi, mode 0
    expect(bus.inb(0x61) & 0x20).to.equal(0);
    clock.ns = ticksToNs(999);
    expect(bus.inb(0x61) & 0x20).to.equal(0);
    const lo = bus.inb(0x42);
    const hi = bus.inb(0x42);
    expect(lo | (hi << 8)).to.equal(1);
    clock.ns = ticksToNs(1000);
    expect(bus.inb(0x61) & 0x20).to.equal(0x20);
  });

  it('mode 0 on channel 2 stops counting while the gate is low', () => {
    bus.outb(0x61, 0x01);
    program(2, 0xb0, 1000);
    clock.ns = ticksToNs(100);
    bus.outb(0x61, 0x00);
    clock.ns = ticksToNs(600);
    expect(latch(2)).to.equal(900);
    bus.outb(0x61, 0x01);
    clock.ns = ticksToNs(700);
    expect(latch(2)).to.equal(800);
  });

  it('mode 0 on channel 0 raises IRQ0 once at terminal count', () => {
    program(0, 0x30, 500);
    expect(irqs.level[0]).to.equal(false);
    toTick(499);
    expect(irqs.rising(0)).to.equal(0);
    toTick(500);
    expect(irqs.rising(0)).to.equal(1);
    toTick(70_000);
    expect(irqs.rising(0)).to.equal(1);
    expect(pit.nextEventNs(clock.ns)).to.equal(Infinity);
  });

  it('mode 4 (Linux one-shot) strobes once after count + 1 ticks', () => {
    program(0, 0x38, 300);
    expect(pit.nextEventNs(clock.ns)).to.equal(ticksToNs(301));
    toTick(300);
    expect(irqs.rising(0)).to.equal(0);
    toTick(301);
    expect(irqs.rising(0)).to.equal(1);
    toTick(100_000);
    expect(irqs.rising(0)).to.equal(1);
  });

  it('mode 2: a new count takes effect at the end of the current period', () => {
    program(0, 0x34, 1000);
    toTick(400);
    bus.outb(0x40, 500 & 0xff);
    bus.outb(0x40, 500 >> 8);
    expect(latch(0)).to.equal(600); // the current period continues
    expect(pit.nextEventNs(clock.ns)).to.equal(ticksToNs(1000));
    toTick(1000);
    expect(irqs.rising(0)).to.equal(1);
    expect(pit.nextEventNs(clock.ns)).to.equal(ticksToNs(1500));
    toTick(1100);
    expect(latch(0)).to.equal(400);
  });

  it('read-back returns status, then the latched count', () => {
    program(0, 0x34, 1000);
    toTick(10);
    bus.outb(0x43, 0xe2); // read-back, status only, channel 0
    expect(bus.inb(0x40)).to.equal(0x80 | 0x30 | 0x04); // OUT high, lo/hi, mode 2
    bus.outb(0x43, 0xc2); // count and status
    toTick(20);
    expect(bus.inb(0x40)).to.equal(0xb4);
    expect(bus.inb(0x40) | (bus.inb(0x40) << 8)).to.equal(990);
    bus.outb(0x43, 0x30); // new control word: null count until a count is written
    bus.outb(0x43, 0xe2);
    expect(bus.inb(0x40) & 0x40).to.equal(0x40);
  });

  it('reads BCD counts in BCD', () => {
    bus.outb(0x43, 0x35); // ch0, lo/hi, mode 2, BCD
    bus.outb(0x40, 0x00);
    bus.outb(0x40, 0x10); // 1000 decimal
    toTick(1);
    expect(latch(0)).to.equal(0x0999);
  });

  it('toggles the refresh bit of port 0x61 as time passes', () => {
    const seen = new Set<number>();
    for (let i = 0; i < 8; i++) {
      clock.ns = i * 16_000;
      seen.add(bus.inb(0x61) & 0x10);
    }
    expect([...seen].sort()).to.deep.equal([0, 0x10]);
  });
});
