// The command line as a person uses it: QEMU's spelling, one clear line on bad input.
import { expect } from 'chai';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ROOT, runTcg86 } from './support/run-tcg86';
import { parseDevice } from '../src/cli';

const HELLO = path.join(ROOT, 'test', 'guest', 'bin', 'hello.elf');

/** A file with a Linux setup header of protocol 2.01 (too old for the 32-bit boot protocol). */
function oldBzImage(): string {
  const b = Buffer.alloc(4096);
  b[0x1f1] = 4;
  b.writeUInt32LE(0x53726448, 0x202);
  b.writeUInt16LE(0x201, 0x206);
  b[0x211] = 1;
  const f = path.join(os.tmpdir(), `tcg86-old-bzimage-${process.pid}`);
  fs.writeFileSync(f, b);
  return f;
}

describe('command line', function () {
  this.timeout(30000);
  const bad: [string, string[], RegExp][] = [
    ['an unknown option', ['-frobnicate'], /Unknown argument: frobnicate/],
    ['a missing kernel file', ['-kernel', '/nonexistent/k.elf'], /-kernel '\/nonexistent\/k.elf': No such file or directory/],
    ['a file that is not a multiboot kernel', ['-kernel', path.join(ROOT, 'package.json')], /neither a multiboot kernel .* nor a Linux bzImage/],
    ['a bzImage with too old a boot protocol', ['-kernel', oldBzImage()], /boot protocol 2\.01 is too old/],
    ['a bad -serial', ['-kernel', HELLO, '-serial', 'pty'], /-serial 'pty'/],
    ['a bad -m', ['-kernel', HELLO, '-m', 'lots'], /-m 'lots'/],
    ['an unknown -d item', ['-kernel', HELLO, '-d', 'in_asm,bogus'], /unknown item 'bogus'/],
    ['an unknown device', ['-kernel', HELLO, '-device', 'e1000'], /-device 'e1000'/],
  ];
  for (const [what, args, re] of bad) {
    it(`rejects ${what} with one line and status 1`, async () => {
      const r = await runTcg86(args, 20000);
      expect(r.status).to.equal(1);
      expect(r.stdout).to.equal('');
      const lines = r.stderr.trim().split('\n');
      expect(lines).to.have.length(1);
      expect(lines[0]).to.match(re);
    });
  }

  it('prints --version and --help', async () => {
    const v = await runTcg86(['--version']);
    expect(v.status).to.equal(0);
    expect(v.stdout).to.match(/^tcg86 \d+\.\d+\.\d+/);
    const h = await runTcg86(['--help']);
    expect(h.status).to.equal(0);
    expect(h.stdout).to.contain('-kernel').and.to.contain('isa-debug-exit');
  });

  it('passes -append to the guest and exits through isa-debug-exit', async () => {
    const r = await runTcg86(['-kernel', HELLO, '-append', 'foo=bar', '-device', 'isa-debug-exit,iobase=0xf4,iosize=4', '-no-reboot', '-m', '64']);
    expect(r.stdout).to.contain('PASS hello');
    expect(r.status).to.equal(1);
  });

  it('-dfilter limits -d in_asm to TBs whose start lies in the range', async () => {
    const fs = await import('fs');
    const os = await import('os');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tcg86-'));
    const all = path.join(dir, 'all.txt'), some = path.join(dir, 'some.txt');
    expect((await runTcg86(['-kernel', HELLO, '-device', 'isa-debug-exit,iobase=0xf4,iosize=0x04', '-d', 'in_asm', '-D', all])).status).to.equal(1);
    expect((await runTcg86(['-kernel', HELLO, '-device', 'isa-debug-exit,iobase=0xf4,iosize=0x04', '-d', 'in_asm', '-D', some, '-dfilter', '0x100000+0x1000'])).status).to.equal(1);
    const starts = (f: string) => [...fs.readFileSync(f, 'utf8').matchAll(/^IN: \n0x([0-9a-f]+):/gm)].map(m => parseInt(m[1], 16));
    const a = starts(all), b = starts(some);
    expect(b.length).to.be.greaterThan(0);
    expect(b.every(pc => pc >= 0x100000 && pc < 0x101000)).to.equal(true);
    expect(b).to.deep.equal(a.filter(pc => pc >= 0x100000 && pc < 0x101000));
    expect(a.length).to.be.greaterThan(b.length);
    const bad = await runTcg86(['-kernel', HELLO, '-dfilter', 'zzz']);
    expect(bad.status).to.equal(1);
    expect(bad.stderr).to.match(/-dfilter 'zzz'/);
  });

  it('logs interrupts and the IR with -d int,op_opt to a -D file', async () => {
    const fs = await import('fs');
    const os = await import('os');
    const log = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'tcg86-')), 'log.txt');
    const r = await runTcg86(['-kernel', HELLO, '-device', 'isa-debug-exit,iobase=0xf4,iosize=0x04', '-d', 'int,op_opt,out_asm', '-D', log]);
    expect(r.status).to.equal(1);
    const text = fs.readFileSync(log, 'utf8');
    expect(text).to.match(/v=06 e=ffff i=0 cpl=0/); // the guest's ud2
    expect(text).to.contain('OP after optimization');
    expect(text).to.match(/function tb_[0-9a-f]+_\d+\(left\)/);
  });
});

describe('-device isa-debug-exit', () => {
  it("defaults to QEMU's port 0x501, size 2; iobase and iosize override it", () => {
    expect(parseDevice('isa-debug-exit')).to.deep.equal({ iobase: 0x501, iosize: 2 });
    expect(parseDevice('isa-debug-exit,iobase=0xf4,iosize=0x04')).to.deep.equal({ iobase: 0xf4, iosize: 4 });
  });
});
