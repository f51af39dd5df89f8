// The monitor's command interpreter (QEMU's HMP): one command line in, text out. Used by the
// stdio and TCP transports (transports.ts) and by gdb's `monitor` command (qRcmd).
import createDebug from 'debug';
import { DebugTarget } from '../emu/cpu-exec/debug-target';
import { PcMachine } from '../hw/pc/machine';
import { expectEnd } from './args';
import { FormatState, MonitorContext, MonitorError } from './context';
import { infoGdt, infoIdt, infoLdt, infoTss } from './descriptors';
import { evalExpr } from './expr';
import { cmdLog, cmdLogfile, cmdTbFlush } from './log-cmds';
import { infoMtree, infoPic, infoStatus, IrqCounter } from './machine-info';
import { cmdGva2gpa, cmdMemsave, cmdPmemsave, cmdPrint, cmdX, cmdXp } from './memory-cmds';
import { infoMem, infoTlb } from './paging-info';
import { infoCpus, infoRegisters } from './registers';
import { cmdCont, cmdStep, cmdStop, cmdSystemReset } from './run-control';
import { findTbs, infoJit, infoTbList, infoTbOne } from './tb-info';

const dbg = createDebug('tcg86:monitor');

type Handler = (ctx: MonitorContext, args: string) => void | Promise<void>;

interface CommandDef {
  /** The name, then its aliases. */
  names: string[];
  args: string;
  help: string;
  run: Handler;
}

const noArgs = (f: (ctx: MonitorContext) => void | Promise<void>): Handler => (ctx, args) => { expectEnd(args); return f(ctx); };
const lines = (ctx: MonitorContext, l: string[]) => { for (const s of l) ctx.line(s); };
const words = (args: string) => args.trim().split(/\s+/).filter(Boolean);

/** The `info` subcommands; `irq` reads the counter this monitor installed. */
function infoCommands(irq: IrqCounter): CommandDef[] {
  return [
    {
      names: ['registers'], args: '[-a|0]', help: 'show the cpu registers',
      run: (ctx, args) => {
        const w = words(args);
        if (w.length > 1 || (w.length && w[0] !== '-a' && w[0] !== '0')) throw new MonitorError(`info registers: no CPU '${w.join(' ')}' (there is only CPU 0)`);
        lines(ctx, infoRegisters(ctx.debug.cpu));
      },
    },
    { names: ['cpus'], args: '', help: 'show infos for each CPU', run: noArgs(ctx => lines(ctx, infoCpus(ctx.debug.cpu))) },
    { names: ['status'], args: '', help: 'show the current VM status (running|paused)', run: noArgs(ctx => ctx.line(infoStatus(ctx.machine))) },
    { names: ['pic'], args: '', help: 'show PIC state', run: noArgs(ctx => lines(ctx, infoPic(ctx.machine))) },
    { names: ['irq'], args: '', help: 'show the interrupts statistics (since the monitor started)', run: noArgs(ctx => lines(ctx, irq.describe())) },
    {
      names: ['mtree'], args: '[-f]', help: 'show memory tree (RAM and the I/O ports in use)',
      run: (ctx, args) => {
        for (const w of words(args)) if (!['-f', '-d', '-o', '-D'].includes(w)) throw new MonitorError(`info mtree: unknown option '${w}'`);
        lines(ctx, infoMtree(ctx.machine));
      },
    },
    { names: ['tlb'], args: '', help: 'show virtual to physical memory mappings', run: noArgs(ctx => lines(ctx, infoTlb(ctx.debug.cpu))) },
    { names: ['mem'], args: '', help: 'show the active virtual memory mappings', run: noArgs(ctx => lines(ctx, infoMem(ctx.debug.cpu))) },
    { names: ['gdt'], args: '[N [M]]', help: 'show the global descriptor table (entries N..M)', run: (ctx, args) => lines(ctx, infoGdt(ctx.debug, words(args))) },
    { names: ['idt'], args: '[N [M]]', help: 'show the interrupt descriptor table (vectors N..M)', run: (ctx, args) => lines(ctx, infoIdt(ctx.debug, words(args))) },
    { names: ['ldt'], args: '[N [M]]', help: 'show the local descriptor table (entries N..M)', run: (ctx, args) => lines(ctx, infoLdt(ctx.debug, words(args))) },
    { names: ['tss'], args: '', help: 'show the current task state segment', run: noArgs(ctx => lines(ctx, infoTss(ctx.debug))) },
    { names: ['jit'], args: '', help: 'show dynamic compiler info', run: noArgs(ctx => lines(ctx, infoJit(ctx.machine.exec))) },
    {
      names: ['tb'], args: '[-h] [addr]', help: 'list translated blocks (newest first; -h: most executed first), or show the TB at addr in full',
      run: (ctx, args) => {
        const t = args.trim();
        const exec = ctx.machine.exec;
        if (!t || t === '-h') { lines(ctx, infoTbList(exec, t === '-h')); return; }
        const addr = Number(evalExpr(ctx.debug.cpu, t) & 0xffffffffn);
        const tbs = findTbs(exec, addr);
        if (!tbs.length) throw new MonitorError(`info tb: no translated block at 0x${addr.toString(16).padStart(8, '0')}`);
        tbs.forEach((tb, i) => { if (i) ctx.line(''); lines(ctx, infoTbOne(ctx.machine.exec, tb)); });
      },
    },
  ];
}

/** Per-machine state the interpreter keeps between commands. */
export class Monitor {
  private readonly fmt: FormatState = { format: 'x', size: 4 };
  private readonly commands: CommandDef[];
  private readonly infos: CommandDef[];
  /** Set by `quit`: transports close their connection after it. */
  quitRequested = false;
  /**
   * `gdbserver [tcp::PORT|tcp:HOST:PORT|none]`: installed by the front end, which owns the stub.
   * Returns the line to print; rejects with a message for bad input.
   */
  gdbserver: ((spec: string) => Promise<string>) | null = null;

  constructor(readonly machine: PcMachine, readonly debug: DebugTarget) {
    this.infos = infoCommands(new IrqCounter(machine));
    this.commands = [
      { names: ['help', '?'], args: '[cmd]', help: 'show the help', run: (ctx, args) => this.help(ctx, args) },
      { names: ['info'], args: '[subcommand]', help: 'show various information about the system state', run: (ctx, args) => this.info(ctx, args) },
      { names: ['stop', 's'], args: '', help: 'stop emulation', run: noArgs(cmdStop) },
      { names: ['cont', 'c'], args: '', help: 'resume emulation', run: noArgs(cmdCont) },
      { names: ['step'], args: '[N]', help: 'execute N instructions (default 1) and show the next one; the VM must be stopped', run: cmdStep },
      { names: ['system_reset'], args: '', help: 'reset the system', run: noArgs(cmdSystemReset) },
      { names: ['quit', 'q'], args: '', help: 'quit the emulator', run: noArgs(() => { this.quitRequested = true; this.debug.quit(0); }) },
      { names: ['x'], args: '/fmt addr', help: "virtual memory dump starting at 'addr' (fmt: count, x d u o c i s, b h w g)", run: cmdX },
      { names: ['xp'], args: '/fmt addr', help: "physical memory dump starting at 'addr'", run: cmdXp },
      { names: ['print', 'p'], args: '/fmt expr', help: 'print expression value (use $reg for CPU register access)', run: cmdPrint },
      { names: ['gva2gpa'], args: 'addr', help: 'print the guest physical address corresponding to a guest virtual address', run: cmdGva2gpa },
      { names: ['memsave'], args: 'addr size file', help: "save to disk virtual memory dump starting at 'addr' of size 'size'", run: cmdMemsave },
      { names: ['pmemsave'], args: 'addr size file', help: "save to disk physical memory dump starting at 'addr' of size 'size'", run: cmdPmemsave },
      { names: ['log'], args: 'item1[,...]', help: "activate logging of the specified items ('log none' stops, 'log help' lists them)", run: cmdLog },
      { names: ['logfile'], args: 'filename', help: "output logs to 'filename'", run: cmdLogfile },
      { names: ['tb_flush', 'flush_tb'], args: '', help: 'drop every translated block', run: cmdTbFlush },
      {
        names: ['gdbserver'], args: '[tcp::PORT|tcp:HOST:PORT|none]', help: 'start gdbserver on the given device (default tcp::1234), or stop it with none',
        run: (ctx, args) => {
          if (!this.gdbserver) throw new MonitorError('gdbserver: not available here');
          return this.gdbserver(args.trim() || 'tcp::1234').then((msg) => ctx.line(msg), (e) => { throw new MonitorError(`gdbserver: ${(e as Error).message}`); });
        },
      },
    ];
  }

  /**
   * Execute one command line. Output goes through `write`, a line at a time, each ending in
   * \n. Never throws. Most commands complete before execute returns; `stop` and `step` wait
   * for the CPU, and the returned promise (which never rejects) resolves when all output is written.
   */
  execute(line: string, write: (text: string) => void): Promise<void> {
    const ctx: MonitorContext = {
      machine: this.machine, debug: this.debug, fmt: this.fmt,
      line: (text) => { try { write(text + '\n'); } catch (e) { dbg('write failed: %s', (e as Error).message); } },
    };
    try {
      const r = this.dispatch(ctx, line);
      if (r instanceof Promise) return r.catch((e) => this.report(ctx, e));
    } catch (e) {
      this.report(ctx, e);
    }
    return Promise.resolve();
  }

  /** Completions for a partial line (readline's completer): command names, then info subcommands. */
  complete(line: string): [string[], string] {
    const m = /^\s*info\s+(\S*)$/.exec(line);
    if (m) return [this.infos.flatMap(c => c.names).filter(n => n.startsWith(m[1])).sort(), m[1]];
    if (/^\s*\S*$/.test(line)) {
      const w = line.trim();
      return [this.commands.flatMap(c => c.names).filter(n => n.length > 1 && n.startsWith(w)).sort(), w];
    }
    return [[], line];
  }

  private report(ctx: MonitorContext, e: unknown): void {
    if (e instanceof MonitorError) { ctx.line(e.message); return; }
    dbg('internal error: %s', (e as Error)?.stack ?? e);
    ctx.line(`internal error: ${(e as Error)?.message ?? String(e)}`);
  }

  private find(table: CommandDef[], name: string): CommandDef | undefined {
    return table.find(c => c.names.includes(name));
  }

  private dispatch(ctx: MonitorContext, line: string): void | Promise<void> {
    const t = line.trim();
    if (!t || t.startsWith('#')) return;
    const m = /^([^\s/]+)(.*)$/s.exec(t)!;
    const cmd = this.find(this.commands, m[1]);
    if (!cmd) throw new MonitorError(`unknown command: '${m[1]}'`);
    return cmd.run(ctx, m[2]);
  }

  private info(ctx: MonitorContext, args: string): void | Promise<void> {
    const t = args.trim();
    if (!t) { this.helpLines(ctx, this.infos, 'info '); return; }
    const m = /^(\S+)(.*)$/s.exec(t)!;
    const sub = this.find(this.infos, m[1]);
    if (!sub) throw new MonitorError(`unknown command: 'info ${m[1]}'`);
    return sub.run(ctx, m[2]);
  }

  private helpLines(ctx: MonitorContext, table: CommandDef[], prefix: string): void {
    const sorted = [...table].sort((a, b) => a.names[0].localeCompare(b.names[0]));
    for (const c of sorted) ctx.line(`${prefix}${c.names.join('|')}${c.args ? ' ' + c.args : ''} -- ${c.help}`);
  }

  private help(ctx: MonitorContext, args: string): void {
    const w = words(args);
    if (!w.length) { this.helpLines(ctx, this.commands, ''); return; }
    if (w[0] === 'info') {
      if (w.length === 1) { this.helpLines(ctx, this.infos, 'info '); return; }
      const sub = this.find(this.infos, w[1]);
      if (!sub) throw new MonitorError(`unknown command: 'info ${w[1]}'`);
      this.helpLines(ctx, [sub], 'info ');
      return;
    }
    const c = this.find(this.commands, w[0]);
    if (!c) throw new MonitorError(`unknown command: '${w[0]}'`);
    this.helpLines(ctx, [c], '');
  }
}
