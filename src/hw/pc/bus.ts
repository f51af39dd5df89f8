// Interfaces between the PC board and its devices. A device knows nothing of the translator.

/** Access width of a port or MMIO access, in bytes. */
export type AccessSize = 1 | 2 | 4;

/** A device's port handler. `port` is the absolute port number. */
export interface PortDevice {
  ioRead(port: number, size: AccessSize): number;
  ioWrite(port: number, size: AccessSize, value: number): void;
}

/** Raises and lowers ISA interrupt lines 0..15 (wired to the PIC pair). */
export interface IrqSink {
  setIrq(irq: number, level: boolean): void;
}

/** Virtual time source, in nanoseconds (host clock, or instruction count under -icount). */
export interface Clock {
  nowNs(): number;
}

/** A device with timed behaviour: the machine calls update() between CPU slices. */
export interface TimedDevice {
  /** Bring the device up to `nowNs` (raise IRQs that became due). */
  update(nowNs: number): void;
  /** Absolute time of the next event the device will raise, or Infinity. */
  nextEventNs(nowNs: number): number;
}

/** Machine-level requests a device may make (reset, power off). */
export interface MachineControl {
  requestReset(): void;
  requestExit(status: number): void;
}

/** Port I/O bus: unmapped ports read as all ones and ignore writes, as on a PC. */
export class IoBus {
  private readonly handlers: (PortDevice | undefined)[] = new Array(0x10000).fill(undefined);

  register(start: number, count: number, dev: PortDevice): void {
    for (let p = start; p < start + count; p++) this.handlers[p & 0xffff] = dev;
  }

  in(port: number, size: AccessSize): number {
    const dev = this.handlers[port & 0xffff];
    if (!dev) return size === 1 ? 0xff : size === 2 ? 0xffff : -1;
    return dev.ioRead(port & 0xffff, size);
  }

  out(port: number, size: AccessSize, value: number): void {
    const dev = this.handlers[port & 0xffff];
    if (dev) dev.ioWrite(port & 0xffff, size, value);
  }
}
