// The command interpreter itself: help, unknown commands, bad input as one line, never an
// exception, and synchronous output for gdb's `monitor` command.
import { expect } from 'chai';
import { MonitorFixture, monitorFixture, outLines } from '../support/monitor-fixture';

describe('monitor: interpreter', () => {
  let f: MonitorFixture;
  before(() => {
    f = monitorFixture('hello');
    f.machine.exec.run(20000);
  });

  it('help lists every command as "name args -- text"; help CMD and help info narrow it', async () => {
    const l = outLines(await f.run('help'));
    for (const name of ['cont|c', 'gva2gpa', 'help|?', 'info', 'log', 'logfile', 'memsave', 'pmemsave', 'print|p', 'quit|q',
      'step', 'stop|s', 'system_reset', 'tb_flush|flush_tb', 'x', 'xp']) {
      expect(l.some(x => x.startsWith(name + ' ')), name).to.equal(true);
    }
    for (const x of l) expect(x).to.match(/^\S+( .*)? -- \S/);
    expect(await f.run('help xp')).to.equal("xp /fmt addr -- physical memory dump starting at 'addr'\n");
    expect(await f.run('help c')).to.equal('cont|c -- resume emulation\n');
    const info = outLines(await f.run('help info'));
    for (const sub of ['registers', 'cpus', 'status', 'pic', 'irq', 'mtree', 'tlb', 'mem', 'gdt', 'idt', 'ldt', 'tss', 'jit', 'tb']) {
      expect(info.some(x => x.startsWith(`info ${sub} `)), sub).to.equal(true);
    }
    expect(await f.run('info')).to.equal(info.join('\n') + '\n');
    expect(await f.run('help info tlb')).to.equal('info tlb -- show virtual to physical memory mappings\n');
    expect(await f.run('help nothing')).to.equal("unknown command: 'nothing'\n");
  });

  it('unknown commands and subcommands get QEMU\'s one line', async () => {
    expect(await f.run('foo')).to.equal("unknown command: 'foo'\n");
    expect(await f.run('foo/3 bar')).to.equal("unknown command: 'foo'\n");
    expect(await f.run('info foo')).to.equal("unknown command: 'info foo'\n");
    expect(await f.run('')).to.equal('');
    expect(await f.run('   ')).to.equal('');
    expect(await f.run('# a comment')).to.equal('');
  });

  it('bad input never throws and never reaches an internal error', async () => {
    const lines = [
      'x', 'x/', 'x/0x10', 'x /3z 0', 'x/4x (', 'xp/4x -1', 'x/2i 0xffffffff', 'x/s 0xfffffffe', 'p ((((', 'p $', 'p $$',
      "p 'ab'", 'p 1 <', 'p 1 >> 70', 'p 5 << 64', 'p -9223372036854775808 / -1', 'gva2gpa', 'gva2gpa 0x1ffffffff', 'memsave',
      'memsave 0', 'memsave 0 0x1ffffffff x', 'pmemsave 0xfffffff0 0x100 /nonexistent-dir/x', 'info tb zz', 'info gdt 1 2 3',
      'info idt 0x100000', 'info registers -a -a', 'log ,,,', 'logfile', 'step -1', 'step $nosuch', 'system_reset now',
      'info status extra', 'tb_flush 1', '\u0000\u0001', 'x/99999999999999999999x 0', 'xp/1000000000c 0', 'p/s 1',
    ];
    for (const line of lines) {
      let out = '';
      let threw: unknown = null;
      try { await f.mon.execute(line, (t) => { out += t; }); } catch (e) { threw = e; }
      expect(threw, line).to.equal(null);
      expect(out, line).to.not.match(/internal error/);
      expect(out.endsWith('\n') || out === '', line).to.equal(true);
    }
  });

  it('completes command names and info subcommands for readline', () => {
    expect(f.mon.complete('in')).to.deep.equal([['info'], 'in']);
    expect(f.mon.complete('s')).to.deep.equal([['step', 'stop', 'system_reset'], 's']);
    expect(f.mon.complete('info re')).to.deep.equal([['registers'], 're']);
    expect(f.mon.complete('info t')).to.deep.equal([['tb', 'tlb', 'tss'], 't']);
    expect(f.mon.complete('x /4x ')).to.deep.equal([[], 'x /4x ']);
  });

  it('a failing writer does not make execute throw', async () => {
    let calls = 0;
    await f.mon.execute('help', () => { calls++; throw new Error('socket gone'); });
    expect(calls).to.be.greaterThan(5);
  });

  it('synchronous commands have written all output when execute returns (for gdb qRcmd)', () => {
    let out = '';
    void f.mon.execute('info registers', (t) => { out += t; });
    expect(out).to.match(/^\nCPU#0\nEAX=/);
    expect(out).to.match(/\nXMM06=0{16} 0{16} XMM07=0{16} 0{16}\n$/);
  });

  it('x/p formats and sizes are sticky as in QEMU (default /x, 4 bytes)', async () => {
    const g = monitorFixture('hello');
    const start = g.elf.symbol('_start');
    const a = `0x${start.toString(16)}`;
    expect(outLines(await g.run(`x ${a}`))[0]).to.match(/^[0-9a-f]{8}: 0x[0-9a-f]{8}$/);
    await g.run(`x /2xb ${a}`);
    expect(outLines(await g.run(`x ${a}`))[0]).to.match(/^[0-9a-f]{8}: 0x[0-9a-f]{2}$/); // size b stuck
    await g.run(`x /i ${a}`);
    expect(await g.run('p 10')).to.equal('10\n'); // after /i, p prints decimal (QEMU's quirk)
  });
});
