// The tiered backend compiles hot TBs to wasm off the guest's thread: a TB queued for
// compilation goes on in the IR interpreter until V8 has compiled its module, then its
// compiled code takes over; a TB-cache flush in between drops the result.
import { expect } from 'chai';
import * as fs from 'fs';
import * as path from 'path';
import { PcMachine } from '../../../src/hw/pc/machine';
import { ROOT } from '../../support/run-tcg86';

function machine(): { m: PcMachine; out: number[] } {
  const out: number[] = [];
  const m = new PcMachine({
    ramBytes: 32 << 20, kernel: fs.readFileSync(path.join(ROOT, 'test', 'guest', 'bin', 'alu.elf')), cmdline: 'alu',
    modules: [], serialOut: (b) => out.push(b), debugExit: { iobase: 0xf4, iosize: 4 }, noReboot: true,
    icountShift: 4, backend: 'tiered', hotThreshold: 2,
  });
  return { m, out };
}

const settle = (m: PcMachine) => m.exec.compilesSettled();

describe('tiered backend: compilation off the guest thread', function () {
  this.timeout(120000);

  it('hot TBs stay on the interpreter until their module is compiled, then run compiled', async () => {
    const { m, out } = machine();
    for (let i = 0; i < 20; i++) m.runSlice();
    // Nothing has been installed while this thread kept running the guest.
    expect(m.exec.compilesPending).to.be.above(0);
    expect(m.exec.stats.tbsCompiled).to.equal(0);
    const interpBefore = m.exec.stats.insnsInterp;
    expect(interpBefore).to.equal(m.exec.insns);
    await settle(m);
    expect(m.exec.compilesPending).to.equal(0);
    expect(m.exec.stats.tbsCompiled).to.be.above(0);
    for (let i = 0; i < 20000 && m.exitStatusValue() === 0; i++) {
      m.runSlice();
      if (i % 50 === 0) await settle(m);
    }
    const text = Buffer.from(out).toString();
    expect(text).to.contain('PASS alu');
    expect(text).to.equal(fs.readFileSync(path.join(ROOT, 'test', 'guest', 'expected', 'alu.txt'), 'utf8'));
    // Compiled code ran most of the guest.
    expect(m.exec.stats.insnsInterp).to.be.below(m.exec.insns / 2);
  });

  it('a flush while a module compiles drops it: nothing is installed for the TBs it dropped', async () => {
    const { m } = machine();
    for (let i = 0; i < 20; i++) m.runSlice();
    expect(m.exec.compilesPending).to.be.above(0);
    m.exec.flush();
    await settle(m);
    expect(m.exec.compilesPending).to.equal(0);
    expect(m.exec.stats.tbsCompiled).to.equal(0);
  });
});
