import { expect } from 'chai';
import { DebugConsoleE9, IsaDebugExit, Port80, Port92 } from '../../../src/hw/pc/debug-ports';
import { FakeControl, TestBus } from './fakes';

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
});
