// Nothing the guest does may crash the emulator: random bytes executed as code must only
// produce guest exceptions (here ending in a triple fault), and both backends must agree on
// the state they leave.
import { expect } from 'chai';
import * as fs from 'fs';
import * as path from 'path';
import { Backend } from '../../../src/emu/cpu-exec/exec';
import { PcMachine } from '../../../src/hw/pc/machine';
import { DISPATCH_PENDING, EIP, IDTR_LIMIT } from '../../../src/emu/translate-i386/state';
import { ROOT } from '../../support/run-tcg86';

const KERNEL = fs.readFileSync(path.join(ROOT, 'test', 'guest', 'bin', 'hello.elf'));

function runRandom(seed: number, backend: Backend): { state: number[]; exited: boolean } {
  const m = new PcMachine({
    ramBytes: 8 << 20, kernel: KERNEL, cmdline: '', modules: [], serialOut: () => undefined,
    debugExit: null, noReboot: true, icountShift: 3, backend, nochain: false,
  });
  let x = seed >>> 0 || 1;
  const rnd = () => { x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0; return x; };
  const base = 0x200000;
  for (let i = 0; i < 4096; i++) m.mem.m8[base + i] = rnd() & 0xff;
  m.cpu.s[EIP] = base;
  m.cpu.s[IDTR_LIMIT] = 0; // every exception escalates to a triple fault: the run ends
  let exited = false;
  m.exec.onTripleFault = () => { exited = true; m.exec.exitRequest = true; };
  for (let n = 0; n < 10 && !exited; n++) m.exec.run(2000);
  // The architectural state (the words after it are the exec loop's and the dispatcher's own).
  return { state: Array.from(m.cpu.s.subarray(0, DISPATCH_PENDING)), exited };
}

describe('random code never crashes the emulator', function () {
  this.timeout(120000);
  it('200 random 4 KiB code pages: only guest faults, identical state on the interpreter, JavaScript and WebAssembly', () => {
    let faulted = 0;
    for (let seed = 1; seed <= 200; seed++) {
      const a = runRandom(seed * 2654435761, 'interp');
      for (const other of ['js', 'wasm'] as Backend[]) {
        const b = runRandom(seed * 2654435761, other);
        expect(b.state, `seed ${seed} (${other})`).to.deep.equal(a.state);
        expect(b.exited, `seed ${seed} (${other})`).to.equal(a.exited);
      }
      if (a.exited) faulted++;
    }
    expect(faulted).to.be.greaterThan(120); // most random code faults quickly
  });
});
