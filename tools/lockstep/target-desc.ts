// Register layouts learned from each stub's target description (qXfer:features:read), so
// that registers are found by name: QEMU and tcg86 order and size them differently, and
// only part of them travels in the `g` packet.
import { RspClient } from './rsp-client';

export interface RegInfo {
  name: string;
  /** Remote register number (the `p`/`P` index). */
  num: number;
  /** Size in bytes. */
  size: number;
  /** Byte offset in the `g` reply, or null when `g` does not carry it. */
  gOffset: number | null;
}

export interface Layout {
  regs: Map<string, RegInfo>;
  /** Bytes in the `g` reply. */
  gBytes: number;
}

/** The <reg> elements of a description, comments removed, in document order. */
export function parseRegs(xml: string): { name: string; bits: number; regnum: number | null }[] {
  const text = xml.replace(/<!--[\s\S]*?-->/g, '');
  const out: { name: string; bits: number; regnum: number | null }[] = [];
  for (const m of text.matchAll(/<reg\s([^>]*?)\/?>/g)) {
    const attr = (k: string): string | undefined => new RegExp(`\\b${k}="([^"]*)"`).exec(m[1])?.[1];
    const name = attr('name'), bits = attr('bitsize'), rn = attr('regnum');
    if (!name || !bits) throw new Error(`target description: <reg> without name or bitsize: ${m[0]}`);
    out.push({ name, bits: Number(bits), regnum: rn === undefined ? null : Number(rn) });
  }
  return out;
}

/** Fetch target.xml and its xi:includes, in order (gdb's numbering runs through all of them). */
async function fetchRegs(rsp: RspClient): Promise<{ name: string; bits: number; regnum: number | null }[]> {
  const root = await rsp.readFeature('target.xml');
  const regs = parseRegs(root);
  const noComments = root.replace(/<!--[\s\S]*?-->/g, '');
  for (const m of noComments.matchAll(/<xi:include\s+href="([^"]+)"/g)) regs.push(...parseRegs(await rsp.readFeature(m[1])));
  return regs;
}

/**
 * Numbers follow gdb's rule (an explicit regnum, else the previous number + 1); the `g`
 * packet holds registers in number order up to its length, which `gBytes` (a real `g`
 * reply's size) tells.
 */
export function buildLayout(regs: { name: string; bits: number; regnum: number | null }[], gBytes: number): Layout {
  const map = new Map<string, RegInfo>();
  let next = 0;
  const numbered = regs.map((r) => {
    const num = r.regnum ?? next;
    next = num + 1;
    return { name: r.name, num, size: r.bits / 8 };
  }).sort((a, b) => a.num - b.num);
  let off = 0;
  let inG = true;
  for (const r of numbered) {
    if (inG && off + r.size > gBytes) inG = false;
    map.set(r.name, { ...r, gOffset: inG ? off : null });
    if (inG) off += r.size;
  }
  return { regs: map, gBytes };
}

export async function learnLayout(rsp: RspClient): Promise<Layout> {
  const regs = await fetchRegs(rsp);
  const g = await rsp.request('g');
  if (!/^[0-9a-fA-Fx]+$/.test(g)) throw new Error(`${rsp.name}: bad 'g' reply: ${g.slice(0, 40)}`);
  return buildLayout(regs, g.length / 2);
}
