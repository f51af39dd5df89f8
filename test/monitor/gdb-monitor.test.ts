// The monitor through gdb's `monitor` command (qRcmd): same commands, same output.
import { expect } from 'chai';
import { haveGdb, killAll, readElf, runGdb, startEmulator } from '../support/gdbstub-harness';

describe('monitor through gdb', function () {
  this.timeout(20000);
  before(function () { if (!haveGdb()) this.skip(); });
  afterEach(() => killAll());

  it('monitor info registers, info tb, x/2i and an unknown command', async () => {
    const hello = readElf('hello.elf');
    const main = hello.symbols.get('main')!.value;
    const emu = await startEmulator('hello.elf');
    const r = await runGdb('hello.elf', emu.port, [`break *0x${main.toString(16)}`, 'continue', 'monitor info registers',
      'monitor info tb', `monitor info tb 0x${main.toString(16)}`, 'stepi', `monitor info tb 0x${main.toString(16)}`, 'monitor x/2i $eip', 'monitor frobnicate', 'detach']);
    expect(r.timedOut, r.stdout + r.stderr).to.equal(false);
    const out = r.stdout + r.stderr;
    expect(out).to.match(new RegExp(`EIP=${main.toString(16).padStart(8, '0')} EFL=`));
    expect(out).to.match(/\d+ TBs, newest first:/);
    const pc = main.toString(16).padStart(8, '0');
    // Stopped before main ran: no TB there yet; after one stepi, a one-instruction TB (a
    // breakpoint's page is translated one instruction per TB) with its IR and JavaScript.
    expect(out).to.contain(`info tb: no translated block at 0x${pc}`);
    expect(out).to.match(new RegExp(`TB #\\d+: pc=0x${pc} .*cflags=single-insn`));
    expect(out).to.match(/1 guest instructions, \d+ bytes, exec count 1/);
    expect(out).to.contain('IR after optimization:');
    expect(out).to.match(new RegExp(`function tb_${main.toString(16)}_\\d+\\(left\\)`));
    expect(out).to.contain("unknown command: 'frobnicate'");
  });
});
