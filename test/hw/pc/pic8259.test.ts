import { expect } from 'chai';
import { PicPair } from '../../../src/hw/pc/pic8259';
import { TestBus } from './fakes';

/** The sequence Linux's init_8259A() writes (vectors 0x30 / 0x38, not auto-EOI). */
function linuxInit(bus: TestBus, icw4 = 0x01): void {
  bus.outb(0x21, 0xff);
  bus.outb(0xa1, 0xff);
  bus.outb(0x20, 0x11); // ICW1: edge, cascade, ICW4 needed
  bus.outb(0x21, 0x30); // ICW2: vector base
  bus.outb(0x21, 0x04); // ICW3: slave on IR2
  bus.outb(0x21, icw4); // ICW4: 8086 mode
  bus.outb(0xa0, 0x11);
  bus.outb(0xa1, 0x38);
  bus.outb(0xa1, 0x02); // slave identity 2
  bus.outb(0xa1, 0x01);
  bus.outb(0x21, 0xfb); // everything masked but the cascade
  bus.outb(0xa1, 0xff);
}

function readIsr(bus: TestBus, cmd: number): number {
  bus.outb(cmd, 0x0b); // OCW3: read ISR
  const v = bus.inb(cmd);
  bus.outb(cmd, 0x0a); // back to IRR
  return v;
}

describe('PicPair (8259A pair)', () => {
  let pic: PicPair;
  let bus: TestBus;

  beforeEach(() => {
    pic = new PicPair();
    bus = new TestBus();
    pic.attach(bus);
    linuxInit(bus);
  });

  it('passes the Linux probe: IMR reads back what was written', () => {
    bus.outb(0x21, 0xa5);
    expect(bus.inb(0x21)).to.equal(0xa5);
    bus.outb(0xa1, 0x5a);
    expect(bus.inb(0xa1)).to.equal(0x5a);
  });

  it('delivers an unmasked IRQ with the programmed vector and sets ISR until EOI', () => {
    pic.setIrq(0, true);
    expect(pic.hasPendingInterrupt()).to.equal(false); // still masked
    bus.outb(0x21, 0xfa); // unmask IRQ0
    expect(pic.hasPendingInterrupt()).to.equal(true);
    expect(pic.acknowledge()).to.equal(0x30);
    expect(readIsr(bus, 0x20)).to.equal(0x01);
    expect(bus.inb(0x20) & 1).to.equal(0); // IRR cleared by INTA
    expect(pic.hasPendingInterrupt()).to.equal(false);
    bus.outb(0x20, 0x60); // specific EOI for IR0, as Linux sends it
    expect(readIsr(bus, 0x20)).to.equal(0);
  });

  it('resolves priorities in fully nested mode', () => {
    bus.outb(0x21, 0x00);
    pic.setIrq(3, true);
    pic.setIrq(1, true);
    expect(pic.acknowledge()).to.equal(0x31); // IR1 beats IR3
    expect(pic.hasPendingInterrupt()).to.equal(false); // IR3 is lower than in-service IR1
    pic.setIrq(0, true);
    expect(pic.hasPendingInterrupt()).to.equal(true); // IR0 nests over IR1
    expect(pic.acknowledge()).to.equal(0x30);
    expect(readIsr(bus, 0x20)).to.equal(0x03);
    bus.outb(0x20, 0x20); // non-specific EOI clears the highest in service: IR0
    expect(readIsr(bus, 0x20)).to.equal(0x02);
    bus.outb(0x20, 0x20);
    expect(pic.acknowledge()).to.equal(0x33);
  });

  it('cascades the slave through master IR2', () => {
    bus.outb(0xa1, 0xfe); // unmask IRQ8
    pic.setIrq(8, true);
    expect(pic.hasPendingInterrupt()).to.equal(true);
    expect(pic.acknowledge()).to.equal(0x38);
    expect(readIsr(bus, 0x20)).to.equal(0x04);
    expect(readIsr(bus, 0xa0)).to.equal(0x01);
    bus.outb(0xa0, 0x60); // EOI slave IR0, then master IR2 (Linux order)
    bus.outb(0x20, 0x62);
    expect(readIsr(bus, 0x20)).to.equal(0);
    expect(readIsr(bus, 0xa0)).to.equal(0);
  });

  it('latches edge-triggered requests on the rising edge only', () => {
    bus.outb(0x21, 0xf8);
    pic.setIrq(1, true);
    expect(bus.inb(0x20) & 0x02).to.equal(0x02); // IRR visible through OCW3 default
    expect(pic.acknowledge()).to.equal(0x31);
    bus.outb(0x20, 0x20);
    expect(pic.hasPendingInterrupt()).to.equal(false); // line still high: no new edge
    pic.setIrq(1, false);
    pic.setIrq(1, true);
    expect(pic.hasPendingInterrupt()).to.equal(true);
  });

  it('gives the spurious IR7 vector when the request vanished before INTA', () => {
    bus.outb(0x21, 0x00);
    pic.setIrq(5, true);
    expect(pic.hasPendingInterrupt()).to.equal(true);
    pic.setIrq(5, false); // the device dropped its line before the CPU acknowledged
    expect(pic.acknowledge()).to.equal(0x37);
    expect(readIsr(bus, 0x20)).to.equal(0); // no ISR bit for a spurious interrupt
    expect(pic.spuriousCount).to.equal(1);
  });

  it('keeps requesting a level-triggered line (ELCR) until it drops', () => {
    bus.outb(0x4d1, 0xff);
    expect(bus.inb(0x4d1)).to.equal(0xde); // IRQ 8 and 13 cannot be level
    bus.outb(0x4d1, 0x02); // IRQ9 level
    bus.outb(0xa1, 0xfd);
    pic.setIrq(9, true);
    expect(pic.acknowledge()).to.equal(0x39);
    bus.outb(0xa0, 0x20);
    bus.outb(0x20, 0x20);
    expect(pic.hasPendingInterrupt()).to.equal(true); // still asserted
    pic.setIrq(9, false);
    expect(pic.hasPendingInterrupt()).to.equal(false);
  });

  it('does not set ISR in auto-EOI mode', () => {
    linuxInit(bus, 0x03);
    bus.outb(0x21, 0x00);
    pic.setIrq(4, true);
    expect(pic.acknowledge()).to.equal(0x34);
    expect(readIsr(bus, 0x20)).to.equal(0);
    pic.setIrq(6, true);
    expect(pic.hasPendingInterrupt()).to.equal(true);
  });

  it('rotates priorities with the set-priority command', () => {
    bus.outb(0x21, 0x00);
    bus.outb(0x20, 0xc3); // IR3 lowest, so IR4 highest
    pic.setIrq(0, true);
    pic.setIrq(4, true);
    expect(pic.acknowledge()).to.equal(0x34);
    expect(pic.describe()).to.contain('hprio=4');
  });

  it('answers the poll command like an acknowledge', () => {
    bus.outb(0x21, 0x00);
    pic.setIrq(6, true);
    bus.outb(0x20, 0x0c); // OCW3 poll
    expect(bus.inb(0x20)).to.equal(0x86);
    expect(readIsr(bus, 0x20)).to.equal(0x40);
    bus.outb(0x20, 0x0c);
    expect(bus.inb(0x20)).to.equal(0); // nothing else requesting
  });

  it('requires a new edge after ICW1 for a line that is already high', () => {
    pic.setIrq(3, true);
    linuxInit(bus);
    bus.outb(0x21, 0x00);
    expect(pic.hasPendingInterrupt()).to.equal(false);
  });

  it('notifies onChange when INTR rises and falls', () => {
    bus.outb(0x21, 0x00);
    const seen: boolean[] = [];
    pic.onChange = () => seen.push(pic.hasPendingInterrupt());
    pic.setIrq(1, true);
    expect(seen).to.deep.equal([true]);
    pic.acknowledge();
    expect(seen[seen.length - 1]).to.equal(false);
  });

  it('routes ISA IRQ2 to IRQ9 as the AT bus does', () => {
    bus.outb(0xa1, 0xfd);
    pic.setIrq(2, true);
    expect(pic.acknowledge()).to.equal(0x39);
  });

  it('lets lower priorities in when the in-service level is masked in special mask mode', () => {
    bus.outb(0x21, 0x00);
    pic.setIrq(1, true);
    expect(pic.acknowledge()).to.equal(0x31);
    pic.setIrq(5, true);
    expect(pic.hasPendingInterrupt()).to.equal(false);
    bus.outb(0x21, 0x02); // mask the in-service IR1
    bus.outb(0x20, 0x68); // OCW3: set special mask mode
    expect(pic.hasPendingInterrupt()).to.equal(true);
    expect(pic.acknowledge()).to.equal(0x35);
    bus.outb(0x20, 0x48); // reset special mask mode
    expect(readIsr(bus, 0x20)).to.equal(0x22);
  });

  it('describes both chips like QEMU info pic', () => {
    bus.outb(0x21, 0xfa);
    pic.setIrq(0, true);
    const lines = pic.describe().trim().split('\n');
    expect(lines).to.have.length(2);
    expect(lines[0]).to.equal('pic0: irr=01 imr=fa isr=00 hprio=0 irq_base=30 rr_sel=0 elcr=00 fnm=0');
    expect(lines[1]).to.equal('pic1: irr=00 imr=ff isr=00 hprio=0 irq_base=38 rr_sel=0 elcr=00 fnm=0');
  });
});
