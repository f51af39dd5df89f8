// COM1 backends of the command line: -serial file:PATH, null, tcp:HOST:PORT,server[,nowait].
// hello.elf prints a few lines and exits through isa-debug-exit (status 1); its expected
// output is QEMU's (test/guest/expected/hello.txt).
import { expect } from 'chai';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { ROOT, runTcg86 } from '../../support/run-tcg86';
import { connectWhenListening, freePort, readAll, startTcg86, Watched } from '../../support/watch-process';

const HELLO = path.join(ROOT, 'test', 'guest', 'bin', 'hello.elf');
const EXPECTED = fs.readFileSync(path.join(ROOT, 'test', 'guest', 'expected', 'hello.txt'), 'utf8');
const EXIT = ['-device', 'isa-debug-exit,iobase=0xf4,iosize=0x04', '-no-reboot'];

describe('serial backends', function () {
  this.timeout(20000);
  let p: Watched | null = null;
  const sockets: net.Socket[] = [];
  afterEach(async () => {
    for (const s of sockets.splice(0)) s.destroy();
    if (p) await p.kill();
    p = null;
  });

  it('sanity: -serial stdio prints the expected output', async () => {
    const r = await runTcg86(['-kernel', HELLO, '-serial', 'stdio', ...EXIT], 15000);
    expect(r.stdout).to.equal(EXPECTED);
    expect(r.status).to.equal(1);
  });

  it('-serial file:PATH writes the guest output to the file and nothing to stdout', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tcg86-serial-'));
    const file = path.join(dir, 'com1.txt');
    fs.writeFileSync(file, 'stale contents that must be replaced, not appended to\n');
    const r = await runTcg86(['-kernel', HELLO, '-serial', `file:${file}`, ...EXIT], 15000);
    expect(r.status).to.equal(1);
    expect(r.stdout).to.equal('');
    expect(fs.readFileSync(file, 'utf8')).to.equal(EXPECTED);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('-serial file: in a missing directory is one line on stderr and status 1', async () => {
    const r = await runTcg86(['-kernel', HELLO, '-serial', 'file:/nonexistent-dir/x/com1.txt', ...EXIT], 15000);
    expect(r.status).to.equal(1);
    expect(r.stdout).to.equal('');
    expect(r.stderr.trim().split('\n')).to.have.length(1);
    expect(r.stderr).to.contain('/nonexistent-dir/x/com1.txt');
  });

  it('-serial null prints nothing, and the guest still runs to its exit', async () => {
    const r = await runTcg86(['-kernel', HELLO, '-serial', 'null', ...EXIT], 15000);
    expect(r.stdout).to.equal('');
    expect(r.stderr).to.equal('');
    expect(r.status).to.equal(1); // reached isa-debug-exit
  });

  it('-serial tcp:127.0.0.1:PORT,server waits for a client, then sends it all the output', async () => {
    const port = await freePort();
    p = startTcg86(['-kernel', HELLO, '-serial', `tcp:127.0.0.1:${port},server`, ...EXIT]);
    await p.waitStderr(`waiting for connection on serial tcp:127.0.0.1:${port}`, 10000);
    // Without a client the guest does not run: the process is still there a while later.
    await new Promise((r) => setTimeout(r, 700));
    expect(p.exit, 'exited before a client connected').to.equal(null);
    expect(p.stdout).to.equal('');
    const sock = net.connect(port, '127.0.0.1');
    sockets.push(sock);
    const received = readAll(sock);
    const exit = await p.waitExit(15000);
    expect(exit.status).to.equal(1);
    // Everything from the first byte on: nothing was printed before the client came.
    expect((await received).toString('latin1')).to.equal(EXPECTED);
    expect(p.stdout).to.equal('');
  });

  it('-serial tcp:...,server,nowait starts the guest without a client', async () => {
    const port = await freePort();
    p = startTcg86(['-kernel', HELLO, '-serial', `tcp:127.0.0.1:${port},server,nowait`, ...EXIT]);
    const exit = await p.waitExit(15000);
    expect(exit.status).to.equal(1); // ran to isa-debug-exit with nobody connected
    expect(p.stdout).to.equal('');
    expect(p.stderr).to.not.contain('waiting for connection');
  });

  it('-serial tcp:...,server,nowait: a client that connects later talks to the running guest', async () => {
    // The demo kernel sleeps 1 s before its prompt, long after the listening socket is up.
    const port = await freePort();
    p = startTcg86(['-serial', `tcp:127.0.0.1:${port},server,nowait`, '-device', 'isa-debug-exit,iobase=0xf4,iosize=0x04']);
    const sock = await connectWhenListening(port, '127.0.0.1', 10000);
    sockets.push(sock);
    let got = '';
    sock.on('data', (d) => { got += d.toString('latin1'); p?.wake(); });
    const received = readAll(sock);
    const w = p;
    await w.waitFor('the prompt on the socket', () => got.includes('type something (q quits):\n'), 15000);
    sock.write('xy');
    await w.waitFor('the echo on the socket', () => got.endsWith('(q quits):\nxy'), 5000);
    sock.write('q');
    const exit = await w.waitExit(5000);
    expect(exit.status).to.equal(1);
    expect((await received).toString('latin1')).to.match(/type something \(q quits\):\nxy\nbye \(\d+ timer ticks\)\n$/);
    expect(w.stdout).to.equal('');
  });

  it('-serial tcp: with a port in use is one line on stderr and status 1', async () => {
    const busy = net.createServer();
    await new Promise<void>((r) => busy.listen(0, '127.0.0.1', () => r()));
    const port = (busy.address() as net.AddressInfo).port;
    try {
      const r = await runTcg86(['-kernel', HELLO, '-serial', `tcp:127.0.0.1:${port},server,nowait`, ...EXIT], 15000);
      expect(r.status).to.equal(1);
      expect(r.stdout).to.equal('');
      expect(r.stderr.trim().split('\n')).to.have.length(1);
      expect(r.stderr).to.contain(`tcp:127.0.0.1:${port}`);
    } finally {
      busy.close();
    }
  });
});
