// When the tiered backend compiles: a TB is queued after `hotThreshold` runs on the IR
// interpreter and compiled with its batch (16 TBs) or at the end of the run slice; a queued
// TB that keeps running on the interpreter gets its batch compiled at once.
import { expect } from 'chai';
import * as fs from 'fs';
import * as path from 'path';
import { PcMachine } from '../../../src/hw/pc/machine';
import { ROOT } from '../../support/run-tcg86';

function machine(kernel: string): { m: PcMachine; out: number[] } {
  const out: number[] = [];
  const m = new PcMachine({
    ramBytes: 32 << 20, kernel: fs.readFileSync(path.join(ROOT, 'test', 'guest', 'bin', `${kernel}.elf`)), cmdline: kernel,
    modules: [], serialOut: (b) => out.push(b), debugExit: { iobase: 0xf4, iosize: 4 }, noReboot: true,
    icountShift: 4, backend: 'tiered', hotThreshold: 40,
  });
  return { m, out };
}

describe('tiered backend: when hot TBs are compiled', function () {
  this.timeout(60000);

  it('a hot loop of fewer TBs than a batch is compiled within the run, not at its end', () => {
    const { m } = machine('loop');
    // One run of the exec loop, no slice end (which would compile the queue anyway).
    m.exec.run(3_000_000);
    const s = m.exec.stats;
    expect(s.tbsCompiled).to.be.above(0);
    expect(s.compileBatches).to.be.above(0);
    // A TB runs at most twice the threshold on the interpreter: the loop ran compiled.
    expect(s.insnsInterp).to.be.below(m.exec.insns / 10);
  });

  it('the guest still prints what QEMU printed', () => {
    const { m, out } = machine('loop');
    for (let i = 0; i < 20000 && m.exitStatusValue() === 0; i++) m.runSlice();
    expect(Buffer.from(out).toString()).to.equal(fs.readFileSync(path.join(ROOT, 'test', 'guest', 'expected', 'loop.txt'), 'utf8'));
  });
});
