// Run control: stop, cont, step, system_reset. `stop` and `step` finish when the CPU has
// actually stopped (the stop listener fires), so the next command sees a stopped machine.
import { StopEvent } from '../emu/cpu-exec/debug-target';
import { HF_CS32, HFLAGS } from '../emu/translate-i386/state';
import { MonitorContext, MonitorError } from './context';
import { evalExpr } from './expr';
import { disasmLine, hex8 } from './format';

export const MAX_STEPS = 10000;
/** How long to wait for the CPU to report a stop before giving up. */
export const STOP_TIMEOUT_MS = 5000;

/** Run `action`, then wait for the next stop event (null on timeout). */
export function waitForStop(ctx: MonitorContext, action: () => void, timeoutMs = STOP_TIMEOUT_MS): Promise<StopEvent | null> {
  const debug = ctx.debug;
  return new Promise((resolve) => {
    let done = false;
    const finish = (ev: StopEvent | null) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      debug.removeStopListener(onStop);
      resolve(ev);
    };
    const onStop = (ev: StopEvent) => finish(ev);
    const timer = setTimeout(() => finish(null), timeoutMs);
    debug.addStopListener(onStop);
    action();
  });
}

function checkAlive(ctx: MonitorContext, cmd: string): void {
  const m = ctx.machine;
  if (m.runState === 'shutdown') throw new MonitorError(`${cmd}: the VM has shut down`);
  if (!m.running) throw new MonitorError(`${cmd}: the VM has not been started`);
}

export async function cmdStop(ctx: MonitorContext): Promise<void> {
  if (!ctx.debug.isRunning()) return;
  const ev = await waitForStop(ctx, () => ctx.debug.requestStop());
  if (!ev) ctx.line('stop: the CPU did not stop in time');
}

export function cmdCont(ctx: MonitorContext): void {
  checkAlive(ctx, 'cont');
  ctx.debug.resume();
}

/** The instruction at CS:EIP, as x/1i would print it. */
export function nextInsnLine(ctx: MonitorContext): string {
  const cpu = ctx.debug.cpu;
  const pc = cpu.linearPc() >>> 0;
  const fetch = (a: number): number | null => { const b = ctx.debug.readMemory(a, 1, false); return b ? b[0] : null; };
  const d = disasmLine(fetch, pc, (cpu.s[HFLAGS] & HF_CS32) !== 0);
  return d ? d.text : `0x${hex8(pc)}: Cannot access memory`;
}

export async function cmdStep(ctx: MonitorContext, args: string): Promise<void> {
  let n = 1;
  if (args.trim()) {
    const v = evalExpr(ctx.debug.cpu, args);
    if (v < 1n || v > BigInt(MAX_STEPS)) throw new MonitorError(`step: the count must be between 1 and ${MAX_STEPS}`);
    n = Number(v);
  }
  checkAlive(ctx, 'step');
  if (ctx.debug.isRunning()) throw new MonitorError("step: the VM is running; use 'stop' first");
  for (let i = 0; i < n; i++) {
    const ev = await waitForStop(ctx, () => ctx.debug.step({ noIrq: true, noTimer: true }));
    if (!ev) { ctx.line('step: the CPU did not stop in time'); return; }
    if (ev.kind === 'exited') { ctx.line(`the guest ended the machine (exit status ${ev.status})`); return; }
    if (ev.kind !== 'step') { ctx.line(`stopped after ${i + 1} steps: ${ev.kind}`); break; }
  }
  ctx.line(nextInsnLine(ctx) + (ctx.debug.cpu.halted ? '   (CPU halted: waiting for an interrupt)' : ''));
}

/** Reset now when paused (as QEMU does); when running, at the end of the current slice. */
export function cmdSystemReset(ctx: MonitorContext): void {
  const m = ctx.machine;
  if (m.runState === 'shutdown') throw new MonitorError('system_reset: the VM has shut down');
  if (m.running && !m.paused) m.requestReset();
  else m.boot();
}
