// `print` and monitor expressions: arithmetic against values computed here, registers
// against the CPU state, formats, and errors as one line.
import { expect } from 'chai';
import { CR0, CR3, EIP, R_EAX, R_EBX, R_ESP, SEG_BASE, SEG_CS, SEG_SEL, SEG_SS } from '../../src/emu/translate-i386/state';
import { MonitorFixture, monitorFixture } from '../support/monitor-fixture';

describe('monitor: print and expressions', () => {
  let f: MonitorFixture;
  before(() => {
    f = monitorFixture('hello');
    f.machine.exec.run(2000);
  });

  const p = async (e: string) => (await f.run(`p ${e}`)).trimEnd();
  const hex = (v: number | bigint) => (BigInt(v) === 0n ? '0' : '0x' + BigInt(v).toString(16));

  it('evaluates arithmetic with C precedence, in 64 bits', async () => {
    // Independent: the same expressions computed with BigInt here.
    const cases: [string, bigint][] = [
      ['1+2', 3n], ['2+3*4', 14n], ['(2+3)*4', 20n], ['0x10 | 0x3 & 0x1', 0x11n], ['1 << 4 + 1', 32n],
      ['0xff00 >> 8', 0xffn], ['100/7', 14n], ['100%7', 2n], ['010', 8n], ['~0', (1n << 64n) - 1n],
      ['0xffffffff + 1', 0x100000000n], ['-1', (1n << 64n) - 1n], ["'A' + 1", 66n], ['7 ^ 2', 5n],
    ];
    for (const [e, v] of cases) expect(await p(`/x ${e}`), e).to.equal(hex(v));
  });

  it('prints in the sticky format: hex by default, then /d /u /o /c', async () => {
    const g = monitorFixture('hello');
    const out = async (l: string) => (await g.run(l)).trimEnd();
    expect(await out('p 255')).to.equal('0xff');
    expect(await out('p /d -8/2')).to.equal('-4');
    expect(await out('p 10')).to.equal('10'); // /d stuck
    expect(await out('p /u -1')).to.equal('18446744073709551615');
    expect(await out('p /o 8')).to.equal('010');
    expect(await out("p /c 0x41")).to.equal("'A'");
    expect(await out('p /c 10')).to.equal("'\\n'");
    expect(await out('p /x 0')).to.equal('0');
  });

  it('reads registers from the CPU state', async () => {
    const s = f.machine.cpu.s;
    s[R_EAX] = 0x12345678; s[R_EBX] = -2;
    expect(await p('/x $eax')).to.equal(hex(0x12345678));
    expect(await p('/x $ebx')).to.equal(hex(0xfffffffe));
    expect(await p('/x $eax + $ebx')).to.equal(hex(0x12345678 + 0xfffffffe));
    expect(await p('/x $ax')).to.equal(hex(0x5678));
    expect(await p('/x $ah')).to.equal(hex(0x56));
    expect(await p('/x $esp')).to.equal(hex(s[R_ESP] >>> 0));
    expect(await p('/x $sp')).to.equal(hex(s[R_ESP] >>> 0));
    expect(await p('/x $eip')).to.equal(hex(s[EIP] >>> 0));
    expect(await p('/x $pc')).to.equal(hex((s[SEG_BASE + SEG_CS] + s[EIP]) >>> 0));
    expect(await p('/x $eflags')).to.equal(hex(f.machine.cpu.getEflags() >>> 0));
    expect(await p('/x $cs')).to.equal(hex(s[SEG_SEL + SEG_CS] & 0xffff));
    expect(await p('/x $ss')).to.equal(hex(s[SEG_SEL + SEG_SS] & 0xffff));
    expect(await p('/x $cs.base')).to.equal(hex(s[SEG_BASE + SEG_CS] >>> 0));
    expect(await p('/x $cr0')).to.equal(hex(s[CR0] >>> 0));
    s[CR3] = 0x5000;
    expect(await p('/x $cr3 + 0x10')).to.equal('0x5010');
  });

  it('answers bad expressions with one line', async () => {
    const bad: [string, RegExp][] = [
      ['p $nosuch', /^unknown register '\$nosuch'$/], ['p (1+2', /^'\)' expected$/], ['p 1/0', /^division by zero$/],
      ['p 1 +', /^unexpected end of expression$/], ['p 0x', /^invalid number/], ['p 1 2', /^extraneous characters/],
      ['p', /^print: missing expression$/], ['p /z 1', /^invalid char in format: 'z'$/], ['p @', /^invalid char '@'/],
      ['p 99999999999999999999999', /^number too large/],
    ];
    for (const [line, re] of bad) {
      const out = await f.run(line);
      expect(out.split('\n').length, line).to.equal(2); // one line and its newline
      expect(out.trimEnd(), line).to.match(re);
    }
  });
});
