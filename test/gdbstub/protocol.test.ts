// Packet-level tests: a raw RSP client against the real emulator (bin/tcg86.js -S -gdb ...).
import { expect } from 'chai';
import { regNumber } from '../../src/gdbstub/i386-regs';
import {
  checksum, Elf, Emulator, frame, hex32, killAll, le32, readElf, RspClient, startEmulator, stripExpedited, sym, waitExit,
} from '../support/gdbstub-harness';

const hello: Elf = readElf('hello.elf');
const loop: Elf = readElf('loop.elf');
const hexOf = (s: string): string => Buffer.from(s).toString('hex');
/** Remote number (hex) of a register, for p/P. */
const R = (name: string): string => regNumber(name).toString(16);

describe('gdbstub protocol (raw RSP client, real emulator)', function () {
  this.timeout(20000);
  const clients: RspClient[] = [];
  async function attach(kernel: string): Promise<{ emu: Emulator; c: RspClient }> {
    const emu = await startEmulator(kernel);
    const c = await RspClient.connect(emu.port);
    clients.push(c);
    return { emu, c };
  }
  async function connect(emu: Emulator): Promise<RspClient> {
    const c = await RspClient.connect(emu.port);
    clients.push(c);
    return c;
  }
  afterEach(() => {
    for (const c of clients.splice(0)) c.close();
    killAll();
  });

  it('acks packets, answers ? with T05 at the start, retransmits on -, and nacks a bad checksum', async () => {
    const { c } = await attach('hello.elf');
    c.write('+');   // gdb's initial ack: ignored
    expect(await c.request('?')).to.equal('T05thread:01;');
    // pc, sp and fp are expedited in the raw stop reply, little-endian as in `g`.
    const g = await c.request('g');
    expect(c.lastRaw).to.equal(g);
    await c.request('?');
    for (const [n, off] of [[8, 64], [4, 32], [5, 40]] as const) {
      expect(c.lastRaw, `register ${n}`).to.contain(`0${n.toString(16)}:${g.slice(off, off + 8)};`);
    }
    c.write('-');
    const again = await c.next();
    expect(again && again.kind === 'packet' ? stripExpedited(again.data) : again).to.equal('T05thread:01;');
    c.write('+');
    c.write('$g#00');
    expect(await c.next()).to.deep.equal({ kind: 'nack' });
    expect(await c.drain(200), 'a packet with a bad checksum is dropped').to.deep.equal([]);
  });

  it("g has gdb's standard 308-byte i386 layout, with an empty FPU", async () => {
    const { c } = await attach('hello.elf');
    const g = await c.request('g');
    expect(g).to.have.length(616);
    expect(le32(g, 0), 'eax = multiboot magic').to.equal(0x2badb002);
    expect(le32(g, 32), 'eip').to.equal(hello.entry);
    expect(le32(g, 40), 'cs').to.equal(0x10);
    expect(g.slice(128, 288), 'st0-st7').to.equal('0'.repeat(160));
    expect(le32(g, 144), 'fctrl').to.equal(0x37f);
    expect(le32(g, 148), 'fstat').to.equal(0);
    expect(le32(g, 152), 'ftag: all empty').to.equal(0xffff);
    expect(le32(g, 304), 'mxcsr').to.equal(0x1f80);
  });

  it('p reads any register (system ones too), P and G write; bad numbers and sizes are errors', async () => {
    const { c } = await attach('hello.elf');
    expect(le32(await c.request('p8'))).to.equal(hello.entry);
    expect(le32(await c.request(`p${R('cr0')}`)) & 1, 'cr0.PE').to.equal(1);
    expect(await c.request('p1000')).to.equal('E14');
    expect(await c.request(`P1=${hex32(0x12345678)}`)).to.equal('OK');
    expect(le32(await c.request('p1'))).to.equal(0x12345678);
    expect(await c.request('P1=1234')).to.equal('E22');
    expect(await c.request(`P1000=${hex32(1)}`)).to.equal('E14');
    // A short G writes the leading registers only.
    expect(await c.request(`G${hex32(0xaabbccdd)}${hex32(0x11223344)}`)).to.equal('OK');
    const g = await c.request('g');
    expect(le32(g, 0)).to.equal(0xaabbccdd);
    expect(le32(g, 4)).to.equal(0x11223344);
    expect(le32(g, 32), 'eip untouched').to.equal(hello.entry);
    // FPU registers are the FPU's: a write to fctrl sticks.
    expect(await c.request(`P18=${hex32(0x27f)}`)).to.equal('OK');
    expect(le32(await c.request('p18'))).to.equal(0x27f);
  });

  it('segment, control and flag registers are written through the CPU rules', async () => {
    const { c } = await attach('hello.elf');
    await c.request('qSupported:swbreak+');
    expect(await c.request(`Z0,${sym(hello, 'main').toString(16)},1`)).to.equal('OK');
    c.write(frame('c'));
    expect(await c.packet()).to.equal('T05thread:01;swbreak:;');
    // The guest's GDT: 0x08 code (execute/read), 0x10 data.
    expect(await c.request(`Pc=${hex32(0x08)}`), 'ds <- readable code segment').to.equal('OK');
    const dsAttr = le32(await c.request(`p${R('ds_attr')}`));
    expect((dsAttr >> 8) & 0x1f, 'ds cache loaded from the code descriptor').to.equal(0x1b);
    expect(await c.request(`Pb=${hex32(0x08)}`), 'ss <- code segment: #GP').to.equal('E22');
    expect(le32(await c.request('pb'))).to.equal(0x10);
    expect(await c.request(`Pc=${hex32(0x10)}`)).to.equal('OK');
    expect((le32(await c.request(`p${R('ds_attr')}`)) >> 8) & 0x1f).to.equal(0x13);
    // cr4: PSE is supported, an unknown bit raises #GP and changes nothing.
    expect(await c.request(`P${R('cr4')}=${hex32(0x10)}`)).to.equal('OK');
    expect(le32(await c.request(`p${R('cr4')}`))).to.equal(0x10);
    expect(await c.request(`P${R('cr4')}=${hex32(0x00800000)}`)).to.equal('E22');
    expect(le32(await c.request(`p${R('cr4')}`))).to.equal(0x10);
    // eflags: CF goes to the lazy flags, IF to the system bits.
    expect(await c.request(`P9=${hex32(0x203)}`)).to.equal('OK');
    expect(le32(await c.request('p9'))).to.equal(0x203);
    expect(le32(await c.request(`p${R('gdtr_limit')}`)), 'gdtr_limit').to.equal(0xff);
    expect(le32(await c.request(`p${R('gdtr_base')}`)), 'gdtr_base').to.equal(sym(hello, 'gdt'));
  });

  it('m reads memory (short reply past the packet size, prefix before a hole, E14 when unmapped)', async () => {
    const { c } = await attach('hello.elf');
    expect(await c.request('m100000,10')).to.equal(hello.bytesAt(0x100000, 16).toString('hex'));
    const big = await c.request('m100000,10000');
    expect(big.length, 'shorter than asked, not an error').to.equal(0x2000 * 2);
    expect(big).to.equal(hello.bytesAt(0x100000, 0x2000).toString('hex'));
    expect(await c.request('m8000000,4'), 'beyond the 128 MiB of RAM').to.equal('E14');
    expect(await c.request('m7fffffe,4'), 'readable prefix').to.have.length(4);
    expect(await c.request('m100000,0')).to.equal('');
  });

  it('M and X write memory (X with escaped binary); length mismatches are E22', async () => {
    const { c } = await attach('hello.elf');
    const a = sym(hello, 'fault_count').toString(16);
    const body = Buffer.concat([Buffer.from(`X${a},4:`), Buffer.from([0x7d, 0x03, 0x7d, 0x04, 0x7d, 0x5d, 0x7d, 0x0a])]);
    c.write(Buffer.concat([Buffer.from('$'), body, Buffer.from(`#${checksum(body)}`)]));
    expect(await c.packet()).to.equal('OK');
    expect(await c.request(`m${a},4`)).to.equal('23247d2a');
    expect(await c.request(`X${a},0:`), "gdb's X probe").to.equal('OK');
    expect(await c.request(`M${a},2:beef`)).to.equal('OK');
    expect(await c.request(`m${a},4`)).to.equal('beef7d2a');
    expect(await c.request(`M${a},3:beef`)).to.equal('E22');
    expect(await c.request(`X${a},3:ab`)).to.equal('E22');
    expect(await c.request('M8000000,1:00')).to.equal('E14');
  });

  it('expands run-length encoded input', async () => {
    const { c } = await attach('hello.elf');
    const rle = 'm10*!,8';   // '0*!' = five zeros: m100000,8
    c.write(`$${rle}#${checksum(rle)}`);
    expect((await c.next())?.kind).to.equal('ack');
    expect(await c.packet()).to.equal(hello.bytesAt(0x100000, 8).toString('hex'));
  });

  it('qSupported announces our features, multiprocess only when gdb offers it', async () => {
    const { c } = await attach('hello.elf');
    expect(await c.request('qSupported')).to.equal('PacketSize=4000;qXfer:features:read+;vContSupported+;swbreak+;hwbreak+;QStartNoAckMode+');
    expect(await c.request('qC')).to.equal('QC01');
    expect(await c.request('qfThreadInfo')).to.equal('m01');
    expect(await c.request('qsThreadInfo')).to.equal('l');
    const r = await c.request('qSupported:multiprocess+;swbreak+;hwbreak+;xmlRegisters=i386');
    expect(r.split(';')).to.include('multiprocess+');
    expect(await c.request('qC')).to.equal('QCp01.01');
    expect(await c.request('qfThreadInfo')).to.equal('mp01.01');
    expect(await c.request('?')).to.equal('T05thread:p01.01;');
    expect(await c.request('Hgp0.0')).to.equal('OK');
    expect(await c.request('Hcp1.-1')).to.equal('OK');
  });

  it('qXfer:features:read serves target.xml at any offset and length', async () => {
    const { c } = await attach('hello.elf');
    const whole = await c.request('qXfer:features:read:target.xml:0,3fff');
    expect(whole[0]).to.equal('l');
    const xml = whole.slice(1);
    expect(xml).to.match(/^<\?xml/);
    expect(xml).to.contain('<feature name="org.tcg86.i386.system">');
    let pieced = '', off = 0;
    for (;;) {
      const part = await c.request(`qXfer:features:read:target.xml:${off.toString(16)},100`);
      expect(part.length).to.be.at.most(0x101);
      pieced += part.slice(1);
      off += part.length - 1;
      if (part[0] === 'l') break;
      expect(part[0]).to.equal('m');
    }
    expect(pieced).to.equal(xml);
    expect(await c.request(`qXfer:features:read:target.xml:${xml.length.toString(16)},100`)).to.equal('l');
    expect(await c.request(`qXfer:features:read:target.xml:${(xml.length + 1).toString(16)},100`)).to.equal('E00');
    expect(await c.request('qXfer:features:read:nope.xml:0,100')).to.equal('E00');
    expect(await c.request('qXfer:features:read:target.xml:zz')).to.equal('E22');
    expect(await c.request('qXfer:memory-map:read::0,100'), 'not offered: empty').to.equal('');
  });

  it('answers thread packets for its one thread', async () => {
    const { c } = await attach('hello.elf');
    expect(await c.request('Hg0')).to.equal('OK');
    expect(await c.request('Hc-1')).to.equal('OK');
    expect(await c.request('Hg1')).to.equal('OK');
    expect(await c.request('Hg2')).to.equal('E22');
    expect(await c.request('Hx1')).to.equal('E22');
    expect(await c.request('T1')).to.equal('OK');
    expect(await c.request('T2')).to.equal('E22');
    expect(await c.request('qThreadExtraInfo,1')).to.equal(hexOf('CPU#0 [running]'));
    expect(await c.request('qThreadExtraInfo,7')).to.equal('E22');
    expect(await c.request('qAttached')).to.equal('1');
    expect(await c.request('qAttached:1')).to.equal('1');
    expect(await c.request('vCont?')).to.equal('vCont;c;C;s;S;t');
  });

  it('answers unknown packets with the empty reply, malformed ones with E, bc/bs with E22, and keeps serving', async () => {
    const { emu, c } = await attach('hello.elf');
    for (const p of ['vMustReplyEmpty', 'qFooBar', 'QFoo', 'Z9,1,1',
      'J', 'vFile:open:x', 'qTStatus', 'qOffsets', 'vCont;r1,2']) {
      if (p === 'vCont;r1,2') continue;   // not offered; checked with the malformed ones
      expect(await c.request(p), p).to.equal('');
    }
    expect(await c.request('bc')).to.equal('E22');
    expect(await c.request('bs')).to.equal('E22');
    for (const p of ['m', 'mzz,4', 'm100000', 'm100000,123456789', 'M100000,4:zz', 'M100000,2:abcdef', 'X100000', 'G123', 'Gzz',
      'p', 'pzz', 'P1', 'P0=12', 'Pzz=00000000', 'Z0', 'Z0,zz,1', 'z1,,', 'H', 'Hgzz', 'T', 'vCont;q', 'vCont;c:9', 'vCont;r1,2',
      'vKill;7', 'C', 'Czz', 'Szz;1', 'sxyz', 'c12345678901234567', 'D;7', 'qRcmd,zzz', 'qRcmd,abc', 'Qqemu.sstep=99',
      'Qqemu.sstep=zz', 'Qqemu.PhyMemMode:2', 'qXfer:features:read:target.xml:0', 'qThreadExtraInfo,zz']) {
      expect(await c.request(p), p).to.match(/^E[0-9a-f]{2}$/);
    }
    // A run length with nothing before it, and an oversized packet.
    c.write(`$*"#${checksum('*"')}`);
    expect(await c.packet()).to.equal('E22');
    const huge = 'q' + 'x'.repeat(0x11000);
    c.write(frame(huge));
    expect(await c.packet()).to.equal('E22');
    expect(await c.request('?')).to.equal('T05thread:01;');
    expect(le32(await c.request('g'), 32)).to.equal(hello.entry);
    expect(emu.running()).to.equal(true);
    expect(emu.stderr()).not.to.match(/internal error|gdbstub:/);
  });

  it('qqemu extensions: step flags and physical memory mode (with guest paging on)', async () => {
    const { c } = await attach('hello.elf');
    expect(await c.request('qqemu.Supported')).to.equal('sstepbits;sstep;PhyMemMode');
    expect(await c.request('qqemu.sstepbits')).to.equal('ENABLE=1,NOIRQ=2,NOTIMER=4');
    expect(await c.request('qqemu.sstep')).to.equal('0x7');
    expect(await c.request('Qqemu.sstep=5')).to.equal('OK');
    expect(await c.request('qqemu.sstep')).to.equal('0x5');
    expect(await c.request('Qqemu.sstep:7')).to.equal('OK');
    expect(await c.request('qqemu.PhyMemMode')).to.equal('0');
    // Page directory at 0x200000: 4 MiB pages, 0 -> 0 and 0x40000000 -> 0 (PSE).
    const pd = Buffer.alloc(4096);
    pd.writeUInt32LE(0x83, 0);
    pd.writeUInt32LE(0x83, 0x100 * 4);
    expect(await c.request(`M200000,1000:${pd.toString('hex')}`)).to.equal('OK');
    expect(await c.request(`P${R('cr4')}=${hex32(0x10)}`), 'cr4.PSE').to.equal('OK');
    expect(await c.request(`P${R('cr3')}=${hex32(0x200000)}`), 'cr3').to.equal('OK');
    expect(await c.request(`P${R('cr0')}=${hex32(0x80000011)}`), 'cr0.PG').to.equal('OK');
    expect(le32(await c.request(`p${R('cr3')}`))).to.equal(0x200000);
    expect(le32(await c.request(`p${R('cr0')}`)) >>> 0).to.equal(0x80000011);
    expect(await c.request(`P${R('cr2')}=${hex32(0xdead000)}`)).to.equal('OK');
    expect(le32(await c.request(`p${R('cr2')}`))).to.equal(0xdead000);
    expect(le32(await c.request(`p${R('cr3')}`)), 'cr3 unchanged by a cr2 write').to.equal(0x200000);
    const want = hello.bytesAt(0x100000, 8).toString('hex');
    expect(await c.request('m40100000,8'), 'linear, through the page tables').to.equal(want);
    expect(await c.request('m800000,4'), 'linear, not mapped').to.equal('E14');
    expect(await c.request('Qqemu.PhyMemMode:1')).to.equal('OK');
    expect(await c.request('qqemu.PhyMemMode')).to.equal('1');
    expect(await c.request('m40100000,8'), 'physical: beyond RAM').to.equal('E14');
    expect(await c.request('m800000,4'), 'physical: RAM').to.have.length(8);
    expect(await c.request('m100000,8')).to.equal(want);
    expect(await c.request('Qqemu.PhyMemMode:0')).to.equal('OK');
    expect(await c.request('m40100000,8')).to.equal(want);
  });

  it('no-ack mode: after QStartNoAckMode neither side acks, and checksums are not enforced', async () => {
    const { c } = await attach('hello.elf');
    expect(await c.request('QStartNoAckMode')).to.equal('OK');
    c.ackMode = false;
    c.write(frame('?'));
    const nx = await c.next();
    expect(nx && nx.kind === 'packet' ? stripExpedited(nx.data) : nx).to.equal('T05thread:01;');
    c.write('+');   // a stray ack (gdb sends one for the OK) is ignored
    c.write('$g#00');
    const g = await c.next();
    expect(g?.kind).to.equal('packet');
    expect(le32((g as { data: string }).data, 32)).to.equal(hello.entry);
    c.write('-');   // no retransmission without acks
    expect(await c.drain(200)).to.deep.equal([]);
  });

  it('s steps one instruction (T05, no swbreak); s ADDR, vCont;s and S set or keep EIP', async () => {
    const { c } = await attach('hello.elf');
    await c.request('qSupported:swbreak+;hwbreak+');
    // _start: cli (1) ; cld (1) ; mov %eax,%esi (2) ; mov %ebx,%edi (2) ; mov $__bss_start,%ecx
    c.write(frame('s'));
    expect(await c.packet()).to.equal('T05thread:01;');
    expect(le32(await c.request('p8'))).to.equal(hello.entry + 1);
    c.write(frame(`s${(hello.entry + 2).toString(16)}`));
    expect(await c.packet()).to.equal('T05thread:01;');
    const g = await c.request('g');
    expect(le32(g, 32)).to.equal(hello.entry + 4);
    expect(le32(g, 24), 'esi = eax').to.equal(0x2badb002);
    c.write(frame('vCont;s:1;c'));
    expect(await c.packet()).to.equal('T05thread:01;');
    expect(le32(await c.request('p8'))).to.equal(hello.entry + 6);
    c.write(frame('S05'));
    expect(await c.packet()).to.equal('T05thread:01;');
    expect(le32(await c.request('p8'))).to.equal(hello.entry + 11);
    expect(await c.request('vCont;t:1'), 'stop an already stopped thread').to.equal('T00thread:01;');
  });

  it('c ADDR and C sig;ADDR resume at ADDR', async () => {
    const { c } = await attach('hello.elf');
    await c.request('qSupported:swbreak+');
    const stop = hello.entry + 6;
    expect(await c.request(`Z0,${stop.toString(16)},1`)).to.equal('OK');
    c.write(frame(`c${(hello.entry + 4).toString(16)}`));   // skips mov %eax,%esi
    expect(await c.packet()).to.equal('T05thread:01;swbreak:;');
    let g = await c.request('g');
    expect(le32(g, 32)).to.equal(stop);
    expect(le32(g, 24), 'esi untouched').to.equal(0);
    expect(le32(g, 28), 'edi = ebx').to.equal(le32(g, 12));
    c.write(frame(`C05;${(hello.entry + 2).toString(16)}`));
    expect(await c.packet()).to.equal('T05thread:01;swbreak:;');
    g = await c.request('g');
    expect(le32(g, 32)).to.equal(stop);
    expect(le32(g, 24), 'esi = eax now').to.equal(0x2badb002);
  });

  it('breakpoints: swbreak/hwbreak stop replies, ? keeps them and repeats the reason, z removes, W01 at the exit', async () => {
    const { emu, c } = await attach('hello.elf');
    await c.request('qSupported:swbreak+;hwbreak+');
    const main = sym(hello, 'main'), teq = sym(hello, 't_eq'), tend = sym(hello, 't_end');
    expect(await c.request(`Z0,${main.toString(16)},1`)).to.equal('OK');
    c.write(frame('vCont;c'));
    expect(await c.packet()).to.equal('T05thread:01;swbreak:;');
    expect(le32(await c.request('p8'))).to.equal(main);
    expect(await c.request(`z0,${main.toString(16)},1`)).to.equal('OK');
    expect(await c.request(`Z0,${teq.toString(16)},1`)).to.equal('OK');
    c.write(frame('c'));
    expect(await c.packet()).to.equal('T05thread:01;swbreak:;');
    expect(le32(await c.request('p8'))).to.equal(teq);
    expect(await c.request('?'), 'the real last stop reason').to.equal('T05thread:01;swbreak:;');
    c.write(frame('c'));   // t_eq is called twice by hello: ? did not remove the breakpoint
    expect(await c.packet()).to.equal('T05thread:01;swbreak:;');
    expect(le32(await c.request('p8'))).to.equal(teq);
    expect(await c.request(`z0,${teq.toString(16)},1`)).to.equal('OK');
    expect(await c.request(`Z1,${tend.toString(16)},1`)).to.equal('OK');
    c.write(frame('c'));
    expect(await c.packet()).to.equal('T05thread:01;hwbreak:;');
    expect(le32(await c.request('p8'))).to.equal(tend);
    expect(await c.request(`z1,${tend.toString(16)},1`)).to.equal('OK');
    c.write(frame('c'));
    expect(await c.packet()).to.equal('W01');
    expect(await c.next(3000), 'the connection closes').to.equal(null);
    expect(c.closed).to.equal(true);
    expect(await waitExit(emu, 5000)).to.equal(1);
    expect(emu.stdout()).to.contain('PASS hello');
  });

  it('Ctrl-C stops a running guest with T02; packets sent while it runs are answered after the stop', async () => {
    const { emu, c } = await attach('loop.elf');
    c.write(frame('c'));
    expect((await c.next())?.kind).to.equal('ack');
    expect(await c.drain(300), 'running: no stop reply').to.deep.equal([]);
    c.write(frame('m100000,4'));
    c.write(frame('?'));
    const during = await c.drain(300);
    expect(during.map(i => i.kind), 'acked, not answered yet').to.deep.equal(['ack', 'ack']);
    c.write('\x03');
    expect(await c.packet()).to.equal('T02thread:01;');
    expect(await c.packet()).to.equal(loop.bytesAt(0x100000, 4).toString('hex'));
    expect(await c.packet()).to.equal('T02thread:01;');
    const eip = le32(await c.request('p8'));
    expect(eip, 'stopped inside the kernel').to.be.within(0x100000, 0x110000);
    // Again, with the interrupt in the same write as a packet.
    c.write(frame('c'));
    expect((await c.next())?.kind).to.equal('ack');
    await c.drain(100);
    c.write(Buffer.concat([Buffer.from('\x03'), Buffer.from(frame('qC'))]));
    expect(await c.packet()).to.equal('T02thread:01;');
    expect(await c.packet()).to.equal('QC01');
    c.write(frame('k'));
    expect(await waitExit(emu, 5000)).to.equal(0);
  });

  it('refuses a second client while one is attached; a new client attaches after a disconnect; the run state is kept', async () => {
    const emu = await startEmulator('loop.elf');
    const c1 = await connect(emu);
    expect(await c1.request('?')).to.equal('T05thread:01;');
    const c2 = await connect(emu);
    c2.write(frame('qSupported'));
    expect((await c2.next())?.kind).to.equal('ack');
    const refusal = await c2.next(3000);
    expect(refusal?.kind).to.equal('packet');
    expect((refusal as { data: string }).data).to.match(/^E\..*already connected/);
    expect(await c2.next(3000), 'then closed').to.equal(null);
    expect(c2.closed).to.equal(true);
    const silent = await connect(emu);   // sends nothing: refused all the same
    const t0 = Date.now();
    expect((await silent.next(3000)) as { data: string }).to.deep.include({ kind: 'packet' });
    expect(await silent.next(3000)).to.equal(null);
    expect(Date.now() - t0).to.be.below(2500);
    expect(le32(await c1.request('g'), 32), 'the first client still works').to.equal(loop.entry);
    // Disconnect while the guest runs: it keeps running.
    c1.write(frame('c'));
    expect((await c1.next())?.kind).to.equal('ack');
    c1.close();
    await new Promise((r) => setTimeout(r, 300));
    const c3 = await connect(emu);
    expect(await c3.request('?'), 'stopped on attach, as QEMU does').to.equal('T02thread:01;');
    const g3 = await c3.request('g');
    const ring3 = await c3.request(`m${sym(loop, 'ring').toString(16)},100`);
    expect(le32(g3, 32)).not.to.equal(loop.entry);
    // Disconnect while stopped: it stays stopped.
    c3.close();
    await new Promise((r) => setTimeout(r, 300));
    const c4 = await connect(emu);
    expect(await c4.request('g')).to.equal(g3);
    expect(await c4.request(`m${sym(loop, 'ring').toString(16)},100`)).to.equal(ring3);
    expect(emu.running()).to.equal(true);
  });

  it('D removes the breakpoints and lets the guest run to completion', async () => {
    const { emu, c } = await attach('hello.elf');
    expect(await c.request(`Z0,${sym(hello, 't_eq').toString(16)},1`)).to.equal('OK');
    expect(await c.request('D')).to.equal('OK');
    expect(await waitExit(emu, 8000)).to.equal(1);
    expect(emu.stdout()).to.contain('PASS hello 2 checks');
  });

  it('vKill;1 answers OK and ends the emulator', async () => {
    const { emu, c } = await attach('hello.elf');
    expect(await c.request('vKill;1')).to.equal('OK');
    expect(await waitExit(emu, 5000)).to.equal(0);
  });
});
