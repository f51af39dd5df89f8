// Multiboot (version 1, specification 0.6.96) kernel loader, as used by `-kernel` for
// multiboot kernels.
//
// What it does, following the specification:
//  - finds the multiboot header (magic 0x1BADB002, magic + flags + checksum == 0 mod 2^32),
//    32-bit aligned and wholly inside the first 8192 bytes of the image;
//  - refuses required flags (bits 0-15) it cannot honour; bit 0 (page-aligned modules) and
//    bit 1 (memory information) are honoured, bit 2 (video mode) is accepted and ignored, as
//    QEMU does (the MBI then simply carries no video information);
//  - loads the image: with flag bit 16 (the "a.out kludge") from the header's address fields,
//    otherwise as an ELF32 little-endian i386 executable, PT_LOAD segments at p_paddr;
//  - loads the modules page aligned after the kernel's end (always, like QEMU);
//  - builds the Multiboot information structure (MBI), memory map, strings and module list.
//
// Where the boot information goes: one contiguous block, preferably at MULTIBOOT_INFO_ADDR
// (0x9000, low conventional memory, where QEMU also puts its MBI) if it fits below 0x9FC00
// without touching the kernel or a module; otherwise page aligned after the last module (or
// after the kernel if there are no modules). Inside the block, in this order: the MBI
// (MBI_SIZE bytes, unused fields zero), the memory map, the module list, then the
// NUL-terminated strings (kernel command line, boot loader name, module command lines).
//
// Machine state the caller must establish before jumping to `entry` (spec section 3.2):
// EAX = MULTIBOOT_BOOTLOADER_MAGIC, EBX = mbiAddr; CS a 32-bit read/execute code segment with
// base 0 and limit 0xFFFFFFFF; DS, ES, FS, GS, SS 32-bit read/write data segments with base 0
// and limit 0xFFFFFFFF; A20 enabled; CR0.PG = 0, CR0.PE = 1; EFLAGS.VM = 0, EFLAGS.IF = 0.
// ESP is undefined (the kernel sets up its own stack); GDTR/IDTR may be anything.

/** Value the boot loader leaves in EAX for the kernel. */
export const MULTIBOOT_BOOTLOADER_MAGIC = 0x2badb002;
/** Magic number of the multiboot header inside the kernel image. */
export const MULTIBOOT_HEADER_MAGIC = 0x1badb002;
/** The header must lie wholly within this many bytes from the start of the image. */
export const MULTIBOOT_SEARCH = 8192;

// Header flags.
export const MULTIBOOT_PAGE_ALIGN = 1 << 0;
export const MULTIBOOT_MEMORY_INFO = 1 << 1;
export const MULTIBOOT_VIDEO_MODE = 1 << 2;
export const MULTIBOOT_AOUT_KLUDGE = 1 << 16;
const SUPPORTED_REQUIRED_FLAGS = MULTIBOOT_PAGE_ALIGN | MULTIBOOT_MEMORY_INFO | MULTIBOOT_VIDEO_MODE;

// MBI flags.
export const MULTIBOOT_INFO_MEMORY = 1 << 0;
export const MULTIBOOT_INFO_BOOTDEV = 1 << 1;
export const MULTIBOOT_INFO_CMDLINE = 1 << 2;
export const MULTIBOOT_INFO_MODS = 1 << 3;
export const MULTIBOOT_INFO_MEM_MAP = 1 << 6;
export const MULTIBOOT_INFO_BOOT_LOADER_NAME = 1 << 9;

/** Byte offsets of the MBI fields (spec section 3.3). */
export const MBI_OFFSET = {
  flags: 0,
  memLower: 4,
  memUpper: 8,
  bootDevice: 12,
  cmdline: 16,
  modsCount: 20,
  modsAddr: 24,
  syms: 28, // 16 bytes (a.out symbol table or ELF section header table)
  mmapLength: 44,
  mmapAddr: 48,
  drivesLength: 52,
  drivesAddr: 56,
  configTable: 60,
  bootLoaderName: 64,
  apmTable: 68,
  vbeControlInfo: 72,
  vbeModeInfo: 76,
  vbeMode: 80,
  vbeInterfaceSeg: 82,
  vbeInterfaceOff: 84,
  vbeInterfaceLen: 86,
  framebufferAddr: 88,
} as const;
/** Bytes reserved for the MBI (covers every field up to the framebuffer colour info, 116 bytes). */
export const MBI_SIZE = 128;
/** One memory map entry: u32 size (= 20, not counting itself), u64 base, u64 length, u32 type. */
export const MMAP_ENTRY_SIZE = 24;
/** One module list entry: u32 mod_start, u32 mod_end (exclusive), u32 string, u32 reserved (0). */
export const MODULE_ENTRY_SIZE = 16;

export const MULTIBOOT_MEMORY_AVAILABLE = 1;
export const MULTIBOOT_MEMORY_RESERVED = 2;

/** Preferred address of the boot information block (low memory, as QEMU). */
export const MULTIBOOT_INFO_ADDR = 0x9000;
/** End of usable conventional memory (start of the EBDA we report as reserved). */
const LOW_MEM_END = 0x9fc00;
/** The VGA/ROM hole: nothing may be loaded into [HOLE_START, HOLE_END). */
const HOLE_START = 0xa0000;
const HOLE_END = 0x100000;
const PAGE = 0x1000;

export class MultibootError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MultibootError';
  }
}

export interface MultibootModule {
  data: Uint8Array;
  cmdline: string;
}

export interface MultibootOptions {
  /** Kernel command line (MBI `cmdline`). */
  cmdline: string;
  modules: MultibootModule[];
  /** Guest RAM size in bytes; `ram` must be at least this long. */
  ramSize: number;
  /** MBI `boot_loader_name`. */
  bootloaderName: string;
}

/** A half-open physical address range [start, end). */
export interface PhysRange {
  start: number;
  end: number;
}

export interface LoadedRange extends PhysRange {
  /** What was put there, for diagnostics (e.g. "ELF segment 0", "a.out bss", "module 1"). */
  what: string;
}

/** The multiboot header as found in the image. */
export interface MultibootHeader {
  /** File offset of the magic. */
  offset: number;
  flags: number;
  /** Only present when flag bit 16 is set. */
  aout?: {
    headerAddr: number;
    loadAddr: number;
    loadEndAddr: number;
    bssEndAddr: number;
    entryAddr: number;
  };
}

export interface MultibootBoot {
  /** Physical address to jump to. */
  entry: number;
  /** Physical address of the MBI (goes into EBX). */
  mbiAddr: number;
  /** Value for EAX (MULTIBOOT_BOOTLOADER_MAGIC). */
  magic: number;
  header: MultibootHeader;
  /** 'elf' or 'aout-kludge'. */
  format: 'elf' | 'aout-kludge';
  /** Kernel image ranges written (file bytes and zeroed bss), in load order. */
  kernel: LoadedRange[];
  /** Lowest and highest (exclusive) kernel addresses. */
  kernelStart: number;
  kernelEnd: number;
  /** Where each module went, in the order given ([mod_start, mod_end)). */
  modules: PhysRange[];
  /** The whole boot information block (MBI, memory map, module list, strings). */
  info: PhysRange;
  /** Every range this loader wrote, kernel, modules and info block. */
  loaded: LoadedRange[];
}

const hex = (n: number): string => '0x' + n.toString(16);
const alignUp = (n: number, a: number): number => Math.ceil(n / a) * a;
const overlaps = (a: PhysRange, b: PhysRange): boolean => a.start < b.end && b.start < a.end;

function u32(buf: Uint8Array, off: number): number {
  return (buf[off] | (buf[off + 1] << 8) | (buf[off + 2] << 16) | (buf[off + 3] << 24)) >>> 0;
}
function u16(buf: Uint8Array, off: number): number {
  return buf[off] | (buf[off + 1] << 8);
}
function put32(buf: Uint8Array, off: number, v: number): void {
  buf[off] = v & 0xff;
  buf[off + 1] = (v >>> 8) & 0xff;
  buf[off + 2] = (v >>> 16) & 0xff;
  buf[off + 3] = (v >>> 24) & 0xff;
}
function put64(buf: Uint8Array, off: number, v: number): void {
  put32(buf, off, v % 0x100000000);
  put32(buf, off + 4, Math.floor(v / 0x100000000));
}

/**
 * Finds the multiboot header. Returns null if there is no header with a valid checksum,
 * 32-bit aligned, within the first 8 KiB. Never throws.
 */
export function findMultibootHeader(kernel: Uint8Array): MultibootHeader | null {
  const limit = Math.min(kernel.length, MULTIBOOT_SEARCH);
  for (let off = 0; off + 12 <= limit; off += 4) {
    if (u32(kernel, off) !== MULTIBOOT_HEADER_MAGIC) continue;
    const flags = u32(kernel, off + 4);
    const checksum = u32(kernel, off + 8);
    if (((MULTIBOOT_HEADER_MAGIC + flags + checksum) >>> 0) !== 0) continue;
    const header: MultibootHeader = { offset: off, flags };
    if (flags & MULTIBOOT_AOUT_KLUDGE && off + 32 <= kernel.length) {
      header.aout = {
        headerAddr: u32(kernel, off + 12),
        loadAddr: u32(kernel, off + 16),
        loadEndAddr: u32(kernel, off + 20),
        bssEndAddr: u32(kernel, off + 24),
        entryAddr: u32(kernel, off + 28),
      };
    }
    return header;
  }
  return null;
}

/** True if `kernel` carries a valid multiboot v1 header. */
export function isMultibootKernel(kernel: Uint8Array): boolean {
  return findMultibootHeader(kernel) !== null;
}

function locateHeader(kernel: Uint8Array): MultibootHeader {
  const header = findMultibootHeader(kernel);
  if (header) return header;
  // Say why: a magic with a bad checksum is a more useful diagnosis than "no header".
  const limit = Math.min(kernel.length, MULTIBOOT_SEARCH);
  for (let off = 0; off + 12 <= limit; off += 4) {
    if (u32(kernel, off) === MULTIBOOT_HEADER_MAGIC) {
      throw new MultibootError(
        `bad multiboot header checksum at file offset ${hex(off)} ` +
          `(magic + flags + checksum = ${hex((MULTIBOOT_HEADER_MAGIC + u32(kernel, off + 4) + u32(kernel, off + 8)) >>> 0)}, must be 0)`,
      );
    }
  }
  throw new MultibootError('not a multiboot kernel (no multiboot header in the first 8 KiB)');
}

/** Bounds-checked copy into RAM; zero-fills [start + data.length, start + memSize). */
class RamWriter {
  readonly ranges: LoadedRange[] = [];
  constructor(
    private readonly ram: Uint8Array,
    private readonly ramSize: number,
  ) {}

  check(start: number, end: number, what: string): void {
    if (!(start >= 0 && end >= start && end <= this.ramSize)) {
      throw new MultibootError(
        `${what} at ${hex(start)}-${hex(end)} lies outside guest RAM (0-${hex(this.ramSize)}); ` +
          `give the machine more memory`,
      );
    }
    if (start < HOLE_END && end > HOLE_START) {
      throw new MultibootError(
        `${what} at ${hex(start)}-${hex(end)} overlaps the VGA/BIOS area ${hex(HOLE_START)}-${hex(HOLE_END)}`,
      );
    }
  }

  write(start: number, data: Uint8Array, memSize: number, what: string): void {
    const end = start + memSize;
    this.check(start, end, what);
    this.ram.set(data, start);
    this.ram.fill(0, start + data.length, end);
    if (end > start) this.ranges.push({ start, end, what });
  }
}

interface KernelImage {
  entry: number;
  format: 'elf' | 'aout-kludge';
}

function loadAout(kernel: Uint8Array, header: MultibootHeader, w: RamWriter): KernelImage {
  const a = header.aout;
  if (!a) {
    throw new MultibootError(
      `truncated multiboot header at file offset ${hex(header.offset)}: flag bit 16 (a.out kludge) ` +
        `needs the address fields, 32 bytes, but the file is ${kernel.length} bytes long`,
    );
  }
  if (a.loadAddr > a.headerAddr) {
    throw new MultibootError(
      `invalid multiboot header: load_addr ${hex(a.loadAddr)} is above header_addr ${hex(a.headerAddr)}`,
    );
  }
  // The file offset to load from is the header's offset minus (header_addr - load_addr).
  const fileStart = header.offset - (a.headerAddr - a.loadAddr);
  if (fileStart < 0) {
    throw new MultibootError(
      `invalid multiboot header: header_addr - load_addr = ${hex(a.headerAddr - a.loadAddr)} ` +
        `reaches before the start of the file (header at file offset ${hex(header.offset)})`,
    );
  }
  let loadSize: number;
  if (a.loadEndAddr === 0) {
    loadSize = kernel.length - fileStart; // text and data occupy the rest of the file
  } else {
    if (a.loadEndAddr < a.loadAddr) {
      throw new MultibootError(
        `invalid multiboot header: load_end_addr ${hex(a.loadEndAddr)} is below load_addr ${hex(a.loadAddr)}`,
      );
    }
    loadSize = a.loadEndAddr - a.loadAddr;
    if (fileStart + loadSize > kernel.length) {
      throw new MultibootError(
        `truncated kernel: the multiboot header asks for ${loadSize} bytes from file offset ` +
          `${hex(fileStart)} but the file is only ${kernel.length} bytes long`,
      );
    }
  }
  const loadEnd = a.loadAddr + loadSize;
  let memEnd = loadEnd;
  if (a.bssEndAddr !== 0) {
    if (a.bssEndAddr < loadEnd) {
      throw new MultibootError(
        `invalid multiboot header: bss_end_addr ${hex(a.bssEndAddr)} is below the end of the loaded image ${hex(loadEnd)}`,
      );
    }
    memEnd = a.bssEndAddr;
  }
  w.write(a.loadAddr, kernel.subarray(fileStart, fileStart + loadSize), loadSize, 'kernel image');
  if (memEnd > loadEnd) w.write(loadEnd, new Uint8Array(0), memEnd - loadEnd, 'kernel bss');
  return { entry: a.entryAddr, format: 'aout-kludge' };
}

// ELF32 constants.
const PT_LOAD = 1;
const ET_EXEC = 2;
const EM_386 = 3;
const ELF_HEADER_SIZE = 52;
const PHDR_SIZE = 32;

function loadElf(kernel: Uint8Array, w: RamWriter): KernelImage {
  const isElf =
    kernel.length >= 4 && kernel[0] === 0x7f && kernel[1] === 0x45 && kernel[2] === 0x4c && kernel[3] === 0x46;
  if (!isElf) {
    throw new MultibootError(
      'unsupported kernel format: not an ELF file, and the multiboot header does not set flag bit 16 ' +
        '(a.out kludge) to give load addresses',
    );
  }
  if (kernel.length < ELF_HEADER_SIZE) {
    throw new MultibootError(`truncated ELF file: ${kernel.length} bytes, shorter than the ELF header`);
  }
  if (kernel[4] === 2) {
    throw new MultibootError('64-bit ELF kernels are not supported by multiboot v1: build a 32-bit i386 ELF');
  }
  if (kernel[4] !== 1) throw new MultibootError(`bad ELF class ${kernel[4]} (expected 1, ELFCLASS32)`);
  if (kernel[5] !== 1) throw new MultibootError(`unsupported ELF data encoding ${kernel[5]} (expected 1, little-endian)`);
  const type = u16(kernel, 16);
  const machine = u16(kernel, 18);
  if (machine !== EM_386) throw new MultibootError(`ELF machine ${machine} is not i386 (EM_386 = 3)`);
  if (type !== ET_EXEC) throw new MultibootError(`ELF type ${type} is not an executable (ET_EXEC = 2)`);
  const eEntry = u32(kernel, 24);
  const phoff = u32(kernel, 28);
  const phentsize = u16(kernel, 42);
  const phnum = u16(kernel, 44);
  if (phnum === 0) throw new MultibootError('ELF kernel has no program headers');
  if (phentsize < PHDR_SIZE) {
    throw new MultibootError(`bad ELF program header size ${phentsize} (expected at least ${PHDR_SIZE})`);
  }
  if (phoff + phnum * phentsize > kernel.length) {
    throw new MultibootError(
      `truncated ELF file: program headers at ${hex(phoff)}-${hex(phoff + phnum * phentsize)} ` +
        `extend past the end of the file (${kernel.length} bytes)`,
    );
  }
  let entry = eEntry;
  let loads = 0;
  for (let i = 0; i < phnum; i++) {
    const ph = phoff + i * phentsize;
    if (u32(kernel, ph) !== PT_LOAD) continue;
    const offset = u32(kernel, ph + 4);
    const vaddr = u32(kernel, ph + 8);
    const paddr = u32(kernel, ph + 12);
    const filesz = u32(kernel, ph + 16);
    const memsz = u32(kernel, ph + 20);
    loads++;
    if (filesz > memsz) {
      throw new MultibootError(`bad ELF segment ${i}: p_filesz ${hex(filesz)} exceeds p_memsz ${hex(memsz)}`);
    }
    if (offset + filesz > kernel.length) {
      throw new MultibootError(
        `truncated ELF file: segment ${i} needs file bytes ${hex(offset)}-${hex(offset + filesz)} ` +
          `but the file is only ${kernel.length} bytes long`,
      );
    }
    if (memsz === 0) continue;
    w.write(paddr, kernel.subarray(offset, offset + filesz), memsz, `ELF segment ${i}`);
    // e_entry is a virtual address; if it lies in a segment linked at a virtual address other
    // than its load address (higher-half kernels), jump to the matching physical address.
    if (vaddr !== paddr && eEntry >= vaddr && eEntry < vaddr + memsz) {
      entry = (eEntry - vaddr + paddr) >>> 0;
    }
  }
  if (loads === 0) throw new MultibootError('ELF kernel has no PT_LOAD segment');
  return { entry, format: 'elf' };
}

const encoder = new TextEncoder();
function cString(s: string): Uint8Array {
  const bytes = encoder.encode(s);
  const out = new Uint8Array(bytes.length + 1);
  out.set(bytes);
  return out;
}

/**
 * Loads a multiboot v1 kernel and its modules into `ram` (guest physical memory from address
 * 0) and builds the boot information. Throws MultibootError, with a one-line message, on any
 * problem with the image, the modules or the memory size; nothing else is thrown.
 */
export function loadMultiboot(kernel: Uint8Array, ram: Uint8Array, opts: MultibootOptions): MultibootBoot {
  const ramSize = opts.ramSize;
  if (!Number.isInteger(ramSize) || ramSize <= 0 || ram.length < ramSize) {
    throw new MultibootError(`bad RAM size ${ramSize} (RAM buffer is ${ram.length} bytes)`);
  }
  const header = locateHeader(kernel);
  const required = header.flags & 0xffff;
  const unsupported = required & ~SUPPORTED_REQUIRED_FLAGS;
  if (unsupported) {
    throw new MultibootError(
      `kernel requires unsupported multiboot features: header flags ${hex(header.flags)}, ` +
        `unknown required bits ${hex(unsupported)}`,
    );
  }

  const w = new RamWriter(ram, ramSize);
  const image = header.flags & MULTIBOOT_AOUT_KLUDGE ? loadAout(kernel, header, w) : loadElf(kernel, w);
  const kernelRanges = w.ranges.slice();
  if (kernelRanges.length === 0) throw new MultibootError('kernel image is empty: nothing to load');
  const kernelStart = Math.min(...kernelRanges.map((r) => r.start));
  const kernelEnd = Math.max(...kernelRanges.map((r) => r.end));
  if (!(image.entry < ramSize)) {
    throw new MultibootError(`kernel entry point ${hex(image.entry)} lies outside guest RAM (0-${hex(ramSize)})`);
  }

  // Modules: page aligned, one after the other, after the end of the kernel (and its bss).
  const modules: PhysRange[] = [];
  let next = alignUp(kernelEnd, PAGE);
  opts.modules.forEach((m, i) => {
    let start = next;
    if (start < HOLE_END && start + m.data.length > HOLE_START) start = HOLE_END;
    w.write(start, m.data, m.data.length, `module ${i}`);
    modules.push({ start, end: start + m.data.length });
    next = alignUp(start + m.data.length, PAGE);
  });

  // The boot information block.
  const strings: Uint8Array[] = [cString(opts.cmdline), cString(opts.bootloaderName)];
  for (const m of opts.modules) strings.push(cString(m.cmdline));
  const mmap: [number, number, number][] = [
    [0, LOW_MEM_END, MULTIBOOT_MEMORY_AVAILABLE],
    [LOW_MEM_END, HOLE_START - LOW_MEM_END, MULTIBOOT_MEMORY_RESERVED],
    [0xf0000, HOLE_END - 0xf0000, MULTIBOOT_MEMORY_RESERVED],
  ];
  if (ramSize > HOLE_END) mmap.push([HOLE_END, ramSize - HOLE_END, MULTIBOOT_MEMORY_AVAILABLE]);
  const mmapOff = MBI_SIZE;
  const modsOff = mmapOff + mmap.length * MMAP_ENTRY_SIZE;
  const strOff = modsOff + modules.length * MODULE_ENTRY_SIZE;
  const infoSize = strOff + strings.reduce((n, s) => n + s.length, 0);

  const occupied = w.ranges.slice();
  const lowCandidate = { start: MULTIBOOT_INFO_ADDR, end: MULTIBOOT_INFO_ADDR + infoSize };
  let infoAddr: number;
  if (lowCandidate.end <= LOW_MEM_END && lowCandidate.end <= ramSize && !occupied.some((r) => overlaps(r, lowCandidate))) {
    infoAddr = MULTIBOOT_INFO_ADDR;
  } else {
    infoAddr = alignUp(Math.max(...occupied.map((r) => r.end)), PAGE);
    if (infoAddr < HOLE_END && infoAddr + infoSize > HOLE_START) infoAddr = HOLE_END;
  }
  const info = new Uint8Array(infoSize);
  const memUpperKiB = ramSize > HOLE_END ? Math.floor((ramSize - HOLE_END) / 1024) : 0;
  put32(info, MBI_OFFSET.memLower, 640);
  put32(info, MBI_OFFSET.memUpper, memUpperKiB);
  put32(info, MBI_OFFSET.modsCount, modules.length);
  put32(info, MBI_OFFSET.modsAddr, modules.length ? infoAddr + modsOff : 0);
  put32(info, MBI_OFFSET.mmapLength, mmap.length * MMAP_ENTRY_SIZE);
  put32(info, MBI_OFFSET.mmapAddr, infoAddr + mmapOff);
  mmap.forEach(([base, length, type], i) => {
    const e = mmapOff + i * MMAP_ENTRY_SIZE;
    put32(info, e, MMAP_ENTRY_SIZE - 4); // size of the rest of the entry
    put64(info, e + 4, base);
    put64(info, e + 12, length);
    put32(info, e + 20, type);
  });
  let s = strOff;
  const stringAddrs = strings.map((str) => {
    info.set(str, s);
    s += str.length;
    return infoAddr + s - str.length;
  });
  put32(info, MBI_OFFSET.cmdline, stringAddrs[0]);
  put32(info, MBI_OFFSET.bootLoaderName, stringAddrs[1]);
  modules.forEach((m, i) => {
    const e = modsOff + i * MODULE_ENTRY_SIZE;
    put32(info, e, m.start);
    put32(info, e + 4, m.end);
    put32(info, e + 8, stringAddrs[2 + i]);
    put32(info, e + 12, 0);
  });
  put32(
    info,
    MBI_OFFSET.flags,
    MULTIBOOT_INFO_MEMORY |
      MULTIBOOT_INFO_CMDLINE |
      MULTIBOOT_INFO_MODS |
      MULTIBOOT_INFO_MEM_MAP |
      MULTIBOOT_INFO_BOOT_LOADER_NAME,
  );
  w.write(infoAddr, info, infoSize, 'multiboot information');

  return {
    entry: image.entry,
    mbiAddr: infoAddr,
    magic: MULTIBOOT_BOOTLOADER_MAGIC,
    header,
    format: image.format,
    kernel: kernelRanges,
    kernelStart,
    kernelEnd,
    modules,
    info: { start: infoAddr, end: infoAddr + infoSize },
    loaded: w.ranges.slice(),
  };
}

/** A one-line description of an error thrown while loading a multiboot kernel. */
export function describeMultibootError(e: unknown): string {
  if (e instanceof MultibootError) return `multiboot: ${e.message}`;
  if (e instanceof Error) return e.message;
  return String(e);
}
