import { expect } from 'chai';
import { DebugConsoleE9, IsaDebugExit, Kbc8042, Port80, Port92 } from '../../../src/hw/pc/debug-ports';
import { FakeControl, IrqLog, TestBus } from './fakes';

describe('debug ports', () => {
  let bus: TestBus;
  let control: FakeControl;

  beforeEach(() => {
    bus = new TestBus();
    control = new FakeControl();
  });

  describe('DebugConsoleE9', () => {
    it('outputs written bytes and reads back 0xE9', () => {
      const out: number[] = [];
      new DebugConsoleE9((b) => out.push(b)).attach(bus);
      expect(bus.inb(0xe9)).to.equal(0xe9);
      for (const c of 'hi\n') bus.outb(0xe9, c.charCodeAt(0));
      expect(Buffer.from(out).toString()).to.equal('hi\n');
    });
  });

  describe('IsaDebugExit', () => {
    it('exits with (value << 1) | 1', () => {
      new IsaDebugExit(control).attach(bus);
      bus.outb(0xf4, 0x31);
      expect(control.exits).to.deep.equal([0x63]);
      bus.out(0xf4, 4, 0x10);
      expect(control.exits[1]).to.equal(0x21);
      expect(bus.inb(0xf8)).to.equal(0xff); // outside iobase..iobase+3
    });

    it('honours a custom iobase', () => {
      new IsaDebugExit(control, 0x501, 2).attach(bus);
      bus.outb(0xf4, 1);
      expect(control.exits).to.deep.equal([]);
      bus.outb(0x502, 0);
      expect(control.exits).to.deep.equal([1]);
    });
  });

  describe('Port92', () => {
    it('gates A20 with bit 1 and fast-resets on bit 0 rising', () => {
      const a20: boolean[] = [];
      const p = new Port92(control, (e) => a20.push(e));
      p.attach(bus);
      bus.outb(0x92, bus.inb(0x92) | 0x02);
      expect(bus.inb(0x92) & 0x02).to.equal(0x02);
      expect(a20).to.deep.equal([true]);
      expect(control.resets).to.equal(0);
      bus.outb(0x92, 0x03);
      expect(control.resets).to.equal(1);
      bus.outb(0x92, 0x03); // still 1: no new reset
      expect(control.resets).to.equal(1);
      p.reset();
      expect(bus.inb(0x92)).to.equal(0x02);
    });
  });

  describe('Port80', () => {
    it('keeps the last POST code', () => {
      const p = new Port80();
      p.attach(bus);
      bus.outb(0x80, 0x12);
      bus.outb(0x80, 0x34);
      expect(bus.inb(0x80)).to.equal(0x34);
      expect(p.history).to.deep.equal([0x12, 0x34]);
    });
  });

  describe('Kbc8042', () => {
    let kbc: Kbc8042;
    let a20: boolean[];
    let irqs: IrqLog;

    beforeEach(() => {
      a20 = [];
      irqs = new IrqLog();
      kbc = new Kbc8042(control, { onA20: (e) => a20.push(e), irqs });
      kbc.attach(bus);
    });

    it('reports the system flag with an empty output buffer', () => {
      const st = bus.inb(0x64);
      expect(st & 0x04).to.equal(0x04);
      expect(st & 0x03).to.equal(0); // OBF and IBF clear
    });

    it('resets the machine on command 0xFE', () => {
      bus.outb(0x64, 0xfe);
      expect(control.resets).to.equal(1);
    });

    it('controls A20 and reset through the output port (0xD1)', () => {
      bus.outb(0x64, 0xd1);
      bus.outb(0x60, 0xdd); // A20 off, reset line inactive
      expect(a20).to.deep.equal([false]);
      expect(kbc.a20).to.equal(false);
      bus.outb(0x64, 0xd1);
      bus.outb(0x60, 0xdf);
      expect(a20).to.deep.equal([false, true]);
      bus.outb(0x64, 0xd0);
      expect(bus.inb(0x60)).to.equal(0xdf);
      expect(control.resets).to.equal(0);
      bus.outb(0x64, 0xd1);
      bus.outb(0x60, 0xde); // bit 0 low: CPU reset
      expect(control.resets).to.equal(1);
    });

    it('reads and writes the configuration byte', () => {
      bus.outb(0x64, 0x20);
      expect(bus.inb(0x64) & 0x01).to.equal(1);
      const cfg = bus.inb(0x60);
      expect(cfg & 0x04).to.equal(0x04);
      expect(bus.inb(0x64) & 0x01).to.equal(0);
      bus.outb(0x64, 0x60);
      bus.outb(0x60, 0x00); // no interrupts, system flag cleared
      expect(bus.inb(0x64) & 0x04).to.equal(0);
      bus.outb(0x64, 0x20);
      expect(bus.inb(0x60)).to.equal(0x00);
      expect(irqs.rising(1)).to.equal(1); // only the first read had the interrupt enabled
    });

    it('passes the controller self test and acknowledges keyboard commands', () => {
      bus.outb(0x64, 0xad);
      bus.outb(0x64, 0xaa);
      expect(bus.inb(0x60)).to.equal(0x55);
      bus.outb(0x64, 0xae);
      bus.outb(0x60, 0xff); // keyboard reset
      expect([bus.inb(0x60), bus.inb(0x60)]).to.deep.equal([0xfa, 0xaa]);
      expect(bus.inb(0x64) & 0x01).to.equal(0);
    });
  });
});
