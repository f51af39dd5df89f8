// National Semiconductor 16550A UART (PC COM port).
//
// Transmission is instantaneous: THR and the transmitter are empty again as soon as a
// byte is written. Host input is queued outside the receiver and fed into the 16-byte
// RX FIFO only as it has room (flow control, as QEMU's chardev does), so pasted input
// is not lost; overruns still happen in loopback mode, where the guest feeds itself.
import { AccessSize, IoBus, IrqSink, PortDevice } from './bus';
import { readSplit, writeSplit } from './devices-common';

export interface UartOptions {
  /** First port, used by attach(); registers are decoded from port & 7. */
  base?: number;
}

const LSR_DR = 0x01;
const LSR_OE = 0x02;
const LSR_ERRORS = 0x1e; // OE, PE, FE, BI
const LSR_THRE = 0x20;
const LSR_TEMT = 0x40;

const IIR_NONE = 0x01;
const IIR_MSI = 0x00;
const IIR_THRI = 0x02;
const IIR_RDI = 0x04;
const IIR_RLSI = 0x06;
const IIR_TIMEOUT = 0x0c;

const MCR_OUT2 = 0x08;
const MCR_LOOP = 0x10;

/** CTS, DSR and DCD asserted: the host side of the line is always ready. */
const HOST_MODEM_LINES = 0xb0;
const RX_TRIGGER = [1, 4, 8, 14];

export class Uart16550 implements PortDevice {
  readonly base: number;
  /** Bytes transmitted to the host / accepted from the host by the receiver. */
  txCount = 0;
  rxCount = 0;
  overrunCount = 0;

  private rx: number[] = [];
  private host: number[] = [];
  private hostHead = 0;
  private lastRbr = 0;
  private ier = 0;
  private lcr = 0;
  private mcr = 0;
  private fcr = 0;
  private lsrErrors = 0;
  private msr = HOST_MODEM_LINES;
  private scr = 0;
  private dll = 0x0c; // 9600 baud, as QEMU resets it
  private dlm = 0;
  /** THR-empty interrupt latch: set when THR empties or ETBEI is enabled, cleared by IIR read or THR write. */
  private thrIpending = false;
  private irqLevel = false;

  constructor(
    private readonly irqs: IrqSink,
    private readonly irq: number,
    private readonly output: (byte: number) => void,
    opts: UartOptions = {},
  ) {
    this.base = opts.base ?? 0x3f8;
  }

  attach(bus: IoBus): void {
    bus.register(this.base, 8, this);
  }

  /** Queue a byte from the host (stdin) for the guest. */
  receive(byte: number): void {
    this.host.push(byte & 0xff);
    this.pump();
    this.updateIrq();
  }

  /** Data ready for the guest in the receiver (LSR.DR). */
  hasInput(): boolean {
    return this.rx.length > 0;
  }

  /** Host bytes waiting for room in the receiver. */
  get queuedHostBytes(): number {
    return this.host.length - this.hostHead;
  }

  ioRead(port: number, size: AccessSize): number {
    return readSplit((p) => this.read8(p), port, size);
  }

  ioWrite(port: number, size: AccessSize, value: number): void {
    writeSplit((p, v) => this.write8(p, v), port, size, value);
  }

  private get dlab(): boolean {
    return (this.lcr & 0x80) !== 0;
  }

  private get fifoEnabled(): boolean {
    return (this.fcr & 0x01) !== 0;
  }

  private get loopback(): boolean {
    return (this.mcr & MCR_LOOP) !== 0;
  }

  private read8(port: number): number {
    let v: number;
    switch (port & 7) {
      case 0:
        if (this.dlab) return this.dll;
        if (this.rx.length) this.lastRbr = this.rx.shift()!;
        v = this.lastRbr; // an empty RBR reads back the last character
        this.pump();
        break;
      case 1:
        return this.dlab ? this.dlm : this.ier;
      case 2: {
        const iid = this.interruptId();
        if (iid === IIR_THRI) this.thrIpending = false; // reading IIR clears the THRE source
        v = iid | (this.fifoEnabled ? 0xc0 : 0);
        break;
      }
      case 3:
        return this.lcr;
      case 4:
        return this.mcr;
      case 5:
        v = (this.rx.length ? LSR_DR : 0) | this.lsrErrors | LSR_THRE | LSR_TEMT;
        this.lsrErrors = 0; // error bits clear on read
        break;
      case 6:
        v = this.msr;
        this.msr &= 0xf0; // delta bits clear on read
        break;
      default:
        return this.scr;
    }
    this.updateIrq();
    return v;
  }

  private write8(port: number, v: number): void {
    switch (port & 7) {
      case 0:
        if (this.dlab) {
          this.dll = v;
          return;
        }
        this.thrIpending = false;
        this.transmit(v);
        this.thrIpending = true; // THR (and the shift register) empty again at once
        break;
      case 1: {
        if (this.dlab) {
          this.dlm = v;
          return;
        }
        const old = this.ier;
        this.ier = v & 0x0f;
        // Enabling ETBEI while THR is empty raises the THRE interrupt (drivers rely on it).
        if (this.ier & 0x02 && !(old & 0x02)) this.thrIpending = true;
        if (!(this.ier & 0x02)) this.thrIpending = false;
        break;
      }
      case 2:
        this.writeFcr(v);
        break;
      case 3:
        this.lcr = v;
        return;
      case 4:
        this.mcr = v & 0x1f;
        this.setModemInputs(this.loopback ? this.loopedModemLines() : HOST_MODEM_LINES);
        this.pump();
        break;
      case 7:
        this.scr = v;
        return;
      default:
        return; // LSR and MSR are read-only
    }
    this.updateIrq();
  }

  private writeFcr(v: number): void {
    // Changing the FIFO enable bit clears both FIFOs; other bits need FCR0 = 1.
    if ((v ^ this.fcr) & 0x01) this.rx = [];
    if (!(v & 0x01)) {
      this.fcr = 0;
    } else {
      if (v & 0x02) this.rx = []; // RX FIFO reset (the TX FIFO is always empty here)
      this.fcr = v & 0xc9; // trigger level, DMA mode, enable; reset bits self-clear
    }
    this.pump();
  }

  private transmit(byte: number): void {
    if (this.loopback) {
      this.rxPush(byte); // the transmitter output is looped to the receiver input
    } else {
      this.txCount++;
      this.output(byte);
    }
  }

  private rxPush(byte: number): void {
    if (this.rx.length >= this.rxCapacity()) {
      this.lsrErrors |= LSR_OE;
      this.overrunCount++;
      // 16450 mode: the new character overwrites RBR; FIFO mode: the FIFO keeps its
      // contents and the character in the shift register is lost.
      if (!this.fifoEnabled) this.rx[0] = byte;
    } else {
      this.rx.push(byte);
    }
  }

  private rxCapacity(): number {
    return this.fifoEnabled ? 16 : 1;
  }

  /** Feed host input into the receiver while it has room (not in loopback: input is disconnected). */
  private pump(): void {
    if (this.loopback) return;
    while (this.hostHead < this.host.length && this.rx.length < this.rxCapacity()) {
      this.rx.push(this.host[this.hostHead++]);
      this.rxCount++;
    }
    if (this.hostHead > 4096 && this.hostHead * 2 > this.host.length) {
      this.host = this.host.slice(this.hostHead);
      this.hostHead = 0;
    }
  }

  /** MSR bits 7..4 in loopback: DCD = OUT2, RI = OUT1, DSR = DTR, CTS = RTS. */
  private loopedModemLines(): number {
    const m = this.mcr;
    return ((m & 0x08) << 4) | ((m & 0x04) << 4) | ((m & 0x01) << 5) | ((m & 0x02) << 3);
  }

  private setModemInputs(lines: number): void {
    const old = this.msr & 0xf0;
    const changed = old ^ lines;
    let delta = this.msr & 0x0f;
    if (changed & 0x10) delta |= 0x01; // DCTS
    if (changed & 0x20) delta |= 0x02; // DDSR
    if (old & 0x40 && !(lines & 0x40)) delta |= 0x04; // TERI: trailing edge of RI
    if (changed & 0x80) delta |= 0x08; // DDCD
    this.msr = lines | delta;
  }

  /** Highest-priority pending source: line status > RX data > THR empty > modem status. */
  private interruptId(): number {
    const ier = this.ier;
    if (ier & 0x04 && this.lsrErrors & LSR_ERRORS) return IIR_RLSI;
    if (ier & 0x01 && this.rx.length) {
      if (!this.fifoEnabled || this.rx.length >= RX_TRIGGER[this.fcr >> 6]) return IIR_RDI;
      // Below the trigger level the 16550A reports a character timeout after four
      // character times; with no line timing here that time has always elapsed.
      return IIR_TIMEOUT;
    }
    if (ier & 0x02 && this.thrIpending) return IIR_THRI;
    if (ier & 0x08 && this.msr & 0x0f) return IIR_MSI;
    return IIR_NONE;
  }

  /**
   * On a PC the UART's INTRPT output reaches the ISA bus only through a buffer enabled by
   * OUT2; in loopback the OUT pins are forced inactive, so the line is gated off too.
   */
  private updateIrq(): void {
    const level = this.interruptId() !== IIR_NONE && (this.mcr & (MCR_OUT2 | MCR_LOOP)) === MCR_OUT2;
    if (level !== this.irqLevel) {
      this.irqLevel = level;
      this.irqs.setIrq(this.irq, level);
    }
  }
}
