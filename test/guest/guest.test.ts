// Every guest test kernel under each backend: its serial output must equal the expected
// file (QEMU's output, see tools/build-guests.sh) and it must exit through isa-debug-exit
// with status 1 (= (0 << 1) | 1, the guest's PASS).
import { expect } from 'chai';
import * as fs from 'fs';
import * as path from 'path';
import { ROOT, runTcg86 } from '../support/run-tcg86';

const GUEST = path.join(ROOT, 'test', 'guest');
const kernels = fs.readdirSync(path.join(GUEST, 'bin')).filter(f => f.endsWith('.elf')).map(f => f.slice(0, -4))
  .filter(n => fs.existsSync(path.join(GUEST, 'expected', `${n}.txt`)));

export const GUEST_ARGS = ['-serial', 'stdio', '-display', 'none', '-device', 'isa-debug-exit,iobase=0xf4,iosize=0x04', '-no-reboot'];

describe('guest test kernels', function () {
  this.timeout(180000);
  it('has guest kernels with expected outputs', () => {
    expect(kernels.length).to.be.greaterThan(3);
  });
  for (const backend of ['interp', 'js', 'wasm', 'tiered']) {
    describe(`backend ${backend}`, () => {
      for (const k of kernels) {
        it(k, async () => {
          const expected = fs.readFileSync(path.join(GUEST, 'expected', `${k}.txt`), 'utf8');
          const r = await runTcg86(['-kernel', path.join(GUEST, 'bin', `${k}.elf`), ...GUEST_ARGS, '-accel', `tcg,backend=${backend}`], 170000);
          expect(r.timedOut, `timed out; output so far:\n${r.stdout.slice(-2000)}\n${r.stderr}`).to.equal(false);
          expect(r.stdout).to.equal(expected);
          expect(r.status, r.stderr).to.equal(1);
        });
      }
    });
  }
});
