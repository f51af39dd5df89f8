import { expect } from 'chai';
import { Uart16550 } from '../../../src/hw/pc/uart16550';
import { IrqLog, TestBus } from './fakes';

const COM1 = 0x3f8;
const THR = COM1, RBR = COM1, DLL = COM1, IER = COM1 + 1, DLM = COM1 + 1, IIR = COM1 + 2, FCR = COM1 + 2;
const LCR = COM1 + 3, MCR = COM1 + 4, LSR = COM1 + 5, MSR = COM1 + 6, SCR = COM1 + 7;

describe('Uart16550', () => {
  let irqs: IrqLog;
  let out: number[];
  let uart: Uart16550;
  let bus: TestBus;

  beforeEach(() => {
    irqs = new IrqLog();
    out = [];
    uart = new Uart16550(irqs, 4, (b) => out.push(b));
    bus = new TestBus();
    uart.attach(bus);
  });

  it('has a working scratch register', () => {
    for (const v of [0x55, 0xaa, 0x00]) {
      bus.outb(SCR, v);
      expect(bus.inb(SCR)).to.equal(v);
    }
  });

  it('keeps only the four defined IER bits (Linux autoconfig)', () => {
    bus.outb(IER, 0);
    expect(bus.inb(IER) & 0x0f).to.equal(0);
    bus.outb(IER, 0xff);
    expect(bus.inb(IER)).to.equal(0x0f);
  });

  it('reads back the divisor latch through DLAB and keeps IER separate', () => {
    bus.outb(IER, 0x05);
    bus.outb(LCR, 0x83); // DLAB + 8N1
    bus.outb(DLL, 0x01);
    bus.outb(DLM, 0x02);
    expect(bus.inb(DLL)).to.equal(0x01);
    expect(bus.inb(DLM)).to.equal(0x02);
    expect(out).to.deep.equal([]); // divisor writes are not transmitted
    bus.outb(LCR, 0x03);
    expect(bus.inb(LCR)).to.equal(0x03);
    expect(bus.inb(IER)).to.equal(0x05);
    bus.outb(LCR, 0x83);
    expect(bus.inb(DLL)).to.equal(0x01);
  });

  it('transmits at once: THRE and TEMT set after every write', () => {
    bus.outb(THR, 0x48);
    bus.outb(THR, 0x69);
    expect(out).to.deep.equal([0x48, 0x69]);
    expect(bus.inb(LSR) & 0x60).to.equal(0x60);
  });

  it('passes the Linux loopback test and loops data back', () => {
    bus.outb(MCR, 0x10 | 0x0a); // LOOP | RTS | OUT2
    expect(bus.inb(MSR) & 0xf0).to.equal(0x90); // CTS from RTS, DCD from OUT2
    bus.outb(MCR, 0x10 | 0x05); // DTR, OUT1
    expect(bus.inb(MSR) & 0xf0).to.equal(0x60); // DSR, RI
    bus.outb(THR, 0x5a);
    expect(out).to.deep.equal([]); // nothing reaches the host in loopback
    expect(bus.inb(LSR) & 0x01).to.equal(1);
    expect(bus.inb(RBR)).to.equal(0x5a);
    expect(bus.inb(LSR) & 0x01).to.equal(0);
    bus.outb(MCR, 0x0b);
    expect(bus.inb(MSR) & 0xf0).to.equal(0xb0); // host lines again
  });

  it('reports FIFOs in IIR bits 7-6 as a 16550A', () => {
    expect(bus.inb(IIR) & 0xc0).to.equal(0);
    bus.outb(FCR, 0x01);
    expect(bus.inb(IIR) >> 6).to.equal(3);
    bus.outb(FCR, 0x21); // 16750 64-byte bit: ignored, IIR bit 5 stays 0
    expect(bus.inb(IIR) & 0x20).to.equal(0);
    bus.outb(FCR, 0x00);
    expect(bus.inb(IIR) & 0xc0).to.equal(0);
  });

  it('orders interrupt sources: line status, RX data, THR empty, modem status', () => {
    bus.outb(IER, 0x0f);
    bus.outb(MCR, 0x19); // loopback with RTS off: CTS drops (delta), data loops back
    bus.outb(THR, 0x11);
    bus.outb(THR, 0x22); // non-FIFO: overrun
    expect(bus.inb(IIR)).to.equal(0x06);
    expect(bus.inb(LSR) & 0x03).to.equal(0x03); // DR + OE, OE clears on read
    expect(bus.inb(IIR)).to.equal(0x04);
    expect(bus.inb(RBR)).to.equal(0x22); // the 16450-mode overrun overwrote RBR
    expect(bus.inb(IIR)).to.equal(0x02);
    expect(bus.inb(IIR)).to.equal(0x00); // reading IIR cleared THRE; modem status remains
    expect(bus.inb(MSR) & 0x0f).to.not.equal(0);
    expect(bus.inb(MSR) & 0x0f).to.equal(0); // deltas clear on read
    expect(bus.inb(IIR)).to.equal(0x01);
  });

  it('raises the THR-empty interrupt on enable, clears it on IIR read, re-raises after a write', () => {
    bus.outb(MCR, 0x0b);
    bus.outb(IER, 0x02);
    expect(irqs.level[4]).to.equal(true);
    expect(bus.inb(IIR)).to.equal(0x02);
    expect(irqs.level[4]).to.equal(false);
    bus.outb(THR, 0x41);
    expect(irqs.level[4]).to.equal(true);
    expect(irqs.rising(4)).to.equal(2);
    bus.outb(IER, 0x00);
    expect(irqs.level[4]).to.equal(false);
  });

  it('gates the IRQ line with OUT2', () => {
    bus.outb(IER, 0x01);
    uart.receive(0x61);
    expect(irqs.level[4]).to.equal(false);
    bus.outb(MCR, 0x08);
    expect(irqs.level[4]).to.equal(true);
    expect(bus.inb(IIR)).to.equal(0x04);
    expect(bus.inb(RBR)).to.equal(0x61);
    expect(irqs.level[4]).to.equal(false);
    expect(bus.inb(IIR)).to.equal(0x01);
  });

  it('uses the FIFO trigger level, with a timeout indication below it', () => {
    bus.outb(FCR, 0x87); // enable, reset, trigger 8
    bus.outb(IER, 0x01);
    bus.outb(MCR, 0x0b);
    for (const b of [1, 2, 3]) uart.receive(b);
    expect(bus.inb(IIR)).to.equal(0xcc);
    for (const b of [4, 5, 6, 7, 8]) uart.receive(b);
    expect(bus.inb(IIR)).to.equal(0xc4);
    const got: number[] = [];
    while (bus.inb(LSR) & 1) got.push(bus.inb(RBR));
    expect(got).to.deep.equal([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(irqs.level[4]).to.equal(false);
  });

  it('holds host input beyond the FIFO instead of overrunning', () => {
    bus.outb(FCR, 0x01);
    const text = Array.from({ length: 40 }, (_, i) => 0x20 + i);
    for (const b of text) uart.receive(b);
    expect(uart.queuedHostBytes).to.equal(24);
    const got: number[] = [];
    while (bus.inb(LSR) & 1) got.push(bus.inb(RBR));
    expect(got).to.deep.equal(text);
    expect(bus.inb(LSR) & 0x02).to.equal(0);
    expect(uart.hasInput()).to.equal(false);
  });

  it('clears the RX FIFO on an FCR reset', () => {
    bus.outb(FCR, 0x01);
    uart.receive(1);
    uart.receive(2);
    bus.outb(FCR, 0x03);
    expect(bus.inb(LSR) & 1).to.equal(0);
  });

  it('keeps the FIFO and flags OE when the FIFO overruns in loopback', () => {
    bus.outb(FCR, 0x01);
    bus.outb(MCR, 0x10);
    for (let i = 0; i < 17; i++) bus.outb(THR, i);
    expect(bus.inb(LSR) & 0x02).to.equal(0x02);
    const got: number[] = [];
    while (bus.inb(LSR) & 1) got.push(bus.inb(RBR));
    expect(got).to.have.length(16);
    expect(got[15]).to.equal(15);
  });
});
