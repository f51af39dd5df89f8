// Disassembly of executed instructions (AT&T syntax, objdump's): the flag policy classifies
// by mnemonic, and reports show the last instructions. The kernel's own code comes from one
// `objdump -d` of the ELF; code that is not there or no longer matches the ELF (copied or
// self-modified code, 16-bit segments) is disassembled from the bytes in guest memory.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ElfSymbol } from './elf32';

export const OBJDUMP = process.env.OBJDUMP ?? 'objdump';

export interface Insn {
  addr: number;
  /** Bytes as hex pairs separated by spaces. */
  bytes: string;
  /** objdump's text, e.g. `shl    %cl,%eax`. */
  text: string;
}

const LINE = /^\s*([0-9a-f]+):\t([0-9a-f]{2}(?: [0-9a-f]{2})*)\s*\t(.*)$/;

function parseObjdump(out: string): Insn[] {
  const list: Insn[] = [];
  for (const line of out.split('\n')) {
    const m = LINE.exec(line);
    if (m) list.push({ addr: parseInt(m[1], 16), bytes: m[2], text: m[3].trim().replace(/\s+#.*$/, '') });
  }
  return list;
}

export class Disassembler {
  private staticMap: Map<number, Insn> | null = null;
  private readonly funcs: ElfSymbol[];

  constructor(private readonly elfPath: string, symbols: ElfSymbol[]) {
    this.funcs = symbols.filter((s) => s.isFunc || /^[a-z_]/i.test(s.name)).sort((a, b) => a.value - b.value);
  }

  private static(): Map<number, Insn> {
    if (!this.staticMap) {
      this.staticMap = new Map();
      const r = spawnSync(OBJDUMP, ['-d', '-w', '-z', this.elfPath], { encoding: 'utf8', maxBuffer: 256 << 20 });
      if (r.status !== 0) throw new Error(`${OBJDUMP} -d ${this.elfPath} failed: ${r.error?.message ?? r.stderr}`);
      for (const i of parseObjdump(r.stdout)) this.staticMap.set(i.addr, i);
    }
    return this.staticMap;
  }

  /** The instruction at `addr`, given up to 16 bytes of guest memory there. */
  decode(addr: number, mem: Buffer | null, code16: boolean): Insn {
    const known = this.static().get(addr);
    if (known && !code16) {
      const want = Buffer.from(known.bytes.replace(/ /g, ''), 'hex');
      if (!mem || mem.subarray(0, want.length).equals(want)) return known;
    }
    if (!mem || !mem.length) return { addr, bytes: '', text: '(memory not readable)' };
    return disassembleBytes(addr, mem, code16);
  }

  /** Every instruction of the ELF's code. */
  all(): IterableIterator<Insn> { return this.static().values(); }

  /** The ELF's instruction at `addr` (null when the ELF has none there; code may have changed since). */
  staticAt(addr: number): Insn | null { return this.static().get(addr) ?? null; }

  /** `name+0x12` for an address inside the kernel, or ''. */
  symbolize(addr: number): string {
    let best: ElfSymbol | null = null;
    for (const s of this.funcs) {
      if (s.value > addr) break;
      best = s;
    }
    if (!best || (best.size && addr >= best.value + best.size + 0x1000)) return '';
    const off = addr - best.value;
    return off ? `${best.name}+0x${off.toString(16)}` : best.name;
  }
}

/** objdump on raw bytes: the first instruction. */
export function disassembleBytes(addr: number, bytes: Buffer, code16: boolean): Insn {
  const file = path.join(os.tmpdir(), `lockstep-${process.pid}-${addr.toString(16)}.bin`);
  fs.writeFileSync(file, bytes);
  try {
    const r = spawnSync(OBJDUMP, ['-D', '-w', '-b', 'binary', '-m', code16 ? 'i8086' : 'i386', `--adjust-vma=0x${addr.toString(16)}`, file],
      { encoding: 'utf8' });
    const first = parseObjdump(r.stdout ?? '')[0];
    return first ?? { addr, bytes: bytes.subarray(0, 1).toString('hex'), text: '(undecodable)' };
  } finally {
    fs.rmSync(file, { force: true });
  }
}
