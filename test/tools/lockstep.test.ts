// tools/lockstep against QEMU: the guest corpus with a bounded budget per kernel must show no
// divergence, and a divergence made on purpose (a register or a memory byte changed on the
// tcg86 side through the gdb stub) must be found and named. Needs qemu-system-i386: without
// it these tests fail (CI installs it).
import { expect } from 'chai';
import { spawn, spawnSync } from 'child_process';
import * as path from 'path';
import { runCorpus } from '../../tools/lockstep/corpus';
import { ROOT } from '../../tools/lockstep/launch';
import { LockstepOptions } from '../../tools/lockstep/lockstep';

const MAIN = path.join(ROOT, 'dist', 'tools', 'lockstep', 'main.js');
const QEMU = process.env.QEMU ?? 'qemu-system-i386';

function haveQemu(): boolean {
  try { return spawnSync(QEMU, ['--version'], { timeout: 10000 }).status === 0; } catch { return false; }
}

function lockstep(args: string[], timeoutMs: number): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [MAIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '', stderr = '';
    p.stdout.on('data', (d) => { stdout += d; });
    p.stderr.on('data', (d) => { stderr += d; });
    const t = setTimeout(() => p.kill('SIGKILL'), timeoutMs);
    p.on('close', (status) => { clearTimeout(t); resolve({ status, stdout, stderr }); });
  });
}

describe('tools/lockstep (tcg86 against QEMU)', function () {
  before(function () {
    if (!haveQemu()) throw new Error(`${QEMU} is not installed: the lockstep tests need it (CI installs qemu-system-x86)`);
  });

  it('runs the guest corpus with no divergence (4 s per kernel, two at a time)', async function () {
    this.timeout(150000);
    const lines: string[] = [];
    const o: Omit<LockstepOptions, 'kernel'> = {
      maxInsns: 3_000_000, stepOnly: false, icount: 5, timeLimitMs: 4000, contTimeoutMs: 30000, verbose: 0, log: () => undefined,
      serialDir: null, inject: null, strict: false, bisectSteps: 20000, thinAfter: 100,
    };
    const results = await runCorpus(o, (l) => lines.push(l), undefined, 2);
    console.log(lines.map((l) => `      ${l}`).join('\n'));
    expect(results.length).to.be.greaterThan(10);
    const diverged = results.filter((r) => r.outcome === 'divergence').map((r) => `${path.basename(r.kernel)}: ${r.divergence?.note || r.divergence?.diff.regs.map((f) => f.field).join(', ')}`);
    expect(diverged, 'kernels where tcg86 and QEMU diverge').to.deep.equal([]);
    // Every kernel got past its start-up code in agreement.
    for (const r of results) expect(r.insns, path.basename(r.kernel)).to.be.greaterThan(80000);
  });

  it('finds a register changed on the tcg86 side at a checkpoint, after restarting and bisecting', async function () {
    this.timeout(60000);
    const r = await lockstep(['-kernel', 'test/guest/bin/hello.elf', '--inject', '5:esi=0x1234'], 55000);
    expect(r.status, r.stderr).to.equal(1);
    expect(r.stdout).to.match(/^DIVERGENCE in .*hello\.elf/m);
    expect(r.stdout).to.match(/^\* esi\s+00001234\s+2badb002$/m);
    expect(r.stdout).to.match(/differing: esi$/m);
    expect(r.stdout).to.match(/restarts: 1/);
    expect(r.stdout).to.match(/^reproduce:\n {2}npm run lockstep -- -kernel test\/guest\/bin\/hello\.elf .*--inject 5:esi=0x1234/m);
  });

  it('finds a memory byte changed on the tcg86 side when comparing every instruction', async function () {
    this.timeout(60000);
    // rng_state in .data: the step-only run compares memory every few steps and narrows to the instruction.
    const r = await lockstep(['-kernel', 'test/guest/bin/hello.elf', '--step-only', '--max-insns', '2000', '--inject', '300:mem:0x102dc4=0x55'], 55000);
    expect(r.status, r.stderr).to.equal(1);
    expect(r.stdout).to.match(/after instruction 300 /);
    expect(r.stdout).to.match(/differing: mem\[0x102dc4\.\.\+1\]/);
    expect(r.stdout).to.match(/^ {4}tcg86: 55$/m);
  });

  it('agrees with itself when nothing is injected, and exits 0', async function () {
    this.timeout(60000);
    const r = await lockstep(['-kernel', 'test/guest/bin/hello.elf'], 55000);
    expect(r.status, r.stdout + r.stderr).to.equal(0);
    expect(r.stdout).to.match(/hello\.elf .* agree to the end \(both exited with status 1\)/);
  });

  it('reports a tool error in one line with exit status 2', async function () {
    this.timeout(20000);
    const r = await lockstep(['-kernel', 'no-such-kernel.elf'], 15000);
    expect(r.status).to.equal(2);
    expect(r.stderr.trim().split('\n')).to.have.length(1);
    expect(r.stderr).to.match(/^lockstep: .*no-such-kernel\.elf/);
  });
});
