// General queries and settings (q... / Q...): qSupported, threads, the target description,
// monitor commands (qRcmd), no-ack mode, and QEMU's qqemu.* extensions.
import { formatThreadId, parseThreadId, Reply, SSTEP_ENABLE, SSTEP_NOIRQ, SSTEP_NOTIMER, StubContext, threadMatches } from './context';
import { targetXml } from './i386-regs';
import { escapedPrefixLength, escapeBinary, fromHex, PACKET_SIZE, toHex } from './rsp';

const E_INVAL = 'E22';
const SSTEP_ALL = SSTEP_ENABLE | SSTEP_NOIRQ | SSTEP_NOTIMER;

let xmlCache: Buffer | null = null;
function xmlAnnex(annex: string): Buffer | null {
  if (annex !== 'target.xml') return null;
  xmlCache ??= Buffer.from(targetXml(), 'utf8');
  return xmlCache;
}

export function handleQuery(ctx: StubContext, pkt: string): Reply {
  const colon = pkt.indexOf(':');
  const comma = pkt.indexOf(',');
  // The name ends at the first ':' or ',' (qRcmd,..., qThreadExtraInfo,...), or is the whole packet.
  const cut = [colon, comma].filter(i => i >= 0).reduce((a, b) => Math.min(a, b), pkt.length);
  const name = pkt.slice(0, cut);
  const arg = pkt.slice(cut + 1);
  switch (name) {
    case 'qSupported': return supported(ctx, cut < pkt.length ? arg : '');
    case 'qXfer': return xfer(pkt.slice(cut + 1));
    case 'qC': return cut === pkt.length ? `QC${formatThreadId(ctx.features)}` : '';
    case 'qfThreadInfo': return `m${formatThreadId(ctx.features)}`;
    case 'qsThreadInfo': return 'l';
    case 'qThreadExtraInfo': {
      const id = parseThreadId(arg);
      if (!id || !threadMatches(id)) return E_INVAL;
      return toHex(Buffer.from(ctx.target.cpu.halted ? 'CPU#0 [halted ]' : 'CPU#0 [running]'));
    }
    case 'qAttached': return '1';
    case 'qRcmd': return monitorCommand(ctx, arg);
    case 'QStartNoAckMode':
      ctx.afterReply(() => ctx.startNoAckMode());
      return 'OK';
    case 'qqemu.Supported': return 'sstepbits;sstep;PhyMemMode';
    case 'qqemu.sstepbits': return `ENABLE=${SSTEP_ENABLE.toString(16)},NOIRQ=${SSTEP_NOIRQ.toString(16)},NOTIMER=${SSTEP_NOTIMER.toString(16)}`;
    case 'qqemu.sstep': return `0x${ctx.sstepFlags.toString(16)}`;
    case 'qqemu.PhyMemMode': return ctx.physMode ? '1' : '0';
    default:
      break;
  }
  // Settings written with '=' or ':' (Qqemu.sstep=7, Qqemu.sstep:7, Qqemu.PhyMemMode:1).
  const set = /^Qqemu\.(sstep|PhyMemMode)[=:](.*)$/.exec(pkt);
  if (set) {
    if (set[1] === 'sstep') {
      if (!/^(0x)?[0-9a-fA-F]{1,8}$/.test(set[2])) return E_INVAL;
      const v = parseInt(set[2].replace(/^0x/, ''), 16);
      if (v & ~SSTEP_ALL) return E_INVAL;
      ctx.sstepFlags = v;
      return 'OK';
    }
    if (set[2] !== '0' && set[2] !== '1') return E_INVAL;
    ctx.physMode = set[2] === '1';
    return 'OK';
  }
  return '';
}

function supported(ctx: StubContext, offered: string): Reply {
  const has = new Set(offered.split(';').filter(f => f.endsWith('+')).map(f => f.slice(0, -1)));
  ctx.features.multiprocess = has.has('multiprocess');
  ctx.features.swbreak = has.has('swbreak');
  ctx.features.hwbreak = has.has('hwbreak');
  const reply = [`PacketSize=${PACKET_SIZE.toString(16)}`, 'qXfer:features:read+', 'vContSupported+', 'swbreak+', 'hwbreak+', 'QStartNoAckMode+'];
  if (ctx.features.multiprocess) reply.push('multiprocess+');
  return reply.join(';');
}

/** qXfer:features:read:ANNEX:OFFSET,LENGTH → m<data> (more follows) or l<data> (the end). */
function xfer(rest: string): Reply {
  const m = /^([^:]*):([^:]*):([^:]*):(.*)$/.exec(rest);
  if (!m) return E_INVAL;
  const [, object, op, annex, range] = m;
  if (object !== 'features' || op !== 'read') return '';
  const r = /^([0-9a-fA-F]{1,8}),([0-9a-fA-F]{1,8})$/.exec(range);
  if (!r) return E_INVAL;
  const data = xmlAnnex(annex);
  if (!data) return 'E00';
  const off = parseInt(r[1], 16), len = parseInt(r[2], 16);
  if (off > data.length) return 'E00';
  const n = escapedPrefixLength(data, off, Math.min(len, PACKET_SIZE - 1));
  const chunk = escapeBinary(data.subarray(off, off + n));
  return Buffer.concat([Buffer.from(off + n >= data.length ? 'l' : 'm'), chunk]);
}

/** Console output as O packets, each within the packet size. */
function sendOutput(ctx: StubContext, text: string): void {
  const bytes = Buffer.from(text, 'utf8');
  const max = PACKET_SIZE / 2 - 1;
  for (let i = 0; i < bytes.length; i += max) ctx.send('O' + toHex(bytes.subarray(i, i + max)));
}

/**
 * qRcmd,HEX (gdb's `monitor CMD`): the monitor's output streams as O packets, then OK.
 * A monitor that returns a promise (commands that wait for the CPU) is waited for.
 */
function monitorCommand(ctx: StubContext, hex: string): Reply {
  const d = fromHex(hex);
  if (!d) return E_INVAL;
  const line = d.toString('utf8');
  if (!ctx.monitor) {
    sendOutput(ctx, 'tcg86: the monitor is not available on this gdb connection\n');
    return 'OK';
  }
  let open = true;
  const write = (text: string): void => { if (open && text) sendOutput(ctx, String(text)); };
  const failed = (e: unknown): void => write(`tcg86: monitor error: ${(e as Error)?.message ?? String(e)}\n`);
  let result: unknown;
  try {
    result = ctx.monitor(line, write);
  } catch (e) {
    failed(e);
  }
  if (result && typeof (result as PromiseLike<void>).then === 'function') {
    return Promise.resolve(result as PromiseLike<void>).then(() => undefined, failed).then(() => {
      open = false;
      return 'OK';
    });
  }
  open = false;   // output after the command returned cannot reach gdb any more
  return 'OK';
}
