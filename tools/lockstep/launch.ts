// Starting the two emulators stopped (-S) with a gdb stub on a free 127.0.0.1 port.
import { ChildProcess, spawn } from 'child_process';
import * as path from 'path';
import { RspClient } from './rsp-client';
import { freePort } from '../free-port';

export type Side = 'tcg86' | 'qemu';

export const ROOT = path.join(__dirname, '..', '..', '..');
export const TCG86_BIN = path.join(ROOT, 'bin', 'tcg86.js');
export const QEMU = process.env.QEMU ?? 'qemu-system-i386';

export interface LaunchOptions {
  kernel: string;
  /** -icount shift, or null for the host clock. */
  icount: number | null;
  /** Where COM1 goes: a file path, or null for nowhere. */
  serialFile: string | null;
}

export interface Emulator {
  side: Side;
  proc: ChildProcess;
  port: number;
  args: string[];
  stderr(): string;
  /** Exit status; null when killed by a signal. */
  exited: Promise<number | null>;
  kill(): void;
}

/** Emulators still running: killed when this process exits, however it exits. */
const live = new Set<ChildProcess>();
process.on('exit', () => { for (const p of live) p.kill('SIGKILL'); });


/** The command line of one side (without the program), as the report prints it. */
export function commandLine(side: Side, o: LaunchOptions, port: number): string[] {
  const serial = o.serialFile ? `file:${o.serialFile}` : 'null';
  const common = ['-kernel', o.kernel, '-serial', serial, '-no-reboot', '-S', '-gdb', `tcp:127.0.0.1:${port}`];
  if (side === 'tcg86') {
    const a = [TCG86_BIN, ...common, '-device', 'isa-debug-exit,iobase=0xf4,iosize=0x04', '-monitor', 'none'];
    // Deterministic time: 2^N ns per instruction; tcg86 jumps to the next timer event when halted.
    if (o.icount !== null) a.push('-icount', `shift=${o.icount}`);
    return a;
  }
  const a = [...common, '-display', 'none', '-monitor', 'none', '-device', 'isa-debug-exit,iobase=0xf4,iosize=0x04'];
  // QEMU's default sleep=on: with sleep=off its virtual clock jumps to the next timer deadline
  // whenever the CPU idles, which includes every gdb stop, so interrupts storm under lockstep.
  if (o.icount !== null) a.push('-icount', `shift=${o.icount}`);
  return a;
}

async function waitForStub(e: Emulator, ms: number): Promise<RspClient> {
  const end = Date.now() + ms;
  let alive = true;
  void e.exited.then(() => { alive = false; });
  for (;;) {
    try {
      return await RspClient.connect(e.side, e.port, 2000);
    } catch (err) {
      if (!alive) throw new Error(`${e.side} exited before its gdb stub listened: ${e.stderr().trim().split('\n').pop() ?? ''}`);
      if (Date.now() > end) throw new Error(`${e.side}: gdb stub on port ${e.port} did not come up: ${(err as Error).message}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }
}

/** Start one side and connect to its stub (retrying with a new port if the port was taken). */
export async function launch(side: Side, o: LaunchOptions): Promise<{ emu: Emulator; rsp: RspClient }> {
  for (let attempt = 0; ; attempt++) {
    const port = await freePort();
    const args = commandLine(side, o, port);
    const proc = spawn(side === 'tcg86' ? process.execPath : QEMU, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    live.add(proc);
    let err = '', done = false;
    proc.stderr!.on('data', (d) => { err += d; });
    const exited = new Promise<number | null>((resolve) => {
      proc.on('error', (e) => { err += `${e.message}\n`; done = true; resolve(null); });
      proc.on('close', (status) => { done = true; live.delete(proc); resolve(status); });
    });
    const emu: Emulator = { side, proc, port, args, stderr: () => err, exited, kill: () => { if (!done) proc.kill('SIGKILL'); } };
    try {
      return { emu, rsp: await waitForStub(emu, 20000) };
    } catch (e) {
      emu.kill();
      if (attempt >= 2 || !/in use/i.test(err)) throw e;
    }
  }
}
