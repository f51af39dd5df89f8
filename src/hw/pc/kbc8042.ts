// The 8042 keyboard controller with its two PS/2 ports: a keyboard and a mouse that never
// type or move, but answer every command the way QEMU's ps2.c does, so that drivers probing
// them (Linux's i8042, atkbd and psmouse) find both ports at once instead of waiting out
// their timeouts. Also the A20 gate and reset lines of the output port.
import { AccessSize, IoBus, IrqSink, MachineControl, PortDevice } from './bus';
import { readSplit, writeSplit } from './devices-common';

export interface Kbc8042Options {
  onA20?: (enabled: boolean) => void;
  /** When given: IRQ 1 while a keyboard byte waits (config bit 0), IRQ 12 for a mouse byte (bit 1). */
  irqs?: IrqSink;
}

const ST_OBF = 0x01;
const ST_SYS = 0x04;
const ST_CMD = 0x08; // last write was to port 0x64
const ST_UNLOCKED = 0x10;
const ST_AUX_OBF = 0x20; // the byte in the output buffer came from the mouse port
const CFG_KBD_INT = 0x01;
const CFG_AUX_INT = 0x02;
const CFG_SYS = 0x04;
const CFG_KBD_OFF = 0x10;
const CFG_AUX_OFF = 0x20;
const CFG_TRANSLATE = 0x40;
const ACK = 0xfa;
const QUEUE_MAX = 16;

/** A PS/2 device's reply queue and the parameter byte it waits for after some commands. */
class Ps2Port {
  readonly out: number[] = [];
  awaiting = -1;

  reply(...bytes: number[]): void {
    for (const b of bytes) if (this.out.length < QUEUE_MAX) this.out.push(b & 0xff);
  }
}

class Ps2Keyboard extends Ps2Port {
  private scancodeSet = 2;

  write(v: number, translated: boolean): void {
    const cmd = this.awaiting;
    this.awaiting = -1;
    if (cmd === 0xf0) { // get or set the scancode set
      if (v === 0) this.reply(ACK, translated ? [0, 0x43, 0x41, 0x3f][this.scancodeSet] : this.scancodeSet);
      else { if (v <= 3) this.scancodeSet = v; this.reply(ACK); }
      return;
    }
    if (cmd === 0xed || cmd === 0xf3) { this.reply(ACK); return; } // LEDs, typematic rate
    switch (v) {
      case 0xee: this.reply(0xee); break; // echo
      case 0xf2: this.reply(ACK, 0xab, translated ? 0x41 : 0x83); break; // MF2 keyboard
      case 0xed: case 0xf0: case 0xf3: this.awaiting = v; this.reply(ACK); break;
      case 0xf5: case 0xf6: this.scancodeSet = 2; this.reply(ACK); break;
      case 0xff: this.scancodeSet = 2; this.reply(ACK, 0xaa); break; // reset: self test passed
      case 0x05: this.reply(0xfe); break;
      default: this.reply(ACK);
    }
  }
}

class Ps2Mouse extends Ps2Port {
  private status = 0; // bit 6 remote mode, bit 5 enabled, bit 4 scaling 2:1
  private resolution = 2;
  private rate = 100;
  private wrap = false;
  private type = 0;
  private knock = 0; // the 200,100,80 / 200,200,80 sample-rate sequences select the wheel types

  write(v: number): void {
    const cmd = this.awaiting;
    this.awaiting = -1;
    if (cmd === 0xf3) { this.rate = v; this.detect(v); this.reply(ACK); return; }
    if (cmd === 0xe8) { this.resolution = v; this.reply(ACK); return; }
    if (this.wrap && v !== 0xec && v !== 0xff) { this.reply(v); return; }
    switch (v) {
      case 0xe6: this.status &= ~0x10; this.reply(ACK); break;
      case 0xe7: this.status |= 0x10; this.reply(ACK); break;
      case 0xe8: case 0xf3: this.awaiting = v; this.reply(ACK); break;
      case 0xe9: this.reply(ACK, this.status, this.resolution, this.rate); break;
      case 0xea: this.status &= ~0x40; this.reply(ACK); break;
      case 0xeb: this.reply(ACK, 0x08, 0, 0, ...(this.type ? [0] : [])); break; // a packet with no motion
      case 0xec: this.wrap = false; this.reply(ACK); break;
      case 0xee: this.wrap = true; this.reply(ACK); break;
      case 0xf0: this.status |= 0x40; this.reply(ACK); break;
      case 0xf2: this.reply(ACK, this.type); break;
      case 0xf4: this.status |= 0x20; this.reply(ACK); break;
      case 0xf5: this.status &= ~0x20; this.reply(ACK); break;
      case 0xf6: this.defaults(); this.reply(ACK); break;
      case 0xff: this.defaults(); this.wrap = false; this.type = 0; this.reply(ACK, 0xaa, 0); break;
      default: this.reply(0xfe); // resend: not a command we know
    }
  }

  private defaults(): void {
    this.status = 0;
    this.resolution = 2;
    this.rate = 100;
  }

  private detect(rate: number): void {
    const k = this.knock;
    if (k === 0) this.knock = rate === 200 ? 1 : 0;
    else if (k === 1) this.knock = rate === 100 ? 2 : rate === 200 ? 3 : 0;
    else {
      if (rate === 80) this.type = k === 2 ? 3 : 4; // IntelliMouse, IntelliMouse Explorer
      this.knock = 0;
    }
  }
}

export class Kbc8042 implements PortDevice {
  private readonly kbd = new Ps2Keyboard();
  private readonly mouse = new Ps2Mouse();
  /** Replies of the controller itself, ahead of both devices; `aux` marks bytes written with 0xD3. */
  private readonly ctrl: { b: number; aux: boolean }[] = [];
  private obFull = false;
  private obAux = false;
  private ob = 0;
  private status = ST_SYS | ST_UNLOCKED;
  private config = CFG_KBD_INT | CFG_SYS | CFG_TRANSLATE;
  private outputPort = 0xcf; // reset line inactive (1), A20 on, as QEMU resets it
  private pendingCommand = 0;
  private irq1 = false;
  private irq12 = false;

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
    if (port === 0x64) return this.status | (this.obFull ? ST_OBF | (this.obAux ? ST_AUX_OBF : 0) : 0);
    if (port !== 0x60) return 0xff;
    const b = this.ob; // an empty buffer reads as the last byte again
    this.obFull = false;
    this.setIrqs(false, false); // a next byte raises its line again: a new edge for the PIC
    this.refill();
    return b;
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
        case 0xd2: this.ctrl.push({ b: v, aux: false }); break; // as if from the keyboard
        case 0xd3: this.ctrl.push({ b: v, aux: true }); break; // as if from the mouse
        // A byte for a device enables its interface, as on real controllers (and QEMU).
        case 0xd4:
          this.config &= ~CFG_AUX_OFF;
          this.mouse.write(v);
          break;
        default:
          this.config &= ~CFG_KBD_OFF;
          this.kbd.write(v, (this.config & CFG_TRANSLATE) !== 0);
      }
    }
    this.refill();
  }

  private command(v: number): void {
    switch (v) {
      case 0x20: this.ctrl.push({ b: this.config, aux: false }); break;
      case 0x60: case 0xd1: case 0xd2: case 0xd3: case 0xd4: this.pendingCommand = v; break;
      case 0xa7: this.config |= CFG_AUX_OFF; break;
      case 0xa8: this.config &= ~CFG_AUX_OFF; break;
      case 0xa9: this.ctrl.push({ b: 0x00, aux: false }); break; // mouse interface test: OK
      case 0xaa: // controller self test
        this.status |= ST_SYS;
        this.ctrl.push({ b: 0x55, aux: false });
        break;
      case 0xab: this.ctrl.push({ b: 0x00, aux: false }); break; // keyboard interface test: OK
      case 0xad: this.config |= CFG_KBD_OFF; break;
      case 0xae: this.config &= ~CFG_KBD_OFF; break;
      case 0xc0: this.ctrl.push({ b: 0x80, aux: false }); break; // input port: keyboard not locked
      case 0xd0: this.ctrl.push({ b: this.outputPort, aux: false }); break;
      case 0xdd: this.writeOutputPort(this.outputPort & ~2); break; // A20 off
      case 0xdf: this.writeOutputPort(this.outputPort | 2); break; // A20 on
      default:
        // 0xF0-0xFF pulse output port bits 0-3 low for those bits that are 0: bit 0 is reset.
        if (v >= 0xf0 && !(v & 1)) this.control.requestReset();
    }
    this.refill();
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

  /** Move the next byte into an empty output buffer: controller replies first, then the enabled ports. */
  private refill(): void {
    if (!this.obFull) {
      const c = this.ctrl.shift();
      if (c) this.load(c.b, c.aux);
      else if (this.kbd.out.length && !(this.config & CFG_KBD_OFF)) this.load(this.kbd.out.shift()!, false);
      else if (this.mouse.out.length && !(this.config & CFG_AUX_OFF)) this.load(this.mouse.out.shift()!, true);
    }
    const full = this.obFull;
    this.setIrqs(full && !this.obAux && (this.config & CFG_KBD_INT) !== 0, full && this.obAux && (this.config & CFG_AUX_INT) !== 0);
  }

  private load(b: number, aux: boolean): void {
    this.ob = b & 0xff;
    this.obAux = aux;
    this.obFull = true;
  }

  private setIrqs(kbd: boolean, aux: boolean): void {
    const irqs = this.opts.irqs;
    if (!irqs) return;
    if (kbd !== this.irq1) { this.irq1 = kbd; irqs.setIrq(1, kbd); }
    if (aux !== this.irq12) { this.irq12 = aux; irqs.setIrq(12, aux); }
  }
}
