// A side left its stub (the guest exited, or the emulator died) or stopped for something
// other than what was asked: both exited alike is the end of the run, anything else a divergence.
import { RunContext } from './run-context';
import { StopResult } from './rsp-client';
import { CpuState, u32 } from './state';
import { Outcome } from './types';

export type End = { kind: 'end'; outcome: Outcome; note?: string };

export async function ended(c: RunContext, stops: StopResult[], last: [CpuState, CpuState]): Promise<End> {
  const exited = stops.map((s) => s.kind === 'exited');
  const status = (i: number): Promise<number | null> => {
    const emu = i === 0 ? c.p.t.emu : c.p.q.emu;
    return Promise.race([emu.exited, new Promise<null>((r) => setTimeout(() => r(null), 5000))]);
  };
  if (exited[0] && exited[1]) {
    const st: [number | null, number | null] = [await status(0), await status(1)];
    c.r.exitStatus = st;
    if (st[0] === st[1]) return { kind: 'end', outcome: 'exit', note: `both exited with status ${st[0]}` };
    await c.diverged('exit', { regs: [{ field: 'exit status', tcg: BigInt(st[0] ?? -1), qemu: BigInt(st[1] ?? -1) }], mem: [] }, null, last, null,
      `tcg86 exited with status ${st[0]}, qemu with ${st[1]}`);
    return { kind: 'end', outcome: 'divergence' };
  }
  const live = exited[0] ? c.p.q : c.p.t;
  const s = exited.some((e) => e) ? await live.readState([]) : null;
  const who = exited[0] ? 'tcg86' : 'qemu';
  const note = s ? `${who} exited (status ${await status(exited[0] ? 0 : 1)}); the other side stopped at 0x${u32(s, 'eip').toString(16)}`
    : `unexpected stops: ${stops.map((x) => x.reply).join(' / ')}`;
  await c.diverged('exit', { regs: [{ field: 'exited', tcg: exited[0] ? 1n : 0n, qemu: exited[1] ? 1n : 0n }], mem: [] }, null, last, null, note);
  return { kind: 'end', outcome: 'divergence' };
}
