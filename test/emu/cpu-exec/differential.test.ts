// Two backends, one truth: the same guest runs TB by TB under the IR interpreter and the
// JavaScript backend, and the full architectural state must agree after every TB.
import { expect } from 'chai';
import * as fs from 'fs';
import * as path from 'path';
import { Backend, StopReason } from '../../../src/emu/cpu-exec/exec';
import { PcMachine } from '../../../src/hw/pc/machine';
import { ROOT } from '../../support/run-tcg86';

function machine(kernel: string, backend: Backend, out: number[]): PcMachine {
  return new PcMachine({
    ramBytes: 32 << 20, kernel: fs.readFileSync(path.join(ROOT, 'test', 'guest', 'bin', `${kernel}.elf`)), cmdline: kernel,
    modules: [], serialOut: (b) => out.push(b), debugExit: { iobase: 0xf4, iosize: 4 }, noReboot: true,
    icountShift: 4, backend, nochain: true,
  });
}

describe('interpreter, JavaScript and WebAssembly backends agree TB by TB', function () {
  this.timeout(120000);
  for (const kernel of ['alu', 'muldiv', 'shift']) {
    for (const other of ['js', 'wasm'] as Backend[]) {
      it(`${kernel}: full register state equal after each of 4000 TBs (interp vs ${other})`, function () {
        if (!fs.existsSync(path.join(ROOT, 'test', 'guest', 'bin', `${kernel}.elf`))) this.skip();
        const outA: number[] = [], outB: number[] = [];
        const a = machine(kernel, 'interp', outA), b = machine(kernel, other, outB);
        let steps = 0;
        for (; steps < 4000; steps++) {
          const ra = a.exec.run(1), rb = b.exec.run(1);
          expect(rb, `stop reason at TB ${steps}`).to.equal(ra);
          const sa = Array.from(a.cpu.s), sb = Array.from(b.cpu.s);
          if (sa.join() !== sb.join()) {
            const diff = sa.map((v, i) => (v !== sb[i] ? `[${i}] interp=${(v >>> 0).toString(16)} ${other}=${(sb[i] >>> 0).toString(16)}` : '')).filter(Boolean);
            expect.fail(`state differs after TB ${steps} (eip ${(sa[8] >>> 0).toString(16)}): ${diff.join(', ')}`);
          }
          if (ra === StopReason.HALTED) break;
        }
        expect(Buffer.from(outB).toString()).to.equal(Buffer.from(outA).toString());
        expect(steps).to.be.greaterThan(100);
        expect(a.exec.insns).to.equal(b.exec.insns);
      });
    }
  }
});
