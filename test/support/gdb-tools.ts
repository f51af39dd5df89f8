// More helpers for the real-gdb tests and tools/bench-gdb.ts: tcg86 or QEMU as a gdb target
// (any kernel path), gdb in batch mode with any ELF, an interactive gdb driven through its
// stdin (continue & / interrupt / Ctrl-C as SIGINT), `info registers` parsing, and an
// independent disassembly of an ELF from objdump -d (for control-flow checks of stepi).
import { ChildProcess, spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { BIN } from './run-tcg86';
import { GDB, GUEST_BIN } from './gdbstub-harness';
import { freePort } from '../../tools/free-port';
export { freePort };

export const QEMU = process.env.QEMU ?? '/usr/bin/qemu-system-i386';
export const OBJDUMP = process.env.OBJDUMP ?? 'objdump';

function runs(cmd: string, args: string[]): boolean {
  try { return spawnSync(cmd, args, { timeout: 10000, stdio: 'ignore' }).status === 0; } catch { return false; }
}
export function haveQemu(): boolean { return runs(QEMU, ['--version']); }
export function haveObjdump(): boolean { return runs(OBJDUMP, ['--version']); }

/** A kernel name in test/guest/bin, or any path. */
export function kernelPath(k: string): string { return path.isAbsolute(k) ? k : path.join(GUEST_BIN, k); }

const mine = new Set<ChildProcess>();
/** Kill every process these helpers started and that still runs. */
export function killMine(): void {
  for (const p of mine) { try { p.kill('SIGKILL'); } catch { /* gone */ } }
  mine.clear();
}

function track(p: ChildProcess): void {
  mine.add(p);
  p.on('close', () => mine.delete(p));
}


/** True when something listens on 127.0.0.1:port (read from /proc/net/tcp, without connecting). */
function listening(port: number): boolean {
  try {
    const want = `0100007F:${port.toString(16).toUpperCase().padStart(4, '0')}`;
    return fs.readFileSync('/proc/net/tcp', 'latin1').split('\n').some((l) => {
      const f = l.trim().split(/\s+/);
      return f[1] === want && f[3] === '0A';
    });
  } catch { return false; }
}

export type TargetKind = 'tcg86' | 'qemu';

export interface Target {
  kind: TargetKind;
  proc: ChildProcess;
  port: number;
  stdout(): string;
  stderr(): string;
  /** Exit status (null when killed by a signal). */
  exited: Promise<number | null>;
  running(): boolean;
  kill(): void;
  /**
   * gdb commands that bring a freshly started target to the kernel's entry point: nothing for
   * tcg86 (its -S machine starts at the multiboot entry), a temporary hardware breakpoint on the
   * entry for QEMU (whose -S machine starts at the BIOS reset vector 0xfff0).
   */
  toEntry: string[];
}

function wrap(kind: TargetKind, proc: ChildProcess, port: number, entry: number): { t: Target; started: () => boolean } {
  let out = '', err = '', done = false;
  proc.stdout?.on('data', (d) => { out += d; });
  proc.stderr?.on('data', (d) => { err += d; });
  const exited = new Promise<number | null>((resolve) => proc.on('close', (status) => { done = true; resolve(status); }));
  const toEntry = kind === 'qemu' ? [`tbreak *0x${entry.toString(16)}`, 'continue'] : [];
  return {
    t: { kind, proc, port, exited, stdout: () => out, stderr: () => err, running: () => !done, kill: () => { if (!done) proc.kill('SIGKILL'); }, toEntry },
    started: () => !done,
  };
}

function elfEntry(file: string): number { return fs.readFileSync(file).readUInt32LE(24); }

async function waitUntil(cond: () => boolean, alive: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (cond()) return true;
    if (!alive()) return false;
    await new Promise((r) => setTimeout(r, 10));
  }
  return false;
}

/** `node bin/tcg86.js -kernel K -serial stdio -device isa-debug-exit -no-reboot -S -gdb tcp:127.0.0.1:PORT`. */
export async function startTcg86Target(kernel: string, extra: string[] = []): Promise<Target> {
  const k = kernelPath(kernel);
  for (let attempt = 0; ; attempt++) {
    const port = await freePort();
    const proc = spawn(process.execPath, [BIN, '-kernel', k, '-serial', 'stdio', '-device', 'isa-debug-exit,iobase=0xf4,iosize=0x04', '-no-reboot', '-S',
      '-gdb', `tcp:127.0.0.1:${port}`, ...extra], { stdio: ['pipe', 'pipe', 'pipe'] });
    track(proc);
    const { t, started } = wrap('tcg86', proc, port, elfEntry(k));
    if (await waitUntil(() => /target remote/.test(t.stderr()), started, 20000)) return t;
    t.kill();
    if (attempt >= 2 || !/already in use/.test(t.stderr())) throw new Error(`tcg86 did not start: ${t.stderr()}`);
  }
}

/** QEMU with the guest tests' reference command line plus `-S -gdb tcp:127.0.0.1:PORT`. */
export async function startQemuTarget(kernel: string, extra: string[] = []): Promise<Target> {
  const k = kernelPath(kernel);
  for (let attempt = 0; ; attempt++) {
    const port = await freePort();
    const proc = spawn(QEMU, ['-kernel', k, '-display', 'none', '-serial', 'stdio', '-device', 'isa-debug-exit,iobase=0xf4,iosize=0x04',
      '-no-reboot', '-S', '-gdb', `tcp:127.0.0.1:${port}`, ...extra], { stdio: ['pipe', 'pipe', 'pipe'] });
    track(proc);
    const { t, started } = wrap('qemu', proc, port, elfEntry(k));
    if (await waitUntil(() => listening(port), started, 20000)) return t;
    t.kill();
    if (attempt >= 2) throw new Error(`qemu did not start: ${t.stderr()}`);
  }
}

export function startTarget(kind: TargetKind, kernel: string, extra: string[] = []): Promise<Target> {
  return kind === 'qemu' ? startQemuTarget(kernel, extra) : startTcg86Target(kernel, extra);
}

export function waitExited(t: Target, ms: number): Promise<number | null> {
  return Promise.race([t.exited, new Promise<never>((_, rej) => setTimeout(() => rej(new Error(`${t.kind} still running after ${ms} ms`)), ms))]);
}

// ---- gdb, batch mode ----

export interface GdbRun { status: number | null; stdout: string; stderr: string; timedOut: boolean; ms: number }

/**
 * gdb -nx -batch on `elf` (a kernel name or path), `target remote` to the port, then `cmds`
 * (each an -ex; a failing command does not stop the ones after it).
 */
export function gdbBatch(elf: string, port: number, cmds: string[], timeoutMs = 15000): Promise<GdbRun> {
  const args = ['-nx', '-batch', '-ex', 'set confirm off', '-ex', 'set pagination off', '-ex', 'set width 0', '-ex', 'set height 0',
    '-ex', `target remote 127.0.0.1:${port}`];
  for (const c of cmds) args.push('-ex', c);
  args.push(kernelPath(elf));
  const t0 = Date.now();
  return new Promise((resolve) => {
    const p = spawn(GDB, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    track(p);
    let stdout = '', stderr = '', timedOut = false;
    p.stdout.on('data', (d) => { stdout += d; });
    p.stderr.on('data', (d) => { stderr += d; });
    const t = setTimeout(() => { timedOut = true; p.kill('SIGKILL'); }, timeoutMs);
    p.on('close', (status) => { clearTimeout(t); resolve({ status, stdout, stderr, timedOut, ms: Date.now() - t0 }); });
  });
}

// ---- gdb, interactive (commands on stdin) ----

/**
 * gdb without -batch, reading commands from a pipe. `run(cmd)` sends the command followed by an
 * `echo` marker and resolves with the command's output once the marker comes back: gdb reads
 * its next command only when a foreground command (`continue`, `stepi`) is done, so `run('continue')`
 * resolves at the stop. `send()` writes without waiting; `interrupt()` is Ctrl-C (SIGINT to gdb).
 */
export class GdbSession {
  readonly proc: ChildProcess;
  out = '';
  err = '';
  closed = false;
  readonly exited: Promise<number | null>;
  private seq = 0;
  private waiters: (() => void)[] = [];

  constructor(elf: string) {
    this.proc = spawn(GDB, ['-nx', '-q', '-ex', 'set confirm off', '-ex', 'set pagination off', '-ex', 'set width 0', '-ex', 'set height 0',
      kernelPath(elf)], { stdio: ['pipe', 'pipe', 'pipe'] });
    track(this.proc);
    this.proc.stdout!.on('data', (d) => { this.out += d; this.wake(); });
    this.proc.stderr!.on('data', (d) => { this.err += d; this.wake(); });
    this.proc.stdin!.on('error', () => undefined);
    this.exited = new Promise((resolve) => this.proc.on('close', (s) => { this.closed = true; this.wake(); resolve(s); }));
  }

  private wake(): void { for (const w of this.waiters.slice()) w(); }

  /** Output (stdout + stderr) so far. */
  all(): string { return this.out + this.err; }

  /** Where the output is now (for waitFor: only output after the mark counts). */
  mark(): { out: number; err: number } { return { out: this.out.length, err: this.err.length }; }

  /** Wait until `re` matches stdout or stderr (after `from`); returns the match. */
  waitFor(re: RegExp, timeoutMs = 10000, from = { out: 0, err: 0 }): Promise<RegExpExecArray> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        const m = re.exec(this.out.slice(from.out)) ?? re.exec(this.err.slice(from.err));
        if (m) { done(); resolve(m); } else if (this.closed) { done(); reject(new Error(`gdb exited before ${re}\n${this.describe()}`)); }
      };
      const timer = setTimeout(() => { done(); reject(new Error(`timed out after ${timeoutMs} ms waiting for ${re}\n${this.describe()}`)); }, timeoutMs);
      const done = (): void => { clearTimeout(timer); this.waiters = this.waiters.filter((w) => w !== check); };
      this.waiters.push(check);
      check();
    });
  }

  send(cmd: string): void { this.proc.stdin!.write(`${cmd}\n`); }

  /** Run one command; resolves with its stdout (prompts removed) once gdb has finished it. */
  async run(cmd: string, timeoutMs = 10000): Promise<string> {
    const n = ++this.seq;
    const from = this.mark();
    this.send(cmd);
    this.send(`echo \\n@@done ${n}@@\\n`);
    const marker = `@@done ${n}@@`;
    await this.waitFor(new RegExp(marker), timeoutMs, { out: from.out, err: Infinity });
    const text = this.out.slice(from.out);
    return text.slice(0, text.indexOf(marker)).replace(/\(gdb\) /g, '');
  }

  /** Ctrl-C: SIGINT to gdb, which interrupts the running target (0x03 on the wire). */
  interrupt(): void { this.proc.kill('SIGINT'); }

  async quit(timeoutMs = 5000): Promise<number | null> {
    if (!this.closed) { this.send('quit'); this.proc.stdin!.end(); }
    const t = setTimeout(() => this.proc.kill('SIGKILL'), timeoutMs);
    const s = await this.exited;
    clearTimeout(t);
    return s;
  }

  describe(): string {
    const cut = (s: string): string => (s.length > 3000 ? `${s.slice(0, 1000)}\n[...]\n${s.slice(-2000)}` : s);
    return `--- gdb stdout ---\n${cut(this.out)}\n--- gdb stderr ---\n${cut(this.err)}`;
  }
}

// ---- gdb output ----

/** `info registers` lines (`eax 0x1234 4660`) as name -> value. */
export function parseRegisters(text: string): Map<string, number> {
  const regs = new Map<string, number>();
  for (const m of text.matchAll(/^([a-z][a-z0-9_]*)\s+(0x[0-9a-f]+)\s/gm)) regs.set(m[1], parseInt(m[2], 16));
  return regs;
}

/** Values printed by `p` commands, in order ($1 = ..., $2 = ...). */
export function printedValues(stdout: string): string[] {
  return [...stdout.matchAll(/^\$\d+ = (.*)$/gm)].map((m) => m[1]);
}

/** The text after each `echo <tag>...\n` marker line, up to the next marker (label -> chunk). */
export function sections(stdout: string, tag = '@@'): { label: string; text: string }[] {
  const parts = stdout.split(new RegExp(`^${tag}`, 'm'));
  return parts.slice(1).map((p) => {
    const nl = p.indexOf('\n');
    return { label: nl < 0 ? p : p.slice(0, nl), text: nl < 0 ? '' : p.slice(nl + 1) };
  });
}

export const GENERAL_REGS = ['eax', 'ecx', 'edx', 'ebx', 'esp', 'ebp', 'esi', 'edi', 'eip', 'eflags', 'cs', 'ss', 'ds', 'es', 'fs', 'gs'];

// ---- objdump ----

export type Flow = 'next' | 'jump' | 'branch' | 'call' | 'any' | 'ret' | 'rep';

export interface Insn {
  addr: number;
  len: number;
  text: string;
  /** next: only addr+len; jump: only target; branch: fall-through or target; call: target; ret: after some call; any: any instruction; rep: addr or addr+len. */
  flow: Flow;
  target?: number;
}

export interface Disasm {
  insns: Map<number, Insn>;
  /** Instructions by their end address (addr + len). */
  byEnd: Map<number, Insn>;
  /** The addresses a pc may go to after executing `i` (null: any instruction boundary). */
  successors(i: Insn): number[] | null;
}

/** objdump -d -w of an ELF, parsed: every instruction with its length and control flow. */
export function disassemble(elf: string): Disasm {
  const r = spawnSync(OBJDUMP, ['-d', '-w', '-z', kernelPath(elf)], { encoding: 'utf8', maxBuffer: 256 << 20 });
  if (r.status !== 0) throw new Error(`objdump failed: ${r.stderr}`);
  const insns = new Map<number, Insn>();
  const byEnd = new Map<number, Insn>();
  for (const line of r.stdout.split('\n')) {
    // "  100046:\tea 4d 00 10 00 08 00 \tljmp   $0x8,$0x10004d" (-w: all bytes on one line)
    const m = /^\s*([0-9a-f]+):\t([0-9a-f]{2}(?: [0-9a-f]{2})*)\s*\t(.*)$/.exec(line);
    if (!m) continue;
    const addr = parseInt(m[1], 16), len = m[2].split(' ').length, text = m[3].trim();
    const insn: Insn = { addr, len, text, flow: 'next' };
    const op = text.replace(/^(?:(?:data16|addr16|cs|ds|es|fs|gs|ss|lock)\s+)+/, '');
    let t: RegExpExecArray | null;
    if ((t = /^(call|jmp)\s+([0-9a-f]+)\s*(<|$)/.exec(op))) { insn.flow = t[1] === 'call' ? 'call' : 'jump'; insn.target = parseInt(t[2], 16); }
    else if ((t = /^(j[a-z]+|loop[a-z]*)\s+([0-9a-f]+)\s*(<|$)/.exec(op))) { insn.flow = 'branch'; insn.target = parseInt(t[2], 16); }
    else if ((t = /^ljmp\s+\$0x[0-9a-f]+,\$0x([0-9a-f]+)/.exec(op))) { insn.flow = 'jump'; insn.target = parseInt(t[1], 16); }
    else if (/^(ret|lret)/.test(op)) insn.flow = 'ret';
    else if (/^(call|jmp|ljmp|lcall)\b/.test(op) || /^(iret|int|int3|into|ud2|ud0|ud1|hlt|sysenter|sysexit|\(bad\))/.test(op)) insn.flow = 'any';
    else if (/^(rep|repz|repnz|repe|repne)\s/.test(op)) insn.flow = 'rep';
    insns.set(addr, insn);
    byEnd.set(addr + len, insn);
  }
  return {
    insns, byEnd,
    successors(i) {
      switch (i.flow) {
        case 'next': return [i.addr + i.len];
        case 'jump': case 'call': return [i.target!];
        case 'branch': return [i.addr + i.len, i.target!];
        case 'rep': return [i.addr, i.addr + i.len];
        default: return null;
      }
    },
  };
}

/**
 * Checks a stepi trace (pcs[0] is where stepping starts, pcs[k] the pc after step k) against the
 * disassembly; returns one message per step that does not fit (empty = all fine).
 */
export function checkTrace(d: Disasm, pcs: number[], allowed?: (from: Insn, to: number) => boolean): string[] {
  const bad: string[] = [];
  const hex = (v: number): string => `0x${v.toString(16)}`;
  for (let k = 0; k + 1 < pcs.length; k++) {
    const from = d.insns.get(pcs[k]);
    const to = pcs[k + 1];
    if (!from) { bad.push(`step ${k + 1}: ${hex(pcs[k])} is not an instruction boundary in objdump's disassembly`); continue; }
    if (allowed?.(from, to)) continue;
    const succ = d.successors(from);
    if (succ) {
      if (!succ.includes(to)) bad.push(`step ${k + 1}: ${hex(from.addr)} ${from.text} went to ${hex(to)}, expected ${succ.map(hex).join(' or ')}`);
    } else if (!d.insns.has(to)) {
      bad.push(`step ${k + 1}: ${hex(from.addr)} ${from.text} went to ${hex(to)}, not an instruction boundary`);
    } else if (from.flow === 'ret' && d.byEnd.get(to)?.flow !== 'call') {
      bad.push(`step ${k + 1}: ${hex(from.addr)} ${from.text} returned to ${hex(to)}, which does not follow a call`);
    }
  }
  return bad;
}
