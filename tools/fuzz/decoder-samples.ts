// Random instruction bytes for the decoder fuzz, and objdump's decoding of them.
import { execFile } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { ToolError } from './build';
import { DecodeSample, SAMPLE_LEN, UDATA } from './decoder-kernel';
import { ARITH, DF, TF } from './flags';
import { hex, Rng } from './prng';

export const PREFIXES = new Set([0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65, 0x66, 0x67, 0xf0, 0xf2, 0xf3]);
const PFX = [...PREFIXES];

/** Index of the first byte after the legacy prefixes. */
export function opcodeIndex(b: readonly number[]): number {
  let i = 0;
  while (i < b.length && PREFIXES.has(b[i])) i++;
  return i;
}

/**
 * One sample: plain random bytes, prefixes + a 0F-map opcode, x87, or a one-byte opcode with
 * a random ModRM. popf (9D) and iret (CF) are not generated: they could clear TF.
 */
export function genSample(r: Rng): DecodeSample {
  for (;;) {
    const b: number[] = [];
    const kind = r.weighted([[3, 'raw'], [3, '0f'], [1, 'x87'], [3, 'one']] as const);
    if (kind !== 'raw') {
      const np = r.chance(0.5) ? 0 : r.range(1, 3);
      for (let i = 0; i < np; i++) b.push(r.pick(PFX));
      if (kind === '0f') {
        b.push(0x0f);
        const k = r.int(10);
        if (k === 8) b.push(0x38);
        else if (k === 9) b.push(0x3a);
      } else if (kind === 'x87') b.push(0xd8 + r.int(8));
    }
    while (b.length < SAMPLE_LEN) b.push(r.int(256));
    const op = b[opcodeIndex(b)];
    if (op === 0x9d || op === 0xcf) continue;
    const regs = Array.from({ length: 8 }, () => UDATA + r.int(0x1000));
    regs[4] = UDATA + 0x800 + r.int(0x200) * 4;
    return { bytes: b, regs, eflags: 0x2 | TF | (r.u32() & (ARITH | DF)) };
  }
}

export interface ObjdumpInsn { len: number; text: string }

function run(cmd: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { maxBuffer: 256 << 20 }, (err, out, stderr) => {
      if (!err) return resolve(out);
      const e = err as NodeJS.ErrnoException;
      reject(new ToolError(e.code === 'ENOENT' ? `${cmd} not found (binutils)` : `${cmd} failed: ${stderr.trim().split('\n')[0]}`));
    });
  });
}

/** objdump's first instruction of each sample (one symbol per sample restarts its decoding). */
export async function objdumpSamples(samples: DecodeSample[], dir: string, name: string): Promise<ObjdumpInsn[]> {
  const src = path.join(dir, `${name}.s`), obj = path.join(dir, `${name}.o`);
  fs.writeFileSync(src, '\t.text\n' + samples.map((s, i) => `s${i}:\t.byte ${s.bytes.map((x) => '0x' + hex(x, 2)).join(',')}\n`).join(''));
  await run('as', ['--32', '-o', obj, src]);
  const out = await run('objdump', ['-d', '-w', '--insn-width=16', obj]);
  const res: ObjdumpInsn[] = [];
  let cur = -1;
  for (const line of out.split('\n')) {
    const h = /^[0-9a-f]+ <s(\d+)>:$/.exec(line);
    if (h) { cur = Number(h[1]); continue; }
    const m = /^\s*[0-9a-f]+:\t([0-9a-f ]+)\t(.*)$/.exec(line);
    if (m && cur >= 0 && !res[cur]) res[cur] = { len: m[1].trim().split(/\s+/).length, text: m[2].trim() };
  }
  return res;
}
