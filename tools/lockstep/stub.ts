// One emulator as the runner drives it: its process, its RSP connection and register layout,
// reading the compared state in one pipelined burst, stepping, continuing, breakpoints, and
// the writes used to normalise state.
import { Emulator, launch, LaunchOptions, Side } from './launch';
import { RspClient, StopResult } from './rsp-client';
import { bigToLeHex, CpuState, FIELDS, leHexToBig, physicalToStack, Range, ST, stackIndexToPhysical } from './state';
import { Layout, learnLayout } from './target-desc';

export interface StubOptions extends LaunchOptions {
  /** qqemu.sstep flags for single steps (QEMU's default 7: ENABLE|NOIRQ|NOTIMER). */
  sstep: number;
  /** Every packet, for -vvv. */
  trace?: (line: string) => void;
}

export class Stub {
  /** Single steps and continues, for the speed figures. */
  steps = 0;
  stepMs = 0;
  /** Fields this side can give (in FIELDS order). */
  readonly fields: string[];
  private readonly maxRead: number;

  private constructor(readonly side: Side, readonly emu: Emulator, readonly rsp: RspClient, readonly layout: Layout,
    packetSize: number) {
    this.fields = FIELDS.filter((f) => layout.regs.has(f));
    // An `m` reply is hex: two characters a byte, within the stub's packet size.
    this.maxRead = Math.max(64, Math.floor((packetSize - 8) / 2));
  }

  static async start(side: Side, o: StubOptions): Promise<Stub> {
    const { emu, rsp } = await launch(side, o);
    const trace = o.trace;
    if (trace) rsp.trace = (dir, text) => trace(`${side} ${dir} ${text.length > 160 ? `${text.slice(0, 160)}...` : text}`);
    try {
      const sup = await rsp.handshake();
      const ps = /PacketSize=([0-9a-fA-F]+)/.exec(sup);
      const layout = await learnLayout(rsp);
      const st = await rsp.request(`Qqemu.sstep=${o.sstep.toString(16)}`);
      if (st !== 'OK') throw new Error(`${side}: Qqemu.sstep=${o.sstep} refused (${st})`);
      return new Stub(side, emu, rsp, layout, ps ? parseInt(ps[1], 16) : 4096);
    } catch (e) {
      emu.kill();
      rsp.close();
      throw e;
    }
  }

  /** Registers and memory ranges, all requests in one write; `extra` packets ride along (their replies in `extra`). */
  async readState(ranges: Range[], extra: string[] = []): Promise<CpuState> {
    const pkts = ['g'];
    const viaP = this.fields.filter((f) => this.layout.regs.get(f)!.gOffset === null);
    for (const f of viaP) pkts.push(`p${this.layout.regs.get(f)!.num.toString(16)}`);
    const chunks: { range: number; addr: number; len: number }[] = [];
    ranges.forEach((r, i) => {
      for (let a = r.addr; a < r.addr + r.len; a += this.maxRead) chunks.push({ range: i, addr: a, len: Math.min(this.maxRead, r.addr + r.len - a) });
    });
    for (const c of chunks) pkts.push(`m${c.addr.toString(16)},${c.len.toString(16)}`);
    pkts.push(...extra);
    const replies = await this.rsp.pipeline(pkts);
    const g = replies[0];
    if (!/^[0-9a-fA-Fx]+$/.test(g)) throw new Error(`${this.side}: bad 'g' reply: ${g.slice(0, 40)}`);
    const regs = new Map<string, bigint>();
    for (const f of this.fields) {
      const r = this.layout.regs.get(f)!;
      if (r.gOffset !== null) regs.set(f, leHexToBig(g.slice(r.gOffset * 2, (r.gOffset + r.size) * 2)));
    }
    viaP.forEach((f, i) => {
      const rep = replies[1 + i];
      if (/^[0-9a-fA-Fx]+$/.test(rep)) regs.set(f, leHexToBig(rep));
    });
    if (this.side === 'qemu') physicalToStack(regs);
    const parts: (Buffer | null)[][] = ranges.map(() => []);
    chunks.forEach((c, i) => {
      const rep = replies[1 + viaP.length + i];
      const ok = /^([0-9a-fA-F]{2})+$/.test(rep) && rep.length === c.len * 2;
      parts[c.range].push(ok ? Buffer.from(rep, 'hex') : null);
    });
    const mem = ranges.map((range, i) => ({ range, bytes: parts[i].some((p) => p === null) ? null : Buffer.concat(parts[i] as Buffer[]) }));
    return { regs, mem, extra: replies.slice(replies.length - extra.length) };
  }

  async readMemory(addr: number, len: number): Promise<Buffer | null> {
    const out: Buffer[] = [];
    for (let a = addr; a < addr + len; a += this.maxRead) {
      const n = Math.min(this.maxRead, addr + len - a);
      const r = await this.rsp.request(`m${(a >>> 0).toString(16)},${n.toString(16)}`);
      if (!/^([0-9a-fA-F]{2})+$/.test(r)) return out.length ? Buffer.concat(out) : null;
      out.push(Buffer.from(r, 'hex'));
      if (r.length < n * 2) break;
    }
    return Buffer.concat(out);
  }

  async writeMemory(addr: number, data: Buffer): Promise<void> {
    for (let o = 0; o < data.length; o += this.maxRead) {
      const part = data.subarray(o, o + this.maxRead);
      const r = await this.rsp.request(`M${((addr + o) >>> 0).toString(16)},${part.length.toString(16)}:${part.toString('hex')}`);
      if (r !== 'OK') throw new Error(`${this.side}: writing ${part.length} bytes at 0x${(addr + o).toString(16)} failed: ${r}`);
    }
  }

  /** Write one register by name (`P`); `fstat` is needed to place an ST(i) on a physical-order stub. */
  async writeRegister(name: string, v: bigint, fstat?: bigint): Promise<void> {
    let info = this.layout.regs.get(name);
    if (!info) throw new Error(`${this.side} has no register ${name}`);
    if (this.side === 'qemu' && ST.includes(name) && fstat !== undefined) info = this.layout.regs.get(`st${stackIndexToPhysical(ST.indexOf(name), fstat)}`)!;
    const r = await this.rsp.request(`P${info.num.toString(16)}=${bigToLeHex(v, info.size)}`);
    if (r !== 'OK') throw new Error(`${this.side}: writing ${name}=${v.toString(16)} failed: ${r}`);
  }

  /** Registers by name through `p` (those outside the compared set, e.g. gdtr_base); missing ones are left out. */
  async readNamed(names: string[]): Promise<Map<string, number>> {
    const have = names.filter((n) => this.layout.regs.has(n));
    const replies = await this.rsp.pipeline(have.map((n) => `p${this.layout.regs.get(n)!.num.toString(16)}`));
    const out = new Map<string, number>();
    have.forEach((n, i) => { if (/^[0-9a-fA-F]+$/.test(replies[i])) out.set(n, Number(leHexToBig(replies[i]) & 0xffffffffn)); });
    return out;
  }

  async step(timeoutMs = 10000): Promise<StopResult> {
    const t0 = Date.now();
    const r = await this.rsp.resume('s', timeoutMs);
    this.steps++;
    this.stepMs += Date.now() - t0;
    return r;
  }

  cont(timeoutMs: number): Promise<StopResult & { timedOut: boolean }> { return this.rsp.resume('c', timeoutMs); }

  /**
   * Step over the instruction at a checkpoint, then continue (both stubs stop again at once on
   * a breakpoint at the current pc, so a step that lands on a checkpoint is a hit too). tcg86
   * queues packets that arrive while it runs: both go in one write. QEMU's stub stops the
   * machine on any byte received while it runs: it gets them one at a time.
   */
  async stepAndContinue(timeoutMs: number): Promise<StopResult & { timedOut: boolean }> {
    const t0 = Date.now();
    let step: StopResult;
    if (this.side === 'tcg86') {
      this.rsp.send('s');
      this.rsp.send('c');
      step = await this.rsp.waitStop('s', 10000);
    } else step = await this.rsp.resume('s');
    this.steps++;
    this.stepMs += Date.now() - t0;
    if (step.kind !== 'stopped') return { ...step, timedOut: false };
    return this.side === 'tcg86' ? this.rsp.waitStop('c', timeoutMs) : this.rsp.resume('c', timeoutMs);
  }

  async setBreakpoints(addrs: number[], insert: boolean): Promise<void> {
    const replies = await this.rsp.pipeline(addrs.map((a) => `${insert ? 'Z' : 'z'}0,${(a >>> 0).toString(16)},1`));
    const bad = replies.findIndex((r) => r !== 'OK');
    if (bad >= 0) throw new Error(`${this.side}: breakpoint at 0x${addrs[bad].toString(16)}: ${replies[bad]}`);
  }

  monitor(cmd: string): Promise<string> { return this.rsp.monitor(cmd); }

  close(): void {
    this.rsp.close();
    this.emu.kill();
  }
}
