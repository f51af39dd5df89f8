// Real gdb (batch mode) against the real emulator started with -S -gdb tcp:127.0.0.1:PORT.
import { expect } from 'chai';
import { Elf, Emulator, GdbResult, haveGdb, killAll, readElf, RspClient, runGdb, startEmulator, sym, waitExit } from '../support/gdbstub-harness';

const hello: Elf = readElf('hello.elf');
const hex = (v: number): string => `0x${v.toString(16)}`;

/** Values printed by `p` commands, in order ($1 = ..., $2 = ...). */
function printed(r: GdbResult): string[] {
  return [...r.stdout.matchAll(/^\$\d+ = (.*)$/gm)].map(m => m[1]);
}
function ok(r: GdbResult): void {
  expect(r.timedOut, `gdb timed out\n${r.stdout}\n${r.stderr}`).to.equal(false);
  expect(r.stderr, r.stdout).not.to.match(/Remote communication error|Remote connection closed|Protocol error|packet reply is too long|Ignoring packet error/i);
}

describe('gdbstub with real gdb', function () {
  this.timeout(20000);
  let emu: Emulator;
  before(function () { if (!haveGdb()) this.skip(); });
  beforeEach(async () => { emu = await startEmulator('hello.elf'); });
  afterEach(() => killAll());

  it('connects to a -S machine: $eip is the multiboot entry, cs and cr0 are readable, the FPU is empty', async () => {
    const r = await runGdb('hello.elf', emu.port, ['p/x $eip', 'p $cs', 'info registers cr0', 'p/x $fctrl', 'p/x $ftag', 'p/x $mxcsr', 'info float', 'detach']);
    ok(r);
    const [eip, cs, fctrl, ftag, mxcsr] = printed(r);
    expect(eip).to.equal(hex(hello.entry));
    expect(cs, 'the loader\'s flat code selector').to.equal('16');
    expect(r.stdout).to.match(/^cr0\s+0x11\s+\[ PE ET \]/m);
    expect([fctrl, ftag, mxcsr]).to.deep.equal(['0x37f', '0xffff', '0x1f80']);
    expect(r.stdout.match(/R\d: Empty/g)).to.have.length(8);
  });

  it('break main + continue stops at main (after the prologue gdb picked), break *main exactly at the symbol', async () => {
    const main = hello.symbols.get('main')!;
    const r = await runGdb('hello.elf', emu.port, ['break main', 'break *main', 'continue', 'info registers eip', 'delete 2', 'continue', 'info registers eip', 'detach']);
    ok(r);
    const bp = /Breakpoint 1 at (0x[0-9a-f]+)/.exec(r.stdout);
    expect(bp, r.stdout).to.not.equal(null);
    const bp1 = parseInt(bp![1], 16);
    expect(bp1).to.be.within(main.value, main.value + main.size - 1);
    const eips = [...r.stdout.matchAll(/^eip\s+(0x[0-9a-f]+)/gm)].map(m => parseInt(m[1], 16));
    expect(eips).to.deep.equal([main.value, bp1]);
    expect(r.stdout).to.match(/Breakpoint 2, 0x0*1010b0 in main/);
  });

  it('stepi advances by exactly one instruction (the length x/2i shows)', async () => {
    const r = await runGdb('hello.elf', emu.port, ['x/2i $pc', 'stepi', 'p/x $pc', 'break *main', 'continue', 'x/2i $pc', 'stepi', 'p/x $pc', 'detach']);
    ok(r);
    const next = [...r.stdout.matchAll(/^ {3}(0x[0-9a-f]+) <[^>]+>:/gm)].map(m => m[1]);
    expect(next, r.stdout).to.have.length(2);
    expect(printed(r)).to.deep.equal(next);
    expect(next[0]).to.equal(hex(hello.entry + 1));             // cli
    expect(next[1]).to.equal(hex(sym(hello, 'main') + 4));      // lea 0x4(%esp),%ecx
  });

  it('finish returns to the caller, nexti steps over a call, next (no line info) steps main to the exit', async () => {
    const r = await runGdb('hello.elf', emu.port, [
      'break *t_eq', 'continue', 'p/x *(unsigned*)$esp', 'delete', 'finish', 'p/x $pc', 'nexti', 'p/x $pc', 'next']);
    ok(r);
    const [ret, pc1, pc2] = printed(r).map(v => parseInt(v, 16));
    expect(pc1, 'finish stops at the return address').to.equal(ret);
    expect(hello.bytesAt(pc1, 1)[0], 'the next instruction is a call rel32').to.equal(0xe8);
    expect(pc2, 'nexti steps over the call').to.equal(pc1 + 5);
    expect(r.stdout).to.contain('Single stepping until exit from function main');
    expect(r.stdout).to.contain('[Inferior 1 (process 1) exited with code 01]');
    expect(await waitExit(emu, 5000)).to.equal(1);
    expect(emu.stdout()).to.contain('PASS hello 2 checks');
  });

  it('x/4wx reads the bytes of the ELF image', async () => {
    const main = sym(hello, 'main'), gdt = sym(hello, 'gdt');
    const r = await runGdb('hello.elf', emu.port, [`x/4wx ${hex(main)}`, `x/4wx ${hex(gdt)}`, 'detach']);
    ok(r);
    const words = [...r.stdout.matchAll(/^0x[0-9a-f]+(?: <[^>]+>)?:\s+(.*)$/gm)].map(m => m[1].trim().split(/\s+/).map(w => parseInt(w, 16)));
    const want = (a: number): number[] => [0, 4, 8, 12].map(o => hello.bytesAt(a + o, 4).readUInt32LE(0));
    expect(words).to.deep.equal([want(main), want(gdt)]);
    expect(words[1].slice(2), 'the flat code descriptor').to.deep.equal([0xffff, 0xcf9a00]);
  });

  it('set var and set *(int*)addr write guest memory; register writes reach the CPU', async () => {
    const r = await runGdb('hello.elf', emu.port, [
      'set var *(int*)&fault_count = 1234', 'set *(int*)0x200000 = 0x5a5a1234', 'set $eax = 0x1234567', 'set $cr4 = 0x10',
      'maint flush register-cache', 'p *(int*)&fault_count', 'p/x *(int*)0x200000', 'p/x $eax', 'p/x $cr4', 'detach']);
    ok(r);
    expect(printed(r)).to.deep.equal(['1234', '0x5a5a1234', '0x1234567', '0x10']);
  });

  it('system registers: cr0 has PE, gdtr/idtr follow the guest, cs is the guest selector at main', async () => {
    const r = await runGdb('hello.elf', emu.port, ['break *main', 'continue', 'info registers cr0', 'p/x $gdtr_base', 'p $gdtr_limit',
      'p/x $idtr_base', 'p $cs', 'p/x $cs_attr', 'info registers fs_base', 'detach']);
    ok(r);
    expect(r.stdout).to.match(/^cr0\s+0x11\s+\[ PE ET \]/m);
    const [gdtr, limit, idtr, cs, csAttr] = printed(r);
    expect(gdtr).to.equal(hex(sym(hello, 'gdt')));
    expect(limit).to.equal('255');
    expect(idtr).to.equal(hex(sym(hello, 'idt')));
    expect(cs).to.equal('8');
    expect(parseInt(csAttr, 16) & 0xff00).to.equal(0x9b00);
    expect(r.stdout).to.match(/^fs_base\s+0x0\s/m);
  });

  it('hbreak (Z1) stops at the address', async () => {
    const r = await runGdb('hello.elf', emu.port, ['hbreak *t_end', 'continue', 'p/x $pc', 'detach']);
    ok(r);
    expect(r.stdout).to.match(/Hardware assisted breakpoint 1/);
    expect(printed(r)).to.deep.equal([hex(sym(hello, 't_end'))]);
  });

  it("continue to the end reports the guest's isa-debug-exit status as the exit code", async () => {
    const r = await runGdb('hello.elf', emu.port, ['continue']);
    ok(r);
    expect(r.stdout).to.contain('[Inferior 1 (process 1) exited with code 01]');
    expect(await waitExit(emu, 5000)).to.equal(1);
    expect(emu.stdout()).to.contain('PASS hello 2 checks');
  });

  it('detach leaves the emulator running to completion', async () => {
    const r = await runGdb('hello.elf', emu.port, ['break *t_eq', 'continue', 'detach']);
    ok(r);
    expect(r.stdout).to.match(/Breakpoint 1, 0x[0-9a-f]+ in t_eq/);
    expect(r.stdout).to.contain('[Inferior 1 (process 1) detached]');
    expect(await waitExit(emu, 8000)).to.equal(1);
    expect(emu.stdout()).to.contain('PASS hello 2 checks');
  });

  it('a second gdb is refused with a clear message while a client is attached', async () => {
    const first = await RspClient.connect(emu.port);
    try {
      expect(await first.request('?')).to.equal('T05thread:01;');
      const r = await runGdb('hello.elf', emu.port, ['p $pc']);
      expect(r.timedOut).to.equal(false);
      expect(r.stderr).to.contain('another gdb is already connected');
      expect(await first.request('?'), 'the first client is still served').to.equal('T05thread:01;');
    } finally {
      first.close();
    }
  });

  it('a second gdb attaches after the first one disconnected, with the guest where it was left', async () => {
    const r1 = await runGdb('hello.elf', emu.port, ['break *t_eq', 'continue', 'disconnect']);
    ok(r1);
    const r2 = await runGdb('hello.elf', emu.port, ['p/x $pc', 'continue']);
    ok(r2);
    expect(printed(r2)[0]).to.equal(hex(sym(hello, 't_eq')));
    expect(r2.stdout, 'the first gdb\'s breakpoint is gone').to.contain('exited with code 01');
    expect(await waitExit(emu, 5000)).to.equal(1);
  });
});
