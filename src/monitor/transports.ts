// Monitor transports: stdio (node's readline with history and completion on a terminal,
// plain lines otherwise) and a TCP server (plain lines, no terminal escape sequences; one
// client at a time, later clients wait their turn as with QEMU's socket chardev).
import * as fs from 'fs';
import * as net from 'net';
import * as path from 'path';
import * as readline from 'readline';
import { Monitor } from './monitor';

export const PROMPT = '(tcg86) ';

export function banner(): string {
  let version = '';
  try {
    const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', '..', 'package.json'), 'utf8')) as { version?: string };
    if (pkg.version) version = ` ${pkg.version}`;
  } catch { /* no package.json next to the build: no version in the banner */ }
  return `tcg86${version} monitor - type 'help' for more information\n`;
}

/** Runs command lines one after another; prompts after each; closes after `quit`. */
class LineSession {
  private readonly queue: string[] = [];
  private busy = false;
  closed = false;

  constructor(private readonly mon: Monitor, private readonly write: (t: string) => void,
    private readonly prompt: () => void, private readonly onQuit: () => void) {}

  push(line: string): void {
    if (this.closed) return;
    this.queue.push(line);
    void this.pump();
  }

  private async pump(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    while (this.queue.length && !this.closed) {
      await this.mon.execute(this.queue.shift()!, this.write);
      if (this.mon.quitRequested) { this.closed = true; this.onQuit(); break; }
      this.prompt();
    }
    this.busy = false;
  }
}

export function serveMonitorStdio(mon: Monitor, input: NodeJS.ReadableStream, output: NodeJS.WritableStream, isTty: boolean): { close(): void } {
  const write = (t: string) => { output.write(t); };
  const rl = readline.createInterface({
    input,
    output: isTty ? output : undefined,
    terminal: isTty,
    historySize: isTty ? 1000 : 0,
    completer: isTty ? (line: string) => mon.complete(line) : undefined,
  });
  const prompt = () => {
    if (isTty) { rl.setPrompt(PROMPT); rl.prompt(); } else write(PROMPT);
  };
  let closed = false;
  const close = () => { if (!closed) { closed = true; session.closed = true; rl.close(); } };
  const session = new LineSession(mon, write, prompt, close);
  rl.on('line', (l) => session.push(l));
  if (isTty) rl.on('SIGINT', () => { rl.write('', { ctrl: true, name: 'u' }); write('\n'); prompt(); });
  rl.on('close', () => { closed = true; session.closed = true; });
  write(banner());
  prompt();
  return { close };
}

/**
 * Strips telnet negotiation (IAC sequences) from a client's bytes, across chunks, so that
 * `telnet host port` works as well as `nc host port`.
 */
class TelnetFilter {
  private state = 0; // 0 data, 1 after IAC, 2 option byte, 3 subnegotiation, 4 IAC inside SB
  filter(d: Buffer): Buffer {
    const out: number[] = [];
    for (const b of d) {
      switch (this.state) {
        case 0: if (b === 0xff) this.state = 1; else out.push(b); break;
        case 1:
          if (b === 0xff) { out.push(b); this.state = 0; } else if (b >= 0xfb) this.state = 2; else if (b === 0xfa) this.state = 3; else this.state = 0;
          break;
        case 2: this.state = 0; break;
        case 3: if (b === 0xff) this.state = 4; break;
        default: this.state = b === 0xf0 ? 0 : 3; break;
      }
    }
    return Buffer.from(out);
  }
}

/** Longest line accepted from a socket; longer input is dropped with a message. */
const MAX_LINE = 64 * 1024;

export interface MonitorTcpServer {
  close(): Promise<void>;
  address(): { host: string; port: number };
  /** Resolves when the first client has connected (for `-monitor tcp:...,server` without nowait). */
  firstClient(): Promise<void>;
}

export async function serveMonitorTcp(mon: Monitor, host: string, port: number): Promise<MonitorTcpServer> {
  const server = net.createServer();
  const sockets = new Set<net.Socket>();
  const waiting: net.Socket[] = [];
  let active: net.Socket | null = null;
  let clientSeen: () => void = () => undefined;
  const first = new Promise<void>((r) => { clientSeen = r; });

  const serve = (sock: net.Socket) => {
    active = sock;
    clientSeen();
    const write = (t: string) => { if (!sock.destroyed && sock.writable) sock.write(t); };
    const session = new LineSession(mon, write, () => write(PROMPT), () => sock.end());
    const telnet = new TelnetFilter();
    let buf = '';
    sock.on('data', (d: Buffer) => {
      buf += telnet.filter(d).toString('latin1').replace(/[\r\0]/g, '');
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        session.push(buf.slice(0, nl));
        buf = buf.slice(nl + 1);
      }
      if (buf.length > MAX_LINE) { buf = ''; write(`line too long (more than ${MAX_LINE} characters), dropped\n`); }
    });
    sock.on('close', () => {
      session.closed = true;
      if (active === sock) active = null;
      const next = waiting.shift();
      if (next) serve(next);
    });
    sock.resume();
    write(banner());
    write(PROMPT);
  };

  server.on('connection', (sock) => {
    sockets.add(sock);
    sock.setNoDelay(true);
    sock.on('error', () => undefined);
    sock.on('close', () => {
      sockets.delete(sock);
      const i = waiting.indexOf(sock);
      if (i >= 0) waiting.splice(i, 1);
    });
    if (active) { sock.pause(); waiting.push(sock); } else serve(sock);
  });

  await new Promise<void>((resolve, reject) => {
    const onError = (e: Error) => reject(e);
    server.once('error', onError);
    server.listen(port, host || '127.0.0.1', () => { server.off('error', onError); resolve(); });
  });
  server.on('error', () => undefined);

  return {
    firstClient: () => first,
    address: () => {
      const a = server.address() as net.AddressInfo;
      return { host: a.address, port: a.port };
    },
    close: () => new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    }),
  };
}
