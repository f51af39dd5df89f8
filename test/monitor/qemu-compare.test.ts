// The monitor next to QEMU's: the same guest kernel stopped at the same instruction on both
// (breakpoint through each gdb stub), then the same monitor commands through qRcmd, compared
// line by line. Deliberate differences are normalised here and listed in the README:
// QEMU ends monitor lines with \r\n; QEMU does not set the accessed bit of a code segment
// loaded by a far jump, and its cached TR type stays "available" after ltr (the hardware sets
// both, and so does tcg86); `x/i` uses objdump's syntax where QEMU's uses capstone's.
import { expect } from 'chai';
import { spawnSync } from 'child_process';
import * as path from 'path';
import { readElf } from '../../tools/lockstep/elf32';
import { Stub } from '../../tools/lockstep/stub';
import { ROOT } from '../support/run-tcg86';

const QEMU = process.env.QEMU ?? 'qemu-system-i386';
function haveQemu(): boolean {
  try { return spawnSync(QEMU, ['--version'], { timeout: 10000 }).status === 0; } catch { return false; }
}

/** Commands whose output must be the same; `x/8c` relies on the size left sticky by the one before. */
const COMMANDS = [
  'info registers', 'x /16xw $esp', 'x /8xb $esp', 'x /4uw $esp', 'x /6dh $esp', 'x /4ow $esp', 'x /3xg $esp',
  'x /8c $esp', 'x /8cb $esp', 'x /4 $esp', 'xp /8xw 0x100000', 'xp /2xg $eip', 'info tlb', 'info mem',
  'print $esp', 'p /x $ebx + 4', 'print /d $ecx', 'x /2xw 0xfffffff0',
];

function normalise(text: string, mask: RegExp | null): string {
  let t = text.replace(/\r\n/g, '\n')
    .replace(/^(CS =\S+ \S+ \S+ \S{5})([0-9a-f])(\S\S DPL=\d CS(?:32|16) \[..)[A-]\]/m,
      (_m, a: string, nib: string, b: string) => `${a}${(parseInt(nib, 16) & ~1).toString(16)}${b}-]`)
    .replace(/^(TR =\S+ \S+ \S+ \S{5})b(\S\S DPL=\d TSS(?:32|16))-busy/m, (_m, a: string, b: string) => `${a}9${b}-avl`);
  if (mask) t = t.replace(mask, '<masked>');
  return t;
}

async function stopAt(kernel: string, symbol: string): Promise<Stub[]> {
  const file = path.join(ROOT, 'test', 'guest', 'bin', kernel);
  const sym = readElf(file).symbols.find(s => s.name === symbol);
  if (!sym) throw new Error(`${kernel}: no symbol ${symbol}`);
  const o = { kernel: file, icount: null, serialFile: null, sstep: 7 };
  const stubs = await Promise.all([Stub.start('tcg86', o), Stub.start('qemu', o)]);
  for (const s of stubs) {
    await s.setBreakpoints([sym.value], true);
    const r = await s.cont(30000);
    expect(r.kind, `${s.side} stops at ${symbol}`).to.equal('stopped');
    await s.setBreakpoints([sym.value], false);
  }
  return stubs;
}

describe('monitor output against QEMU\'s, same guest stopped at the same instruction', function () {
  this.timeout(120000);
  before(function () {
    if (!haveQemu()) throw new Error(`${QEMU} is not installed: these tests need it (CI installs qemu-system-x86)`);
  });
  // usermode.elf enters ring 3 with a TSC reading in EAX: that register is masked there.
  const stops: [string, string, string, RegExp | null][] = [
    ['paging.elf', 'exit_qemu', 'paging on, the test\'s page tables', null],
    ['fpu.elf', 'exit_qemu', 'x87 registers and status after the FPU tests', null],
    ['usermode.elf', 'user_text_start', 'ring 3 with paging', /EAX=[0-9a-f]{8}/],
  ];
  for (const [kernel, symbol, what, mask] of stops) {
    it(`${kernel} at ${symbol} (${what}): ${COMMANDS.length} commands print the same`, async () => {
      const [t, q] = await stopAt(kernel, symbol);
      try {
        const diffs: string[] = [];
        for (const cmd of COMMANDS) {
          const [a, b] = await Promise.all([t.monitor(cmd), q.monitor(cmd)]);
          expect(b.length, `QEMU answers ${cmd}`).to.be.greaterThan(0);
          if (normalise(a, mask) !== normalise(b, mask)) diffs.push(`${cmd}\n--- tcg86\n${normalise(a, mask)}--- qemu\n${normalise(b, mask)}`);
        }
        expect(diffs.join('\n')).to.equal('');
      } finally {
        t.close();
        q.close();
      }
    });
  }
});
