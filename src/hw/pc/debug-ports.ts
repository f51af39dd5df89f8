// Small PC board devices: the Bochs/QEMU debug console, QEMU's isa-debug-exit, the
// PS/2 system control port A (0x92), the POST code port (0x80) and a minimal 8042
// keyboard controller (enough for A20 and reset, and for drivers probing it).
import { AccessSize, IoBus, IrqSink, MachineControl, PortDevice } from './bus';
import { readSplit, writeSplit } from './devices-common';

/** Port 0xE9 debug console: bytes written go to `output`; a read returns 0xE9 (presence check). */
export class DebugConsoleE9 implements PortDevice {
  constructor(private readonly output: (byte: number) => void, readonly port = 0xe9) {}

  attach(bus: IoBus): void {
    bus.register(this.port, 1, this);
  }

  ioRead(_port: number, _size: AccessSize): number {
    return 0xe9;
  }

  ioWrite(_port: number, _size: AccessSize, value: number): void {
    this.output(value & 0xff); // only the low byte, like Bochs and QEMU
  }
}

/** QEMU's isa-debug-exit: writing v makes the emulator exit with status (v << 1) | 1. */
export class IsaDebugExit implements PortDevice {
  constructor(private readonly control: MachineControl, readonly iobase = 0xf4, readonly iosize = 4) {}

  attach(bus: IoBus): void {
    bus.register(this.iobase, this.iosize, this);
  }

  ioRead(_port: number, _size: AccessSize): number {
    return 0;
  }

  ioWrite(_port: number, size: AccessSize, value: number): void {
    // The whole access is one write (not split into bytes), as QEMU's device accepts 1-4 bytes.
    const v = size === 4 ? value >>> 0 : value & (size === 2 ? 0xffff : 0xff);
    this.control.requestExit(((v << 1) | 1) >>> 0);
  }
}

/** System control port A (0x92): bit 1 = A20 gate, bit 0 written 1 = fast reset. */
export class Port92 implements PortDevice {
  private value = 0;

  constructor(private readonly control: MachineControl, private readonly onA20?: (enabled: boolean) => void) {}

  attach(bus: IoBus): void {
    bus.register(0x92, 1, this);
  }

  get a20(): boolean {
    return (this.value & 2) !== 0;
  }

  /** Machine reset: the reset bit clears, A20 is left as it is (as QEMU does). */
  reset(): void {
    this.value &= ~1;
  }

  ioRead(_port: number, _size: AccessSize): number {
    return this.value;
  }

  ioWrite(_port: number, _size: AccessSize, value: number): void {
    const old = this.value;
    this.value = value & 0x03;
    if ((old ^ this.value) & 2) this.onA20?.(this.a20);
    if (this.value & 1 && !(old & 1)) this.control.requestReset(); // on the 0 -> 1 transition
  }
}

/** POST code port: the last value written is kept (and readable). */
export class Port80 implements PortDevice {
  lastCode = 0;
  readonly history: number[] = [];

  attach(bus: IoBus): void {
    bus.register(0x80, 1, this);
  }

  ioRead(_port: number, _size: AccessSize): number {
    return this.lastCode;
  }

  ioWrite(_port: number, _size: AccessSize, value: number): void {
    this.lastCode = value & 0xff;
    if (this.history.length >= 64) this.history.shift();
    this.history.push(this.lastCode);
  }
}

export interface Kbc8042Options {
  onA20?: (enabled: boolean) => void;
  /** When given, IRQ 1 is raised while a byte waits in the output buffer and config bit 0 is set. */
  irqs?: IrqSink;
}

const ST_OBF = 0x01;
const ST_SYS = 0x04;
const ST_CMD = 0x08; // last write was to port 0x64
const ST_UNLOCKED = 0x10;
const CFG_KBD_INT = 0x01;
const CFG_SYS = 0x04;

/**
 * Minimal 8042: controller commands for the configuration byte, self tests, output port
 * (A20, reset) and pulse-reset; a keyboard that is present but never types (it
 * acknowledges commands so drivers waiting for 0xFA do not hang). No auxiliary device.
 */
export class Kbc8042 implements PortDevice {
  private out: number[] = [];
  private lastOut = 0;
  private status = ST_SYS | ST_UNLOCKED;
  private config = 0x45; // translate, system flag (CFG_SYS), keyboard interrupt
  private outputPort = 0xcf; // reset line inactive (1), A20 on, as QEMU resets it
  private pendingCommand = 0;
  private irqLevel = false;

  constructor(private readonly control: MachineControl, private readonly opts: Kbc8042Options = {}) {}

  attach(bus: IoBus): void {
    bus.register(0x60, 1, this);
    bus.register(0x64, 1, this);
  }

  get a20(): boolean {
    return (this.outputPort & 2) !== 0;
  }

  ioRead(port: number, size: AccessSize): number {
    return readSplit((p) => this.read8(p), port, size);
  }

  ioWrite(port: number, size: AccessSize, value: number): void {
    writeSplit((p, v) => this.write8(p, v), port, size, value);
  }

  private read8(port: number): number {
    if (port === 0x64) return this.status | (this.out.length ? ST_OBF : 0);
    if (port !== 0x60) return 0xff;
    if (this.out.length) this.lastOut = this.out.shift()!;
    this.setIrq(false); // reading the buffer drops IRQ 1; the next byte raises it again
    this.updateIrq();
    return this.lastOut;
  }

  private write8(port: number, v: number): void {
    if (port === 0x64) {
      this.status |= ST_CMD;
      this.command(v);
    } else if (port === 0x60) {
      this.status &= ~ST_CMD;
      const cmd = this.pendingCommand;
      this.pendingCommand = 0;
      switch (cmd) {
        case 0x60: this.writeConfig(v); break;
        case 0xd1: this.writeOutputPort(v); break;
        case 0xd2: this.queue(v); break; // write keyboard output buffer
        case 0xd3: case 0xd4: break; // no auxiliary device
        default: this.keyboard(v);
      }
    }
    this.updateIrq();
  }

  private command(v: number): void {
    switch (v) {
      case 0x20: this.queue(this.config); break;
      case 0x60: case 0xd1: case 0xd2: case 0xd3: case 0xd4: this.pendingCommand = v; break;
      case 0xa7: this.config |= 0x20; break; // disable aux
      case 0xa8: this.config &= ~0x20; break; // enable aux
      case 0xaa: // controller self test
        this.status |= ST_SYS;
        this.queue(0x55);
        break;
      case 0xab: this.queue(0x00); break; // keyboard interface test: OK
      case 0xad: this.config |= 0x10; break; // disable keyboard
      case 0xae: this.config &= ~0x10; break; // enable keyboard
      case 0xd0: this.queue(this.outputPort); break;
      case 0xdd: this.writeOutputPort(this.outputPort & ~2); break; // A20 off
      case 0xdf: this.writeOutputPort(this.outputPort | 2); break; // A20 on
      default:
        // 0xF0-0xFF pulse output port bits 0-3 low for those bits that are 0: bit 0 is reset.
        if (v >= 0xf0 && !(v & 1)) this.control.requestReset();
    }
  }

  private writeConfig(v: number): void {
    this.config = v;
    this.status = v & CFG_SYS ? this.status | ST_SYS : this.status & ~ST_SYS;
  }

  private writeOutputPort(v: number): void {
    const old = this.outputPort;
    this.outputPort = v;
    if ((old ^ v) & 2) this.opts.onA20?.(this.a20);
    if (!(v & 1)) this.control.requestReset(); // bit 0 drives the (active-low) CPU reset
  }

  /** A byte for the keyboard itself: acknowledge, with the replies a few commands need. */
  private keyboard(v: number): void {
    switch (v) {
      case 0xee: this.queue(0xee); break; // echo
      case 0xf2: // identify: MF2 keyboard (0x83 becomes 0x41 through translation)
        this.queue(0xfa);
        this.queue(0xab);
        this.queue(this.config & 0x40 ? 0x41 : 0x83);
        break;
      case 0xff: // reset and self test passed
        this.queue(0xfa);
        this.queue(0xaa);
        break;
      default: this.queue(0xfa);
    }
  }

  private queue(b: number): void {
    if (this.out.length < 16) this.out.push(b & 0xff);
  }

  private updateIrq(): void {
    this.setIrq(this.out.length > 0 && (this.config & CFG_KBD_INT) !== 0);
  }

  private setIrq(level: boolean): void {
    if (!this.opts.irqs || level === this.irqLevel) return;
    this.irqLevel = level;
    this.opts.irqs.setIrq(1, level);
  }
}
