// QEMU-style `-d` logging: in_asm, op, op_opt, out_asm, exec, cpu, int, unimp, nochain.
import * as fs from 'fs';
import { formatIr } from '../tcg/printer';
import { X86Cpu } from '../translate-i386/cpu';
import { Memory } from '../translate-i386/mmu';
import { EIP, HF_CS32, R_EAX, REG_NAMES32, SEG_BASE, SEG_CS, SEG_NAMES, SEG_SEL } from '../translate-i386/state';
import { TranslationBlock } from './tb';

export const LOG_ITEMS: Record<string, string> = {
  in_asm: 'show target assembly code for each compiled TB',
  op: 'show micro ops for each compiled TB',
  op_opt: 'show micro ops after optimization',
  out_asm: 'show generated host (JavaScript) code',
  exec: 'show trace before each executed TB (lots of logs)',
  cpu: 'show CPU registers before entering a TB (lots of logs)',
  int: 'show interrupts/exceptions in short format',
  unimp: 'log unimplemented functionality',
  nochain: 'do not chain compiled TBs so that "exec" and "cpu" show complete traces',
};

export type Disassembler = (fetch: (addr: number) => number, addr: number, code32: boolean) => { length: number; text: string; bytes: number[] };

export class TbLog {
  private readonly items = new Set<string>();
  private out: (s: string) => void = (s) => process.stderr.write(s);
  execEnabled = false;
  disasm: Disassembler | null = null;
  private unimpSeen = new Set<string>();

  /** -dfilter ranges [start, end) of guest pc; empty = everything. */
  private ranges: [number, number][] = [];

  /** QEMU's -dfilter: `START..END`, `START+LEN` or `START-LEN` (back from START), comma separated. */
  setFilter(spec: string): void {
    const ranges: [number, number][] = [];
    for (const part of spec.split(',').map(x => x.trim()).filter(Boolean)) {
      const m = /^(0x[0-9a-f]+|\d+)(\.\.|\+|-)(0x[0-9a-f]+|\d+)$/i.exec(part);
      if (!m) throw new Error(`-dfilter '${part}': expected START..END, START+LENGTH or START-LENGTH`);
      const a = Number(m[1]), b = Number(m[3]);
      const r: [number, number] = m[2] === '..' ? [a, b + 1] : m[2] === '+' ? [a, a + b] : [a - b + 1, a + 1];
      if (!(r[1] > r[0]) || r[1] > 2 ** 32) throw new Error(`-dfilter '${part}': empty or beyond 4 GiB`);
      ranges.push(r);
    }
    this.ranges = ranges;
  }

  /** True when TB logs for guest pc `pc` pass the -dfilter ranges. */
  inFilter(pc: number): boolean {
    if (!this.ranges.length) return true;
    const p = pc >>> 0;
    return this.ranges.some(([a, b]) => p >= a && p < b);
  }

  /** Parse a `-d` list; throws with a clear message on an unknown item. */
  setItems(list: string): void {
    this.items.clear();
    for (const it of list.split(',').map(x => x.trim()).filter(Boolean)) {
      if (!(it in LOG_ITEMS)) throw new Error(`Log items (comma separated) — unknown item '${it}'; valid: ${Object.keys(LOG_ITEMS).join(', ')}`);
      this.items.add(it);
    }
    this.execEnabled = this.items.has('exec') || this.items.has('cpu');
  }

  setFile(path: string): void {
    const fd = fs.openSync(path, 'w');
    this.out = (s) => fs.writeSync(fd, s);
  }

  setSink(f: (s: string) => void): void { this.out = f; }

  enabled(item: string): boolean { return this.items.has(item); }

  translated(tb: TranslationBlock, opText: string, mem: Memory): void {
    if (!this.inFilter(tb.pc)) return;
    if (this.items.has('in_asm')) {
      let text = '----------------\nIN: \n';
      const code32 = (tb.flags & HF_CS32) !== 0;
      const start = tb.pc >>> 0;
      const fetch = (a: number) => mem.physRead8(tb.physPc + (a - start));
      for (const eip of tb.insnEips) {
        const lin = (tb.csBase + eip) >>> 0;
        if (this.disasm) {
          const d = this.disasm(fetch, lin, code32);
          text += `0x${lin.toString(16).padStart(8, '0')}:  ${d.text}\n`;
        } else text += `0x${lin.toString(16).padStart(8, '0')}\n`;
      }
      this.out(text + '\n');
    }
    if (this.items.has('op')) this.out(`OP:\n${opText}\n`);
    if (this.items.has('op_opt') && tb.ir) this.out(`OP after optimization and liveness analysis:\n${formatIr(tb.ir)}\n`);
  }

  compiled(tb: TranslationBlock, source: string): void {
    if (!this.inFilter(tb.pc)) return;
    if (this.items.has('out_asm')) this.out(`OUT: [size=${source.length}] TB ${tb.id} guest 0x${(tb.pc >>> 0).toString(16)}\n${source}\n\n`);
  }

  exec(tb: TranslationBlock, cpu: X86Cpu): void {
    if (!this.inFilter(tb.pc)) return;
    if (this.items.has('exec')) {
      this.out(`Trace 0: ${tb.id} [${(tb.csBase >>> 0).toString(16).padStart(8, '0')}/${(tb.pc >>> 0).toString(16).padStart(8, '0')}/${(tb.flags >>> 0).toString(16)}/${tb.cflags}] ${tb.fn ? (tb.wasm ? 'wasm' : 'js') : 'interp'}\n`);
    }
    if (this.items.has('cpu')) this.out(cpuState(cpu) + '\n');
  }

  /** A direct exit gets chained (QEMU: "Linking TBs ... index n -> ..."). */
  link(from: TranslationBlock, slot: number, to: TranslationBlock): void {
    if (this.items.has('exec')) {
      this.out(`Linking TBs ${from.id} [${(from.pc >>> 0).toString(16).padStart(8, '0')}] index ${slot} -> ${to.id} [${(to.pc >>> 0).toString(16).padStart(8, '0')}]\n`);
    }
  }

  interrupt(cpu: X86Cpu, vector: number, soft: boolean, error: number, count: number): void {
    if (!this.items.has('int')) return;
    const s = cpu.s;
    this.out(`${count}: v=${vector.toString(16).padStart(2, '0')} e=${(error & 0xffff).toString(16).padStart(4, '0')} i=${soft ? 1 : 0} cpl=${cpu.cpl} IP=${(s[SEG_SEL + SEG_CS] & 0xffff).toString(16).padStart(4, '0')}:${(s[EIP] >>> 0).toString(16).padStart(8, '0')}\n`);
  }

  unimplemented(eip: number, what: string): void {
    if (!this.items.has('unimp')) return;
    const key = `${eip}:${what}`;
    if (this.unimpSeen.has(key)) return;
    this.unimpSeen.add(key);
    this.out(`unimplemented opcode 0x${what} at eip=0x${(eip >>> 0).toString(16)}\n`);
  }

  write(text: string): void { this.out(text); }
}

export function cpuState(cpu: X86Cpu): string {
  const s = cpu.s;
  const h = (v: number) => (v >>> 0).toString(16).padStart(8, '0');
  const regs = REG_NAMES32.map((n, i) => `${n.toUpperCase()}=${h(s[R_EAX + i])}`);
  const segs = SEG_NAMES.map((n, i) => `${n.toUpperCase()} =${(s[SEG_SEL + i] & 0xffff).toString(16).padStart(4, '0')} ${h(s[SEG_BASE + i])}`);
  return `${regs.slice(0, 4).join(' ')}\n${regs.slice(4).join(' ')}\nEIP=${h(s[EIP])} EFL=${h(cpu.getEflags())} CPL=${cpu.cpl}\n${segs.join('\n')}\n${SEG_BASE < 0 ? '' : ''}`;
}
