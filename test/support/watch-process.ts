// A running child process whose output a test watches as it comes: wait for text to appear,
// write to its stdin, wait for its exit or kill it. For tests that talk to a guest while it
// runs (runProcess in run-tcg86.ts only collects the output of a finished process).
import { ChildProcessWithoutNullStreams, spawn } from 'child_process';
import * as net from 'net';
import { BIN } from './run-tcg86';
import { freePort } from '../../tools/free-port';
export { freePort };

export interface Exit { status: number | null; signal: NodeJS.Signals | null }

export class Watched {
  readonly proc: ChildProcessWithoutNullStreams;
  stdout = '';
  stderr = '';
  exit: Exit | null = null;
  /** Resolves when the process has exited and its output streams are closed. */
  readonly closed: Promise<Exit>;
  private waiters: (() => void)[] = [];

  constructor(cmd: string, args: string[]) {
    this.proc = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    this.proc.stdout.on('data', (d) => { this.stdout += d; this.wake(); });
    this.proc.stderr.on('data', (d) => { this.stderr += d; this.wake(); });
    this.proc.stdin.on('error', () => undefined); // EPIPE after the child exits
    this.closed = new Promise((resolve) => {
      this.proc.on('close', (status, signal) => { this.exit = { status, signal }; this.wake(); resolve(this.exit); });
    });
  }

  /** Re-check every pending wait condition (output arrived or the process exited). */
  wake(): void { for (const w of this.waiters.slice()) w(); }

  /**
   * Wait until `cond()` holds. Fails after `timeoutMs`, or when the process exits first
   * (unless the condition holds then), with the output so far in the message.
   */
  waitFor(what: string, cond: () => boolean, timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      let done = false;
      const finish = (err?: Error) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        this.waiters = this.waiters.filter((w) => w !== check);
        if (err) reject(err); else resolve();
      };
      const check = () => {
        if (cond()) finish();
        else if (this.exit) finish(new Error(`process exited (${JSON.stringify(this.exit)}) before ${what}\n${this.describe()}`));
      };
      const timer = setTimeout(() => finish(new Error(`timed out after ${timeoutMs} ms waiting for ${what}\n${this.describe()}`)), timeoutMs);
      this.waiters.push(check);
      check();
    });
  }

  /** Wait until stdout contains `text`. */
  waitStdout(text: string | RegExp, timeoutMs: number): Promise<void> {
    const has = () => (typeof text === 'string' ? this.stdout.includes(text) : text.test(this.stdout));
    return this.waitFor(`stdout to contain ${String(text)}`, has, timeoutMs);
  }

  /** Wait until stderr contains `text`. */
  waitStderr(text: string | RegExp, timeoutMs: number): Promise<void> {
    const has = () => (typeof text === 'string' ? this.stderr.includes(text) : text.test(this.stderr));
    return this.waitFor(`stderr to contain ${String(text)}`, has, timeoutMs);
  }

  /** Wait for the exit; kills the process (SIGKILL) and fails after `timeoutMs`. */
  async waitExit(timeoutMs: number): Promise<Exit> {
    const timer = setTimeout(() => this.kill(), timeoutMs);
    const e = await this.closed;
    clearTimeout(timer);
    if (e.signal === 'SIGKILL') throw new Error(`process did not exit within ${timeoutMs} ms\n${this.describe()}`);
    return e;
  }

  write(s: string | Buffer): void { this.proc.stdin.write(s); }

  /** Kill the process (if still running) and wait until it is gone. */
  async kill(): Promise<Exit> {
    if (!this.exit) this.proc.kill('SIGKILL');
    return this.closed;
  }

  describe(): string {
    const cut = (s: string) => (s.length > 2000 ? s.slice(0, 1000) + '\n[...]\n' + s.slice(-1000) : s);
    return `--- stdout ---\n${cut(this.stdout)}\n--- stderr ---\n${cut(this.stderr)}`;
  }
}

/** Start bin/tcg86.js with `args`. */
export function startTcg86(args: string[]): Watched {
  return new Watched(process.execPath, [BIN, ...args]);
}

/** Connect to host:port, retrying while the connection is refused (the server is starting). */
export async function connectWhenListening(port: number, host: string, timeoutMs: number): Promise<net.Socket> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await new Promise<net.Socket>((resolve, reject) => {
        const s = net.connect(port, host);
        s.once('connect', () => { s.off('error', reject); resolve(s); });
        s.once('error', reject);
      });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ECONNREFUSED' || Date.now() > deadline) throw e;
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}

/** Everything a socket receives until it closes. */
export function readAll(sock: net.Socket): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    sock.on('data', (d) => chunks.push(d));
    sock.once('error', reject);
    sock.once('close', () => resolve(Buffer.concat(chunks)));
  });
}
