// `-monitor stdio` on a real pseudo-terminal, as a person uses it: util-linux `script` gives
// tcg86 a pty, we type into it. On a terminal the monitor has a prompt, Tab completion,
// history (up arrow) and line editing (Ctrl-A, Ctrl-F, Backspace).
import { expect } from 'chai';
import { ChildProcess, spawn, spawnSync } from 'child_process';
import * as path from 'path';
import { ROOT } from '../support/run-tcg86';

const KERNEL = path.join(ROOT, 'test', 'guest', 'bin', 'hello.elf');
const UP = '\x1b[A', CTRL_A = '\x01', CTRL_F = '\x06', BACKSPACE = '\x7f', TAB = '\t';

function shellQuote(s: string): string { return `'${s.replace(/'/g, "'\\''")}'`; }

/** Terminal output with colours and cursor movements removed. */
function plain(t: string): string {
  // eslint-disable-next-line no-control-regex
  return t.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '').replace(/\r/g, '');
}

class PtySession {
  text = '';
  readonly proc: ChildProcess;
  readonly exited: Promise<number | null>;
  constructor(args: string[]) {
    const cmd = [process.execPath, path.join(ROOT, 'bin', 'tcg86.js'), ...args].map(shellQuote).join(' ');
    this.proc = spawn('script', ['-qfec', cmd, '/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, TERM: 'xterm' } });
    this.proc.stdout!.on('data', (d: Buffer) => { this.text += d.toString('latin1'); });
    this.exited = new Promise((r) => this.proc.on('exit', (code) => r(code)));
  }
  /** Types like a person: one key at a time (readline completes a Tab only when it ends a chunk). */
  async type(keys: string): Promise<void> {
    for (const k of keys.match(/\x1b\[[A-D]|[^]/g) ?? []) {
      this.proc.stdin!.write(k);
      await new Promise(r => setTimeout(r, 5));
    }
  }
  /** Waits until the plain text seen so far matches `re` `count` times. */
  async until(re: RegExp, count = 1): Promise<void> {
    const t0 = Date.now();
    const g = new RegExp(re.source, re.flags.includes('g') ? re.flags : `${re.flags}g`);
    while ((plain(this.text).match(g) ?? []).length < count) {
      if (Date.now() - t0 > 15000) throw new Error(`timed out waiting for ${re} x${count}; got ${JSON.stringify(plain(this.text).slice(-600))}`);
      await new Promise(r => setTimeout(r, 50));
    }
  }
}

describe('monitor on a pseudo-terminal (-monitor stdio under script(1))', function () {
  this.timeout(60000);
  before(function () {
    if (spawnSync('script', ['--version']).status !== 0) throw new Error('util-linux script(1) is needed for the pty tests');
  });

  it('has a prompt, Tab completion, history with the up arrow and line editing', async () => {
    const s = new PtySession(['-kernel', KERNEL, '-monitor', 'stdio', '-serial', 'none', '-display', 'none', '-S']);
    try {
      await s.until(/\(tcg86\) /);
      // Tab completes the unique "info stat" to "info status".
      await s.type(`info stat${TAB}\r`);
      await s.until(/VM status: paused \(prelaunch\)/);
      // The up arrow brings the last line back.
      await s.type(`${UP}\r`);
      await s.until(/VM status: paused \(prelaunch\)/, 2);
      // "pint 40+2": Ctrl-A to the start, Ctrl-F past "p", insert "r" -> "print 40+2".
      await s.type(`pint 40+2${CTRL_A}${CTRL_F}r\r`);
      await s.until(/^0x2a$/m); // print's format is sticky, /x at first, as in QEMU
      // Backspace removes the typo in "p /d 7*66".
      await s.type(`p /d 7*66${BACKSPACE}\r`);
      await s.until(/^42$/m);
      expect(plain(s.text)).to.not.match(/unknown command/);
      await s.type('q\r');
      expect(await s.exited).to.equal(0);
    } finally {
      s.proc.kill();
    }
  });

  it('Ctrl-C at the prompt drops the line being typed and the monitor goes on', async () => {
    const s = new PtySession(['-kernel', KERNEL, '-monitor', 'stdio', '-serial', 'none', '-display', 'none', '-S']);
    try {
      await s.until(/\(tcg86\) /);
      // Were "quit" not dropped, the monitor would end here.
      await s.type('quit\x03');
      await s.until(/\(tcg86\) /, 2);
      await s.type('print /d 6*7\r');
      await s.until(/^42$/m);
      await s.type('info status\r');
      await s.until(/VM status: paused \(prelaunch\)/);
      await s.type('quit\r');
      expect(await s.exited).to.equal(0);
    } finally {
      s.proc.kill();
    }
  });
});
