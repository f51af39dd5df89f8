// info tb, info jit, tb_flush, log and logfile against the exec loop's own TB cache.
import { expect } from 'chai';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { TranslationBlock } from '../../src/emu/cpu-exec/tb';
import { genFunctionSource } from '../../src/emu/hostgen/jsgen';
import { optimize } from '../../src/emu/tcg/optimize';
import { formatIr } from '../../src/emu/tcg/printer';
import { MonitorFixture, monitorFixture, outLines } from '../support/monitor-fixture';

const h8 = (v: number) => (v >>> 0).toString(16).padStart(8, '0');

/** The fields of one `info tb` row. */
function parseRow(line: string) {
  const m = /^\s*(\d+)\s+0x([0-9a-f]{8})\s+0x([0-9a-f]{8})\s+([0-9a-f]{8})\s+(\d+)\s+(\d+)\s+(\d+)(\+?)\s+(js|wasm|interp)\s+0:(\S+) 1:(\S+)$/.exec(line);
  if (!m) throw new Error(`not a TB row: '${line}'`);
  return { id: +m[1], pc: parseInt(m[2], 16), phys: parseInt(m[3], 16), flags: parseInt(m[4], 16), icount: +m[5], size: +m[6], exec: +m[7], plus: m[8] === '+', code: m[9], l0: m[10], l1: m[11] };
}
const linkOf = (t: TranslationBlock | null) => (t ? `#${t.id}@${h8(t.pc)}` : '-');

describe('monitor: translated blocks', function () {
  this.timeout(30000);
  let f: MonitorFixture;
  before(() => {
    f = monitorFixture('loop', { hotThreshold: 40 });
    f.machine.exec.run(400_000);
    f.machine.exec.idle(); // compile what became hot
  });

  it('info tb lists the newest 20 TBs with their fields and links', async () => {
    const all = f.machine.exec.allTbs();
    expect(all.length).to.be.greaterThan(20);
    const l = outLines(await f.run('info tb'));
    expect(l[0]).to.equal(`${all.length} TBs, newest first:`);
    const rows = l.slice(2, 22).map(parseRow);
    const byId = new Map(all.map(t => [t.id, t]));
    const newest = [...all].sort((a, b) => b.id - a.id).slice(0, 20);
    expect(rows.map(r => r.id)).to.deep.equal(newest.map(t => t.id));
    for (const r of rows) {
      const tb = byId.get(r.id)!;
      expect(r.pc).to.equal(tb.pc >>> 0);
      expect(r.phys).to.equal(tb.physPc >>> 0);
      expect(r.flags).to.equal(tb.flags >>> 0);
      expect(r.icount).to.equal(tb.icount);
      expect(r.size).to.equal(tb.size);
      expect(r.exec).to.equal(tb.execCount);
      expect(r.plus).to.equal(false); // counts are exact for compiled TBs too
      expect(r.code).to.equal(tb.fn ? (tb.wasm ? 'wasm' : 'js') : 'interp');
      expect(r.l0).to.equal(linkOf(tb.jmp[0]));
      expect(r.l1).to.equal(linkOf(tb.jmp[1]));
    }
    expect(l[22]).to.equal(`... ${all.length - 20} more (info tb ADDR shows one TB in full)`);
    expect(l).to.have.length(23);
  });

  it('info tb -h orders by execution count, and the hot loop is compiled', async () => {
    const rows = outLines(await f.run('info tb -h')).slice(2, 22).map(parseRow);
    for (let i = 1; i < rows.length; i++) expect(rows[i - 1].exec).to.be.at.least(rows[i].exec);
    const max = Math.max(...f.machine.exec.allTbs().map(t => t.execCount));
    expect(rows[0].exec).to.equal(max);
    expect(rows[0].code).to.be.oneOf(['js', 'wasm']);
  });

  it('info tb ADDR shows one compiled TB in full: guest code, IR, JavaScript, links', async () => {
    const tb = f.machine.exec.allTbs().filter(t => t.fn && t.ir).sort((a, b) => b.execCount - a.execCount)[0];
    const l = outLines(await f.run(`info tb 0x${h8(tb.pc)}`));
    expect(l[0]).to.equal(`TB #${tb.id}: pc=0x${h8(tb.pc)} cs_base=0x${h8(tb.csBase)} phys=0x${h8(tb.physPc)} flags=0x${h8(tb.flags)} cflags=0`);
    expect(l[1]).to.equal(`  ${tb.icount} guest instructions, ${tb.size} bytes, exec count ${tb.execCount}, compiled to ${tb.wasm ? 'WebAssembly' : 'JavaScript'}`);
    expect(l[2]).to.equal('  guest code:');
    const code = l.slice(3, 3 + tb.icount);
    expect(code.map(x => x.slice(0, 15))).to.deep.equal(tb.insnEips.map(e => `    0x${h8(tb.csBase + e)}:`));
    // the bytes on each line are the guest's
    for (const line of code) {
      const m = /^ {4}0x([0-9a-f]{8}): {2}((?:[0-9a-f]{2} )*[0-9a-f]{2})/.exec(line)!;
      const a = parseInt(m[1], 16);
      expect(m[2].split(' ').map(b => parseInt(b, 16))).to.deep.equal([...f.elf.bytesAt(a, m[2].split(' ').length)]);
    }
    const beforeAt = 3 + tb.icount;
    expect(l[beforeAt]).to.equal('  IR before optimization:');
    // Translated again from the guest's code (no TB keeps it): optimized, it is the TB's IR.
    const before = f.machine.exec.irBeforeOptimization(tb);
    const irBefore = formatIr(before).trimEnd().split('\n').map(x => '   ' + x);
    expect(l.slice(beforeAt + 1, beforeAt + 1 + irBefore.length)).to.deep.equal(irBefore);
    expect(before.ops.length).to.be.greaterThan(tb.ir!.ops.length); // the optimizer removed something
    optimize(before);
    expect(formatIr(before)).to.equal(formatIr(tb.ir!));
    const irAt = beforeAt + 1 + irBefore.length;
    expect(l[irAt]).to.equal('  IR after optimization:');
    const ir = formatIr(tb.ir!).trimEnd().split('\n').map(x => '   ' + x);
    expect(l.slice(irAt + 1, irAt + 1 + ir.length)).to.deep.equal(ir);
    const jsAt = irAt + 1 + ir.length;
    expect(l[jsAt]).to.equal(tb.wasm ? '  WebAssembly (op for op the same code as this JavaScript):' : '  JavaScript:');
    const js = genFunctionSource(tb.ir!, `tb_${(tb.pc >>> 0).toString(16)}_${tb.id}`).trimEnd().split('\n').map(x => '    ' + x);
    expect(l.slice(jsAt + 1, jsAt + 1 + js.length)).to.deep.equal(js);
    expect(l[jsAt + 1 + js.length]).to.equal(`  exits: 0 -> ${linkOf(tb.jmp[0])}, 1 -> ${linkOf(tb.jmp[1])}`);
    expect(l[jsAt + 2 + js.length]).to.match(/^ {2}linked from: /);
  });

  it('info tb ADDR inside a TB finds the TB covering it; unknown addresses get one line', async () => {
    const tb = f.machine.exec.allTbs().find(t => t.size > 1)!;
    const l = outLines(await f.run(`info tb 0x${h8(tb.pc + 1)}`));
    expect(l.filter(x => x.startsWith('TB #')).map(x => x.split(':')[0])).to.include(`TB #${tb.id}`);
    expect(await f.run('info tb 0x7000000')).to.equal('info tb: no translated block at 0x07000000\n');
    expect(await f.run('info tb $nosuch')).to.equal("unknown register '$nosuch'\n");
  });

  it('info jit shows the TB count and the exec statistics', async () => {
    const l = outLines(await f.run('info jit'));
    expect(l[0]).to.equal('Translation buffer state:');
    expect(l[1]).to.equal(`TB count              ${f.machine.exec.tbCountNow()} (flush beyond 262144)`);
    expect(l[2]).to.match(/^backend {15}tiered \(IR interpreter, then WebAssembly and page units after 40 runs/);
    expect(l.slice(3)).to.deep.equal(f.debug.stats.describe().split('\n'));
  });

  it('log and logfile set the -d items and file; log nochain turns chaining off', async () => {
    const exec = f.machine.exec;
    expect(await f.run('log in_asm,op')).to.equal('');
    expect(exec.log.enabled('in_asm')).to.equal(true);
    expect(exec.log.enabled('op')).to.equal(true);
    expect(await f.run('log bogus')).to.match(/unknown item 'bogus'.*\n$/);
    expect(outLines(await f.run('log help'))[0]).to.equal('Log items (comma separated):');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tcg86-log-'));
    try {
      const file = path.join(dir, 'log.txt');
      expect(await f.run(`logfile ${file}`)).to.equal('');
      expect(await f.run('log in_asm')).to.equal('');
      expect(await f.run('tb_flush')).to.match(/^flushed \d+ TBs\n$/);
      exec.run(1000);
      expect(fs.readFileSync(file, 'utf8')).to.match(/^-+\nIN: \n0x[0-9a-f]{8}/);
      expect(await f.run(`logfile ${path.join(dir, 'no', 'such')}`)).to.match(/^could not open .*No such file or directory\n$/);
    } finally {
      await f.run('log none');
      exec.log.setSink(() => undefined);
      fs.rmSync(dir, { recursive: true, force: true });
    }
    expect(exec.log.enabled('in_asm')).to.equal(false);
    expect(await f.run('log nochain')).to.equal('');
    expect(exec.opts.nochain).to.equal(true);
    exec.run(20000);
    expect(exec.allTbs().every(t => t.jmp[0] === null && t.jmp[1] === null)).to.equal(true);
    await f.run('log none');
    expect(exec.opts.nochain).to.equal(false);
  });

  it('tb_flush drops every TB', async () => {
    f.machine.exec.run(1000);
    const n = f.machine.exec.tbCountNow();
    expect(n).to.be.greaterThan(0);
    expect(await f.run('tb_flush')).to.equal(`flushed ${n} TBs\n`);
    expect(f.machine.exec.tbCountNow()).to.equal(0);
    expect(outLines(await f.run('info tb'))[0]).to.equal('0 TBs, newest first:');
    expect(await f.run('flush_tb')).to.equal('flushed 0 TBs\n');
  });
});
