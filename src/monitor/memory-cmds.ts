// Memory and expression commands: x, xp, p/print, gva2gpa, memsave, pmemsave.
import * as fs from 'fs';
import { HF_CS32, HFLAGS } from '../emu/translate-i386/state';
import { expectEnd, exprArg, parseFormat, wordArg } from './args';
import { MonitorContext, MonitorError } from './context';
import { evalExpr } from './expr';
import { disasmDump, formatValue, memoryDump, MemReader, stringDump } from './format';

/** Limits that keep one command's output reasonable. */
export const MAX_DUMP_BYTES = 64 * 1024;
export const MAX_DISASM = 1000;
export const MAX_STRINGS = 100;
const FOUR_GIB = 2 ** 32;

function reader(ctx: MonitorContext, physical: boolean): MemReader {
  return { read: (a, l) => (physical && a + l > FOUR_GIB ? null : ctx.debug.readMemory(a, l, physical)) };
}

function dump(ctx: MonitorContext, args: string, physical: boolean): void {
  const cmd = physical ? 'xp' : 'x';
  const { dump: f, rest } = parseFormat(args, ctx.fmt, 'xduocis');
  if (!rest) throw new MonitorError(`${cmd}: missing address (usage: ${cmd} /fmt addr)`);
  const addrV = evalExpr(ctx.debug.cpu, rest);
  if (physical && addrV >= BigInt(FOUR_GIB)) { ctx.line(`${addrV.toString(16).padStart(16, '0')}: Cannot access memory`); return; }
  const addr = Number(addrV & 0xffffffffn);
  const mem = reader(ctx, physical);
  if (f.format === 'i') {
    if (f.count > MAX_DISASM) throw new MonitorError(`${cmd}: at most ${MAX_DISASM} instructions at a time`);
    disasmDump(mem, addr, f.count, (ctx.debug.cpu.s[HFLAGS] & HF_CS32) !== 0, physical, (s) => ctx.line(s));
  } else if (f.format === 's') {
    if (f.count > MAX_STRINGS) throw new MonitorError(`${cmd}: at most ${MAX_STRINGS} strings at a time`);
    stringDump(mem, addr, f.count, physical, (s) => ctx.line(s));
  } else {
    if (f.count * f.size > MAX_DUMP_BYTES) throw new MonitorError(`${cmd}: at most ${MAX_DUMP_BYTES} bytes at a time (count ${f.count} x ${f.size} bytes asked)`);
    memoryDump(mem, addr, f, physical, (s) => ctx.line(s));
  }
}

export function cmdX(ctx: MonitorContext, args: string): void { dump(ctx, args, false); }
export function cmdXp(ctx: MonitorContext, args: string): void { dump(ctx, args, true); }

export function cmdPrint(ctx: MonitorContext, args: string): void {
  const { dump: f, rest } = parseFormat(args, ctx.fmt, 'xduoci');
  if (!rest) throw new MonitorError('print: missing expression');
  ctx.line(formatValue(evalExpr(ctx.debug.cpu, rest), f.format));
}

export function cmdGva2gpa(ctx: MonitorContext, args: string): void {
  if (!args.trim()) throw new MonitorError('gva2gpa: missing address');
  const v = evalExpr(ctx.debug.cpu, args);
  const p = v >= BigInt(FOUR_GIB) ? -1 : ctx.debug.translate(Number(v));
  ctx.line(p < 0 ? 'Unmapped' : `gpa: 0x${p.toString(16)}`);
}

function save(ctx: MonitorContext, args: string, physical: boolean): void {
  const cmd = physical ? 'pmemsave' : 'memsave';
  const a = exprArg(ctx.debug.cpu, args, 'address');
  const s = exprArg(ctx.debug.cpu, a.rest, 'size');
  const f = wordArg(s.rest, 'file name');
  expectEnd(f.rest);
  const addr = Number(a.value & 0xffffffffn);
  if (s.value > BigInt(FOUR_GIB)) throw new MonitorError(`${cmd}: size must be at most 4 GiB`);
  const size = Number(s.value);
  const bad = () => new MonitorError(`Invalid addr 0x${a.value.toString(16).padStart(16, '0')}/size ${size} specified`);
  if (physical && (a.value >= BigInt(FOUR_GIB) || addr + size > FOUR_GIB)) throw bad();
  // Check that every page is readable before creating the file: a failed save leaves no file
  // behind without ever deleting one (the name could be /dev/null or any existing file).
  for (let off = 0; off < size; off = (off + 4096) - ((addr + off) & 0xfff)) {
    if (!ctx.debug.readMemory((addr + off) >>> 0, 1, physical)) throw bad();
  }
  let fd: number;
  try { fd = fs.openSync(f.word, 'w'); } catch (e) {
    throw new MonitorError(`Could not open '${f.word}': ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'No such file or directory' : (e as Error).message}`);
  }
  let failed = false;
  try {
    for (let off = 0; off < size;) {
      const n = Math.min(size - off, MAX_DUMP_BYTES);
      const buf = ctx.debug.readMemory((addr + off) >>> 0, n, physical);
      if (!buf) { failed = true; break; }
      fs.writeSync(fd, buf);
      off += n;
    }
  } finally {
    fs.closeSync(fd);
  }
  if (failed) throw bad();
}

export function cmdMemsave(ctx: MonitorContext, args: string): void { save(ctx, args, false); }
export function cmdPmemsave(ctx: MonitorContext, args: string): void { save(ctx, args, true); }
