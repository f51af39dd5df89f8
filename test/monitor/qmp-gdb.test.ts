// QMP events for what a real gdb does to the machine (tcg86 -S -gdb ... -qmp ...): QEMU sends
// RESUME when gdb steps or continues, STOP when the step ends, SHUTDOWN when the guest ends.
import { expect } from 'chai';
import { freePort, gdbBatch, startTcg86Target, waitExited } from '../support/gdb-tools';
import { qmpConnect } from '../support/qmp-client';

describe('QMP events while gdb drives the machine', function () {
  this.timeout(60000);

  it('gdb stepi then continue: RESUME, STOP, RESUME, SHUTDOWN, each as it happens', async () => {
    const qport = await freePort();
    const t = await startTcg86Target('hello.elf', ['-qmp', `tcp:127.0.0.1:${qport},server,nowait`]);
    try {
      const c = await qmpConnect(qport);
      expect(await c.cmd('query-status')).to.deep.equal({ return: { status: 'prelaunch', singlestep: false, running: false } });
      const gdb = await gdbBatch('hello.elf', t.port, ['stepi', 'continue'], 30000);
      expect(gdb.stdout + gdb.stderr).to.match(/exited with code 01/);
      // No request was sent meanwhile: every event came on its own, in this order.
      await c.event('RESUME');
      await c.event('STOP');
      await c.event('RESUME');
      const shut = await c.event('SHUTDOWN');
      expect(shut.data).to.deep.equal({ guest: true, reason: 'guest-shutdown' });
      expect(c.pendingEvents()).to.deep.equal([]);
      expect(await waitExited(t, 10000)).to.equal(1);
    } finally {
      t.kill();
    }
  });
});
