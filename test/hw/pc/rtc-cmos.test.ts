import { expect } from 'chai';
import { RtcCmos } from '../../../src/hw/pc/rtc-cmos';
import { FakeClock, IrqLog, TestBus } from './fakes';

const START = new Date(Date.UTC(2024, 2, 15, 13, 45, 30)); // a Friday

describe('RtcCmos', () => {
  let clock: FakeClock;
  let irqs: IrqLog;
  let rtc: RtcCmos;
  let bus: TestBus;

  function cmos(i: number): number {
    bus.outb(0x70, i);
    return bus.inb(0x71);
  }

  function setCmos(i: number, v: number): void {
    bus.outb(0x70, i);
    bus.outb(0x71, v);
  }

  function timeRegs(): number[] {
    return [0, 2, 4, 6, 7, 8, 9, 0x32].map(cmos);
  }

  beforeEach(() => {
    clock = new FakeClock();
    clock.ns = 5e9;
    irqs = new IrqLog();
    rtc = new RtcCmos(irqs, clock, { startTime: START, memoryBytes: 128 * 1024 * 1024 });
    bus = new TestBus();
    rtc.attach(bus);
  });

  it('starts in BCD, 24-hour mode with the status registers a BIOS leaves', () => {
    expect(timeRegs()).to.deep.equal([0x30, 0x45, 0x13, 0x06, 0x15, 0x03, 0x24, 0x20]);
    expect(cmos(0x0a)).to.equal(0x26);
    expect(cmos(0x0b)).to.equal(0x02);
    expect(cmos(0x0d)).to.equal(0x80);
  });

  it('shows binary values when register B DM is set', () => {
    setCmos(0x0b, 0x06);
    expect(timeRegs()).to.deep.equal([30, 45, 13, 6, 15, 3, 24, 20]);
  });

  it('shows 12-hour time with the PM bit', () => {
    setCmos(0x0b, 0x00); // BCD, 12-hour
    expect(cmos(4)).to.equal(0x81); // 1 PM
    setCmos(0x0b, 0x04); // binary, 12-hour
    expect(cmos(4)).to.equal(0x81);
    clock.advance((10 * 3600 + 15 * 60) * 1e9); // 00:00:30 next day
    expect(cmos(4)).to.equal(12); // midnight is 12 AM
    expect(cmos(7)).to.equal(16);
  });

  it('advances with virtual time', () => {
    clock.advance(29.5e9);
    expect(cmos(0)).to.equal(0x59);
    clock.advance(0.5e9);
    expect([cmos(0), cmos(2)]).to.deep.equal([0x00, 0x46]);
  });

  it('takes a new time through the SET bit and counts from it', () => {
    setCmos(0x0b, 0x82); // SET, 24h, BCD
    clock.advance(3e9);
    expect(cmos(0)).to.equal(0x30); // frozen while SET
    setCmos(0, 0x00);
    setCmos(2, 0x00);
    setCmos(4, 0x09);
    setCmos(7, 0x01);
    setCmos(8, 0x01);
    setCmos(9, 0x99);
    setCmos(0x32, 0x19);
    setCmos(0x0b, 0x02);
    expect(rtc.currentTime().toISOString()).to.equal('1999-01-01T09:00:00.000Z');
    clock.advance(61e9);
    expect([cmos(0), cmos(2), cmos(4), cmos(6)]).to.deep.equal([0x01, 0x01, 0x09, 0x06]);
  });

  it('sets the minutes while running without disturbing the rest', () => {
    setCmos(2, 0x10);
    expect(timeRegs().slice(0, 3)).to.deep.equal([0x30, 0x10, 0x13]);
    clock.advance(1e9);
    expect(cmos(0)).to.equal(0x31);
  });

  it('clears UIE when SET is written', () => {
    setCmos(0x0b, 0x92);
    expect(cmos(0x0b)).to.equal(0x82);
  });

  it('raises periodic interrupts on IRQ 8, held until register C is read', () => {
    setCmos(0x0b, 0x42); // PIE
    const next = rtc.nextEventNs(clock.ns);
    expect(next - clock.ns).to.be.greaterThan(0).and.at.most(976_563);
    rtc.update(next - 1);
    expect(irqs.level[8]).to.equal(false);
    rtc.update(next);
    expect(irqs.level[8]).to.equal(true);
    clock.ns = next + 5e6;
    rtc.update(clock.ns); // more periods, but the line is already asserted
    expect(irqs.rising(8)).to.equal(1);
    expect(cmos(0x0c)).to.equal(0xc0); // IRQF | PF
    expect(irqs.level[8]).to.equal(false);
    expect(cmos(0x0c)).to.equal(0); // clear on read
    rtc.update(rtc.nextEventNs(clock.ns));
    expect(irqs.rising(8)).to.equal(2);
  });

  it('uses the rate select of register A', () => {
    setCmos(0x0a, 0x2f); // 2 Hz
    setCmos(0x0b, 0x42);
    const t0 = rtc.nextEventNs(clock.ns);
    rtc.update(t0);
    expect(rtc.nextEventNs(t0) - t0).to.equal(500e6);
    setCmos(0x0a, 0x20); // rate 0: no periodic interrupt
    expect(rtc.nextEventNs(clock.ns)).to.equal(Infinity);
  });

  it('sets PF without interrupting when PIE is clear', () => {
    clock.advance(2e6);
    expect(cmos(0x0c)).to.equal(0x40);
    expect(irqs.rising(8)).to.equal(0);
  });

  it('raises the update-ended interrupt once per second when UIE is set', () => {
    setCmos(0x0b, 0x12);
    const next = rtc.nextEventNs(clock.ns);
    expect(next).to.equal(6e9); // second boundaries follow the start time's phase
    rtc.update(next);
    expect(irqs.level[8]).to.equal(true);
    clock.ns = next;
    expect(cmos(0x0c)).to.equal(0xd0); // IRQF | PF (set whatever PIE says) | UF
    expect(cmos(0)).to.equal(0x31);
  });

  it('raises the alarm interrupt when the alarm time matches', () => {
    setCmos(1, 0x35);
    setCmos(3, 0xff); // don't care
    setCmos(5, 0xc0);
    setCmos(0x0b, 0x22); // AIE
    clock.advance(4e9);
    rtc.update(clock.ns);
    expect(irqs.level[8]).to.equal(false);
    expect(cmos(0x0c) & 0x20).to.equal(0);
    clock.advance(1e9);
    rtc.update(clock.ns);
    expect(irqs.level[8]).to.equal(true);
    expect(cmos(0x0c)).to.equal(0xf0); // IRQF | PF | AF | UF
  });

  it('sets UIP during the 244 us before an update', () => {
    expect(cmos(0x0a) & 0x80).to.equal(0);
    clock.ns = 6e9 - 100_000;
    expect(cmos(0x0a) & 0x80).to.equal(0x80);
    clock.ns = 6e9;
    expect(cmos(0x0a) & 0x80).to.equal(0);
  });

  it('fills the memory-size bytes as QEMU does for 128 MiB', () => {
    expect([cmos(0x15), cmos(0x16)]).to.deep.equal([0x80, 0x02]); // 640 KiB
    expect([cmos(0x17), cmos(0x18)]).to.deep.equal([0xff, 0xff]); // 127 MiB in KiB, capped
    expect([cmos(0x30), cmos(0x31)]).to.deep.equal([0xff, 0xff]);
    expect([cmos(0x34), cmos(0x35)]).to.deep.equal([0x00, 0x07]); // 112 MiB / 64 KiB = 0x700
    rtc.setMemorySize(32 * 1024 * 1024);
    expect([cmos(0x17), cmos(0x18)]).to.deep.equal([0x00, 0x7c]); // 31 MiB = 0x7c00 KiB
    expect([cmos(0x34), cmos(0x35)]).to.deep.equal([0x00, 0x01]);
  });

  it('ignores the NMI-disable bit of the index port', () => {
    bus.outb(0x70, 0x80 | 0x0d);
    expect(bus.inb(0x71)).to.equal(0x80);
    expect(rtc.nmiDisabled).to.equal(true);
    bus.outb(0x70, 0x80 | 0x40);
    bus.outb(0x71, 0x5a);
    expect(cmos(0x40)).to.equal(0x5a);
    expect(rtc.nmiDisabled).to.equal(false);
  });
});
