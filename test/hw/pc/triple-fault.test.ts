// A triple fault: fixtures/triple-fault.S prints "before" on COM1, loads an IDT with limit 0
// and executes int3 (#BP -> #GP -> #DF -> shutdown). Under -no-reboot the process ends with
// status 0, as QEMU does; without it the machine resets and the kernel boots again.
import { expect } from 'chai';
import { execFileSync } from 'child_process';
import * as path from 'path';
import { ROOT, runProcess, runTcg86 } from '../../support/run-tcg86';
import { startTcg86 } from '../../support/watch-process';

const KERNEL = path.join(ROOT, 'test', 'hw', 'pc', 'fixtures', 'triple-fault.elf');
const FLAGS = ['-kernel', KERNEL, '-serial', 'stdio', '-display', 'none', '-device', 'isa-debug-exit,iobase=0xf4,iosize=0x04', '-no-reboot'];

function hasQemu(): boolean {
  try { execFileSync('qemu-system-i386', ['--version'], { stdio: 'ignore' }); return true; } catch { return false; }
}

describe('triple fault', function () {
  this.timeout(20000);

  it('with -no-reboot: prints "before", reports the triple fault on stderr, exits with status 0', async () => {
    const r = await runTcg86(FLAGS, 15000);
    expect(r.timedOut, 'timed out').to.equal(false);
    expect(r.stdout).to.equal('before\n');
    expect(r.status).to.equal(0);
    const lines = r.stderr.trim().split('\n');
    expect(lines, `stderr: ${r.stderr}`).to.have.length(1);
    expect(lines[0]).to.match(/triple fault/i);
  });

  it('with -no-reboot: the same stdout and exit status as qemu-system-i386', async function () {
    if (!hasQemu()) {
      if (process.env.CI) throw new Error('qemu-system-i386 missing in CI');
      this.skip();
    }
    const [ours, qemu] = await Promise.all([runTcg86(FLAGS, 15000), runProcess('qemu-system-i386', FLAGS, 15000)]);
    expect(qemu.timedOut, `QEMU timed out; stderr: ${qemu.stderr}`).to.equal(false);
    // What QEMU does, so that a change of QEMU's behaviour shows here rather than as a diff.
    expect(qemu.stdout).to.equal('before\n');
    expect(qemu.status).to.equal(0);
    expect(ours.stdout).to.equal(qemu.stdout);
    expect(ours.status).to.equal(qemu.status);
  });

  it('without -no-reboot: the machine resets and the kernel runs again', async () => {
    const p = startTcg86(FLAGS.filter((a) => a !== '-no-reboot'));
    try {
      // Each boot prints one "before"; three show at least two resets.
      await p.waitFor('"before" three times', () => p.stdout.split('before\n').length - 1 >= 3, 10000);
    } finally {
      await p.kill();
    }
    expect(p.exit?.signal, 'still running until killed').to.equal('SIGKILL');
    expect(p.stdout).to.match(/^(before\n)+(b(e(f(o(re?)?)?)?)?)?$/); // nothing but whole boots (the last may be cut)
    expect(p.stderr).to.match(/triple fault/i);
  });
});
