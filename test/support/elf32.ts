// A tiny ELF32 little-endian reader for tests: loadable segments and the symbol table, so that
// tests can compute what guest memory must contain without asking the emulator.
export interface ElfSegment { vaddr: number; paddr: number; data: Uint8Array; memsz: number }

export class Elf32 {
  readonly entry: number;
  readonly segments: ElfSegment[] = [];
  readonly symbols = new Map<string, { value: number; size: number }>();

  constructor(readonly file: Uint8Array) {
    const dv = new DataView(file.buffer, file.byteOffset, file.byteLength);
    if (dv.getUint32(0, false) !== 0x7f454c46 || file[4] !== 1 || file[5] !== 1) throw new Error('not an ELF32 little-endian file');
    const u16 = (o: number) => dv.getUint16(o, true), u32 = (o: number) => dv.getUint32(o, true);
    this.entry = u32(24);
    const phoff = u32(28), shoff = u32(32), phentsize = u16(42), phnum = u16(44), shentsize = u16(46), shnum = u16(48);
    for (let i = 0; i < phnum; i++) {
      const p = phoff + i * phentsize;
      if (u32(p) !== 1) continue; // PT_LOAD
      const off = u32(p + 4), filesz = u32(p + 16);
      this.segments.push({ vaddr: u32(p + 8), paddr: u32(p + 12), data: file.subarray(off, off + filesz), memsz: u32(p + 20) });
    }
    for (let i = 0; i < shnum; i++) {
      const sh = shoff + i * shentsize;
      if (u32(sh + 4) !== 2) continue; // SHT_SYMTAB
      const off = u32(sh + 16), size = u32(sh + 20), link = u32(sh + 24), entsize = u32(sh + 36);
      const strOff = u32(shoff + link * shentsize + 16);
      for (let e = off; e + entsize <= off + size; e += entsize) {
        let n = strOff + u32(e), name = '';
        while (file[n]) name += String.fromCharCode(file[n++]);
        if (name) this.symbols.set(name, { value: u32(e + 4), size: u32(e + 8) });
      }
    }
  }

  symbol(name: string): number {
    const s = this.symbols.get(name);
    if (!s) throw new Error(`no symbol '${name}'`);
    return s.value;
  }

  /** Bytes of the loaded image at virtual address `addr` (.bss reads as zeros). */
  bytesAt(addr: number, len: number): Uint8Array {
    const out = new Uint8Array(len);
    for (let i = 0; i < len; i++) {
      const a = addr + i;
      const seg = this.segments.find(s => a >= s.vaddr && a < s.vaddr + s.memsz);
      if (!seg) throw new Error(`address 0x${a.toString(16)} is not in a loadable segment`);
      const off = a - seg.vaddr;
      out[i] = off < seg.data.length ? seg.data[off] : 0;
    }
    return out;
  }

  u32At(addr: number): number {
    const b = this.bytesAt(addr, 4);
    return (b[0] | (b[1] << 8) | (b[2] << 16) | (b[3] << 24)) >>> 0;
  }
}
