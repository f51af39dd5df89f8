// Runs GNU cpio, the independent reader our newc writer is checked against.
import { spawnSync } from 'child_process';

export interface CpioRun { raw: Buffer; stdout: string; stderr: string }

export function gnuCpio(args: string[], archive: Buffer, cwd?: string): CpioRun {
  const r = spawnSync('cpio', args, { input: archive, cwd, maxBuffer: 64 << 20 });
  if (r.error) {
    throw new Error(`cannot run GNU cpio (apt-get install cpio): ${r.error.message}`);
  }
  const out = { raw: r.stdout, stdout: r.stdout.toString('utf8'), stderr: r.stderr.toString('utf8') };
  if (r.status !== 0) throw new Error(`cpio ${args.join(' ')} exited ${r.status}: ${out.stderr}`);
  return out;
}

// GNU cpio's only stderr line on a clean read is the block count; anything
// else ("skipped N bytes of junk", "premature end of file") is a format error.
export const CLEAN_STDERR = /^\d+ blocks?\n$/;

// One `cpio -tv` line: mode, links, owner, group, size or "major, minor", date, name.
export interface ListedEntry {
  mode: string;
  nlink: number;
  size?: number;
  major?: number;
  minor?: number;
  name: string;
  target?: string;
}

const LINE = /^(\S{10})\s+(\d+)\s+\S+\s+\S+\s+(?:(\d+),\s+(\d+)|(\d+))\s+\w{3}\s+\d+\s+[\d:]+\s+(.*)$/;

export function parseListing(text: string): ListedEntry[] {
  return text.split('\n').filter((l) => l !== '').map((line) => {
    const m = LINE.exec(line);
    if (!m) throw new Error(`unparsed cpio -tv line: ${line}`);
    const [name, target] = m[6].split(' -> ');
    const e: ListedEntry = { mode: m[1], nlink: Number(m[2]), name };
    if (m[3] !== undefined) {
      e.major = Number(m[3]);
      e.minor = Number(m[4]);
    } else {
      e.size = Number(m[5]);
    }
    if (target !== undefined) e.target = target;
    return e;
  });
}
