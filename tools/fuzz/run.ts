// Runs a kernel under QEMU and under tcg86 (one backend), and returns its serial output.
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { ToolError } from './build';

export type Emu = 'qemu' | 'interp' | 'js';
export const EMUS: readonly Emu[] = ['qemu', 'interp', 'js'];

/** The repository root (dist/tools/fuzz/ -> ../../..). */
export const ROOT = path.resolve(__dirname, '..', '..', '..');
const TCG86 = path.join(ROOT, 'bin', 'tcg86.js');

/**
 * QEMU's CPU: a Pentium II without MMX, the closest model to what tcg86 implements (its
 * CPUID: FPU DE PSE TSC MSR PAE CX8 SEP PGE CMOV FXSR; no MMX/SSE). Decoding differences for
 * MMX/SSE opcodes would otherwise be reported as divergences.
 */
export const QEMU_CPU = 'pentium2,-mmx,-apic';

export interface RunOut {
  emu: Emu;
  /** Serial output. */
  text: string;
  status: number | null;
  timedOut: boolean;
  stderr: string;
  ms: number;
}

export function runEmu(emu: Emu, elf: string, timeoutMs: number): Promise<RunOut> {
  const exitDev = 'isa-debug-exit,iobase=0xf4,iosize=0x04';
  // QEMU's serial through stdio can drop bytes under load: a file instead.
  const serialFile = `${elf}.${emu}.serial`;
  const [cmd, args] = emu === 'qemu'
    ? ['qemu-system-i386', ['-kernel', elf, '-cpu', QEMU_CPU, '-serial', `file:${serialFile}`, '-device', exitDev, '-no-reboot',
      '-nographic', '-monitor', 'none', '-m', '64']]
    : [process.execPath, [TCG86, '-kernel', elf, '-serial', 'stdio', '-device', exitDev, '-no-reboot', '-m', '64',
      '-accel', `tcg,backend=${emu}`, ...(emu === 'interp' ? ['-icount', 'shift=0'] : [])]];
  const t0 = Date.now();
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '', stderr = '', timedOut = false;
    p.stdout.on('data', (d) => { stdout += d; });
    p.stderr.on('data', (d) => { stderr += d; });
    const timer = setTimeout(() => { timedOut = true; p.kill('SIGKILL'); }, timeoutMs);
    p.on('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(new ToolError(e.code === 'ENOENT' ? `${cmd} not found` : `${cmd}: ${e.message}`));
    });
    p.on('close', (status) => {
      clearTimeout(timer);
      let text = stdout;
      if (emu === 'qemu') {
        try { text = fs.readFileSync(serialFile, 'latin1'); } catch { text = ''; }
      }
      resolve({ emu, text, status, timedOut, stderr, ms: Date.now() - t0 });
    });
  });
}
