// Small PC board devices: the Bochs/QEMU debug console, QEMU's isa-debug-exit, the
// PS/2 system control port A (0x92) and the POST code port (0x80).
import { AccessSize, IoBus, MachineControl, PortDevice } from './bus';

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
