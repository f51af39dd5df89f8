// One instruction on both sides, compared; differences the policy explains are resynced.
import { isEmpty, MemDiff } from './compare';
import { Insn } from './disasm';
import { ended, End } from './endings';
import { explain } from './explain';
import { leewayFor, ZF } from './policy';
import { counterOf, interruptible, RunContext } from './run-context';
import { CpuState, u32 } from './state';

/** `insns`: instructions executed (1 for a step; more when a hlt waited through an interrupt). */
export type Ok = { kind: 'ok'; t: CpuState; q: CpuState; insns: number; resynced: boolean };
export type Stop = Ok | End;

/**
 * Step both, compare, resync what the policy explains. `arrive` may change the state before
 * the compare (the test injection) and says whether it did.
 */
export async function comparedStep(c: RunContext, t: CpuState, q: CpuState, arrive?: (q: CpuState) => Promise<boolean>): Promise<Stop> {
  const eip = u32(q, 'eip');
  c.executed(eip);
  if (c.disasm.staticAt(eip)?.text === 'hlt') return overHlt(c, t, q, eip);
  const used = c.rangesNear(t, q);
  const { stops, states } = await c.p.stepBoth(t, q, used);
  if (!states) return ended(c, stops, [t, q]);
  let [nt, nq] = await c.coverFresh(states, used);
  if (interruptible(q, nq)) c.sawIf = c.everIf = true;
  if (arrive && (await arrive(nq))) [nt, nq] = await c.readBoth(nt, nq);
  [nt, nq] = await leewayMemory(c, eip, q, nt, nq);
  const d = c.comparer!.diff(nt, nq);
  if (isEmpty(d)) return { kind: 'ok', t: nt, q: nq, insns: 1, resynced: false };
  const insn = await decode(c, eip);
  const leeway = leewayFor(insn, (r) => q.regs.get(r), (u32(nq, 'eflags') & Number(ZF)) !== 0);
  const ex = explain(d, leeway, d.mem.length ? await c.tables() : [], c.o.strict);
  if (!isEmpty(ex.unexplained)) {
    await c.diverged('instruction', ex.unexplained, [t, q], [nt, nq], insn, leeway && !ex.fields.length ? `(the policy would allow: ${leeway.reason})` : '');
    return { kind: 'end', outcome: 'divergence' };
  }
  const fields = ex.fields.map((f) => f.field);
  await c.p.copyToTcg(fields, nq);
  await c.p.copyToQemu(ex.memToQemu);
  c.countResyncs(ex.reasons);
  c.log(2, `resync at 0x${eip.toString(16)} ${insn.text}: ${[...fields, ...ex.memToQemu.map((m) => `mem 0x${m.addr.toString(16)}`)].join(', ')} (${ex.reasons.join('; ')})`);
  for (const f of fields) nt.regs.set(f, nq.regs.get(f)!);
  if (ex.memToQemu.length) [nt, nq] = await c.readBoth(nt, nq);
  return { kind: 'ok', t: nt, q: nq, insns: 1, resynced: true };
}

/**
 * Memory an instruction may write differently on QEMU (fxsave's x87 pointers) can lie outside
 * the ranges being compared while bisecting: it is read and resynced here, whatever the focus.
 */
async function leewayMemory(c: RunContext, eip: number, q: CpuState, nt: CpuState, nq: CpuState): Promise<[CpuState, CpuState]> {
  if (c.o.strict || !/^fxsave/.test(c.disasm.staticAt(eip)?.text ?? '')) return [nt, nq];
  const leeway = leewayFor(await decode(c, eip), (r) => q.regs.get(r), false);
  const diffs: MemDiff[] = [];
  for (const r of leeway?.mem ?? []) {
    const [a, b] = await Promise.all([c.p.t.readMemory(r.from, r.to - r.from), c.p.q.readMemory(r.from, r.to - r.from)]);
    if (a && b && !a.equals(b)) diffs.push({ addr: r.from, len: r.to - r.from, tcg: a, qemu: b });
  }
  if (!diffs.length) return [nt, nq];
  await c.p.copyToQemu(diffs);
  c.countResyncs([leeway!.reason]);
  return c.readBoth(nt, nq);
}

/**
 * A hlt waits for an interrupt, and single-stepping it means different things to the two
 * stubs (QEMU's step runs on through the interrupt handler, tcg86's stops halted). Both
 * continue instead, to the next instruction or a breakpoint in the handler, and are compared there.
 */
async function overHlt(c: RunContext, t: CpuState, q: CpuState, eip: number): Promise<Stop> {
  const next = eip + 1;
  const temp = !c.active.has(next);
  // Continuing from a breakpoint: tcg86 steps over it, QEMU stops there again; so none at the hlt meanwhile.
  const here = c.active.has(eip);
  const bp = (addrs: number[], insert: boolean) => Promise.all([c.p.t.setBreakpoints(addrs, insert), c.p.q.setBreakpoints(addrs, insert)]);
  if (temp) await bp([next], true);
  if (here) await bp([eip], false);
  const stops = await c.p.contBoth(c.o.contTimeoutMs);
  if (stops.some((x) => x.kind !== 'stopped')) return ended(c, stops, [t, q]);
  if (stops[0].timedOut && stops[1].timedOut) return { kind: 'end', outcome: 'budget', note: 'hlt: no interrupt came within the continue timeout on either side' };
  if (temp) await bp([next], false);
  if (here) await bp([eip], true);
  const [nt, nq] = await c.readBoth(t, q, true);
  const ran = Math.max(1, (counterOf(nt) ?? c.count + 1) - c.count);
  c.sawIf = c.everIf = true;
  const d = c.comparer!.diff(nt, nq);
  if (isEmpty(d)) return { kind: 'ok', t: nt, q: nq, insns: ran, resynced: false };
  await c.diverged('instruction', d, [t, q], [nt, nq], await decode(c, eip),
    `after hlt both continued to the next instruction or breakpoint (0x${u32(nq, 'eip').toString(16)} on qemu): the wake-up (interrupt) differs`, true);
  return { kind: 'end', outcome: 'divergence' };
}

export async function decode(c: RunContext, eip: number): Promise<Insn> {
  const mem = await c.p.q.readMemory(eip, 16);
  return c.disasm.decode(eip, mem, await code16(c));
}

/** Is the current code segment 16-bit? (tcg86 gives the descriptor cache's attributes.) */
async function code16(c: RunContext): Promise<boolean> {
  const attr = (await c.p.t.readNamed(['cs_attr'])).get('cs_attr');
  return attr !== undefined && (attr & 0x400000) === 0;
}

/**
 * Make the two states equal at a checkpoint whose differences are explained: accessed bits
 * go to QEMU (which fails to set them), everything else comes from QEMU.
 */
export async function patchCheckpoint(c: RunContext, t: CpuState, q: CpuState): Promise<string[]> {
  const ex = explain(c.comparer!.diff(t, q), null, await c.tables(), c.o.strict);
  await c.p.copyToQemu(ex.memToQemu);
  await c.p.copyToTcg(ex.unexplained.regs.map((r) => r.field), q, ex.unexplained.mem);
  return ex.reasons;
}
