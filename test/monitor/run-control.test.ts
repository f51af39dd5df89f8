// stop, cont, step, system_reset, quit and `info status` on a machine that really runs.
import { expect } from 'chai';
import { EIP, R_EAX } from '../../src/emu/translate-i386/state';
import { monitorFixture, outLines } from '../support/monitor-fixture';

const h8 = (v: number) => (v >>> 0).toString(16).padStart(8, '0');
const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));

describe('monitor: run control', function () {
  this.timeout(20000);

  it('info status follows stop and cont on a running guest', async () => {
    const f = monitorFixture('loop'); // a 50-million-iteration loop: still running after the test
    expect(await f.run('info status')).to.equal('VM status: paused (prelaunch)\n');
    const done = f.machine.start();
    expect(await f.run('info status')).to.equal('VM status: running\n');
    await sleep(50);
    expect(await f.run('stop')).to.equal('');
    expect(f.debug.isRunning()).to.equal(false);
    expect(await f.run('info status')).to.equal('VM status: paused\n');
    const insns = f.machine.exec.insns;
    await sleep(50);
    expect(f.machine.exec.insns).to.equal(insns); // really stopped
    expect(await f.run('cont')).to.equal('');
    expect(await f.run('info status')).to.equal('VM status: running\n');
    await sleep(50);
    expect(f.machine.exec.insns).to.be.greaterThan(insns);
    expect(await f.run('quit')).to.equal('');
    expect(f.mon.quitRequested).to.equal(true);
    expect(await done).to.equal(0);
    expect(await f.run('info status')).to.equal('VM status: paused (shutdown)\n');
    expect(await f.run('cont')).to.equal('cont: the VM has shut down\n');
  });

  it('step executes N instructions and shows the next one', async () => {
    const f = monitorFixture('hello', { startPaused: true });
    const done = f.machine.start();
    const start = f.elf.symbol('_start');
    expect(f.machine.cpu.s[EIP] >>> 0).to.equal(start);
    // entry.S: cli; cld; mov %eax,%esi; mov %ebx,%edi; mov $__bss_start,%ecx
    expect(await f.run('step')).to.match(new RegExp(`^0x${h8(start + 1)}:  fc\\s+cld\\n$`));
    expect(await f.run('info status')).to.equal('VM status: paused (debug)\n');
    const eax = f.machine.cpu.s[R_EAX];
    const out = await f.run('step 2');
    expect(f.machine.cpu.s[EIP] >>> 0).to.equal(start + 4);
    expect(out).to.match(new RegExp(`^0x${h8(start + 4)}:  89 df\\s+mov\\s+%ebx,%edi\\n$`));
    expect(f.machine.cpu.s[R_EAX]).to.equal(eax);
    expect(await f.run('step 0')).to.match(/^step: the count must be between 1 and 10000\n$/);
    expect(await f.run('step 99999999')).to.match(/^step: the count must be between 1 and 10000\n$/);
    expect(await f.run('step $eip - $eip + 3')).to.match(/^0x/);
    expect(f.machine.cpu.s[EIP] >>> 0).to.equal(start + 17); // mov %ebx,%edi (2 bytes); mov $__bss_start,%ecx (5); cmp $__bss_end,%ecx (6)
    await f.run('cont');
    expect(await done).to.equal(1); // hello passes: exit code 0 through isa-debug-exit, (0 << 1) | 1
    expect(Buffer.from(f.serial).toString()).to.match(/PASS hello/);
  });

  it('step refuses a running VM; stop on a stopped VM is harmless', async () => {
    const f = monitorFixture('loop');
    const done = f.machine.start();
    expect(await f.run('step')).to.equal("step: the VM is running; use 'stop' first\n");
    await f.run('stop');
    expect(await f.run('stop')).to.equal('');
    expect(outLines(await f.run('step'))).to.have.length(1);
    await f.run('quit');
    await done;
  });

  it('system_reset while paused puts the CPU back at the kernel entry', async () => {
    const f = monitorFixture('loop', { startPaused: true });
    const done = f.machine.start();
    const entry = f.elf.symbol('_start');
    await f.run('cont');
    await sleep(30);
    await f.run('stop');
    expect(f.machine.cpu.s[EIP] >>> 0).to.not.equal(entry);
    expect(await f.run('system_reset')).to.equal('');
    expect(f.machine.cpu.s[EIP] >>> 0).to.equal(entry);
    expect(f.machine.cpu.s[R_EAX] >>> 0).to.equal(0x2badb002); // multiboot magic again
    await f.run('q');
    await done;
  });

  it('step before the machine starts, and unknown arguments, give one line', async () => {
    const f = monitorFixture('hello');
    expect(await f.run('step')).to.equal('step: the VM has not been started\n');
    expect(await f.run('cont')).to.equal('cont: the VM has not been started\n');
    expect(await f.run('stop now')).to.match(/^extraneous characters at the end of line: 'now'\n$/);
  });
});
