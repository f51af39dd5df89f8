import { expect } from 'chai';
import { Kbc8042 } from '../../../src/hw/pc/kbc8042';
import { FakeControl, IrqLog, TestBus } from './fakes';

describe('Kbc8042', () => {
  let bus: TestBus;
  let control: FakeControl;
  let kbc: Kbc8042;
  let a20: boolean[];
  let irqs: IrqLog;

  beforeEach(() => {
    bus = new TestBus();
    control = new FakeControl();
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

  const cmd = (c: number, data?: number) => { bus.outb(0x64, c); if (data !== undefined) bus.outb(0x60, data); };
  const readAll = () => { const r: number[] = []; while (bus.inb(0x64) & 1) r.push(bus.inb(0x60)); return r; };

  it('loops a byte back through the mouse port with the AUX flag and IRQ 12 (0xD3)', () => {
    cmd(0x60, 0x47); // both interrupts, translation, system flag
    cmd(0xd3, 0x5a);
    expect(bus.inb(0x64) & 0x21).to.equal(0x21); // output buffer full, from the mouse port
    expect(irqs.level[12]).to.equal(true);
    expect(irqs.level[1]).to.equal(false);
    expect(bus.inb(0x60)).to.equal(0x5a);
    expect(bus.inb(0x64) & 0x21).to.equal(0);
    expect(irqs.level[12]).to.equal(false);
    cmd(0xd2, 0x33); // the same through the keyboard port: IRQ 1, no AUX flag
    expect(bus.inb(0x64) & 0x21).to.equal(0x01);
    expect(irqs.level[1]).to.equal(true);
    expect(bus.inb(0x60)).to.equal(0x33);
  });

  it('tests, disables and enables the mouse interface', () => {
    cmd(0xa9);
    expect(readAll()).to.deep.equal([0x00]);
    cmd(0xa7);
    cmd(0x20);
    expect(readAll()[0] & 0x20).to.equal(0x20);
    cmd(0xa8);
    cmd(0x20);
    expect(readAll()[0] & 0x20).to.equal(0);
  });

  it('answers mouse commands sent with 0xD4, and detects the wheel mouse knock', () => {
    cmd(0xd4, 0xff);
    expect(bus.inb(0x64) & 0x20).to.equal(0x20);
    expect(readAll()).to.deep.equal([0xfa, 0xaa, 0x00]);
    cmd(0xd4, 0xf2);
    expect(readAll()).to.deep.equal([0xfa, 0x00]);
    for (const rate of [200, 100, 80]) { cmd(0xd4, 0xf3); cmd(0xd4, rate); }
    expect(readAll()).to.deep.equal([0xfa, 0xfa, 0xfa, 0xfa, 0xfa, 0xfa]);
    cmd(0xd4, 0xf2);
    expect(readAll()).to.deep.equal([0xfa, 0x03]); // IntelliMouse
    cmd(0xd4, 0xf4);
    cmd(0xd4, 0xe9);
    expect(readAll()).to.deep.equal([0xfa, 0xfa, 0x20, 0x02, 80]); // enabled, resolution, last rate
    cmd(0xd4, 0x42);
    expect(readAll()).to.deep.equal([0xfe]); // unknown command: resend
  });

  it('gives controller replies priority over bytes the keyboard still has queued', () => {
    cmd(0x60, 0x45);
    bus.outb(0x60, 0xf2); // identify: 0xFA 0xAB 0x41
    expect(bus.inb(0x60)).to.equal(0xfa);
    cmd(0x20); // 0xAB already sits in the output buffer; the configuration byte comes next
    expect(readAll()).to.deep.equal([0xab, 0x45, 0x41]);
    expect(irqs.rising(1)).to.equal(4); // one edge per byte delivered with interrupts on
  });

  it('reports the scancode set, translated as the controller passes it on', () => {
    bus.outb(0x60, 0xf0);
    bus.outb(0x60, 0x00);
    expect(readAll()).to.deep.equal([0xfa, 0xfa, 0x41]);
    cmd(0x60, 0x05); // translation off
    bus.outb(0x60, 0xf0);
    bus.outb(0x60, 0x01);
    bus.outb(0x60, 0xf0);
    bus.outb(0x60, 0x00);
    expect(readAll()).to.deep.equal([0xfa, 0xfa, 0xfa, 0xfa, 0x01]);
  });
});
