// The demo kernel that `npm start` boots (tools/guest/demo/demo.elf, the default without
// -kernel): banner, multiboot information, a few computations, a 1 s sleep on the PIT, then
// an interactive echo on the serial port until 'q', which exits through isa-debug-exit.
import { expect } from 'chai';
import * as fs from 'fs';
import * as path from 'path';
import { ROOT } from '../../support/run-tcg86';
import { startTcg86, Watched } from '../../support/watch-process';

const PROMPT = 'type something (q quits):\n';

describe('demo kernel (npm start)', function () {
  this.timeout(20000);
  let p: Watched;

  before(function () {
    // package.json's start script is the command line under test.
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
    expect(pkg.scripts.start).to.equal('node bin/tcg86.js -serial stdio -device isa-debug-exit,iobase=0xf4,iosize=0x04');
    expect(fs.existsSync(path.join(ROOT, 'tools', 'guest', 'demo', 'demo.elf'))).to.equal(true);
  });

  afterEach(async () => { await p?.kill(); });

  it('boots without -kernel, echoes what is typed and exits with status 1 on "q"', async () => {
    p = startTcg86(['-serial', 'stdio', '-device', 'isa-debug-exit,iobase=0xf4,iosize=0x04']);
    await p.waitStdout(PROMPT, 15000);
    const atPrompt = p.stdout.length;
    p.write('abc');
    await p.waitFor('the echo of "abc"', () => p.stdout.length >= atPrompt + 3, 5000);
    expect(p.stdout.slice(atPrompt)).to.equal('abc');
    p.write('q');
    const exit = await p.waitExit(5000);
    expect(p.stdout.slice(atPrompt)).to.match(/^abc\nbye \(\d+ timer ticks\)\n$/);
    expect(exit.status).to.equal(1); // exit_qemu(0): (0 << 1) | 1
    expect(p.stderr).to.equal('');

    // The banner, the multiboot information (default -m 128, no -append, no modules) and the
    // results of the computations, line by line up to the prompt.
    const lines = p.stdout.slice(0, atPrompt).split('\n');
    expect(lines.slice(0, 4)).to.deep.equal(['', '==================', ' tcg86 demo kernel', '==================']);
    const mbi = /^multiboot info at ([0-9a-f]{8}), flags ([0-9a-f]{8})$/.exec(lines[4]);
    expect(mbi, lines[4]).to.not.equal(null);
    const flags = parseInt((mbi as RegExpExecArray)[2], 16);
    // mem_*, cmdline, mods, mmap and boot_loader_name are all present.
    for (const bit of [0, 2, 3, 6, 9]) expect(flags & (1 << bit), `multiboot flag bit ${bit}`).to.not.equal(0);
    expect(lines.slice(5, 14)).to.deep.equal([
      '  memory: 640 KiB lower, 130048 KiB upper (128 MiB total)',
      '  command line: "demo.elf"',
      '  boot loader: tcg86',
      '  modules: 0',
      '  memory map:',
      '    00000000-0009fbff available',
      '    0009fc00-0009ffff reserved',
      '    000f0000-000fffff reserved',
      '    00100000-07ffffff available',
    ]);
    expect(lines.slice(14, 18)).to.deep.equal([
      'primes below 60: 2 3 5 7 11 13 17 19 23 29 31 37 41 43 47 53 59',
      'primes up to 100000: 9592',
      'crc32("123456789") = cbf43926',
      '20! = 2432902008176640000',
    ]);
    expect(lines[18]).to.match(/^slept 1 s with hlt: 100 PIT ticks at 100 Hz, TSC ~\d+ MHz$/);
    expect(lines.slice(19)).to.deep.equal(['type something (q quits):', '']);
  });

  it('reads -m and -append into the multiboot information', async () => {
    p = startTcg86(['-serial', 'stdio', '-device', 'isa-debug-exit,iobase=0xf4,iosize=0x04', '-m', '64', '-append', 'hello=world']);
    await p.waitStdout('boot loader:', 15000);
    expect(p.stdout).to.contain('  memory: 640 KiB lower, 64512 KiB upper (64 MiB total)\n');
    expect(p.stdout).to.contain('  command line: "demo.elf hello=world"\n');
    expect(p.stdout).to.contain('    00100000-03ffffff available\n');
  });
});
