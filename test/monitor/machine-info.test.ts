// info pic, info irq and info mtree on a machine that ran the timer kernel (PIT on IRQ0, RTC
// on IRQ8 through the slave PIC).
import { expect } from 'chai';
import { MonitorFixture, monitorFixture, outLines } from '../support/monitor-fixture';

describe('monitor: info pic, irq, mtree', function () {
  this.timeout(30000);
  let f: MonitorFixture;
  before(async () => {
    f = monitorFixture('timer');
    expect(await f.machine.start()).to.equal(1); // passed
    expect(Buffer.from(f.serial).toString()).to.match(/PASS timer/);
  });

  it('info irq counts IRQ0 and IRQ8 as the guest handlers counted them', async () => {
    const mem = f.machine.mem;
    const ticks = mem.physRead(f.elf.symbol('ticks'), 4);
    const rtcIrqs = mem.physRead(f.elf.symbol('rtc_irqs'), 4);
    expect(ticks).to.be.at.least(50);
    expect(rtcIrqs).to.equal(10);
    expect(outLines(await f.run('info irq'))).to.deep.equal([
      'IRQ statistics for isa-i8259:',
      ` 0: ${ticks}`,
      ` 8: ${rtcIrqs}`,
    ]);
  });

  it('info pic shows both chips as the kernel programmed them (bases 0x20/0x28, IRQs masked at the end)', async () => {
    const l = outLines(await f.run('info pic'));
    expect(l).to.have.length(2);
    expect(l[0]).to.match(/^pic0: irr=[0-9a-f]{2} imr=fb isr=00 hprio=0 irq_base=20 rr_sel=0 elcr=00 fnm=0$/);
    expect(l[1]).to.match(/^pic1: irr=[0-9a-f]{2} imr=ff isr=00 hprio=0 irq_base=28 rr_sel=0 elcr=00 fnm=0$/);
    expect(l.join('\n') + '\n').to.equal(f.machine.pic.describe());
  });

  it('info mtree shows the RAM size and the I/O ports of the board', async () => {
    const l = outLines(await f.run('info mtree'));
    expect(l.slice(0, 3)).to.deep.equal([
      'address-space: memory',
      '  0000000000000000-ffffffffffffffff (prio 0, i/o): system',
      `    0000000000000000-${(f.machine.mem.size - 1).toString(16).padStart(16, '0')} (prio 0, ram): pc.ram`,
    ]);
    expect(f.machine.mem.size).to.equal(32 << 20);
    expect(l).to.include('address-space: I/O');
    const port = (a: number, b: number, name: string) => `    ${a.toString(16).padStart(16, '0')}-${b.toString(16).padStart(16, '0')} (prio 0, i/o): ${name}`;
    for (const want of [port(0x20, 0x21, 'pic'), port(0xa0, 0xa1, 'pic'), port(0x40, 0x43, 'pit'), port(0x70, 0x71, 'rtc'),
      port(0x3f8, 0x3ff, 'serial'), port(0xf4, 0xf7, 'isa-debug-exit'), port(0xe9, 0xe9, 'isa-debugcon')]) {
      expect(l, want).to.include(want);
    }
    // nothing answers at 0x100: no line covers it
    const ranges = l.slice(l.indexOf('address-space: I/O')).filter(x => /^ {4}[0-9a-f]{16}-/.test(x)).map(x => x.trim().split(' ')[0].split('-').map(h => parseInt(h, 16)));
    expect(ranges.some(([a, b]) => a <= 0x100 && 0x100 <= b)).to.equal(false);
    expect(await f.run('info mtree -x')).to.equal("info mtree: unknown option '-x'\n");
  });
});
