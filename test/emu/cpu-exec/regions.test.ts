// Self-looping TBs, regions and page units (tier 3) must not change what the guest computes,
// nor the instruction count: the JavaScript backend (loops and regions) and the wasm backend
// (loops, page units and the dispatcher that chains TBs in wasm) against the IR interpreter
// (one TB per step, no loops), whole runs.
import { expect } from 'chai';
import * as fs from 'fs';
import * as path from 'path';
import { Backend, StopReason } from '../../../src/emu/cpu-exec/exec';
import { PcMachine } from '../../../src/hw/pc/machine';
import { ROOT } from '../../support/run-tcg86';

/** Where the guests are linked (test/guest/lib/link.ld), and a bound on their code. */
const GUEST_CODE = 0x100000, GUEST_CODE_BYTES = 0x10000;

interface Run { out: string; insns: number; regions: number; chained: number; regs: number[]; stale: number }

/**
 * `asyncUnits`: page units compiled in the background and installed between slices, as a
 * machine run from the event loop does (the run yields to it after each slice), or on the spot.
 */
async function run(kernel: string, backend: Backend, asyncUnits = false, changeWhileCompiling = false): Promise<Run> {
  const out: number[] = [];
  const m = new PcMachine({
    ramBytes: 32 << 20, kernel: fs.readFileSync(path.join(ROOT, 'test', 'guest', 'bin', `${kernel}.elf`)), cmdline: kernel,
    modules: [], serialOut: (b) => out.push(b), debugExit: { iobase: 0xf4, iosize: 4 }, noReboot: true,
    icountShift: 4, backend, hotThreshold: 2, asyncUnits,
  });
  // Drive the CPU directly: run until the guest exits through isa-debug-exit or halts for good.
  for (let i = 0; i < 20000 && m.exitStatusValue() === 0; i++) {
    const r = m.runSlice();
    if (changeWhileCompiling && m.exec.stats.unitsCompiling) {
      // Retranslate the TBs of every page of the guest's code (a breakpoint set and cleared, as
      // gdb does) while its units compile, then let the compilation finish: they must be dropped.
      for (let page = GUEST_CODE; page < GUEST_CODE + GUEST_CODE_BYTES; page += 4096) {
        m.exec.insertBreakpoint(page);
        m.exec.removeBreakpoint(page);
      }
      for (let k = 0; k < 1000 && m.exec.stats.unitsCompiling; k++) await new Promise(setImmediate);
    }
    if (asyncUnits) await new Promise(setImmediate);
    if (m.exec.exitRequest && out.length && /PASS|FAIL/.test(Buffer.from(out).toString())) break;
    if (r === StopReason.HALTED && !m.pic.hasPendingInterrupt()) {
      const next = (m as unknown as { nextEventNs(): number }).nextEventNs();
      if (next === Infinity) break;
    }
  }
  const { regions, dispatcherChained: chained } = m.exec.stats;
  return { out: Buffer.from(out).toString(), insns: m.exec.insns, regions, chained, regs: Array.from(m.cpu.s.slice(0, 9)), stale: m.exec.stats.unitsStale };
}

describe('self-loops, regions (JavaScript) and page units (WebAssembly)', function () {
  this.timeout(180000);
  const regions = { js: 0, wasm: 0, 'wasm, units compiled in the background': 0 };
  let chained = 0;
  for (const kernel of ['smc', 'alu', 'string', 'bitops', 'muldiv', 'paging']) {
    it(`${kernel}: same output, registers and instruction count as the interpreter`, async () => {
      const interp = await run(kernel, 'interp');
      for (const backend of ['js', 'wasm', 'wasm, units compiled in the background'] as const) {
        const r = await run(kernel, backend === 'js' ? 'js' : 'wasm', backend !== 'wasm');
        expect(r.out, backend).to.contain('PASS');
        expect(r.out, backend).to.equal(interp.out);
        expect(r.insns, backend).to.equal(interp.insns);
        expect(r.regs, backend).to.deep.equal(interp.regs);
        regions[backend] += r.regions;
        if (backend !== 'js') chained += r.chained;
      }
    });
  }
  it('a unit whose TBs are retranslated while it compiles in the background is dropped; the guest computes the same', async () => {
    const interp = await run('alu', 'interp');
    const r = await run('alu', 'wasm', true, true);
    expect(r.stale, 'units dropped').to.be.above(0);
    expect([r.out, r.insns, r.regs]).to.deep.equal([interp.out, interp.insns, interp.regs]);
    expect(r.out).to.contain('PASS');
  });

  it('regions and units formed, and the dispatcher chained TBs, in these guests (so the comparison covered them)', () => {
    expect(regions.js).to.be.above(0);
    expect(regions.wasm).to.be.above(0);
    expect(regions['wasm, units compiled in the background']).to.be.above(0);
    expect(chained).to.be.above(1000);
  });
});
