// `info registers` in QEMU's format (both monitors print it) as key -> value, for what the
// gdb packets do not carry: descriptor caches (base, limit, attributes), GDTR/IDTR, LDTR/TR,
// CPL, the halted and interrupt-shadow bits.

/** Keys like `CS.sel`, `CS.base`, `CS.limit`, `CS.attr`, `GDT.base`, `CR0`, `EFL`, `CPL`, `HLT`, `FCW`. */
export function parseInfoRegisters(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    // "CS =0008 00000000 ffffffff 00cf9a00 DPL=0 CS32 [-R-]", "LDT=0000 ...", "GDT=     000cb2b8 00000027"
    const seg = /^(ES|CS|SS|DS|FS|GS|LDT|TR) ?=([0-9a-f]{4}) ([0-9a-f]{8}) ([0-9a-f]{8}) ([0-9a-f]{8})/.exec(line);
    if (seg) {
      out.set(`${seg[1]}.sel`, seg[2]);
      out.set(`${seg[1]}.base`, seg[3]);
      out.set(`${seg[1]}.limit`, seg[4]);
      out.set(`${seg[1]}.attr`, seg[5]);
      continue;
    }
    const tbl = /^(GDT|IDT)=\s+([0-9a-f]{8}) ([0-9a-f]{8})/.exec(line);
    if (tbl) {
      out.set(`${tbl[1]}.base`, tbl[2]);
      out.set(`${tbl[1]}.limit`, tbl[3]);
      continue;
    }
    if (/^FPR\d|^XMM\d/.test(line)) continue;   // x87/SSE registers are compared through gdb
    for (const m of line.matchAll(/\b([A-Z][A-Z0-9]*)=([0-9a-f]+)\b/g)) out.set(m[1], m[2]);
  }
  return out;
}

/** Keys present on both sides whose values differ. */
export function diffInfoRegisters(t: Map<string, string>, q: Map<string, string>): { key: string; tcg: string; qemu: string }[] {
  const out: { key: string; tcg: string; qemu: string }[] = [];
  for (const [k, v] of t) {
    const w = q.get(k);
    if (w !== undefined && w !== v) out.push({ key: k, tcg: v, qemu: w });
  }
  return out;
}
