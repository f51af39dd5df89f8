// Linux bzImage loader for `-kernel`: the 32-bit boot protocol (Documentation/x86/boot.rst),
// without a BIOS and without running the kernel's real-mode setup code.
//
// What it does:
//  - checks the setup header ("HdrS" at 0x202, protocol 2.05 or later: relocatable kernels with
//    kernel_alignment, cmdline_size and initrd_addr_max);
//  - loads the protected-mode part (everything after the setup sectors) at pref_address when
//    the header gives one (protocol 2.10+) and RAM allows, otherwise at 1 MiB aligned up to
//    kernel_alignment; init_size bytes from there must fit in RAM;
//  - fills the "zero page" (boot_params): the setup header copied from the image, an e820 map,
//    alt_mem_k, cmd_line_ptr, the initrd placed as high as allowed (below initrd_addr_max,
//    page aligned), type_of_loader, loadflags;
//  - builds a GDT with the protocol's flat selectors __BOOT_CS = 0x10 and __BOOT_DS = 0x18.
//
// Entry state (boot.rst, "32-bit boot protocol"): CS = __BOOT_CS, DS = ES = SS = __BOOT_DS,
// all flat 4 GiB; interrupts off; ESI = boot_params; EBP = EDI = EBX = 0; EIP = code32_start.

export class BzImageError extends Error {}

const HDR_MAGIC = 0x53726448; // "HdrS"
const MIN_PROTOCOL = 0x205;

// Offsets in the image and in boot_params (the setup header sits at the same place in both).
const OFF = {
  setupSects: 0x1f1, bootFlag: 0x1fe, jump: 0x200, header: 0x202, version: 0x206,
  typeOfLoader: 0x210, loadflags: 0x211, code32Start: 0x214, ramdiskImage: 0x218,
  ramdiskSize: 0x21c, heapEndPtr: 0x224, cmdLinePtr: 0x228, initrdAddrMax: 0x22c,
  kernelAlignment: 0x230, relocatable: 0x234, cmdlineSize: 0x238, prefAddress: 0x258,
  initSize: 0x260,
  // boot_params only
  altMemK: 0x1e0, e820Entries: 0x1e8, e820Table: 0x2d0,
} as const;

const LOADED_HIGH = 0x01;
const CAN_USE_HEAP = 0x80;
/** What QEMU's loader writes into type_of_loader. */
const LOADER_ID = 0xb0;

/** Where the loader puts its own structures (low conventional memory, free in the e820 map). */
export const BOOT_GDT_ADDR = 0x8000;
export const BOOT_PARAMS_ADDR = 0x10000;
export const BOOT_CMDLINE_ADDR = 0x20000;
const ZERO_PAGE_SIZE = 4096;
const LOW_MEM_TOP = 0x9fc00;

export const BOOT_CS = 0x10;
export const BOOT_DS = 0x18;

export const E820_RAM = 1;
export const E820_RESERVED = 2;

export interface E820Entry { addr: number; size: number; type: number }

export interface BzImageHeader {
  version: number;
  setupSects: number;
  relocatable: boolean;
  kernelAlignment: number;
  prefAddress: number;
  initSize: number;
  initrdAddrMax: number;
  cmdlineSize: number;
  code32Start: number;
}

export interface BzImageBoot {
  entry: number;
  bootParams: number;
  gdtAddr: number;
  gdtLimit: number;
  loadAddr: number;
  kernelSize: number;
  initrd: { addr: number; size: number } | null;
  e820: E820Entry[];
}

function u16(b: Uint8Array, o: number): number { return b[o] | (b[o + 1] << 8); }
function u32(b: Uint8Array, o: number): number { return (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)) >>> 0; }
function put16(b: Uint8Array, o: number, v: number): void { b[o] = v & 0xff; b[o + 1] = (v >>> 8) & 0xff; }
function put32(b: Uint8Array, o: number, v: number): void { for (let i = 0; i < 4; i++) b[o + i] = (v >>> (8 * i)) & 0xff; }

/** True when the image carries a Linux setup header. */
export function isBzImage(image: Uint8Array): boolean {
  return image.length >= 0x240 && u32(image, OFF.header) === HDR_MAGIC;
}

export function parseBzImageHeader(image: Uint8Array): BzImageHeader {
  if (!isBzImage(image)) throw new BzImageError('not a Linux kernel (no "HdrS" setup header)');
  const version = u16(image, OFF.version);
  if (version < MIN_PROTOCOL) {
    throw new BzImageError(`boot protocol ${version >> 8}.${(version & 0xff).toString().padStart(2, '0')} is too old (2.05 or later is needed)`);
  }
  if (!(image[OFF.loadflags] & LOADED_HIGH)) throw new BzImageError('a zImage (loaded low) is not supported; use a bzImage');
  const setupSects = image[OFF.setupSects] || 4;
  const hdr: BzImageHeader = {
    version, setupSects,
    relocatable: image[OFF.relocatable] !== 0,
    kernelAlignment: u32(image, OFF.kernelAlignment) || 0x100000,
    prefAddress: version >= 0x20a ? u32(image, OFF.prefAddress) : 0x100000,
    initSize: version >= 0x20a ? u32(image, OFF.initSize) : 0,
    initrdAddrMax: u32(image, OFF.initrdAddrMax) || 0x37ffffff,
    cmdlineSize: version >= 0x206 ? u32(image, OFF.cmdlineSize) : 255,
    code32Start: u32(image, OFF.code32Start),
  };
  if ((setupSects + 1) * 512 > image.length) throw new BzImageError('truncated image (setup sectors run past the end of the file)');
  // pref_address's high half must be zero for a 32-bit machine.
  if (version >= 0x20a && u32(image, OFF.prefAddress + 4) !== 0) throw new BzImageError('pref_address is above 4 GiB');
  return hdr;
}

/** The memory map the guest sees, as e820 entries (the same shape as QEMU's without a BIOS ROM). */
export function e820Map(ramBytes: number): E820Entry[] {
  return [
    { addr: 0, size: LOW_MEM_TOP, type: E820_RAM },
    { addr: LOW_MEM_TOP, size: 0xa0000 - LOW_MEM_TOP, type: E820_RESERVED },
    { addr: 0xf0000, size: 0x10000, type: E820_RESERVED },
    { addr: 0x100000, size: ramBytes - 0x100000, type: E820_RAM },
  ];
}

function alignUp(v: number, a: number): number { return Math.ceil(v / a) * a; }

export interface BzImageOptions { cmdline: string; initrd: Uint8Array | null; ramSize: number }

/** Loads the kernel into `ram` and fills boot_params; the caller sets the entry state. */
export function loadBzImage(image: Uint8Array, ram: Uint8Array, opts: BzImageOptions): BzImageBoot {
  const hdr = parseBzImageHeader(image);
  const ramSize = opts.ramSize;
  const pmOffset = (hdr.setupSects + 1) * 512;
  const kernelSize = image.length - pmOffset;
  const need = Math.max(hdr.initSize, kernelSize);
  let loadAddr: number;
  if (!hdr.relocatable) loadAddr = 0x100000;
  else if (hdr.prefAddress >= 0x100000 && hdr.prefAddress + need <= ramSize) loadAddr = hdr.prefAddress;
  else loadAddr = alignUp(0x100000, hdr.kernelAlignment);
  if (loadAddr + need > ramSize) {
    throw new BzImageError(`the kernel needs ${((loadAddr + need) / 1048576).toFixed(1)} MiB of RAM to decompress; give more with -m`);
  }
  ram.set(image.subarray(pmOffset), loadAddr);

  // boot_params: zeroed, then the setup header as found in the image.
  const bp = BOOT_PARAMS_ADDR;
  ram.fill(0, bp, bp + ZERO_PAGE_SIZE);
  const hdrEnd = Math.min(OFF.jump + 2 + image[OFF.jump + 1], ZERO_PAGE_SIZE);
  ram.set(image.subarray(OFF.setupSects, hdrEnd), bp + OFF.setupSects);
  ram[bp + OFF.typeOfLoader] = LOADER_ID;
  ram[bp + OFF.loadflags] = (image[OFF.loadflags] | CAN_USE_HEAP) & 0xff;
  put16(ram, bp + OFF.heapEndPtr, 0xfe00);
  put32(ram, bp + OFF.code32Start, loadAddr);

  const cmdMax = Math.min(hdr.cmdlineSize, 0x7fff);
  const cmd = Buffer.from(opts.cmdline, 'latin1');
  if (cmd.length > cmdMax) throw new BzImageError(`-append: the command line is ${cmd.length} bytes; this kernel takes at most ${cmdMax}`);
  ram.fill(0, BOOT_CMDLINE_ADDR, BOOT_CMDLINE_ADDR + cmd.length + 1);
  ram.set(cmd, BOOT_CMDLINE_ADDR);
  put32(ram, bp + OFF.cmdLinePtr, BOOT_CMDLINE_ADDR);

  let initrd: BzImageBoot['initrd'] = null;
  if (opts.initrd && opts.initrd.length) {
    const top = Math.min(ramSize, hdr.initrdAddrMax + 1);
    const addr = Math.floor((top - opts.initrd.length) / 4096) * 4096;
    if (addr < loadAddr + need) throw new BzImageError(`-initrd: ${opts.initrd.length} bytes do not fit in RAM above the kernel; give more with -m`);
    ram.set(opts.initrd, addr);
    put32(ram, bp + OFF.ramdiskImage, addr);
    put32(ram, bp + OFF.ramdiskSize, opts.initrd.length);
    initrd = { addr, size: opts.initrd.length };
  }

  const e820 = e820Map(ramSize);
  ram[bp + OFF.e820Entries] = e820.length;
  e820.forEach((e, i) => {
    const o = bp + OFF.e820Table + i * 20;
    put32(ram, o, e.addr); put32(ram, o + 4, 0);
    put32(ram, o + 8, e.size); put32(ram, o + 12, 0);
    put32(ram, o + 16, e.type);
  });
  put32(ram, bp + OFF.altMemK, Math.floor((ramSize - 0x100000) / 1024));

  // GDT: null, null, __BOOT_CS (flat 32-bit code), __BOOT_DS (flat 32-bit data).
  const gdt = BOOT_GDT_ADDR;
  ram.fill(0, gdt, gdt + 32);
  put32(ram, gdt + 16, 0x0000ffff); put32(ram, gdt + 20, 0x00cf9b00);
  put32(ram, gdt + 24, 0x0000ffff); put32(ram, gdt + 28, 0x00cf9300);

  return { entry: loadAddr, bootParams: bp, gdtAddr: gdt, gdtLimit: 31, loadAddr, kernelSize, initrd, e820 };
}
