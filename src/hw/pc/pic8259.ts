// Intel 8259A programmable interrupt controller: the PC/AT master-slave pair.
//
// Master at 0x20-0x21, slave at 0xA0-0xA1 with its INT output wired to master IR2,
// and the PIIX edge/level control registers (ELCR) at 0x4D0/0x4D1.
import { AccessSize, IoBus, IrqSink, PortDevice } from './bus';
import { hex2, readSplit, writeSplit } from './devices-common';

/** One 8259A chip. */
export class Pic8259 {
  irr = 0;
  imr = 0;
  isr = 0;
  /** Current level of each IR input pin. */
  lines = 0;
  /** Per-pin level-triggered mode from the ELCR (PC chipsets). */
  elcr = 0;
  /** ICW1 LTIM: every pin level-triggered. */
  ltim = false;
  /** IR with the highest priority (changed by the rotate commands). */
  priorityAdd = 0;
  vectorBase = 0;
  /** 0 when initialised, otherwise the number of the ICW expected next (2, 3 or 4). */
  initStep = 0;
  needIcw4 = false;
  single = false;
  icw3 = 0;
  autoEoi = false;
  rotateOnAutoEoi = false;
  specialFullyNested = false;
  readIsr = false;
  pollPending = false;
  specialMask = false;

  constructor(readonly isMaster: boolean, readonly elcrMask: number) {}

  /** Power-on state (QEMU resets the chip to all zeroes, vector base 0). */
  reset(): void {
    this.irr = this.imr = this.isr = this.lines = this.elcr = this.priorityAdd = this.vectorBase = 0;
    this.initStep = this.icw3 = 0;
    this.ltim = this.needIcw4 = this.single = this.autoEoi = this.rotateOnAutoEoi = false;
    this.specialFullyNested = this.readIsr = this.pollPending = this.specialMask = false;
  }

  levelMask(): number {
    return this.ltim ? 0xff : this.elcr;
  }

  /**
   * Drive an IR pin. Edge mode latches IRR on a rising edge; in either mode the request
   * is withdrawn when the pin drops before INTA (the datasheet requires the line to stay
   * high until acknowledged, otherwise the CPU gets the spurious IR7 vector).
   */
  setInput(pin: number, level: boolean): void {
    const bit = 1 << pin;
    const was = (this.lines & bit) !== 0;
    if (level) {
      this.lines |= bit;
      if (!was || this.levelMask() & bit) this.irr |= bit;
    } else {
      this.lines &= ~bit;
      this.irr &= ~bit;
    }
  }

  /** Rank of the highest-priority bit in mask: 0 = highest, 8 = none. */
  private rank(mask: number): number {
    if ((mask & 0xff) === 0) return 8;
    let r = 0;
    while (!(mask & (1 << ((r + this.priorityAdd) & 7)))) r++;
    return r;
  }

  /** The IR that would interrupt now (fully nested priority), or -1. */
  pending(): number {
    const req = this.rank(this.irr & ~this.imr);
    if (req === 8) return -1;
    // Special mask mode: a masked in-service level does not block the others.
    const cur = this.rank(this.specialMask ? this.isr & ~this.imr : this.isr);
    const irq = (req + this.priorityAdd) & 7;
    if (req < cur) return irq;
    // Special fully nested mode: the master lets a slave interrupt nest on the in-service IR2.
    if (req === cur && this.specialFullyNested && this.isMaster && irq === 2) return irq;
    return -1;
  }

  /** INTA cycle for `irq`: set ISR (unless AEOI), clear an edge-latched request. */
  ack(irq: number): void {
    const bit = 1 << irq;
    if (this.autoEoi) {
      if (this.rotateOnAutoEoi) this.priorityAdd = (irq + 1) & 7;
    } else {
      this.isr |= bit;
    }
    if (!(this.levelMask() & bit)) this.irr &= ~bit;
  }

  /** Poll command read: acknowledges like INTA and returns 0x80 | level, or 0. */
  pollRead(): number {
    this.pollPending = false;
    const irq = this.pending();
    if (irq < 0) return 0;
    this.ack(irq);
    return 0x80 | irq;
  }

  writeCommand(v: number): void {
    if (v & 0x10) {
      // ICW1: restart initialisation. IMR and ISR cleared, IR7 lowest priority, edge sense
      // reset (an edge-triggered input must make a new low-to-high transition).
      this.ltim = (v & 0x08) !== 0;
      this.single = (v & 0x02) !== 0;
      this.needIcw4 = (v & 0x01) !== 0;
      this.imr = this.isr = this.priorityAdd = 0;
      this.readIsr = this.pollPending = this.specialMask = false;
      this.autoEoi = this.rotateOnAutoEoi = this.specialFullyNested = false;
      this.irr = this.lines & this.levelMask();
      this.initStep = 2;
    } else if (v & 0x08) {
      // OCW3
      if (v & 0x04) this.pollPending = true;
      if (v & 0x02) this.readIsr = (v & 0x01) !== 0;
      if (v & 0x40) this.specialMask = (v & 0x20) !== 0;
    } else {
      // OCW2: R, SL, EOI in bits 7..5, level in bits 2..0
      const level = v & 7;
      switch (v >> 5) {
        case 0: this.rotateOnAutoEoi = false; break;
        case 4: this.rotateOnAutoEoi = true; break;
        case 1: // non-specific EOI
        case 5: { // rotate on non-specific EOI
          const r = this.rank(this.isr);
          if (r === 8) break;
          const irq = (r + this.priorityAdd) & 7;
          this.isr &= ~(1 << irq);
          if (v >> 5 === 5) this.priorityAdd = (irq + 1) & 7;
          break;
        }
        case 3: this.isr &= ~(1 << level); break; // specific EOI
        case 7: // rotate on specific EOI
          this.isr &= ~(1 << level);
          this.priorityAdd = (level + 1) & 7;
          break;
        case 6: this.priorityAdd = (level + 1) & 7; break; // set priority: level becomes lowest
        default: break; // 2: no operation
      }
    }
  }

  writeData(v: number): void {
    switch (this.initStep) {
      case 2: // ICW2: vector base (8086 mode uses T7-T3)
        this.vectorBase = v & 0xf8;
        this.initStep = this.single ? (this.needIcw4 ? 4 : 0) : 3;
        break;
      case 3: // ICW3: cascade wiring; the PC wiring is fixed (slave on IR2)
        this.icw3 = v;
        this.initStep = this.needIcw4 ? 4 : 0;
        break;
      case 4: // ICW4
        this.autoEoi = (v & 0x02) !== 0;
        this.specialFullyNested = (v & 0x10) !== 0;
        this.initStep = 0;
        break;
      default: // OCW1
        this.imr = v & 0xff;
    }
  }

  readCommand(): number {
    if (this.pollPending) return this.pollRead();
    return this.readIsr ? this.isr : this.irr;
  }

  readData(): number {
    if (this.pollPending) return this.pollRead();
    return this.imr;
  }

  describe(index: number): string {
    return `pic${index}: irr=${hex2(this.irr)} imr=${hex2(this.imr)} isr=${hex2(this.isr)} ` +
      `hprio=${this.priorityAdd} irq_base=${hex2(this.vectorBase)} rr_sel=${this.readIsr ? 1 : 0} ` +
      `elcr=${hex2(this.elcr)} fnm=${this.specialFullyNested ? 1 : 0}`;
  }
}

/** The cascaded pair, seen by devices as ISA IRQ lines 0-15 and by the CPU as INTR/INTA. */
export class PicPair implements PortDevice, IrqSink {
  readonly master = new Pic8259(true, 0xf8); // IRQ 0, 1, 2 cannot be level-triggered
  readonly slave = new Pic8259(false, 0xde); // nor IRQ 8 and 13
  /** Called whenever the INTR output may have changed (to wake a halted CPU). */
  onChange?: () => void;
  /** Acknowledges that found no request any more (spurious IRQ 7 / 15). */
  spuriousCount = 0;
  private intr = false;

  attach(bus: IoBus): void {
    bus.register(0x20, 2, this);
    bus.register(0xa0, 2, this);
    bus.register(0x4d0, 2, this);
  }

  reset(): void {
    this.master.reset();
    this.slave.reset();
    this.update();
  }

  setIrq(irq: number, level: boolean): void {
    if (irq === 2) irq = 9; // the AT bus routes ISA IRQ2 to the slave's IR1
    if (irq < 0 || irq > 15) return;
    if (irq < 8) this.master.setInput(irq, level);
    else this.slave.setInput(irq - 8, level);
    this.update();
  }

  /** INTR output: an unmasked request with priority over those in service. */
  hasPendingInterrupt(): boolean {
    return this.master.pending() >= 0;
  }

  /** The INTA cycle: returns the vector and updates ISR/IRR. */
  acknowledge(): number {
    let vector: number;
    const irq = this.master.pending();
    if (irq < 0) {
      this.spuriousCount++;
      vector = this.master.vectorBase | 7;
    } else {
      this.master.ack(irq);
      if (irq === 2 && !this.master.single) {
        const sirq = this.slave.pending();
        if (sirq < 0) {
          this.spuriousCount++;
          vector = this.slave.vectorBase | 7;
        } else {
          this.slave.ack(sirq);
          vector = this.slave.vectorBase | sirq;
        }
      } else {
        vector = this.master.vectorBase | irq;
      }
    }
    this.update();
    return vector;
  }

  ioRead(port: number, size: AccessSize): number {
    const v = readSplit((p) => this.read8(p), port, size);
    this.update(); // a poll read acknowledges
    return v;
  }

  ioWrite(port: number, size: AccessSize, value: number): void {
    writeSplit((p, v) => this.write8(p, v), port, size, value);
    this.update();
  }

  describe(): string {
    return this.master.describe(0) + '\n' + this.slave.describe(1) + '\n';
  }

  private read8(port: number): number {
    switch (port) {
      case 0x20: return this.master.readCommand();
      case 0x21: return this.master.readData();
      case 0xa0: return this.slave.readCommand();
      case 0xa1: return this.slave.readData();
      case 0x4d0: return this.master.elcr;
      case 0x4d1: return this.slave.elcr;
      default: return 0xff;
    }
  }

  private write8(port: number, v: number): void {
    switch (port) {
      case 0x20: this.master.writeCommand(v); break;
      case 0x21: this.master.writeData(v); break;
      case 0xa0: this.slave.writeCommand(v); break;
      case 0xa1: this.slave.writeData(v); break;
      case 0x4d0: this.setElcr(this.master, v); break;
      case 0x4d1: this.setElcr(this.slave, v); break;
    }
  }

  private setElcr(pic: Pic8259, v: number): void {
    pic.elcr = v & pic.elcrMask;
    pic.irr |= pic.lines & pic.levelMask(); // a level input that is high requests at once
  }

  /** Propagate the slave's INT to master IR2 and notify about the INTR output. */
  private update(): void {
    const slaveInt = this.slave.pending() >= 0;
    if (slaveInt !== ((this.master.lines & 4) !== 0)) this.master.setInput(2, slaveInt);
    const intr = this.master.pending() >= 0;
    const changed = intr !== this.intr;
    this.intr = intr;
    if ((changed || intr) && this.onChange) this.onChange();
  }
}
