// GdbServer in this process, on a real machine: its API (listen/address/close) and qRcmd.
import { expect } from 'chai';
import * as fs from 'fs';
import * as net from 'net';
import * as path from 'path';
import { MachineDebug } from '../../src/hw/pc/debug-session';
import { PcMachine } from '../../src/hw/pc/machine';
import { Monitor } from '../../src/monitor/monitor';
import { GdbServer, GdbServerOptions } from '../../src/gdbstub/server';
import { frame, GUEST_BIN, haveGdb, killAll, RspClient, runGdb } from '../support/gdbstub-harness';

const unhex = (h: string): string => Buffer.from(h, 'hex').toString('utf8');

function machine(kernel = 'hello.elf'): { m: PcMachine; debug: MachineDebug; done: Promise<number> } {
  const m = new PcMachine({
    ramBytes: 32 << 20, kernel: fs.readFileSync(path.join(GUEST_BIN, kernel)), cmdline: kernel, modules: [],
    serialOut: () => undefined, debugExit: { iobase: 0xf4, iosize: 4 }, noReboot: true, icountShift: null,
    backend: 'tiered', startPaused: true, message: () => undefined,
  });
  const debug = new MachineDebug(m);
  const done = m.start();
  return { m, debug, done };
}

describe('gdbstub server (in process)', function () {
  this.timeout(20000);
  let server: GdbServer | null = null;
  let mach: ReturnType<typeof machine> | null = null;
  const clients: RspClient[] = [];

  async function serve(opts?: GdbServerOptions): Promise<RspClient> {
    mach = machine();
    server = new GdbServer(mach.debug, opts);
    await server.listen('127.0.0.1', 0);
    const c = await RspClient.connect(server.address().port);
    clients.push(c);
    return c;
  }

  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    await server?.close();
    server = null;
    if (mach) { mach.m.stop(0); await mach.done; mach = null; }
    killAll();
  });

  it('listens on an OS-chosen port, reports it, and frees it on close', async () => {
    const c = await serve();
    const { host, port } = server!.address();
    expect(host).to.equal('127.0.0.1');
    expect(port).to.be.greaterThan(0);
    expect(await c.request('?')).to.equal('T05thread:01;');
    await server!.close();
    server = null;
    expect(await c.next(2000), 'the client sees EOF').to.equal(null);
    await new Promise<void>((resolve, reject) => {
      const s = net.createServer().once('error', reject).listen(port, '127.0.0.1', () => s.close(() => resolve()));
    });
  });

  it('rejects listen with the socket error when the port is taken', async () => {
    const blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
    const port = (blocker.address() as net.AddressInfo).port;
    mach = machine();
    const s = new GdbServer(mach.debug);
    try {
      await s.listen('127.0.0.1', port).then(() => { throw new Error('listen succeeded'); }, (e: NodeJS.ErrnoException) => {
        expect(e.code).to.equal('EADDRINUSE');
      });
      expect(s.address().port).to.equal(0);
    } finally {
      blocker.close();
      await s.close();
    }
  });

  it('qRcmd without a monitor answers with an O message, then OK', async () => {
    const c = await serve();
    c.write(frame(`qRcmd,${Buffer.from('info registers').toString('hex')}`));
    const o = await c.packet();
    expect(o[0]).to.equal('O');
    expect(unhex(o.slice(1))).to.match(/monitor is not available/);
    expect(await c.packet()).to.equal('OK');
  });

  it('qRcmd streams the monitor output as O packets (also after an await), then OK; packets wait for it', async () => {
    const lines: string[] = [];
    const c = await serve({
      monitor: (line, write) => {
        lines.push(line);
        write('first\n');
        if (line === 'boom') throw new Error('it broke');
        return new Promise<void>((r) => setTimeout(() => { write(`later: ${line}\n`); r(); }, 100)) as unknown as void;
      },
    });
    c.write(frame(`qRcmd,${Buffer.from('info cpus').toString('hex')}`));
    c.write(frame('qC'));   // sent while the command runs: answered after its OK
    expect(unhex((await c.packet()).slice(1))).to.equal('first\n');
    const second = await c.packet();
    expect(second[0]).to.equal('O');
    expect(unhex(second.slice(1))).to.equal('later: info cpus\n');
    expect(await c.packet()).to.equal('OK');
    expect(await c.packet()).to.equal('QC01');
    c.write(frame(`qRcmd,${Buffer.from('boom').toString('hex')}`));
    expect(unhex((await c.packet()).slice(1))).to.equal('first\n');
    expect(unhex((await c.packet()).slice(1))).to.match(/monitor error: it broke/);
    expect(await c.packet()).to.equal('OK');
    expect(lines).to.deep.equal(['info cpus', 'boom']);
  });

  it('qRcmd drives the real monitor', async () => {
    mach = machine();
    const mon = new Monitor(mach.m, mach.debug);
    server = new GdbServer(mach.debug, { monitor: (line, write) => mon.execute(line, write) });
    await server.listen('127.0.0.1', 0);
    const c = await RspClient.connect(server.address().port);
    clients.push(c);
    c.write(frame(`qRcmd,${Buffer.from('info registers').toString('hex')}`));
    let out = '';
    for (;;) {
      const p = await c.packet();
      if (p === 'OK') break;
      expect(p[0]).to.equal('O');
      out += unhex(p.slice(1));
    }
    expect(out).to.match(/EIP=00100010/);
  });

  it("gdb's `monitor` command reaches the monitor through qRcmd", async function () {
    if (!haveGdb()) this.skip();
    const seen: string[] = [];
    await serve({ monitor: (line, write) => { seen.push(line); write(`tcg86 monitor says: ${line.length}\n`); } });
    clients.splice(0).forEach(c => c.close());   // gdb is the client here
    await new Promise((r) => setTimeout(r, 100));
    const r = await runGdb('hello.elf', server!.address().port, ['monitor info status', 'detach']);
    expect(r.timedOut, r.stderr).to.equal(false);
    expect(seen).to.deep.equal(['info status']);
    expect(r.stdout + r.stderr, 'gdb prints the O output (on stderr in batch mode)').to.contain('tcg86 monitor says: 11');
  });
});
