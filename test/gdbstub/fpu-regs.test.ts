// gdb sees the real x87 state: the fpu kernel's registers as the FPU holds them, and writes.
import { expect } from 'chai';
import { haveGdb, killAll, runGdb, startEmulator } from '../support/gdbstub-harness';

describe('gdbstub x87 registers', function () {
  this.timeout(20000);
  before(function () { if (!haveGdb()) this.skip(); });
  afterEach(() => killAll());

  it('writes to fctrl/st0/mxcsr read back; fldpi shows pi after stepping it', async () => {
    const emu = await startEmulator('hello.elf');
    // Put "fninit; fldpi" at the entry point through gdb, then step both instructions.
    const r = await runGdb('hello.elf', emu.port, [
      'set {unsigned char[4]}$pc = {0xdb, 0xe3, 0xd9, 0xeb}', 'set $cr0 = $cr0 & ~4',
      'stepi', 'p/x $fctrl', 'stepi', 'p $st0', 'p/x $ftag', 'p/x $fstat',
      'set $fctrl = 0x27f', 'p/x $fctrl', 'set $mxcsr = 0x1f00', 'p/x $mxcsr', 'detach']);
    expect(r.timedOut, r.stdout + r.stderr).to.equal(false);
    const vals = [...r.stdout.matchAll(/^\$\d+ = (.*)$/gm)].map(m => m[1]);
    expect(vals[0]).to.equal('0x37f');                  // after fninit
    expect(vals[1]).to.match(/^3\.14159265358979323/);   // fldpi, 64-bit precision
    expect(vals[2]).to.equal('0x3fff');                  // st7 (physical 7) valid, the rest empty
    expect(vals[3]).to.equal('0x3800');                  // TOP = 7
    expect(vals[4]).to.equal('0x27f');
    expect(vals[5]).to.match(/0x1f00/);
  });
});
