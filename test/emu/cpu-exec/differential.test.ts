// Two backends, one truth: the same guest runs TB by TB under the IR interpreter and the
// JavaScript or WebAssembly backend, and the full architectural state must agree after every
// TB (after the same number of instructions).
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
          let ra = a.exec.run(1), rb = b.exec.run(1);
          // Compiled wasm code may stop inside a TB (before an access that misses the TLB, whose
          // instruction then runs alone): the two are compared where they have run as many
          // instructions.
          for (let i = 0; i < 64 && ra === rb && ra === StopReason.BUDGET && a.exec.insns !== b.exec.insns; i++) {
            if (a.exec.insns < b.exec.insns) ra = a.exec.run(b.exec.insns - a.exec.insns);
            else rb = b.exec.run(a.exec.insns - b.exec.insns);
          }
          expect(rb, `stop reason at TB ${steps}`).to.equal(ra);
          expect(b.exec.insns, `instructions at TB ${steps}`).to.equal(a.exec.insns);
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
