// Packet handlers: registers, memory, run control, breakpoints, threads, detach/kill.
// Queries (q/Q) live in queries.ts. Every handler answers: a malformed packet gets an `E`
// reply, an unknown one the empty reply.
import { EIP } from '../emu/translate-i386/state';
import { parseThreadId, Reply, StubContext, threadMatches } from './context';
import { readGRegisters, REGS, writeGRegisters } from './i386-regs';
import { handleQuery } from './queries';
import { fromHex, PACKET_SIZE, toHex } from './rsp';

/** Most bytes an `m` reply carries (the hex takes the whole packet). Larger requests get a short reply. */
export const MAX_MEMORY_READ = PACKET_SIZE / 2;

const E_INVAL = 'E22';   // malformed or bad argument (EINVAL, as QEMU)
const E_FAULT = 'E14';   // inaccessible memory, unknown register (EFAULT, as QEMU)

export function handlePacket(ctx: StubContext, pkt: string): Reply {
  if (pkt.length === 0) return '';
  switch (pkt[0]) {
    case '?': return pkt.length === 1 ? ctx.stopReply(ctx.lastStop()) : '';
    case 'g': return pkt.length === 1 ? toHex(readGRegisters(ctx.target)) : E_INVAL;
    case 'G': {
      const d = fromHex(pkt.slice(1));
      return d ? writeGRegisters(ctx.target, d) ?? 'OK' : E_INVAL;
    }
    case 'p': return readRegister(ctx, pkt);
    case 'P': return writeRegister(ctx, pkt);
    case 'm': return readMemory(ctx, pkt);
    case 'M': return writeMemoryHex(ctx, pkt);
    case 'X': return writeMemoryBinary(ctx, pkt);
    case 'c': case 'C': case 's': case 'S': return resume(ctx, pkt);
    case 'Z': case 'z': return breakpoint(ctx, pkt);
    case 'H': return setThread(pkt);
    case 'T': {
      const id = parseThreadId(pkt.slice(1));
      return id && threadMatches(id) && id.tid > 0 ? 'OK' : E_INVAL;
    }
    case 'D': return detach(ctx, pkt);
    case 'k':
      ctx.kill(false);
      return null;
    case '!': return 'OK';
    case 'v': return vPacket(ctx, pkt);
    case 'q': case 'Q': return handleQuery(ctx, pkt);
    case 'b':
      // Reverse execution (bc/bs) needs record/replay, which we do not have. QEMU aborts here.
      return pkt === 'bc' || pkt === 'bs' ? E_INVAL : '';
    default: return '';
  }
}

/**
 * A 32-bit address in hex. gdb may sign-extend to 64 bits (ffffffff8...). Returns null for
 * a value that no 32-bit address can have.
 */
export function parseAddress(hex: string): number | null {
  if (!/^[0-9a-fA-F]{1,16}$/.test(hex)) return null;
  const v = BigInt('0x' + hex);
  const hi = v >> 32n;
  if (hi !== 0n && hi !== 0xffffffffn) return null;
  return Number(v & 0xffffffffn) | 0;
}

function parseLength(hex: string): number | null {
  return /^[0-9a-fA-F]{1,8}$/.test(hex) ? parseInt(hex, 16) : null;
}

function readRegister(ctx: StubContext, pkt: string): Reply {
  const m = /^p([0-9a-fA-F]{1,8})$/.exec(pkt);
  if (!m) return E_INVAL;
  const n = parseInt(m[1], 16);
  if (n >= REGS.length) return E_FAULT;
  return toHex(REGS[n].read(ctx.target));
}

function writeRegister(ctx: StubContext, pkt: string): Reply {
  const m = /^P([0-9a-fA-F]{1,8})=([0-9a-fA-F]*)$/.exec(pkt);
  if (!m) return E_INVAL;
  const n = parseInt(m[1], 16);
  if (n >= REGS.length) return E_FAULT;
  const r = REGS[n];
  const v = fromHex(m[2]);
  if (!v || v.length !== r.size) return E_INVAL;
  return r.write(ctx.target, v) ?? 'OK';
}

/** The readable prefix of [addr, addr+len): whole when mapped, up to the first hole otherwise. */
function readPrefix(ctx: StubContext, addr: number, len: number): Uint8Array | null {
  const t = ctx.target;
  const whole = t.readMemory(addr, len, ctx.physMode);
  if (whole) return whole;
  const parts: Uint8Array[] = [];
  let got = 0;
  while (got < len) {
    const a = (addr + got) | 0;
    const n = Math.min(len - got, 0x1000 - (a & 0xfff));
    const b = t.readMemory(a, n, ctx.physMode);
    if (!b) break;
    parts.push(b);
    got += n;
  }
  return got ? Buffer.concat(parts) : null;
}

function readMemory(ctx: StubContext, pkt: string): Reply {
  const m = /^m([0-9a-fA-F]+),([0-9a-fA-F]+)$/.exec(pkt);
  if (!m) return E_INVAL;
  const addr = parseAddress(m[1]);
  const len = parseLength(m[2]);
  if (len === null) return E_INVAL;
  if (addr === null) return E_FAULT;
  if (len === 0) return '';
  const data = readPrefix(ctx, addr, Math.min(len, MAX_MEMORY_READ));
  return data ? toHex(data) : E_FAULT;
}

function writeMemory(ctx: StubContext, addr: number, data: Uint8Array): Reply {
  if (data.length === 0) return 'OK';
  return ctx.target.writeMemory(addr, data, ctx.physMode) ? 'OK' : E_FAULT;
}

function writeMemoryHex(ctx: StubContext, pkt: string): Reply {
  const m = /^M([0-9a-fA-F]+),([0-9a-fA-F]+):([0-9a-fA-F]*)$/.exec(pkt);
  if (!m) return E_INVAL;
  const addr = parseAddress(m[1]);
  const len = parseLength(m[2]);
  const data = fromHex(m[3]);
  if (len === null || !data || data.length !== len) return E_INVAL;
  if (addr === null) return E_FAULT;
  return writeMemory(ctx, addr, data);
}

function writeMemoryBinary(ctx: StubContext, pkt: string): Reply {
  const colon = pkt.indexOf(':');
  const m = colon < 0 ? null : /^X([0-9a-fA-F]+),([0-9a-fA-F]+)$/.exec(pkt.slice(0, colon));
  if (!m) return E_INVAL;
  const addr = parseAddress(m[1]);
  const len = parseLength(m[2]);
  const data = Buffer.from(pkt.slice(colon + 1), 'latin1');   // escapes were undone by the framing
  if (len === null || data.length !== len) return E_INVAL;
  if (addr === null) return E_FAULT;
  return writeMemory(ctx, addr, data);
}

/** c [addr], C sig[;addr], s [addr], S sig[;addr]. Signals mean nothing to a bare machine. */
function resume(ctx: StubContext, pkt: string): Reply {
  const step = pkt[0] === 's' || pkt[0] === 'S';
  let rest = pkt.slice(1);
  if (pkt[0] === 'C' || pkt[0] === 'S') {
    const m = /^([0-9a-fA-F]{1,2})(?:;(.*))?$/.exec(rest);
    if (!m) return E_INVAL;
    rest = m[2] ?? '';
  }
  if (rest !== '') {
    const a = parseAddress(rest);
    if (a === null) return E_INVAL;
    ctx.target.cpu.s[EIP] = a;
  }
  ctx.resume(step ? 'step' : 'continue');
  return null;
}

function vPacket(ctx: StubContext, pkt: string): Reply {
  if (pkt === 'vCont?') return 'vCont;c;C;s;S;t';
  if (pkt.startsWith('vCont;')) return vCont(ctx, pkt.slice(6));
  if (pkt === 'vKill' || pkt.startsWith('vKill;')) {
    const id = pkt.length > 6 ? /^[0-9a-fA-F]{1,8}$/.test(pkt.slice(6)) ? parseInt(pkt.slice(6), 16) : -2 : 1;
    if (id !== 1) return E_INVAL;
    ctx.afterReply(() => ctx.kill(true));
    return 'OK';
  }
  return '';   // vMustReplyEmpty, vFile, vRun, vAttach, vStopped, vCtrlC, ...
}

/** vCont;ACTION[:TID]...: the first action that applies to our thread decides. */
function vCont(ctx: StubContext, actions: string): Reply {
  let chosen: string | null = null;
  for (const a of actions.split(';')) {
    const m = /^(c|s|t|[CS][0-9a-fA-F]{1,2})(?::(.+))?$/.exec(a);
    if (!m) return E_INVAL;
    if (m[2] !== undefined) {
      const id = parseThreadId(m[2]);
      if (!id || !threadMatches(id)) return E_INVAL;
    }
    chosen ??= m[1][0];
  }
  if (chosen === null) return E_INVAL;
  if (chosen === 't') return ctx.stopReply(null).replace(/^T05/, 'T00');   // already stopped (all-stop)
  ctx.resume(chosen === 's' || chosen === 'S' ? 'step' : 'continue');
  return null;
}

/** Z0/Z1 (software/hardware breakpoint), Z2/Z3/Z4 (write/read/access watchpoint), and z0-z4. */
function breakpoint(ctx: StubContext, pkt: string): Reply {
  const m = /^[Zz]([0-9a-fA-F]+),([0-9a-fA-F]+),([0-9a-fA-F]+)(;.*)?$/.exec(pkt);
  const type = /^[Zz]([0-9])/.exec(pkt);
  if (type && type[1] > '4') return '';
  if (!m) return E_INVAL;
  const addr = parseAddress(m[2]);
  if (addr === null) return E_INVAL;
  if (m[1] >= '2') {
    const len = parseInt(m[3], 16);
    if (!(len > 0 && len <= 0x10000)) return E_INVAL;
    const wtype = m[1] === '2' ? 'write' : m[1] === '3' ? 'read' : 'access';
    if (pkt[0] === 'Z') ctx.insertWatchpoint(addr, len, wtype); else ctx.removeWatchpoint(addr, len, wtype);
    return 'OK';
  }
  const hw = m[1] === '1';
  if (pkt[0] === 'Z') ctx.insertBreakpoint(addr, hw);
  else ctx.removeBreakpoint(addr, hw);
  return 'OK';
}

function setThread(pkt: string): Reply {
  const m = /^H([cg])(.+)$/.exec(pkt);
  if (!m) return E_INVAL;
  const id = parseThreadId(m[2]);
  return id && threadMatches(id) ? 'OK' : E_INVAL;
}

/** D or D;PID: remove gdb's breakpoints, let the guest run, forget the client's stop state. */
function detach(ctx: StubContext, pkt: string): Reply {
  if (pkt !== 'D') {
    const m = /^D;([0-9a-fA-F]{1,8})$/.exec(pkt);
    if (!m || parseInt(m[1], 16) !== 1) return E_INVAL;
  }
  ctx.removeAllBreakpoints();
  ctx.detached();
  ctx.afterReply(() => ctx.target.resume());
  return 'OK';
}

