// The boot timer, run on a shell script that prints what the guest would.
import { expect } from 'chai';
import { spawnSync } from 'child_process';
import * as path from 'path';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const CLI = path.join(ROOT, 'dist', 'tools', 'linux-guest', 'time-boot.js');

function timeBoot(script: string, extra: string[] = []) {
  const r = spawnSync(process.execPath, [CLI, ...extra, '--', 'sh', '-c', script], { encoding: 'utf8' });
  if (r.error) throw r.error;
  const lines = r.stdout.trimEnd().split('\n');
  return { status: r.status, lines, summary: lines[lines.length - 1] };
}

const GOOD = 'printf "boot\\r\\nTCG86-LINUX: init started\\n"; sleep 0.2; ' +
  'echo "TCG86-LINUX: sum=2668667000"; echo "TCG86-LINUX: md5 abc"; echo "TCG86-LINUX: done"';

describe('tools/linux-guest time-boot', () => {
  it('timestamps each line and times the markers of a right run', () => {
    const r = timeBoot(GOOD, ['--md5', 'abc']);
    expect(r.lines[0]).to.match(/^ +\d+\.\d{3} boot$/);
    expect(r.lines[1]).to.match(/^ +\d+\.\d{3} TCG86-LINUX: init started$/);
    const m = /^time-boot: init started (\S+) s, done (\S+) s, exit at (\S+) s: ok$/.exec(r.summary);
    expect(m, r.summary).to.not.equal(null);
    const [init, done, exit] = (m as RegExpExecArray).slice(1).map(Number);
    expect(done - init).to.be.within(0.15, 5);
    expect(exit).to.be.at.least(done);
    expect(r.status).to.equal(0);
  });

  it('fails on a wrong md5, a wrong sum, a missing marker or a bad exit', () => {
    expect(timeBoot(GOOD, ['--md5', 'abd']).summary).to.match(/FAILED \(md5 md5 abc\)$/);
    expect(timeBoot(GOOD.replace('2668667000', '-1626300296')).summary)
      .to.match(/FAILED \(sum sum=-1626300296\)$/);
    expect(timeBoot(GOOD.replace(/; echo "TCG86-LINUX: done"/, '')).summary).to.match(/done never.*no done marker/);
    const bad = timeBoot(`${GOOD}; exit 3`);
    expect(bad.summary).to.match(/FAILED \(exit status 3\)$/);
    expect(bad.status).to.equal(1);
  });

  it('kills a run past its timeout', () => {
    const r = timeBoot('echo "TCG86-LINUX: init started"; exec sleep 30', ['--timeout', '0.5']);
    expect(r.summary).to.match(/init started \S+ s, done never.*killed by SIGKILL/);
    expect(r.status).to.equal(1);
  });
});
