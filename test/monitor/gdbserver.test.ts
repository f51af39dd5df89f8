// The monitor's `gdbserver` command starts and stops the gdb stub at run time.
import { expect } from 'chai';
import { spawn } from 'child_process';
import * as net from 'net';
import * as path from 'path';
import { BIN, ROOT } from '../support/run-tcg86';
import { freePort, haveGdb, runGdb } from '../support/gdbstub-harness';

function monitorSession(port: number): { send: (line: string) => Promise<string>; close: () => void } {
  const sock = net.connect(port, '127.0.0.1');
  let buf = '';
  let waiter: (() => void) | null = null;
  sock.on('data', (d) => { buf += d; waiter?.(); });
  const untilPrompt = () => new Promise<string>((resolve) => {
    const check = () => { const i = buf.indexOf('(tcg86) '); if (i >= 0) { const out = buf.slice(0, i); buf = buf.slice(i + 8); waiter = null; resolve(out); } else waiter = check; };
    check();
  });
  let ready = untilPrompt();
  return {
    send: async (line) => { await ready; sock.write(line + '\n'); ready = untilPrompt(); return line === 'quit' ? '' : ready; },
    close: () => sock.destroy(),
  };
}

describe('monitor gdbserver command', function () {
  this.timeout(30000);
  before(function () { if (!haveGdb()) this.skip(); });

  it('starts the stub on a port, gdb attaches, and `gdbserver none` stops it', async () => {
    const mport = await freePort(), gport = await freePort();
    const p = spawn(process.execPath, [BIN, '-kernel', path.join(ROOT, 'test', 'guest', 'bin', 'hello.elf'), '-serial', 'null', '-S',
      '-monitor', `tcp:127.0.0.1:${mport},server,nowait`]);
    const exited = new Promise<number | null>((r) => p.on('close', r));
    try {
      await new Promise((r) => setTimeout(r, 700));
      const m = monitorSession(mport);
      expect(await m.send(`gdbserver tcp::${gport}`)).to.equal(`Waiting for gdb connection on device 'tcp:127.0.0.1:${gport}'\n`);
      const r = await runGdb('hello.elf', gport, ['p/x $eip', 'detach']);
      expect(r.stdout).to.match(/\$1 = 0x[0-9a-f]+/);
      expect(await m.send('gdbserver none')).to.equal('Disabled gdbserver\n');
      const refused = await new Promise<boolean>((resolve) => {
        const s = net.connect(gport, '127.0.0.1', () => { s.destroy(); resolve(false); });
        s.on('error', () => resolve(true));
      });
      expect(refused, 'the stub no longer listens').to.equal(true);
      expect(await m.send('gdbserver tcp:bogus')).to.match(/^gdbserver: .*expected tcp:\[HOST\]:PORT/);
      await m.send('quit');
      m.close();
      expect(await exited).to.equal(0);
    } finally { p.kill('SIGKILL'); }
  });
});
