// The monitor over a real TCP socket and over stdio-like streams.
import { expect } from 'chai';
import * as net from 'net';
import { PassThrough } from 'stream';
import { banner, PROMPT, serveMonitorStdio, serveMonitorTcp } from '../../src/monitor/transports';
import { monitorFixture } from '../support/monitor-fixture';

/** Collects what a stream sends; waits for text. */
class Reader {
  text = '';
  ended = false;
  private waiters: (() => void)[] = [];
  constructor(stream: NodeJS.ReadableStream) {
    stream.on('data', (d: Buffer | string) => { this.text += d.toString(); this.wake(); });
    stream.on('end', () => { this.ended = true; this.wake(); });
    stream.on('close', () => { this.ended = true; this.wake(); });
  }
  private wake(): void { const w = this.waiters; this.waiters = []; for (const f of w) f(); }
  /** Resolves once `cond` holds (fails after 5 s). */
  async until(cond: (text: string) => boolean, what: string): Promise<void> {
    const t0 = Date.now();
    while (!cond(this.text)) {
      if (Date.now() - t0 > 5000) throw new Error(`timed out waiting for ${what}; got ${JSON.stringify(this.text)}`);
      await new Promise<void>((r) => { this.waiters.push(r); setTimeout(r, 100); });
    }
  }
  /** Everything up to and including the n-th prompt, removed from the buffer. */
  async prompt(): Promise<string> {
    await this.until(t => t.includes(PROMPT), 'a prompt');
    const i = this.text.indexOf(PROMPT) + PROMPT.length;
    const out = this.text.slice(0, i);
    this.text = this.text.slice(i);
    return out;
  }
}

function connect(port: number): Promise<{ sock: net.Socket; r: Reader }> {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, '127.0.0.1', () => resolve({ sock, r }));
    const r = new Reader(sock);
    sock.on('error', reject);
  });
}

describe('monitor transports', function () {
  this.timeout(20000);

  describe('TCP', () => {
    it('serves banner, prompt, commands and errors as plain lines; clients one after another', async () => {
      const f = monitorFixture('hello');
      const srv = await serveMonitorTcp(f.mon, '127.0.0.1', 0);
      try {
        const { host, port } = srv.address();
        expect(host).to.equal('127.0.0.1');
        expect(port).to.be.greaterThan(0);
        let seen = false;
        void srv.firstClient().then(() => { seen = true; });
        await new Promise(r => setTimeout(r, 20));
        expect(seen).to.equal(false);
        const a = await connect(port);
        expect(await a.r.prompt()).to.equal(banner() + PROMPT);
        expect(seen).to.equal(true);
        expect(banner()).to.match(/^tcg86 \d+\.\d+\.\d+ monitor - type 'help' for more information\n$/);
        a.sock.write('info status\n');
        expect(await a.r.prompt()).to.equal('VM status: paused (prelaunch)\n' + PROMPT);
        a.sock.write('p 1+2\r\n'); // a telnet-style line end
        expect(await a.r.prompt()).to.equal('0x3\n' + PROMPT);
        a.sock.write('foo\n');
        expect(await a.r.prompt()).to.equal("unknown command: 'foo'\n" + PROMPT);
        // telnet negotiation (IAC DO ECHO) is ignored; two commands in one packet run in order
        a.sock.write(Buffer.concat([Buffer.from([0xff, 0xfd, 0x01]), Buffer.from('p 2\np 3\n')]));
        expect(await a.r.prompt()).to.equal('0x2\n' + PROMPT);
        expect(await a.r.prompt()).to.equal('0x3\n' + PROMPT);

        // a second client waits while the first is connected, and is served when it leaves
        const b = await connect(port);
        await new Promise(r => setTimeout(r, 100));
        expect(b.r.text).to.equal('');
        a.sock.end();
        expect(await b.r.prompt()).to.equal(banner() + PROMPT);
        b.sock.write('p 0x10\n');
        expect(await b.r.prompt()).to.equal('0x10\n' + PROMPT);
        b.sock.write('quit\n');
        await b.r.until(() => b.r.ended, 'the server to close the connection');
        expect(b.r.text).to.equal('');
        expect(f.mon.quitRequested).to.equal(true);
        // a third client still gets a monitor (the process would be exiting by now)
        const c = await connect(port);
        expect(await c.r.prompt()).to.equal(banner() + PROMPT);
        c.sock.destroy();
        for (const x of [a, b]) expect(x.r.text).to.not.match(/\x1b/);
      } finally {
        await srv.close();
      }
    });

    it('close() stops listening and drops clients; a port in use is an error', async () => {
      const f = monitorFixture('hello');
      const srv = await serveMonitorTcp(f.mon, '127.0.0.1', 0);
      const { port } = srv.address();
      let busy: unknown = null;
      try { await serveMonitorTcp(f.mon, '127.0.0.1', port); } catch (e) { busy = e; }
      expect((busy as NodeJS.ErrnoException)?.code).to.equal('EADDRINUSE');
      const a = await connect(port);
      await a.r.prompt();
      await srv.close();
      await a.r.until(() => a.r.ended, 'the client to be dropped');
      let refused: unknown = null;
      try { await connect(port); } catch (e) { refused = e; }
      expect((refused as NodeJS.ErrnoException)?.code).to.equal('ECONNREFUSED');
    });
  });

  describe('stdio', () => {
    it('without a terminal: plain banner, prompts and output, commands in order, quit closes', async () => {
      const f = monitorFixture('hello', { startPaused: true });
      const done = f.machine.start();
      const input = new PassThrough(), output = new PassThrough();
      const r = new Reader(output);
      const h = serveMonitorStdio(f.mon, input, output, false);
      expect(await r.prompt()).to.equal(banner() + PROMPT);
      // step waits for the CPU; the p after it must still come second
      input.write('step\np 7\n');
      expect(await r.prompt()).to.match(/^0x[0-9a-f]{8}: {2}fc\s+cld\n\(tcg86\) $/);
      expect(await r.prompt()).to.equal('0x7\n' + PROMPT);
      input.write('x/1xw nonsense\n');
      expect(await r.prompt()).to.equal("invalid char 'n' in expression\n" + PROMPT);
      input.write('q\n');
      expect(await done).to.equal(0);
      await new Promise(res => setTimeout(res, 50));
      expect(r.text).to.equal(''); // no prompt after quit
      input.write('p 1\n');
      await new Promise(res => setTimeout(res, 50));
      expect(r.text).to.equal(''); // closed: nothing more is read
      expect(r.text + banner()).to.not.match(/\x1b/);
      h.close();
    });

    it('on a terminal: readline with history (up arrow repeats the last command)', async () => {
      const f = monitorFixture('hello');
      const input = new PassThrough(), output = new PassThrough();
      const r = new Reader(output);
      const h = serveMonitorStdio(f.mon, input, output, true);
      try {
        await r.until(t => t.includes(PROMPT), 'the prompt');
        input.write('p 0x2a\r');
        await r.until(t => (t.match(/\n0x2a\n/g) ?? []).length === 1, 'the first result');
        input.write('\x1b[A\r'); // up arrow, enter
        await r.until(t => (t.match(/\n0x2a\n/g) ?? []).length === 2, 'the repeated command');
      } finally {
        h.close();
      }
    });
  });
});
