// A triple fault while gdb is attached is reported as a stop (SIGSEGV) at the instruction
// whose exception could not be delivered; continuing then does what the machine would have
// done (here, with -no-reboot, the machine ends). QEMU says nothing in that case.
import { expect } from 'chai';
import { haveGdb, killAll, runGdb, startEmulator, waitExit } from '../support/gdbstub-harness';

const KERNEL = '../../hw/pc/fixtures/triple-fault.elf';

describe('gdbstub: triple fault while attached', function () {
  this.timeout(20000);
  before(function () { if (!haveGdb()) this.skip(); });
  afterEach(() => killAll());

  it('stops with SIGSEGV at the int3 whose delivery failed, and continue ends the machine', async () => {
    const emu = await startEmulator(KERNEL);
    const r = await runGdb(KERNEL, emu.port, ['continue', 'x/i $pc', 'p $idtr_limit', 'continue']);
    expect(r.timedOut, r.stdout + r.stderr).to.equal(false);
    expect(r.stdout).to.match(/Program received signal SIGSEGV/);
    expect(r.stdout).to.match(/=> 0x[0-9a-f]+[^\n]*int3/);
    expect(r.stdout).to.match(/\$1 = 0\b/);
    expect(r.stdout + r.stderr).to.match(/exited normally|exited with code 00|Remote connection closed/);
    expect(await waitExit(emu, 5000)).to.equal(0);
    expect(emu.stdout()).to.equal('before\n');
  });
});
