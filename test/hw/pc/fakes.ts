// Test doubles for the PC device tests.
import { Clock, IoBus, IrqSink, MachineControl } from '../../../src/hw/pc/bus';

export class FakeClock implements Clock {
  ns = 0;
  nowNs(): number {
    return this.ns;
  }
  advance(ns: number): void {
    this.ns += ns;
  }
}

/** Records every IRQ line change. */
export class IrqLog implements IrqSink {
  readonly level: boolean[] = new Array(16).fill(false);
  readonly events: Array<[number, boolean]> = [];
  setIrq(irq: number, level: boolean): void {
    this.events.push([irq, level]);
    this.level[irq] = level;
  }
  /** Low-to-high transitions seen on `irq`. */
  rising(irq: number): number {
    let prev = false;
    let n = 0;
    for (const [i, l] of this.events) {
      if (i !== irq) continue;
      if (l && !prev) n++;
      prev = l;
    }
    return n;
  }
}

export class FakeControl implements MachineControl {
  resets = 0;
  exits: number[] = [];
  requestReset(): void {
    this.resets++;
  }
  requestExit(status: number): void {
    this.exits.push(status);
  }
}

/** A bus with byte-wide in/out helpers, as a driver sees it. */
export class TestBus extends IoBus {
  inb(port: number): number {
    return this.in(port, 1);
  }
  outb(port: number, value: number): void {
    this.out(port, 1, value);
  }
}
