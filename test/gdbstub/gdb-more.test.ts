// Real gdb against the emulator, beyond gdb.test.ts: long stepi traces checked against objdump's
// control flow and against QEMU, breakpoints in a hot chained loop, adjacent breakpoints, Ctrl-C,
// backtraces, monitor commands, kill, the guest exiting under gdb, detach and re-attach.
import { expect } from 'chai';
import { frame, haveGdb, killAll, readElf, RspClient, sym } from '../support/gdbstub-harness';
import {
  checkTrace, disassemble, Disasm, gdbBatch, GdbRun, GdbSession, haveObjdump, haveQemu, killMine, printedValues, startTarget,
  startTcg86Target, TargetKind, waitExited,
} from '../support/gdb-tools';

const hex = (v: number): string => `0x${v.toString(16)}`;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const hello = readElf('hello.elf');
const loop = readElf('loop.elf');

/** Addresses in loop.elf's hot loop (loop.asm): mid-block instructions, not block starts. */
const LOOP = {
  kernel: sym(loop, 'loop_kernel'),
  // `.joined: call loop_f; xor edi,ecx; imul; add; mov edx,ecx; and edx,63; add [ring+edx*4],ecx`
  movEdx: sym(loop, 'loop_kernel.joined') + 0x13,
  andEdx: sym(loop, 'loop_kernel.joined') + 0x15,
  f: sym(loop, 'loop_f'),
  end: sym(loop, 'loop_f') + 6,
};

function ok(r: GdbRun): void {
  expect(r.timedOut, `gdb timed out\n${r.stdout}\n${r.stderr}`).to.equal(false);
  expect(r.stderr, r.stdout).not.to.match(/Remote communication error|Remote connection closed|Protocol error|packet reply is too long|Ignoring packet error/i);
}

const qemuWanted = (): boolean => haveQemu() || !!process.env.CI;

/** pc before the first step and after each of `n` stepi, from `start` commands (after the entry). */
async function stepTrace(kind: TargetKind, kernel: string, start: string[], n: number): Promise<number[]> {
  const t = await startTarget(kind, kernel);
  try {
    const cmds = [...t.toEntry, ...start, 'p/x $pc'];
    for (let k = 0; k < n; k++) cmds.push('stepi', 'p/x $pc');
    cmds.push('kill');
    const r = await gdbBatch(kernel, t.port, cmds, 18000);
    ok(r);
    const pcs = printedValues(r.stdout).map((v) => parseInt(v, 16));
    expect(pcs, `${kind}: one pc per step\n${r.stdout.slice(-2000)}\n${r.stderr}`).to.have.length(n + 1);
    return pcs;
  } finally { t.kill(); }
}

describe('gdbstub with real gdb: more sessions', function () {
  this.timeout(20000);
  before(function () { if (!haveGdb()) this.skip(); });
  afterEach(() => { killAll(); killMine(); });

  describe('200 stepi', () => {
    let dis: Disasm | null = null;
    before(function () {
      if (haveObjdump()) dis = disassemble('hello.elf');
      else if (process.env.CI) throw new Error('objdump is required under CI');
    });

    const cases: { what: string; start: string[]; check?: (pcs: number[]) => void }[] = [
      { what: 'from the entry (bss clearing loop)', start: [],
        check: (pcs) => {
          expect(pcs[0]).to.equal(hello.entry);
          expect(new Set(pcs).size, 'the entry code and the bss loop').to.be.at.least(10);
        } },
      { what: 'from fault_reset through ud2, the #UD handler, iret and printf', start: ['tbreak *fault_reset', 'continue'],
        check: (pcs) => {
          const ud2 = hello.symbols.get('main')!.value + 0x4a;            // main's `ud2`
          expect(hello.bytesAt(ud2, 2).toString('hex')).to.equal('0f0b');
          const k = pcs.indexOf(ud2);
          expect(k, 'reaches the ud2').to.be.greaterThan(0);
          expect(pcs[k + 1], 'stepi on ud2 stops at the #UD stub (isr_stubs + 16 * 6)').to.equal(sym(hello, 'isr_stubs') + 0x60);
          expect(pcs, 'the handler resumes after the ud2 (FAULT_DONE)').to.include(ud2 + 2);
          expect(pcs, 'calls isr_dispatch').to.include(sym(hello, 'isr_dispatch'));
        } },
    ];
    for (const c of cases) {
      it(`${c.what}: every pc follows objdump's control flow${qemuWanted() ? ' and equals QEMU\'s' : ''}`, async () => {
        const pcs = await stepTrace('tcg86', 'hello.elf', c.start, 200);
        c.check?.(pcs);
        if (dis) expect(checkTrace(dis, pcs)).to.deep.equal([]);
        if (qemuWanted()) {
          // QEMU's single step now and then executes nothing on a loaded host (it ends on an
          // exit request first; gdb shows the same pc twice): leave those steps out of its trace.
          const q = await stepTrace('qemu', 'hello.elf', c.start, 200);
          const real = q.filter((pc, k) => k === 0 || pc !== q[k - 1] || dis?.insns.get(pc)?.flow === 'rep');
          expect(q.length - real.length, 'qemu null steps').to.be.below(5);
          const diff = real.findIndex((pc, k) => pc !== pcs[k]);
          expect(diff, diff < 0 ? '' : `first difference after step ${diff}: tcg86 ${hex(pcs[diff])} qemu ${hex(real[diff])}`).to.equal(-1);
        }
      });
    }
  });

  it('break in the hot chained loop while it runs (continue &, interrupt, break, continue) hits at once, then every iteration', async () => {
    const t = await startTcg86Target('loop.elf');
    const g = new GdbSession('loop.elf');
    await g.run(`target remote 127.0.0.1:${t.port}`);
    const m = g.mark();
    await g.run('continue &');
    await g.waitFor(/Continuing\./, 5000, m);
    for (let i = 0; i < 500 && !t.stdout().includes('TEST loop'); i++) await sleep(10);
    await sleep(400);                                     // well into the loop, its blocks chained
    const m2 = g.mark();
    await g.run('interrupt');
    await g.waitFor(/Program received signal SIGINT, Interrupt\./, 3000, m2);
    const pc = parseInt(printedValues(await g.run('p/x $pc'))[0], 16);
    expect(pc, `stopped in the loop (${hex(pc)})`).to.be.within(LOOP.kernel, LOOP.end);
    const ecx0 = Number(printedValues(await g.run('p $ecx'))[0]);
    expect(ecx0, 'the loop has run a while').to.be.greaterThan(1000);
    expect(await g.run(`break *${hex(LOOP.movEdx)}`)).to.match(/Breakpoint 1 at/);
    const t0 = Date.now();
    const hit = await g.run('continue', 3000);
    expect(Date.now() - t0, 'hit within a short time').to.be.below(2000);
    expect(hit).to.match(new RegExp(`Breakpoint 1, 0x0*${LOOP.movEdx.toString(16)} in loop_kernel`));
    const ecx1 = Number(printedValues(await g.run('p $ecx'))[0]);
    expect(ecx1 - ecx0, 'at most one more iteration before the hit').to.be.within(0, 1);
    await g.run('continue', 3000);
    expect(Number(printedValues(await g.run('p $ecx'))[0]), 'the next hit is the next iteration').to.equal(ecx1 + 1);
    await g.run('kill');
    expect(await waitExited(t, 5000)).to.equal(0);
    await g.quit();
  });

  it('raw RSP: 0x03 stops the running loop (T02), Z0 in loop_f hits on the next iteration, pc and ecx follow', async () => {
    const t = await startTcg86Target('loop.elf');
    const c = await RspClient.connect(t.port);
    try {
      c.write(frame('c'));
      expect((await c.next())?.kind).to.equal('ack');
      for (let i = 0; i < 500 && !t.stdout().includes('TEST loop'); i++) await sleep(10);
      await sleep(300);
      c.write('\x03');
      expect(await c.packet(3000)).to.match(/^T02/);
      const le = (h: string): number => Buffer.from(h, 'hex').readUInt32LE(0);
      const ecx0 = le(await c.request('p1'));
      expect(await c.request(`Z0,${LOOP.f.toString(16)},1`)).to.equal('OK');
      const t0 = Date.now();
      expect(await c.request('c', 3000)).to.match(/^T05/);
      expect(Date.now() - t0).to.be.below(2000);
      expect(le(await c.request('p8'))).to.equal(LOOP.f);
      const ecx1 = le(await c.request('p1'));
      expect(ecx1 - ecx0).to.be.within(0, 1);
      expect(await c.request('c', 3000)).to.match(/^T05/);
      expect(le(await c.request('p8'))).to.equal(LOOP.f);
      expect(le(await c.request('p1'))).to.equal(ecx1 + 1);
    } finally { c.close(); }
  });

  it('breakpoints on adjacent instructions (1-byte pusha/xor, and mid-loop mov/and) hit one after the other', async () => {
    expect(loop.bytesAt(LOOP.kernel, 3).toString('hex'), 'pusha; xor eax,eax').to.equal('6031c0');
    expect(loop.bytesAt(LOOP.movEdx, 5).toString('hex'), 'mov edx,ecx; and edx,63').to.equal('89ca83e23f');
    const t = await startTcg86Target('loop.elf');
    const r = await gdbBatch('loop.elf', t.port, [
      `break *${hex(LOOP.kernel)}`, `break *${hex(LOOP.kernel + 1)}`, `break *${hex(LOOP.movEdx)}`, `break *${hex(LOOP.andEdx)}`,
      'continue', 'p/x $pc', 'continue', 'p/x $pc', 'continue', 'p/x $pc', 'p $ecx', 'continue', 'p/x $pc', 'p $ecx',
      'continue', 'p/x $pc', 'p $ecx', 'continue', 'p/x $pc', 'p $ecx', 'kill']);
    ok(r);
    const hits = [...r.stdout.matchAll(/^Breakpoint (\d), 0x([0-9a-f]+)/gm)].map((m) => [Number(m[1]), parseInt(m[2], 16)]);
    expect(hits).to.deep.equal([[1, LOOP.kernel], [2, LOOP.kernel + 1], [3, LOOP.movEdx], [4, LOOP.andEdx], [3, LOOP.movEdx], [4, LOOP.andEdx]]);
    const p = printedValues(r.stdout);
    expect(p).to.deep.equal([hex(LOOP.kernel), hex(LOOP.kernel + 1), hex(LOOP.movEdx), '0', hex(LOOP.andEdx), '0', hex(LOOP.movEdx), '1', hex(LOOP.andEdx), '1']);
  });

  it('Ctrl-C (SIGINT to gdb) stops a spinning guest: gdb reports SIGINT; continue and Ctrl-C again', async () => {
    const t = await startTcg86Target('loop.elf');
    const g = new GdbSession('loop.elf');
    await g.run(`target remote 127.0.0.1:${t.port}`);
    // The loop's 50 million iterations take about a second, less than the rounds below: once it
    // runs, make it (nearly) endless; it reads loop_n every iteration.
    await g.run(`break *${hex(LOOP.kernel)}`);
    await g.run('continue');
    await g.run('set var *(unsigned int *)&loop_n = 4000000000');
    expect(printedValues(await g.run('p *(unsigned int *)&loop_n'))[0]).to.equal('4000000000');
    await g.run('delete');
    const pcs: number[] = [], ecxs: number[] = [];
    for (let round = 0; round < 2; round++) {
      const m = g.mark();
      g.send('continue');
      await g.waitFor(/Continuing\./, 5000, m);
      await sleep(round === 0 ? 1000 : 300);
      const t0 = Date.now();
      g.interrupt();
      await g.waitFor(/Program received signal SIGINT, Interrupt\./, 3000, m);
      expect(Date.now() - t0, 'the stop comes quickly').to.be.below(1500);
      pcs.push(parseInt(printedValues(await g.run('p/x $pc'))[0], 16));
      ecxs.push(Number(printedValues(await g.run('p $ecx'))[0]));
    }
    for (const pc of pcs) expect(pc, hex(pc)).to.be.within(LOOP.kernel, LOOP.end);
    expect(ecxs[1], 'the loop went on between the two stops').to.be.greaterThan(ecxs[0]);
    expect(t.running()).to.equal(true);
    await g.run('kill');
    await g.quit();
  });

  it('bt at a breakpoint in a function called from main shows main (no frame pointers: gdb analyses prologues)', async () => {
    // The guests are built with -O2 (gcc omits frame pointers; only main, which realigns its
    // stack, sets one up), so gdb's i386 prologue analysis finds the caller at a function's entry.
    expect(hello.bytesAt(sym(hello, 't_eq'), 1)[0], 't_eq does not start with push %ebp').to.not.equal(0x55);
    const t = await startTcg86Target('hello.elf');
    const r = await gdbBatch('hello.elf', t.port, ['break *t_eq', 'continue', 'bt', 'p/x *(unsigned*)$esp', 'kill']);
    ok(r);
    const frames = [...r.stdout.matchAll(/^#(\d+)\s+(0x[0-9a-f]+) in (\S+) \(/gm)].map((m) => ({ n: Number(m[1]), pc: parseInt(m[2], 16), fn: m[3] }));
    expect(frames.length, r.stdout).to.be.at.least(2);
    expect(frames[0]).to.deep.equal({ n: 0, pc: sym(hello, 't_eq'), fn: 't_eq' });
    expect(frames[1].fn).to.equal('main');
    const ret = parseInt(printedValues(r.stdout)[0], 16);
    expect(frames[1].pc, 'frame #1 is the return address on the stack').to.equal(ret);
    const call = hello.bytesAt(ret - 5, 5);
    expect(call[0]).to.equal(0xe8);
    expect((ret + call.readInt32LE(1)) >>> 0, 'which follows a call to t_eq').to.equal(sym(hello, 't_eq'));
  });

  it('monitor info registers prints EIP= (the entry, then main)', async () => {
    const t = await startTcg86Target('hello.elf');
    const r = await gdbBatch('hello.elf', t.port, ['monitor info registers', 'break *main', 'continue', 'monitor info registers', 'kill']);
    ok(r);
    const eips = [...(r.stdout + r.stderr).matchAll(/EIP=([0-9a-f]{8})/g)].map((m) => parseInt(m[1], 16));
    expect(eips).to.deep.equal([hello.entry, sym(hello, 'main')]);
    expect(r.stdout + r.stderr).to.match(/EAX=[0-9a-f]{8} EBX=/);
  });

  it('kill ends the emulator (status 0), the guest having printed only its start', async () => {
    const t = await startTcg86Target('hello.elf');
    const r = await gdbBatch('hello.elf', t.port, ['break *t_eq', 'continue', 'kill']);
    ok(r);
    expect(r.stdout).to.contain('[Inferior 1 (process 1) killed]');
    expect(await waitExited(t, 5000)).to.equal(0);
    expect(t.stdout()).to.contain('TEST hello');
    expect(t.stdout()).not.to.contain('PASS');
  });

  it('the guest exiting under gdb (interrupts, hlt, a breakpoint that never hits): exited with code 01, gdb goes on', async () => {
    const t = await startTcg86Target('timer.elf');
    const g = new GdbSession('timer.elf');
    await g.run(`target remote 127.0.0.1:${t.port}`);
    expect(await g.run('break *0x100000')).to.match(/Breakpoint 1 at/);
    const out = await g.run('continue', 15000);
    expect(out).to.contain('[Inferior 1 (process 1) exited with code 01]');
    expect(await waitExited(t, 5000)).to.equal(1);
    expect(t.stdout()).to.contain('PASS timer');
    const m = g.mark();
    await g.run('info registers eip');
    await g.waitFor(/The program has no registers now/, 2000, m);
    expect(await g.quit()).to.equal(0);
  });

  it('detach leaves the loop running; a new gdb attaches, stops it further on, and its breakpoint hits', async () => {
    const t = await startTcg86Target('loop.elf');
    const r1 = await gdbBatch('loop.elf', t.port, [`break *${hex(LOOP.andEdx)}`, 'continue', 'p $ecx', 'delete', 'detach']);
    ok(r1);
    expect(r1.stdout).to.contain('[Inferior 1 (process 1) detached]');
    expect(printedValues(r1.stdout)).to.deep.equal(['0']);
    await sleep(500);
    expect(t.running()).to.equal(true);
    const r2 = await gdbBatch('loop.elf', t.port, ['p/x $pc', 'p $ecx', `break *${hex(LOOP.andEdx)}`, 'continue', 'p/x $pc', 'p $ecx', 'continue', 'p $ecx', 'kill']);
    ok(r2);
    const [pc, ecx, pcHit, ecxHit, ecxNext] = printedValues(r2.stdout);
    expect(parseInt(pc, 16), 'the attach stopped the guest inside the loop').to.be.within(LOOP.kernel, LOOP.end);
    expect(Number(ecx), 'the loop ran between detach and attach').to.be.greaterThan(1000);
    expect(parseInt(pcHit, 16)).to.equal(LOOP.andEdx);
    expect(Number(ecxHit) - Number(ecx)).to.be.within(0, 1);
    expect(Number(ecxNext)).to.equal(Number(ecxHit) + 1);
    expect(await waitExited(t, 5000)).to.equal(0);
  });
});
