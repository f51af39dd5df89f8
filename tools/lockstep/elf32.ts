// Just enough of ELF32 (little-endian) for the lockstep runner: the entry point, the
// allocated sections (to know which memory the kernel writes) and the function symbols
// (the checkpoints).
import * as fs from 'fs';

export interface ElfSection { name: string; addr: number; size: number; writable: boolean; exec: boolean; nobits: boolean }
export interface ElfSymbol { name: string; value: number; size: number; isFunc: boolean }

export interface ElfInfo {
  entry: number;
  sections: ElfSection[];
  symbols: ElfSymbol[];
}

const SHT_SYMTAB = 2, SHT_NOBITS = 8;
const SHF_WRITE = 1, SHF_ALLOC = 2, SHF_EXECINSTR = 4;
const STT_FUNC = 2;

export function readElf(file: string): ElfInfo {
  const b = fs.readFileSync(file);
  if (b.length < 52 || b.readUInt32BE(0) !== 0x7f454c46) throw new Error(`${file}: not an ELF file`);
  if (b[4] !== 1 || b[5] !== 1) throw new Error(`${file}: not a little-endian ELF32 file`);
  const entry = b.readUInt32LE(24);
  const shoff = b.readUInt32LE(32), shentsize = b.readUInt16LE(46), shnum = b.readUInt16LE(48), shstrndx = b.readUInt16LE(50);
  const sh = (i: number) => {
    const o = shoff + i * shentsize;
    return {
      name: b.readUInt32LE(o), type: b.readUInt32LE(o + 4), flags: b.readUInt32LE(o + 8), addr: b.readUInt32LE(o + 12),
      offset: b.readUInt32LE(o + 16), size: b.readUInt32LE(o + 20), link: b.readUInt32LE(o + 24), entsize: b.readUInt32LE(o + 36),
    };
  };
  const cstr = (off: number): string => b.toString('latin1', off, b.indexOf(0, off));
  const shstr = shnum ? sh(shstrndx).offset : 0;
  const sections: ElfSection[] = [];
  const symbols: ElfSymbol[] = [];
  for (let i = 0; i < shnum; i++) {
    const s = sh(i);
    if (s.flags & SHF_ALLOC && s.size) {
      sections.push({
        name: cstr(shstr + s.name), addr: s.addr, size: s.size,
        writable: (s.flags & SHF_WRITE) !== 0, exec: (s.flags & SHF_EXECINSTR) !== 0, nobits: s.type === SHT_NOBITS,
      });
    }
    if (s.type !== SHT_SYMTAB || !s.entsize) continue;
    const strOff = sh(s.link).offset;
    for (let e = s.offset; e + 16 <= s.offset + s.size; e += s.entsize) {
      const name = cstr(strOff + b.readUInt32LE(e));
      if (name) symbols.push({ name, value: b.readUInt32LE(e + 4), size: b.readUInt32LE(e + 8), isFunc: (b[e + 12] & 0xf) === STT_FUNC });
    }
  }
  return { entry, sections, symbols };
}
