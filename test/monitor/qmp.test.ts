// QMP over a real TCP socket, driving a real PC machine running our guest kernels.
import { expect } from 'chai';
import * as fs from 'fs';
import * as path from 'path';
import { EIP } from '../../src/emu/translate-i386/state';
import { serveQmp, QmpServer } from '../../src/monitor/qmp';
import { monitorFixture, MonitorFixture } from '../support/monitor-fixture';
import { qmpConnect, QmpTestClient } from '../support/qmp-client';
import { ROOT } from '../support/run-tcg86';

const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));
const h8 = (v: number) => (v >>> 0).toString(16).padStart(8, '0');
const NEGOTIATE = "Expecting capabilities negotiation with 'qmp_capabilities'";

describe('QMP', function () {
  this.timeout(30000);
  const cleanups: (() => unknown)[] = [];
  afterEach(async () => {
    for (const f of cleanups.splice(0).reverse()) await f();
  });

  async function setup(kernel: string, opts: { startPaused?: boolean } = {}): Promise<{ f: MonitorFixture; srv: QmpServer; port: number }> {
    const f = monitorFixture(kernel, opts);
    cleanups.push(() => { if (f.machine.running) f.debug.quit(0); });
    const srv = await serveQmp(f.machine, f.debug, f.mon, '127.0.0.1', 0);
    cleanups.push(() => srv.close());
    return { f, srv, port: srv.address().port };
  }
  async function connect(port: number, negotiate = true): Promise<QmpTestClient> {
    const c = negotiate ? await qmpConnect(port) : await QmpTestClient.connect(port);
    cleanups.push(() => c.close());
    return c;
  }
  const hmp = (c: QmpTestClient, line: string, id?: unknown) => c.cmd('human-monitor-command', { 'command-line': line }, id);

  it('greets with the version and the oob capability; query-version and query-commands agree', async () => {
    const { port } = await setup('hello');
    const c = await connect(port, false);
    const g = await c.waitGreeting();
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string };
    const [major, minor, micro] = pkg.version.split('.').map(Number);
    // QEMU's exact layout: member order, ": " and ", " separators, one line ending in \r\n
    expect(c.lines[0]).to.equal(`{"QMP": {"version": {"qemu": {"micro": ${micro}, "minor": ${minor}, "major": ${major}}, "package": ""}, "capabilities": ["oob"]}}`);
    expect(g.QMP.capabilities).to.deep.equal(['oob']);
    expect(await c.cmd('qmp_capabilities')).to.deep.equal({ return: {} });
    expect(c.lines[1]).to.equal('{"return": {}}');
    expect(await c.cmd('query-version', undefined, 'v')).to.deep.equal({ return: g.QMP.version, id: 'v' });
    const cmds = await c.cmd('query-commands');
    expect(cmds.return.map((x: { name: string }) => x.name)).to.have.members([
      'qmp_capabilities', 'query-status', 'stop', 'cont', 'system_reset', 'quit', 'human-monitor-command', 'query-version', 'query-commands',
    ]);
  });

  it('refuses every command before qmp_capabilities, sends no events before it, and only once after', async () => {
    const { f, port } = await setup('loop');
    const c = await connect(port, false);
    await c.waitGreeting();
    expect(await c.cmd('query-status', undefined, 'a1')).to.deep.equal({ error: { class: 'CommandNotFound', desc: NEGOTIATE }, id: 'a1' });
    expect(await c.cmd('foo')).to.deep.equal({ error: { class: 'CommandNotFound', desc: NEGOTIATE } });
    expect(await c.cmd('quit')).to.deep.equal({ error: { class: 'CommandNotFound', desc: NEGOTIATE } });
    void f.machine.start();
    expect(await f.run('stop')).to.equal(''); // a stop while not negotiated: no STOP event
    expect(f.machine.runState).to.equal('paused');
    expect(await c.cmd('qmp_capabilities', { enable: ['bogus'] })).to.deep.equal({ error: { class: 'GenericError', desc: "Capability 'bogus' not available" } });
    expect(await c.cmd('query-status')).to.deep.equal({ error: { class: 'CommandNotFound', desc: NEGOTIATE } });
    expect(await c.cmd('qmp_capabilities', undefined, 7)).to.deep.equal({ return: {}, id: 7 });
    expect(await c.cmd('query-status')).to.deep.equal({ return: { status: 'paused', singlestep: false, running: false } });
    expect(await c.cmd('qmp_capabilities')).to.deep.equal({ error: { class: 'CommandNotFound', desc: 'Capabilities negotiation is already complete, command ignored' } });
    expect(c.events).to.deep.equal([]);
  });

  it('stop and cont change query-status, stop the CPU, and send STOP/RESUME before their replies', async () => {
    const { f, port } = await setup('loop'); // 50 million iterations: still running at the end
    void f.machine.start();
    const c = await connect(port);
    expect(await c.cmd('query-status')).to.deep.equal({ return: { status: 'running', singlestep: false, running: true } });
    await sleep(30);

    expect(await c.cmd('stop', undefined, 's1')).to.deep.equal({ return: {}, id: 's1' });
    expect(c.pendingEvents().map(e => e.event)).to.deep.equal(['STOP']); // already there when the reply came
    const stop = await c.event('STOP');
    expect(Object.keys(stop)).to.have.members(['timestamp', 'event']);
    expect(stop.timestamp.seconds).to.be.within(Date.now() / 1000 - 10, Date.now() / 1000 + 1);
    expect(Number.isInteger(stop.timestamp.microseconds)).to.equal(true);
    expect(stop.timestamp.microseconds).to.be.within(0, 999999);
    expect(f.debug.isRunning()).to.equal(false);
    expect(await c.cmd('query-status')).to.deep.equal({ return: { status: 'paused', singlestep: false, running: false } });
    const insns = f.machine.exec.insns;
    await sleep(50);
    expect(f.machine.exec.insns).to.equal(insns);
    expect(await c.cmd('stop')).to.deep.equal({ return: {} }); // already stopped: no event
    await sleep(50);
    expect(c.pendingEvents()).to.deep.equal([]);

    expect(await c.cmd('cont', undefined, 2)).to.deep.equal({ return: {}, id: 2 });
    expect(c.pendingEvents().map(e => e.event)).to.deep.equal(['RESUME']);
    await c.event('RESUME');
    expect(await c.cmd('query-status')).to.deep.equal({ return: { status: 'running', singlestep: false, running: true } });
    await sleep(50);
    expect(f.machine.exec.insns).to.be.greaterThan(insns);
    expect(await c.cmd('cont')).to.deep.equal({ return: {} }); // already running: no event
    await sleep(30);
    expect(c.pendingEvents()).to.deep.equal([]);

    // stops and resumes by others (the human monitor, a debugger)
    expect(await f.run('stop')).to.equal('');
    await c.event('STOP');
    f.debug.resume(); // as gdb's `continue` does: RESUME comes at once, with no request
    const resume = await c.event('RESUME');
    expect(resume.timestamp.seconds).to.be.within(Date.now() / 1000 - 10, Date.now() / 1000 + 1);
    expect(await c.cmd('query-status')).to.deep.equal({ return: { status: 'running', singlestep: false, running: true } });
    expect(c.pendingEvents()).to.deep.equal([]);
    // a debugger's single step: RESUME, then STOP
    expect(await f.run('stop')).to.equal('');
    await c.event('STOP');
    f.debug.step({ noIrq: true, noTimer: true });
    await c.event('RESUME');
    await c.event('STOP');
    expect(c.pendingEvents()).to.deep.equal([]);
  });

  it('reports a breakpoint stop as STOP with status debug', async () => {
    const { f, port } = await setup('hello', { startPaused: true });
    const done = f.machine.start();
    const c = await connect(port);
    // -S: QEMU's "prelaunch" until the first resume.
    expect(await c.cmd('query-status')).to.deep.equal({ return: { status: 'prelaunch', singlestep: false, running: false } });
    const main = f.elf.symbol('main');
    f.debug.insertBreakpoint(main);
    expect(await c.cmd('cont')).to.deep.equal({ return: {} });
    await c.event('RESUME');
    await c.event('STOP');
    expect(f.machine.cpu.s[EIP] >>> 0).to.equal(main);
    expect(await c.cmd('query-status')).to.deep.equal({ return: { status: 'debug', singlestep: false, running: false } });
    f.debug.removeBreakpoint(main);
    expect(await c.cmd('cont')).to.deep.equal({ return: {} });
    expect(await done).to.equal(1);
  });

  it('human-monitor-command returns the monitor output with \\r\\n line ends; its cont and the guest exit give RESUME and SHUTDOWN', async () => {
    const { f, port } = await setup('hello', { startPaused: true });
    const done = f.machine.start();
    const start = f.elf.symbol('_start');
    const c = await connect(port);
    const regs = await hmp(c, 'info registers', 1);
    expect(regs.id).to.equal(1);
    expect(regs.return).to.be.a('string');
    expect(regs.return).to.contain(`EIP=${h8(start)}`);
    expect(regs.return).to.contain('\r\n');
    expect(regs.return).to.match(/\r\n$/);
    expect(/[^\r]\n/.test(regs.return)).to.equal(false);
    expect(await hmp(c, 'info status')).to.deep.equal({ return: 'VM status: paused (prelaunch)\r\n' });
    expect(await hmp(c, 'foo')).to.deep.equal({ return: "unknown command: 'foo'\r\n" });
    expect(await c.cmd('human-monitor-command', { 'command-line': 'p 2+3', 'cpu-index': 0 })).to.deep.equal({ return: '0x5\r\n' });
    expect(await c.cmd('human-monitor-command', { 'command-line': 'p 1', 'cpu-index': 1 }, 'x'))
      .to.deep.equal({ error: { class: 'GenericError', desc: "Parameter 'cpu-index' expects a CPU number" }, id: 'x' });
    expect(await c.cmd('human-monitor-command', {}, 'm'))
      .to.deep.equal({ error: { class: 'GenericError', desc: "Parameter 'command-line' is missing" }, id: 'm' });
    expect(await c.cmd('human-monitor-command', { 'command-line': 5 }))
      .to.deep.equal({ error: { class: 'GenericError', desc: "Invalid parameter type for 'command-line', expected: string" } });
    expect(await c.cmd('human-monitor-command', { 'command-line': 'p 1', bogus: true }))
      .to.deep.equal({ error: { class: 'GenericError', desc: "Parameter 'bogus' is unexpected" } });
    expect(c.pendingEvents()).to.deep.equal([]);

    // a single step runs the CPU: RESUME then STOP, as QEMU reports gdb's steps
    const step = await hmp(c, 'step');
    expect(step.return).to.match(new RegExp(`^0x${h8(start + 1)}:.*cld\\r\\n$`));
    expect(c.pendingEvents().map(e => e.event)).to.deep.equal(['RESUME', 'STOP']);
    await c.event('RESUME');
    await c.event('STOP');

    expect(await hmp(c, 'cont', 'c')).to.deep.equal({ return: '', id: 'c' });
    await c.event('RESUME');
    const shut = await c.event('SHUTDOWN'); // hello exits through isa-debug-exit
    expect(shut.data).to.deep.equal({ guest: true, reason: 'guest-shutdown' });
    await c.waitClosed();
    expect(await done).to.equal(1);
    expect(Buffer.from(f.serial).toString()).to.match(/PASS hello/);
  });

  it('unknown commands and malformed requests get QEMU error replies, with the id echoed when there is one', async () => {
    const { port } = await setup('loop'); // never started: prelaunch
    const c = await connect(port);
    expect(await c.cmd('query-status')).to.deep.equal({ return: { status: 'prelaunch', singlestep: false, running: false } });
    const id = { x: [1, 'y', null, true] };
    expect(await c.cmd('foo', undefined, id)).to.deep.equal({ error: { class: 'CommandNotFound', desc: 'The command foo has not been found' }, id });
    const err = (desc: string, extra: object = {}) => ({ error: { class: 'GenericError', desc }, ...extra });
    c.send('[1, 2]\n');
    expect(await c.reply()).to.deep.equal(err('QMP input must be a JSON object'));
    c.send('{"id": 3}\n');
    expect(await c.reply()).to.deep.equal(err("QMP input lacks member 'execute'", { id: 3 }));
    c.send('{"execute": 1, "id": 4}\n');
    expect(await c.reply()).to.deep.equal(err("QMP input member 'execute' must be a string", { id: 4 }));
    c.send('{"execute": "query-status", "arguments": [1]}\n');
    expect(await c.reply()).to.deep.equal(err("QMP input member 'arguments' must be an object"));
    c.send('{"execute": "query-status", "foo": 1}\n');
    expect(await c.reply()).to.deep.equal(err("QMP input member 'foo' is unexpected"));
    c.send('{"exec-oob": "query-status"}\n'); // oob was not enabled
    expect(await c.reply()).to.deep.equal(err("QMP input member 'exec-oob' is unexpected"));
    expect(await c.cmd('query-status', { verbose: true })).to.deep.equal(err("Parameter 'verbose' is unexpected"));
    expect(await c.cmd('cont')).to.deep.equal(err('the VM has not been started'));
    expect(await c.cmd('stop')).to.deep.equal({ return: {} });
  });

  it('answers malformed JSON with a GenericError and stays usable; requests are read as a stream', async () => {
    const { port } = await setup('loop');
    const c = await connect(port);
    c.send('{"execute": "query-status",}\n');
    const bad = await c.reply();
    expect(bad.error.class).to.equal('GenericError');
    expect(bad.error.desc).to.match(/^JSON parse error, /);
    expect(bad).to.not.have.property('id');
    expect(await c.cmd('query-status', undefined, 'after')).to.deep.equal({ return: { status: 'prelaunch', singlestep: false, running: false }, id: 'after' });

    c.send('hello\n');
    expect(await c.reply()).to.deep.equal({ error: { class: 'GenericError', desc: "JSON parse error, invalid keyword 'hello'" } });
    c.send('{"execute": @}\n'); // a lexical error drops the request; the parser resynchronizes at the '}'
    expect((await c.reply()).error.desc).to.equal("JSON parse error, stray '@'");
    expect((await c.reply()).error.desc).to.equal('JSON parse error, expecting value');
    expect(await c.cmd('query-version', undefined, 1)).to.have.property('id', 1);

    // a request in pieces, two in one packet, no newline between them
    c.send('{"execute": "query-');
    await sleep(50);
    expect(c.lines[c.lines.length - 1]).to.contain('"id": 1'); // nothing new yet
    c.send('status", "id": 5}{"execute": "query-version", "id": 6}');
    expect((await c.reply()).id).to.equal(5);
    expect((await c.reply()).id).to.equal(6);
    // QEMU's single-quoted strings; non-ASCII comes back as \u escapes
    c.send("{'execute': 'query-status', 'id': 'sq'}");
    expect((await c.reply()).id).to.equal('sq');
    expect((await c.cmd('query-status', undefined, 'é☃')).id).to.equal('é☃');
    expect(c.lines[c.lines.length - 1]).to.contain('"id": "\\u00e9\\u2603"');
    // too deep: one error for the whole value, then back to normal
    c.send('['.repeat(2000) + ']'.repeat(2000) + '\n');
    expect(await c.reply()).to.deep.equal({ error: { class: 'GenericError', desc: 'JSON nesting depth limit exceeded' } });
    expect(await c.cmd('query-status', undefined, 'last')).to.have.property('id', 'last');
    await sleep(50);
    expect(await c.cmd('query-version', undefined, 'end')).to.have.property('id', 'end'); // no stray replies in between
  });

  it('system_reset resets the machine and sends RESET (also through human-monitor-command)', async () => {
    const { f, port } = await setup('hello', { startPaused: true });
    void f.machine.start();
    const start = f.elf.symbol('_start');
    const c = await connect(port);
    expect(await f.run('step 3')).to.match(/^0x/);
    expect(f.machine.cpu.s[EIP] >>> 0).to.equal(start + 4);
    // steps by the human monitor: each a RESUME and a STOP
    await c.until(() => c.pendingEvents().length === 6, 'six events');
    expect(c.pendingEvents().map(e => e.event)).to.deep.equal(['RESUME', 'STOP', 'RESUME', 'STOP', 'RESUME', 'STOP']);
    for (let i = 0; i < 3; i++) { await c.event('RESUME'); await c.event('STOP'); }

    expect(await c.cmd('system_reset', undefined, 'r')).to.deep.equal({ return: {}, id: 'r' });
    const reset = await c.event('RESET');
    expect(reset.data).to.deep.equal({ guest: false, reason: 'host-qmp-system-reset' });
    expect(f.machine.cpu.s[EIP] >>> 0).to.equal(start);
    expect((await c.cmd('query-status')).return.running).to.equal(false);

    await f.run('step 2');
    for (let i = 0; i < 2; i++) { await c.event('RESUME'); await c.event('STOP'); }
    expect(f.machine.cpu.s[EIP] >>> 0).to.not.equal(start);
    expect(await hmp(c, 'system_reset')).to.deep.equal({ return: '' });
    expect((await c.event('RESET')).data).to.deep.equal({ guest: false, reason: 'host-qmp-system-reset' });
    expect(f.machine.cpu.s[EIP] >>> 0).to.equal(start);
  });

  it('quit replies, sends SHUTDOWN, closes the connection and ends the machine; later clients see shutdown', async () => {
    const { f, port } = await setup('loop');
    const done = f.machine.start();
    const c = await connect(port);
    expect(await c.cmd('quit', undefined, 'q')).to.deep.equal({ return: {}, id: 'q' });
    const shut = await c.event('SHUTDOWN');
    expect(shut.data).to.deep.equal({ guest: false, reason: 'host-qmp-quit' });
    expect(c.lines.findIndex(l => l.includes('"id": "q"'))).to.be.lessThan(c.lines.findIndex(l => l.includes('SHUTDOWN')));
    await c.waitClosed();
    expect(await done).to.equal(0);
    expect(f.machine.runState).to.equal('shutdown');

    const d = await connect(port);
    expect(await d.cmd('query-status')).to.deep.equal({ return: { status: 'shutdown', singlestep: false, running: false } });
    expect(await d.cmd('cont')).to.deep.equal({ error: { class: 'GenericError', desc: 'the VM has shut down' } });
    expect(await d.cmd('system_reset')).to.deep.equal({ error: { class: 'GenericError', desc: 'the VM has shut down' } });
  });

  it("human-monitor-command's quit replies before SHUTDOWN host-qmp-quit", async () => {
    const { f, port } = await setup('loop');
    const done = f.machine.start();
    const c = await connect(port);
    expect(await hmp(c, 'quit', 9)).to.deep.equal({ return: '', id: 9 });
    expect((await c.event('SHUTDOWN')).data).to.deep.equal({ guest: false, reason: 'host-qmp-quit' });
    expect(c.lines.findIndex(l => l.includes('"id": 9'))).to.be.lessThan(c.lines.findIndex(l => l.includes('SHUTDOWN')));
    await c.waitClosed();
    expect(await done).to.equal(0);
  });

  it('a host shutdown cause replaces guest-shutdown', async () => {
    const { f, srv, port } = await setup('loop');
    const done = f.machine.start();
    const c = await connect(port);
    srv.shutdownCause('host-signal');
    f.machine.stop(0); // as the front end does on SIGINT
    expect((await c.event('SHUTDOWN')).data).to.deep.equal({ guest: false, reason: 'host-signal' });
    await c.waitClosed();
    expect(await done).to.equal(0);
  });

  it('serves clients one after another, each negotiating again; close() ends the connection', async () => {
    const { f, srv, port } = await setup('loop');
    expect(srv.address().host).to.equal('127.0.0.1');
    let seen = false;
    void srv.firstClient().then(() => { seen = true; });
    await sleep(20);
    expect(seen).to.equal(false);
    const a = await connect(port);
    expect(seen).to.equal(true);
    const b = await connect(port, false);
    await sleep(100);
    expect(b.lines).to.deep.equal([]); // waits its turn
    a.close();
    await b.waitGreeting();
    expect(await b.cmd('query-status')).to.deep.equal({ error: { class: 'CommandNotFound', desc: NEGOTIATE } });
    void f.machine.start();
    expect(await f.run('stop')).to.equal('');
    await sleep(50);
    expect(b.events).to.deep.equal([]); // not negotiated: no events
    expect(await b.cmd('qmp_capabilities', { enable: ['oob'] })).to.deep.equal({ return: {} });
    b.send('{"exec-oob": "query-status", "id": "o"}\n'); // accepted with oob enabled, but no command here runs out of band
    expect(await b.reply()).to.deep.equal({ error: { class: 'GenericError', desc: 'The command query-status does not support OOB' }, id: 'o' });
    expect(await b.cmd('cont')).to.deep.equal({ return: {} });
    await b.event('RESUME');
    await srv.close();
    await b.waitClosed();
  });
});
