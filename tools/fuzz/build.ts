// Assembles and links a fuzz kernel (nasm -f elf32, ld -m elf_i386) in a work directory.
import { execFile } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { LINK_LD } from './runtime-asm';

export class ToolError extends Error {}

function run(cmd: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { maxBuffer: 16 << 20 }, (err, _out, stderr) => {
      if (!err) return resolve();
      const e = err as NodeJS.ErrnoException;
      if (e.code === 'ENOENT') reject(new ToolError(`${cmd} not found (install it: see tools/fuzz/README.md)`));
      else reject(new ToolError(`${cmd} failed: ${(stderr || String(err)).trim().split('\n').slice(0, 8).join('\n')}`));
    });
  });
}

/** Writes NAME.asm, builds NAME.elf in `dir`, returns the ELF path. */
export async function buildKernel(dir: string, name: string, asm: string): Promise<string> {
  const src = path.join(dir, `${name}.asm`), obj = path.join(dir, `${name}.o`), elf = path.join(dir, `${name}.elf`);
  const ld = path.join(dir, 'link.ld');
  fs.writeFileSync(src, asm);
  if (!fs.existsSync(ld)) fs.writeFileSync(ld, LINK_LD);
  await run('nasm', ['-f', 'elf32', '-w-other', '-o', obj, src]);
  await run('ld', ['-m', 'elf_i386', '-n', '--build-id=none', '-z', 'noexecstack', '-T', ld, '-o', elf, obj]);
  return elf;
}

/** Fails with one clear line when an external tool is missing. */
export async function checkTools(): Promise<void> {
  for (const [cmd, arg] of [['nasm', '-v'], ['ld', '-v'], ['as', '--version'], ['objdump', '--version'], ['qemu-system-i386', '--version']]) await run(cmd, [arg]);
}
