// Debian's own i386 kernel and a busybox initramfs (tools/linux-guest/fetch), booted from the
// command line as a person does, then debugged with a real gdb at start_kernel.
import { expect } from 'chai';
import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { BIN, ROOT, runTcg86 } from '../support/run-tcg86';
import { killMine, startTcg86Target, waitExited } from '../support/gdb-tools';
import { GDB } from '../support/gdbstub-harness';

const CACHE = path.join(ROOT, '.cache', 'linux-guest');
const FETCH = path.join(ROOT, 'tools', 'linux-guest', 'fetch');
const APPEND = 'console=ttyS0 nokaslr acpi=off pci=off nolapic noapic panic=-1';
const BOOT_MS = 400_000;

/** Runs the fetch (idempotent) and fails with its output when it cannot get the workload. */
function fetch(withSysmap: boolean): void {
  const r = spawnSync('bash', [FETCH, ...(withSysmap ? ['--with-sysmap'] : [])], { encoding: 'utf8', timeout: 900_000 });
  if (r.status !== 0) throw new Error(`tools/linux-guest/fetch failed (status ${r.status}):\n${r.stdout}\n${r.stderr}`);
}

/** What the guest's /init must print, computed here independently of the guest. */
function expectedSum(): number { let s = 0; for (let i = 1; i <= 2000; i++) s += i * i; return s; }

/** The markers of the workload's /init, in order, with what must be between them. */
function checkWorkload(out: string): void {
  const md5 = fs.readFileSync(path.join(CACHE, 'busybox.md5'), 'utf8').trim();
  const marks = ['TCG86-LINUX: init started', `TCG86-LINUX: sum=${expectedSum()}`, `TCG86-LINUX: md5 ${md5}`, 'TCG86-LINUX: done'];
  let at = 0;
  for (const m of marks) {
    const i = out.indexOf(m, at);
    expect(i, `serial output lacks "${m}" after offset ${at}:\n${out.slice(-3000)}`).to.be.at.least(0);
    at = i + m.length;
  }
  const version = fs.readFileSync(path.join(CACHE, 'version'), 'utf8').trim();
  expect(out).to.match(new RegExp(`Linux \\(none\\) ${version.replace(/\./g, '\\.')} .* i686 GNU/Linux`));
  // /proc/cpuinfo reports what our CPUID says, and the TSC was calibrated against the PIT.
  expect(out).to.match(/flags\s+: fpu de pse tsc msr pae cx8 sep pge cmov clflush mmx fxsr sse sse2 nx/);
  expect(out).to.match(/tsc: Detected 99\d\.\d+ MHz processor|tsc: Detected 100\d\.\d+ MHz processor/);
  // The 8042 answers on both ports as under QEMU: no probe waits out its timeout.
  expect(out).to.contain('serio: i8042 AUX port at 0x60,0x64 irq 12');
  expect(out).to.contain('input: AT Translated Set 2 keyboard');
  expect(out).to.match(/bin\s+dev\s+etc\s+init\s+proc\s+root\s+sbin\s+sys\s+tmp\s+usr/);
  expect(out).to.contain('reboot: Restarting system');
}

describe('Debian i386 Linux', function () {
  this.timeout(BOOT_MS + 60_000);
  before(function () {
    this.timeout(900_000);
    fetch(false);
  });
  afterEach(killMine);

  it('boots the bzImage to the initramfs shell script, which checks md5sum of busybox, and reboot -f ends tcg86', async () => {
    const r = await runTcg86(['-kernel', path.join(CACHE, 'bzImage'), '-initrd', path.join(CACHE, 'initramfs.gz'),
      '-append', APPEND, '-serial', 'stdio', '-no-reboot', '-display', 'none'], BOOT_MS);
    expect(r.timedOut, `still running after ${BOOT_MS} ms:\n${r.stdout.slice(-3000)}`).to.equal(false);
    expect(r.status, r.stderr).to.equal(0);
    checkWorkload(r.stdout);
    expect(r.stdout).to.contain('Run /init as init process');
  });

  it('with tcg86.shell, a person types at the busybox shell through -serial stdio (16550 receive interrupts)', async () => {
    const p = spawn(process.execPath, [BIN, '-kernel', path.join(CACHE, 'bzImage'), '-initrd', path.join(CACHE, 'initramfs.gz'),
      '-append', `${APPEND} tcg86.shell`, '-serial', 'stdio', '-no-reboot', '-display', 'none'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (d) => { out += d; });
    const exited = new Promise<number | null>((resolve) => p.on('close', resolve));
    const waitFor = async (re: RegExp, from: number): Promise<number> => {
      const end = Date.now() + BOOT_MS;
      for (;;) {
        const m = re.exec(out.slice(from));
        if (m) return from + m.index + m[0].length;
        if (Date.now() > end || p.exitCode !== null) throw new Error(`no ${re} in:\n${out.slice(-3000)}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    };
    try {
      let at = await waitFor(/TCG86-LINUX: done[^]*?\/ # /, 0);
      p.stdin.write('echo $((6*7)) $((0x7fffffff+1))\n');
      at = await waitFor(/\r?\n42 2147483648\r?\n[^]*?\/ # /, at);
      p.stdin.write('cat /proc/cmdline; uname -m\n');
      at = await waitFor(/tcg86\.shell\r?\ni686\r?\n/, at);
      p.stdin.write('exit\n');
      await waitFor(/reboot: Restarting system/, at);
      expect(await exited).to.equal(0);
    } finally {
      p.kill('SIGKILL');
    }
  });

  describe('under gdb', () => {
    let sym: Map<string, number>;
    before(function () {
      this.timeout(900_000);
      fetch(true);
      sym = new Map();
      for (const l of fs.readFileSync(path.join(CACHE, 'System.map'), 'utf8').split('\n')) {
        const m = /^([0-9a-f]{8}) [tT] (\w+)$/.exec(l);
        if (m) sym.set(m[2], parseInt(m[1], 16));
      }
    });

    for (const kind of ['hbreak', 'break'] as const) {
      it(`${kind} at start_kernel before the kernel runs: stops with paging on, registers, x/i, 20 stepi, kernel_init, then runs to the end`, async () => {
        const startKernel = sym.get('start_kernel')!, kernelInit = sym.get('kernel_init')!;
        expect(startKernel, 'start_kernel in System.map').to.be.a('number');
        const t = await startTcg86Target(path.join(CACHE, 'bzImage'), ['-initrd', path.join(CACHE, 'initramfs.gz'), '-append', APPEND, '-m', '128']);
        const hex = (v: number) => `0x${v.toString(16)}`;
        const cmds = [
          'set confirm off', 'set pagination off', 'set width 0', `target remote 127.0.0.1:${t.port}`,
          'echo @@entry\\n', 'p/x $pc',
          `${kind} *${hex(startKernel)}`, 'continue',
          'echo @@start_kernel\\n', 'p/x $pc', 'monitor info registers', 'x/5i $pc',
          'stepi 20', 'echo @@stepped\\n', 'p/x $pc',
          `tbreak *${hex(kernelInit)}`, 'continue', 'echo @@kernel_init\\n', 'p/x $pc',
          'delete', 'continue', 'echo @@end\\n',
        ];
        const args = ['-nx', '-batch', ...cmds.flatMap((c) => ['-ex', c])];
        const gdb = await new Promise<{ out: string; status: number | null }>((resolve) => {
          const p = spawn(GDB, args, { stdio: ['ignore', 'pipe', 'pipe'] });
          let out = '';
          p.stdout.on('data', (d) => { out += d; });
          p.stderr.on('data', (d) => { out += d; });
          const timer = setTimeout(() => p.kill('SIGKILL'), BOOT_MS);
          p.on('close', (status) => { clearTimeout(timer); resolve({ out, status }); });
        });
        const part = (label: string): string => {
          const i = gdb.out.indexOf(`@@${label}\n`);
          expect(i, `gdb output has no @@${label}:\n${gdb.out.slice(-4000)}`).to.be.at.least(0);
          const j = gdb.out.indexOf('@@', i + 3);
          return gdb.out.slice(i, j < 0 ? undefined : j);
        };
        const pc = (label: string) => parseInt(/\$\d+ = (0x[0-9a-f]+)/.exec(part(label))![1], 16);
        expect(pc('entry')).to.be.below(0x40000000); // the bzImage's 32-bit entry, before paging
        expect(pc('start_kernel')).to.equal(startKernel);
        const regs = part('start_kernel');
        const cr0 = parseInt(/CR0=([0-9a-f]{8})/.exec(regs)![1], 16);
        expect(cr0 & 0x80000001, 'CR0.PG and PE at start_kernel').to.equal(0x80000001 | 0);
        expect(regs).to.match(/CS =0060 00000000 ffffffff/);
        expect(regs).to.contain(`=> ${hex(startKernel)}:`); // x/5i starts at the pc
        const stepped = pc('stepped');
        expect(stepped).to.not.equal(startKernel);
        expect(stepped >>> 0).to.be.within(0xc1000000, 0xc2ffffff);
        expect(pc('kernel_init')).to.equal(kernelInit);
        // After `delete` and `continue`, gdb sees the guest end (reboot -f under -no-reboot).
        expect(part('kernel_init')).to.match(/\[Inferior 1 \(process 1\) exited normally\]/);
        part('end');
        const status = await waitExited(t, 30_000);
        expect(status).to.equal(0);
        checkWorkload(t.stdout());
      });
    }
  });
});
