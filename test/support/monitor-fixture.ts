// A real PC machine with a guest kernel, its debug session and a monitor, for monitor tests.
import * as fs from 'fs';
import * as path from 'path';
import { Backend } from '../../src/emu/cpu-exec/exec';
import { MachineDebug } from '../../src/hw/pc/debug-session';
import { PcMachine } from '../../src/hw/pc/machine';
import { Monitor } from '../../src/monitor/monitor';
import { Elf32 } from './elf32';
import { ROOT } from './run-tcg86';

export const guestPath = (name: string) => path.join(ROOT, 'test', 'guest', 'bin', `${name}.elf`);

export interface MonitorFixture {
  machine: PcMachine;
  debug: MachineDebug;
  mon: Monitor;
  elf: Elf32;
  serial: number[];
  /** Run one command; its whole output. */
  run(line: string): Promise<string>;
}

export function monitorFixture(kernel: string, opts: { backend?: Backend; startPaused?: boolean; hotThreshold?: number } = {}): MonitorFixture {
  const file = fs.readFileSync(guestPath(kernel));
  const serial: number[] = [];
  const machine = new PcMachine({
    ramBytes: 32 << 20, kernel: file, cmdline: kernel, modules: [], serialOut: (b) => serial.push(b),
    debugExit: { iobase: 0xf4, iosize: 4 }, noReboot: true, icountShift: 4, backend: opts.backend ?? 'tiered',
    hotThreshold: opts.hotThreshold, startPaused: opts.startPaused, message: () => undefined,
  });
  const debug = new MachineDebug(machine);
  const mon = new Monitor(machine, debug);
  return {
    machine, debug, mon, elf: new Elf32(file), serial,
    run: async (line) => {
      let out = '';
      await mon.execute(line, (t) => { out += t; });
      return out;
    },
  };
}

/** Output lines without the final empty string. */
export function outLines(text: string): string[] {
  const l = text.split('\n');
  if (l[l.length - 1] === '') l.pop();
  return l;
}
