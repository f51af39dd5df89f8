// Command line with QEMU's spelling (single-dash long options), parsed by yargs.
import * as fs from 'fs';
import * as net from 'net';
import * as path from 'path';
import yargs from 'yargs';
import { TbLog } from './emu/cpu-exec/tblog';
import { Backend } from './emu/cpu-exec/exec';
import { PcMachine } from './hw/pc/machine';
import { describeMultibootError, findMultibootHeader, MultibootError } from './hw/pc/multiboot';
import { BzImageError, isBzImage, parseBzImageHeader } from './hw/pc/bzimage';
import { setupDisassembler } from './disasm-hook';
import { GdbServer } from './gdbstub/server';
import { ConsoleMux } from './console-mux';
import { Monitor } from './monitor/monitor';
import { serveMonitorStdio, serveMonitorTcp } from './monitor/transports';
import { QmpServer, serveQmp } from './monitor/qmp';
import { MachineDebug } from './hw/pc/debug-session';

const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version: string };

export class UsageError extends Error {}

export const DEMO_KERNEL = path.join(__dirname, '..', '..', 'tools', 'guest', 'demo', 'demo.elf');

/** QEMU writes `-kernel`; yargs wants `--kernel`. Single letters stay as they are. */
function normalizeArgs(argv: string[]): string[] {
  return argv.map(a => (/^-[a-zA-Z][a-zA-Z0-9_-]+/.test(a) ? '-' + a : a));
}

export interface SerialSpec { kind: 'stdio' | 'null' | 'file' | 'tcp'; path?: string; host?: string; port?: number; server?: boolean; wait?: boolean; mux?: boolean }

export function parseSerial(spec: string): SerialSpec {
  if (spec === 'stdio') return { kind: 'stdio' };
  if (spec === 'mon:stdio') return { kind: 'stdio', mux: true };
  if (spec === 'null' || spec === 'none') return { kind: 'null' };
  if (spec.startsWith('file:')) {
    const p = spec.slice(5);
    if (!p) throw new UsageError("-serial file: needs a path");
    return { kind: 'file', path: p };
  }
  const m = /^tcp:([^:,]*):(\d+)((?:,[a-z]+)*)$/.exec(spec);
  if (m) {
    const flags = m[3].split(',').filter(Boolean);
    for (const f of flags) if (!['server', 'nowait', 'wait'].includes(f)) throw new UsageError(`-serial ${spec}: unknown flag '${f}'`);
    if (!flags.includes('server')) throw new UsageError(`-serial ${spec}: only server mode is supported (add ,server)`);
    return { kind: 'tcp', host: m[1] || '127.0.0.1', port: Number(m[2]), server: true, wait: !flags.includes('nowait') };
  }
  throw new UsageError(`-serial '${spec}': expected stdio, null, file:PATH or tcp:HOST:PORT,server[,nowait]`);
}

export function parseDevice(spec: string): { iobase: number; iosize: number } {
  const [name, ...props] = spec.split(',');
  if (name !== 'isa-debug-exit') throw new UsageError(`-device '${name}': unknown device (supported: isa-debug-exit)`);
  let iobase = 0x501, iosize = 2; // QEMU's defaults
  for (const p of props) {
    const [k, v] = p.split('=');
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0 || n > 0xffff) throw new UsageError(`-device isa-debug-exit: bad value '${p}'`);
    if (k === 'iobase') iobase = n; else if (k === 'iosize') iosize = n;
    else throw new UsageError(`-device isa-debug-exit: unknown property '${k}'`);
  }
  return { iobase, iosize };
}

function readFile(what: string, p: string): Buffer {
  try { return fs.readFileSync(p); } catch (e) {
    throw new UsageError(`${what} '${p}': ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'No such file or directory' : (e as Error).message}`);
  }
}

export function buildParser(argv: string[]) {
  return yargs(normalizeArgs(argv))
    .scriptName('tcg86')
    .usage('usage: tcg86 [options]\n\nAn i386 PC emulator with a QEMU-style translator, for kernel debugging.\nWith no -kernel, boots the bundled demo kernel.')
    .parserConfiguration({ 'short-option-groups': false, 'camel-case-expansion': false, 'duplicate-arguments-array': false, 'boolean-negation': false })
    .option('kernel', { type: 'string', describe: 'multiboot kernel (ELF32 or a.out kludge)' })
    .option('append', { type: 'string', describe: 'kernel command line', default: '' })
    .option('initrd', { type: 'string', describe: 'multiboot modules: "file1 args,file2"' })
    .option('m', { type: 'string', describe: 'RAM size in MiB (suffix M or G allowed)', default: '128' })
    .option('serial', { type: 'string', describe: 'stdio | null | file:PATH | tcp:HOST:PORT,server[,nowait]' })
    .option('nographic', { type: 'boolean', describe: 'no display; serial on stdio' })
    .option('display', { type: 'string', describe: 'none (the only display)' })
    .option('device', { type: 'string', array: true, describe: 'isa-debug-exit[,iobase=N][,iosize=N]' })
    .option('no-reboot', { type: 'boolean', describe: 'exit instead of resetting on a triple fault' })
    .option('d', { type: 'string', describe: 'log items: in_asm,op,op_opt,out_asm,exec,cpu,int,unimp,nochain' })
    .option('D', { type: 'string', describe: 'log to FILE instead of stderr' })
    .option('dfilter', { type: 'string', describe: 'limit -d logs to guest pc ranges: START..END, START+LEN, comma separated' })
    .option('icount', { type: 'string', describe: 'shift=N: virtual time advances 2^N ns per instruction (deterministic)' })
    .option('accel', { type: 'string', describe: 'tcg[,backend=tiered|js|wasm|interp]: tiered (default), JavaScript only, WebAssembly only or IR interpreter only' })
    .option('backend', { type: 'string', choices: ['tiered', 'js', 'wasm', 'interp'], describe: 'same as -accel tcg,backend=...' })
    .option('s', { type: 'boolean', describe: 'shorthand for -gdb tcp::1234' })
    .option('S', { type: 'boolean', describe: 'do not start the CPU at startup (wait for gdb or the monitor)' })
    .option('gdb', { type: 'string', describe: 'tcp:[HOST]:PORT: gdb remote stub (HOST defaults to 127.0.0.1)' })
    .option('qmp', { type: 'string', describe: 'tcp:HOST:PORT,server[,nowait]: QEMU machine protocol (JSON) for scripts' })
    .option('monitor', { type: 'string', describe: 'stdio | tcp:HOST:PORT,server[,nowait] | none' })
    .option('debugcon', { type: 'string', describe: 'port 0xE9 output: stdio | null | file:PATH' })
    .version('version', 'print the version', `tcg86 ${pkg.version}`)
    .help('help')
    .strict()
    .exitProcess(false)
    .fail((msg, err) => { throw new UsageError(err ? err.message : msg); });
}

export interface Config {
  kernelPath: string;
  kernel: Buffer;
  cmdline: string;
  /** -append as given (a Linux kernel's whole command line). */
  append: string;
  modules: { data: Uint8Array; cmdline: string }[];
  ramBytes: number;
  serial: SerialSpec;
  debugExit: { iobase: number; iosize: number } | null;
  noReboot: boolean;
  icountShift: number | null;
  backend: Backend;
  logItems: string;
  logFile: string | null;
  debugcon: SerialSpec | null;
  gdb: { host: string; port: number } | null;
  startPaused: boolean;
  monitor: SerialSpec;
  dfilter: string;
  qmp: SerialSpec | null;
}

function parseQmp(spec: string): SerialSpec {
  const q = /^tcp:/.test(spec) ? parseSerial(spec) : null;
  if (!q || q.kind !== 'tcp') throw new UsageError(`-qmp '${spec}': expected tcp:HOST:PORT,server[,nowait]`);
  return q;
}

export function parseGdb(spec: string): { host: string; port: number } {
  const m = /^tcp:([^:]*):(\d+)$/.exec(spec);
  if (!m || Number(m[2]) > 65535) throw new UsageError(`-gdb '${spec}': expected tcp:[HOST]:PORT`);
  return { host: m[1] || '127.0.0.1', port: Number(m[2]) };
}

function parseMem(v: string): number {
  const m = /^(\d+)([MmGg]?)$/.exec(v.trim());
  if (!m) throw new UsageError(`-m '${v}': expected a size in MiB`);
  let mib = Number(m[1]);
  if (/[Gg]/.test(m[2])) mib *= 1024;
  if (mib < 2) throw new UsageError(`-m ${v}: at least 2 MiB are needed`);
  if (mib > 3584) throw new UsageError(`-m ${v}: at most 3584 MiB (3.5 GiB) is supported`);
  return mib * 1024 * 1024;
}

export function parseConfig(argv: string[]): Config | null {
  const y = buildParser(argv);
  const a = y.parseSync() as Record<string, unknown>;
  if (a.help || a.version) return null;
  if ((a._ as unknown[]).length) throw new UsageError(`unexpected argument '${(a._ as unknown[])[0]}'`);
  const kernelPath = (a.kernel as string | undefined) ?? DEMO_KERNEL;
  const kernel = readFile('-kernel', kernelPath);
  const linux = !findMultibootHeader(kernel) && isBzImage(kernel);
  if (linux) {
    try { parseBzImageHeader(kernel); } catch (e) { throw new UsageError(`-kernel '${kernelPath}': ${(e as Error).message}`); }
  } else if (!findMultibootHeader(kernel)) {
    throw new UsageError(`-kernel '${kernelPath}': neither a multiboot kernel (no valid multiboot header in the first 8 KiB) nor a Linux bzImage`);
  }
  const modules: Config['modules'] = [];
  if (a.initrd) {
    for (const spec of String(a.initrd).split(',')) {
      const [file, ...args] = spec.trim().split(/\s+/);
      modules.push({ data: readFile('-initrd', file), cmdline: [file, ...args].join(' ') });
    }
  }
  if (a.display !== undefined && a.display !== 'none') throw new UsageError(`-display '${a.display}': only 'none' is supported`);
  // -nographic multiplexes the serial port and the monitor on the terminal, as in QEMU.
  const serialSpec = (a.serial as string | undefined) ?? (a.monitor === 'stdio' ? 'null' : a.nographic && a.monitor === undefined ? 'mon:stdio' : 'stdio');
  const monitor = a.monitor === undefined || a.monitor === 'none' ? { kind: 'null' as const } : parseSerial(String(a.monitor));
  if (monitor.kind === 'file') throw new UsageError(`-monitor '${a.monitor}': expected stdio, tcp:HOST:PORT,server[,nowait] or none`);
  const serial = parseSerial(serialSpec);
  if (monitor.kind === 'stdio' && serial.kind === 'stdio') {
    throw new UsageError("cannot use stdio by multiple character devices (use -serial mon:stdio to share it)");
  }
  let debugExit: Config['debugExit'] = null;
  for (const d of (a.device as string[] | undefined) ?? []) debugExit = parseDevice(d);
  let icountShift: number | null = null;
  if (a.icount !== undefined) {
    const m = /^(?:shift=)?(\d+)$/.exec(String(a.icount));
    if (!m || Number(m[1]) > 10) throw new UsageError(`-icount '${a.icount}': expected shift=N with N in 0..10`);
    icountShift = Number(m[1]);
  }
  let backend: Backend = 'tiered';
  if (a.accel !== undefined) {
    const m = /^tcg(?:,backend=(tiered|js|wasm|interp))?$/.exec(String(a.accel));
    if (!m) throw new UsageError(`-accel '${a.accel}': expected tcg[,backend=tiered|js|wasm|interp]`);
    if (m[1]) backend = m[1] as Backend;
  }
  if (a.backend) backend = a.backend as Backend;
  const logItems = (a.d as string | undefined) ?? '';
  try { new TbLog().setItems(logItems); } catch (e) { throw new UsageError(`-d: ${(e as Error).message}`); }
  const dfilter = (a.dfilter as string | undefined) ?? '';
  try { new TbLog().setFilter(dfilter); } catch (e) { throw new UsageError((e as Error).message); }
  return {
    kernelPath, kernel, cmdline: [path.basename(kernelPath), a.append as string].filter(Boolean).join(' ').trim(), append: a.append as string,
    modules, ramBytes: parseMem(String(a.m)), serial, debugExit,
    noReboot: !!a['no-reboot'], icountShift, backend, logItems, logFile: (a.D as string | undefined) ?? null,
    debugcon: a.debugcon ? parseSerial(String(a.debugcon)) : null,
    gdb: a.gdb !== undefined ? parseGdb(String(a.gdb)) : a.s ? { host: '127.0.0.1', port: 1234 } : null,
    startPaused: !!a.S,
    monitor,
    dfilter,
    qmp: a.qmp !== undefined ? parseQmp(String(a.qmp)) : null,
  };
}

/** Starts a TCP front end (-monitor, -qmp); without nowait, waits for the first client. */
async function serveTcpFrontend<T extends { firstClient(): Promise<void> }>(what: string, spec: SerialSpec, start: () => Promise<T>): Promise<T> {
  let srv: T;
  try {
    srv = await start();
  } catch (e) {
    throw new UsageError(`-${what} tcp:${spec.host}:${spec.port}: ${(e as Error).message}`);
  }
  if (spec.wait) {
    process.stderr.write(`tcg86: waiting for connection on ${what} tcp:${spec.host}:${spec.port},server\n`);
    await srv.firstClient();
  }
  return srv;
}

/** Collects guest bytes and writes them in one buffer per event-loop turn. */
function batchedWriter(sink: (buf: Buffer) => void): { write: (b: number) => void; flush: () => void } {
  let pending: number[] = [];
  let scheduled = false;
  const flush = () => {
    scheduled = false;
    if (!pending.length) return;
    const buf = Buffer.from(pending);
    pending = [];
    sink(buf);
  };
  return { write: (b) => { pending.push(b); if (!scheduled) { scheduled = true; setImmediate(flush); } }, flush };
}

/** Byte sink for a character device spec; `input` receives bytes from it. */
async function openChardev(spec: SerialSpec, input: (b: number) => void, rawInput?: (d: Buffer) => void): Promise<{ write: (b: number) => void; close: () => void | Promise<void> }> {
  switch (spec.kind) {
    case 'null': return { write: () => undefined, close: () => undefined };
    case 'file': {
      let fd: number;
      try { fd = fs.openSync(spec.path!, 'w'); } catch (e) { throw new UsageError(`-serial file:${spec.path}: ${(e as Error).message}`); }
      const out = batchedWriter((buf) => { fs.writeSync(fd, buf); });
      return { write: out.write, close: () => { out.flush(); fs.closeSync(fd); } };
    }
    case 'stdio': {
      const out = batchedWriter((buf) => { process.stdout.write(buf); });
      const stdin = process.stdin;
      if (stdin.isTTY) stdin.setRawMode(true);
      const onData = rawInput ?? ((d: Buffer) => { for (const b of d) input(b); });
      stdin.on('data', onData);
      stdin.on('error', () => undefined);
      if (!stdin.isTTY) stdin.on('end', () => undefined);
      stdin.resume();
      return {
        write: out.write,
        close: () => { out.flush(); stdin.off('data', onData); if (stdin.isTTY) stdin.setRawMode(false); stdin.pause(); stdin.unref?.(); },
      };
    }
    case 'tcp': {
      let sock: net.Socket | null = null;
      const server = net.createServer((s) => {
        if (sock) { s.end('tcg86: serial port already connected\r\n'); return; }
        sock = s; s.setNoDelay(true);
        s.on('data', (d) => { for (const b of d) input(b); });
        s.on('close', () => { sock = null; });
        s.on('error', () => undefined);
        connected?.();
      });
      let connected: (() => void) | null = null;
      await new Promise<void>((resolve, reject) => {
        server.once('error', (e) => reject(new UsageError(`-serial tcp:${spec.host}:${spec.port}: ${(e as Error).message}`)));
        server.listen(spec.port, spec.host, () => resolve());
      });
      if (spec.wait) {
        process.stderr.write(`tcg86: waiting for connection on serial tcp:${spec.host}:${spec.port},server\n`);
        await new Promise<void>((r) => { connected = r; });
      }
      const out = batchedWriter((buf) => { sock?.write(buf); });
      return {
        write: out.write,
        // Deliver what is still buffered before the process exits (a slow reader loses nothing).
        close: async () => {
          out.flush();
          server.close();
          const s = sock;
          if (!s) return;
          await new Promise<void>((resolve) => {
            const t = setTimeout(() => { s.destroy(); resolve(); }, 10000);
            s.end(() => { clearTimeout(t); resolve(); });
          });
        },
      };
    }
  }
}

export async function run(argv: string[]): Promise<number> {
  const cfg = parseConfig(argv);
  if (!cfg) return 0;
  const log = new TbLog();
  log.setItems(cfg.logItems);
  log.setFilter(cfg.dfilter);
  if (cfg.logFile) log.setFile(cfg.logFile);
  setupDisassembler(log);
  let machine: PcMachine | null = null;
  let mux: ConsoleMux | null = null;
  let qmp: QmpServer | null = null;
  if (cfg.serial.mux) {
    mux = new ConsoleMux((b) => machine?.uart.receive(b), (t) => process.stdout.write(t), () => { qmp?.shutdownCause('host-ui'); machine?.stop(0); });
  }
  const serial = await openChardev(cfg.serial, (b) => machine?.uart.receive(b), mux ? (d) => mux!.input(d) : undefined);
  const debugcon = cfg.debugcon ? await openChardev(cfg.debugcon, () => undefined) : null;
  try {
    machine = new PcMachine({
      ramBytes: cfg.ramBytes, kernel: cfg.kernel, cmdline: cfg.cmdline, append: cfg.append, modules: cfg.modules,
      serialOut: serial.write, debugConOut: debugcon?.write, debugExit: cfg.debugExit, noReboot: cfg.noReboot,
      icountShift: cfg.icountShift, backend: cfg.backend, log, nochain: log.enabled('nochain'),
      message: (l) => process.stderr.write(l + '\n'),
      startPaused: cfg.startPaused,
    });
  } catch (e) {
    serial.close();
    if (e instanceof MultibootError) throw new UsageError(describeMultibootError(e));
    if (e instanceof BzImageError) throw new UsageError(`-kernel '${cfg.kernelPath}': ${e.message}`);
    throw e;
  }
  const debug = new MachineDebug(machine);
  const monitor = new Monitor(machine, debug);
  const monitorTransports: { close(): unknown }[] = [];
  if (mux) monitorTransports.push(serveMonitorStdio(monitor, mux.monitorInput, process.stdout, !!process.stdin.isTTY));
  if (cfg.monitor.kind === 'stdio') {
    if (process.stdin.isTTY) process.stdin.setRawMode(false);
    monitorTransports.push(serveMonitorStdio(monitor, process.stdin, process.stdout, !!process.stdin.isTTY));
  } else if (cfg.monitor.kind === 'tcp') {
    monitorTransports.push(await serveTcpFrontend('monitor', cfg.monitor, () => serveMonitorTcp(monitor, cfg.monitor.host!, cfg.monitor.port!)));
  }
  if (cfg.qmp) {
    const q = cfg.qmp;
    qmp = await serveTcpFrontend('qmp', q, () => serveQmp(machine!, debug, monitor, q.host!, q.port!));
    monitorTransports.push(qmp);
  }
  let gdb: GdbServer | null = null;
  const startGdb = async (host: string, port: number): Promise<GdbServer> => {
    const g = new GdbServer(debug, { monitor: (line, write) => monitor.execute(line, write) });
    try {
      await g.listen(host, port);
    } catch (e) {
      throw new Error(`tcp:${host}:${port}: ${(e as NodeJS.ErrnoException).code === 'EADDRINUSE' ? 'address already in use' : (e as Error).message}`);
    }
    return g;
  };
  monitor.gdbserver = async (spec) => {
    if (spec === 'none') {
      if (!gdb) return 'gdbserver is not running';
      await gdb.close();
      gdb = null;
      return 'Disabled gdbserver';
    }
    const g = parseGdb(spec.replace(/^tcp::/, 'tcp:127.0.0.1:'));
    if (gdb) await gdb.close();
    gdb = await startGdb(g.host, g.port);
    return `Waiting for gdb connection on device 'tcp:${g.host}:${g.port}'`;
  };
  if (cfg.gdb) {
    try {
      gdb = await startGdb(cfg.gdb.host, cfg.gdb.port);
    } catch (e) {
      await serial.close();
      throw new UsageError(`-gdb ${(e as Error).message}`);
    }
    if (cfg.startPaused) {
      const { host, port } = gdb.address();
      process.stderr.write(`tcg86: CPU stopped (-S); connect with: gdb ${cfg.kernelPath} -ex "target remote ${host}:${port}"\n`);
    }
  }
  const stopOnSignal = () => { qmp?.shutdownCause('host-signal'); machine?.stop(0); };
  process.once('SIGINT', stopOnSignal);
  process.once('SIGTERM', stopOnSignal);
  const status = await machine.start();
  // Let replies to the command that ended the machine (quit, kill) go out before closing.
  await new Promise((r) => setImmediate(r));
  await gdb?.close();
  for (const t of monitorTransports) await t.close();
  await serial.close();
  await debugcon?.close();
  return status;
}

export function main(argv: string[]): void {
  run(argv).then((status) => {
    process.exitCode = status;
    setImmediate(() => process.exit(status));
  }, (e) => {
    if (e instanceof UsageError || e instanceof MultibootError) {
      process.stderr.write(`tcg86: ${e.message}\n`);
      process.exit(1);
    }
    process.stderr.write(`tcg86: internal error: ${(e as Error).stack ?? e}\n`);
    process.exit(2);
  });
}
