// Self-looping TBs and regions (tier 3) must not change what the guest computes, nor the
// instruction count: the JavaScript backend with chaining (loops and regions on) against the
// IR interpreter (one TB per step, no loops), for whole guest runs.
import { expect } from 'chai';
import * as fs from 'fs';
import * as path from 'path';
import { Backend, StopReason } from '../../../src/emu/cpu-exec/exec';
import { PcMachine } from '../../../src/hw/pc/machine';
import { ROOT } from '../../support/run-tcg86';

function run(kernel: string, backend: Backend): { out: string; insns: number; regions: number; regs: number[] } {
  const out: number[] = [];
  const m = new PcMachine({
    ramBytes: 32 << 20, kernel: fs.readFileSync(path.join(ROOT, 'test', 'guest', 'bin', `${kernel}.elf`)), cmdline: kernel,
    modules: [], serialOut: (b) => out.push(b), debugExit: { iobase: 0xf4, iosize: 4 }, noReboot: true,
    icountShift: 4, backend, hotThreshold: 2,
  });
  // Drive the CPU directly: run until the guest exits through isa-debug-exit or halts for good.
  for (let i = 0; i < 20000 && m.exitStatusValue() === 0; i++) {
    const r = m.runSlice();
    if (m.exec.exitRequest && out.length && /PASS|FAIL/.test(Buffer.from(out).toString())) break;
    if (r === StopReason.HALTED && !m.pic.hasPendingInterrupt()) {
      const next = (m as unknown as { nextEventNs(): number }).nextEventNs();
      if (next === Infinity) break;
    }
  }
  return { out: Buffer.from(out).toString(), insns: m.exec.insns, regions: m.exec.stats.regions, regs: Array.from(m.cpu.s.slice(0, 9)) };
}

describe('self-loops and regions', function () {
  this.timeout(120000);
  let regions = 0;
  for (const kernel of ['smc', 'alu', 'string', 'bitops', 'muldiv']) {
    it(`${kernel}: same output, registers and instruction count as the interpreter`, () => {
      const js = run(kernel, 'js'), interp = run(kernel, 'interp');
      expect(js.out).to.contain('PASS');
      expect(js.out).to.equal(interp.out);
      expect(js.insns).to.equal(interp.insns);
      expect(js.regs).to.deep.equal(interp.regs);
      regions += js.regions;
    });
  }
  it('regions formed in these guests (so the comparison covered them)', () => {
    expect(regions).to.be.above(0);
  });
});
