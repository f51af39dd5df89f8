// gdb watchpoints (Z2/Z3/Z4): the stop comes right after the instruction that accessed the
// watched range, with the old and new values gdb shows.
import { expect } from 'chai';
import { haveGdb, killAll, readElf, RspClient, startEmulator, waitExit } from '../support/gdbstub-harness';
import { runGdb } from '../support/gdbstub-harness';

const timer = readElf('timer.elf');

describe('gdbstub watchpoints with real gdb', function () {
  this.timeout(30000);
  before(function () { if (!haveGdb()) this.skip(); });
  afterEach(() => killAll());

  it('watch stops after each write of the timer counter with old and new values', async () => {
    const ticks = timer.symbols.get('ticks')?.value;
    expect(ticks, 'timer.elf has a ticks symbol').to.be.a('number');
    const emu = await startEmulator('timer.elf');
    const r = await runGdb('timer.elf', emu.port, [`watch *(int*)0x${ticks!.toString(16)}`, 'continue', 'continue', 'p/x $eip', 'x/i $pc', 'delete', 'continue'], 25000);
    expect(r.timedOut, r.stdout + r.stderr).to.equal(false);
    expect(r.stdout).to.match(/Hardware watchpoint 1: \*\(int\*\)0x[0-9a-f]+/);
    expect(r.stdout).to.match(/Old value = 0\s+New value = 1/);
    expect(r.stdout).to.match(/Old value = 1\s+New value = 2/);
    expect(await waitExit(emu, 10000)).to.equal(1); // the guest then runs to its end
    expect(emu.stdout()).to.contain('PASS timer');
  });

  it('rwatch and awatch from gdb stop on reads and on any access of the counter', async () => {
    const ticks = timer.symbols.get('ticks')!.value;
    const emu = await startEmulator('timer.elf');
    const r = await runGdb('timer.elf', emu.port, [`rwatch *(int*)0x${ticks.toString(16)}`, 'continue', 'delete',
      `awatch *(int*)0x${ticks.toString(16)}`, 'continue', 'continue', 'delete', 'detach'], 25000);
    expect(r.timedOut, r.stdout + r.stderr).to.equal(false);
    expect(r.stdout).to.match(/Hardware read watchpoint 1: \*\(int\*\)0x[0-9a-f]+\s+Value = \d+/);
    expect(r.stdout).to.match(/Hardware access \(read\/write\) watchpoint 2: \*\(int\*\)0x[0-9a-f]+\s+(Value|Old value) = \d+/);
  });

  it('Z2/Z3/Z4 stop replies name watch/rwatch/awatch and the address; z removes them', async () => {
    const ticks = timer.symbols.get('ticks')!.value;
    const emu = await startEmulator('timer.elf');
    const c = await RspClient.connect(emu.port);
    try {
      expect(await c.request(`Z3,${ticks.toString(16)},4`)).to.equal('OK');
      expect(await c.request('c', 10000)).to.match(new RegExp(`^T05thread:0?1;rwatch:${ticks.toString(16)};$`));
      expect(await c.request(`z3,${ticks.toString(16)},4`)).to.equal('OK');
      expect(await c.request(`Z2,${ticks.toString(16)},4`)).to.equal('OK');
      expect(await c.request('c', 10000)).to.match(new RegExp(`^T05thread:0?1;watch:${ticks.toString(16)};$`));
      expect(await c.request(`z2,${ticks.toString(16)},4`)).to.equal('OK');
      expect(await c.request('Z2,1000,0')).to.match(/^E/);
      expect(await c.request('Z5,1000,1')).to.equal('');
    } finally { c.close(); }
  });
});
