// The monitor from the command line: -monitor tcp:..., -nographic (Ctrl-A c / x) and the
// stdio conflict rule.
import { expect } from 'chai';
import { spawn } from 'child_process';
import * as net from 'net';
import * as path from 'path';
import { freePort } from '../../tools/free-port';
import { BIN, ROOT, runTcg86 } from '../support/run-tcg86';

const TIMER = path.join(ROOT, 'test', 'guest', 'bin', 'timer.elf');


/** Sends lines one at a time, each after the previous prompt, and returns everything read. */
function converse(port: number, lines: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, '127.0.0.1');
    let out = '', sent = 0, prompts = 0;
    sock.on('data', (d) => {
      out += d;
      const n = out.split('(tcg86) ').length - 1;
      while (prompts < n) {
        prompts++;
        if (sent < lines.length) sock.write(lines[sent++] + '\n');
      }
    });
    sock.on('close', () => resolve(out));
    sock.on('error', reject);
  });
}

describe('monitor on the command line', function () {
  this.timeout(30000);

  it('-monitor tcp:...,server,nowait with -S: status, registers, cont, stop, quit', async () => {
    const port = await freePort();
    const p = spawn(process.execPath, [BIN, '-kernel', TIMER, '-serial', 'null', '-S', '-monitor', `tcp:127.0.0.1:${port},server,nowait`]);
    let stderr = '';
    p.stderr.on('data', (d) => { stderr += d; });
    const exited = new Promise<number | null>((r) => p.on('close', r));
    await new Promise((r) => setTimeout(r, 800));
    const out = await converse(port, ['info status', 'p $eip', 'cont', 'info status', 'stop', 'info status', 'bogus', 'quit']);
    expect(out).to.contain('VM status: paused\n');
    expect(out).to.match(/\(tcg86\) 0x100010\n/); // the multiboot entry of timer.elf, stopped by -S
    expect(out).to.contain('VM status: running\n');
    expect(out).to.contain("unknown command: 'bogus'");
    expect(await exited, stderr).to.equal(0);
  });

  it('-nographic shares the terminal: Ctrl-A c reaches the monitor, Ctrl-A x quits', async () => {
    const p = spawn(process.execPath, [BIN, '-kernel', TIMER, '-nographic']);
    let out = '';
    p.stdout.on('data', (d) => { out += d; });
    const exited = new Promise<number | null>((r) => p.on('close', r));
    await new Promise((r) => setTimeout(r, 1000));
    p.stdin.write('\x01cinfo status\n');
    await new Promise((r) => setTimeout(r, 500));
    p.stdin.write('\x01x');
    expect(await exited).to.equal(0);
    expect(out).to.contain('TEST timer');           // the serial port was on the terminal
    expect(out).to.match(/VM status: (running|paused)/);
    expect(out).to.contain('Terminated');
  });

  it('-qmp tcp:...: negotiation, stop with a STOP event, human-monitor-command, quit with SHUTDOWN', async () => {
    const port = await freePort();
    const p = spawn(process.execPath, [BIN, '-kernel', TIMER, '-serial', 'null', '-qmp', `tcp:127.0.0.1:${port},server,nowait`]);
    const exited = new Promise<number | null>((r) => p.on('close', r));
    await new Promise((r) => setTimeout(r, 800));
    const msgs: Record<string, unknown>[] = [];
    await new Promise<void>((resolve, reject) => {
      const sock = net.connect(port, '127.0.0.1');
      let buf = '';
      const send = (o: unknown) => sock.write(JSON.stringify(o) + '\n');
      sock.on('data', (d) => {
        buf += d;
        let i: number;
        while ((i = buf.indexOf('\n')) >= 0) {
          const m = JSON.parse(buf.slice(0, i)) as Record<string, unknown>;
          buf = buf.slice(i + 1);
          msgs.push(m);
          if ('QMP' in m) send({ execute: 'qmp_capabilities' });
          else if (m.id === undefined && 'return' in m && msgs.filter(x => 'return' in x).length === 1) send({ execute: 'stop', id: 1 });
          else if (m.id === 1) send({ execute: 'query-status', id: 2 });
          else if (m.id === 2) send({ execute: 'human-monitor-command', arguments: { 'command-line': 'p 6*7' }, id: 3 });
          else if (m.id === 3) send({ execute: 'quit', id: 4 });
        }
      });
      sock.on('close', () => resolve());
      sock.on('error', reject);
    });
    expect(await exited).to.equal(0);
    expect(msgs.find(m => m.id === 2)).to.deep.include({ return: { status: 'paused', singlestep: false, running: false } });
    expect(msgs.find(m => m.id === 3)).to.deep.include({ return: '0x2a\r\n' });
    expect(msgs.some(m => m.event === 'STOP')).to.equal(true);
    expect(msgs.find(m => m.event === 'SHUTDOWN')).to.deep.include({ data: { guest: false, reason: 'host-qmp-quit' } });
  });

  it('refuses -serial stdio together with -monitor stdio', async () => {
    const r = await runTcg86(['-kernel', TIMER, '-serial', 'stdio', '-monitor', 'stdio']);
    expect(r.status).to.equal(1);
    expect(r.stderr).to.match(/cannot use stdio by multiple character devices/);
  });
});
