// Board-level `info` subcommands: status, pic, irq, mtree.
import { InterruptSource } from '../emu/cpu-exec/exec';
import { IoBus, PortDevice } from '../hw/pc/bus';
import { PcMachine } from '../hw/pc/machine';
import { hex16 } from './format';

export function infoStatus(machine: PcMachine): string {
  if (!machine.running && machine.runState === 'running') return 'VM status: paused (prelaunch)';
  switch (machine.runState) {
    case 'running': return 'VM status: running';
    case 'prelaunch': return 'VM status: paused (prelaunch)';
    case 'paused': return 'VM status: paused';
    case 'debug': return 'VM status: paused (debug)';
    default: return 'VM status: paused (shutdown)';
  }
}

export function infoPic(machine: PcMachine): string[] {
  return machine.pic.describe().trimEnd().split('\n');
}

/**
 * Counts interrupts per ISA IRQ line by wrapping the CPU's interrupt source (the PIC pair)
 * as it is acknowledged. Counting starts when the monitor is created.
 */
export class IrqCounter {
  readonly counts: number[] = new Array(16).fill(0);
  spurious = 0;

  constructor(machine: PcMachine) {
    const exec = machine.exec;
    const src = exec.irq;
    if (!src) return;
    const pic = machine.pic;
    const counting: InterruptSource = {
      hasPendingInterrupt: () => src.hasPendingInterrupt(),
      acknowledge: () => {
        let irq = pic.master.pending();
        if (irq === 2 && !pic.master.single) { const s = pic.slave.pending(); irq = s < 0 ? -1 : 8 + s; }
        if (irq < 0) this.spurious++; else this.counts[irq]++;
        return src.acknowledge();
      },
    };
    exec.irq = counting;
  }

  describe(): string[] {
    const out = ['IRQ statistics for isa-i8259:'];
    this.counts.forEach((n, i) => { if (n) out.push(`${String(i).padStart(2)}: ${n}`); });
    if (this.spurious) out.push(`spurious: ${this.spurious}`);
    return out;
  }
}

/** QEMU-like names of our port devices, by class. */
const DEVICE_NAMES: Record<string, string> = {
  PicPair: 'pic', Pit8254: 'pit', RtcCmos: 'rtc', Uart16550: 'serial', DebugConsoleE9: 'isa-debugcon',
  IsaDebugExit: 'isa-debug-exit', Port92: 'port92', Port80: 'ioport80', Kbc8042: 'i8042',
};

export interface PortRange { start: number; end: number; name: string }

/**
 * The port map, as contiguous ranges handled by one device. Uses IoBus.ranges() when the bus
 * offers it; otherwise reads the bus's handler table.
 */
export function portRanges(io: IoBus): PortRange[] | null {
  const bus = io as unknown as { ranges?: () => { start: number; count: number; dev: PortDevice }[]; handlers?: (PortDevice | undefined)[] };
  const name = (d: PortDevice) => DEVICE_NAMES[d.constructor.name] ?? d.constructor.name;
  if (typeof bus.ranges === 'function') return bus.ranges().map(r => ({ start: r.start, end: r.start + r.count - 1, name: name(r.dev) }));
  const h = bus.handlers;
  if (!Array.isArray(h)) return null;
  const out: PortRange[] = [];
  for (let p = 0; p < h.length; p++) {
    const d = h[p];
    if (!d) continue;
    const last = out[out.length - 1];
    if (last && last.end === p - 1 && h[p - 1] === d) last.end = p;
    else out.push({ start: p, end: p, name: name(d) });
  }
  return out;
}

export function infoMtree(machine: PcMachine): string[] {
  const range = (a: number | bigint, b: number | bigint) => `${hex16(a)}-${hex16(b)}`;
  const out = [
    'address-space: memory',
    `  ${range(0, (1n << 64n) - 1n)} (prio 0, i/o): system`,
    `    ${range(0, machine.mem.size - 1)} (prio 0, ram): pc.ram`,
    '',
    'address-space: I/O',
    `  ${range(0, 0xffff)} (prio 0, i/o): io`,
  ];
  const ports = portRanges(machine.io);
  if (!ports) out.push('    (port map not available)');
  else for (const r of ports) out.push(`    ${range(r.start, r.end)} (prio 0, i/o): ${r.name}`);
  return out;
}
