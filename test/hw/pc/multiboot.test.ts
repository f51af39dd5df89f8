import { expect } from 'chai';
import * as fs from 'fs';
import * as path from 'path';
import {
  MBI_OFFSET,
  MULTIBOOT_BOOTLOADER_MAGIC,
  MULTIBOOT_INFO_ADDR,
  MultibootBoot,
  MultibootError,
  MultibootOptions,
  describeMultibootError,
  findMultibootHeader,
  isMultibootKernel,
  loadMultiboot,
} from '../../../src/hw/pc/multiboot';

// Fixtures are built by tools/build-multiboot-fixtures.sh; the addresses below come from the
// linker scripts and sources next to them in test/hw/pc/fixtures.
function fixtureDir(): string {
  const candidates = [
    path.resolve(__dirname, 'fixtures'), // running the .ts directly
    path.resolve(__dirname, '../../../../test/hw/pc/fixtures'), // dist/test/hw/pc -> test/hw/pc
    path.resolve(process.cwd(), 'test/hw/pc/fixtures'),
  ];
  for (const c of candidates) if (fs.existsSync(path.join(c, 'elf-kernel.elf'))) return c;
  throw new Error('multiboot fixtures not found');
}
const FIX = fixtureDir();
const fixture = (name: string): Uint8Array => new Uint8Array(fs.readFileSync(path.join(FIX, name)));

const MiB = 1024 * 1024;
const DIRT = 0xaa;

function dirtyRam(size: number): Uint8Array {
  return new Uint8Array(size).fill(DIRT);
}
function opts(over: Partial<MultibootOptions> = {}): MultibootOptions {
  return { cmdline: 'console=ttyS0 debug', modules: [], ramSize: 8 * MiB, bootloaderName: 'tcg86', ...over };
}
function rd32(ram: Uint8Array, a: number): number {
  return new DataView(ram.buffer, ram.byteOffset).getUint32(a, true);
}
function rd64(ram: Uint8Array, a: number): number {
  return rd32(ram, a) + rd32(ram, a + 4) * 0x100000000;
}
function cstr(ram: Uint8Array, a: number): string {
  let e = a;
  while (ram[e] !== 0) e++;
  return Buffer.from(ram.subarray(a, e)).toString('utf8');
}
function ascii(s: string): Uint8Array {
  return new Uint8Array(Buffer.from(s, 'latin1'));
}
function indexOf(hay: Uint8Array, needle: Uint8Array): number {
  return Buffer.from(hay).indexOf(Buffer.from(needle));
}
/** Expects fn to throw a MultibootError whose message matches re; returns the message. */
function expectMbError(fn: () => unknown, re: RegExp): string {
  let err: unknown;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  expect(err, 'expected a MultibootError').to.be.instanceOf(MultibootError);
  const msg = (err as Error).message;
  expect(msg).to.match(re);
  expect(msg).to.not.contain('\n');
  return msg;
}
/** Rewrites the header flags of `k` (header at `off`) and fixes the checksum. */
function withFlags(k: Uint8Array, off: number, flags: number): Uint8Array {
  const c = k.slice();
  const dv = new DataView(c.buffer);
  dv.setUint32(off + 4, flags >>> 0, true);
  dv.setUint32(off + 8, (-(0x1badb002 + flags)) >>> 0, true);
  return c;
}
function patch32(k: Uint8Array, off: number, v: number): Uint8Array {
  const c = k.slice();
  new DataView(c.buffer).setUint32(off, v >>> 0, true);
  return c;
}

describe('multiboot loader', () => {
  describe('header search', () => {
    it('finds the header of the ELF fixture with its flags', () => {
      const k = fixture('elf-kernel.elf');
      const h = findMultibootHeader(k);
      expect(h).to.not.equal(null);
      expect(h!.offset % 4).to.equal(0);
      expect(rd32(k, h!.offset)).to.equal(0x1badb002);
      expect(h!.flags).to.equal(0x3);
      expect(h!.aout).to.equal(undefined);
      expect(isMultibootKernel(k)).to.equal(true);
    });

    it('rejects a file with no header', () => {
      const k = fixture('no-header.elf');
      expect(isMultibootKernel(k)).to.equal(false);
      expectMbError(() => loadMultiboot(k, dirtyRam(8 * MiB), opts()), /no multiboot header in the first 8 KiB/);
    });

    it('reports a bad checksum as such', () => {
      const k = fixture('bad-checksum.elf');
      expect(isMultibootKernel(k)).to.equal(false);
      expectMbError(() => loadMultiboot(k, dirtyRam(8 * MiB), opts()), /checksum/);
    });

    it('ignores a header beyond the first 8 KiB or not 32-bit aligned', () => {
      const elf = fixture('elf-kernel.elf');
      const h = findMultibootHeader(elf)!;
      const hdr = elf.subarray(h.offset, h.offset + 12);
      const far = new Uint8Array(8192 + 16);
      far.set(hdr, 8192);
      expect(findMultibootHeader(far)).to.equal(null);
      const near = new Uint8Array(8192 + 16);
      near.set(hdr, 8192 - 12); // last position where it still fits
      expect(findMultibootHeader(near)?.offset).to.equal(8192 - 12);
      const unaligned = new Uint8Array(64);
      unaligned.set(hdr, 6);
      expect(findMultibootHeader(unaligned)).to.equal(null);
      expectMbError(() => loadMultiboot(far, dirtyRam(8 * MiB), opts()), /no multiboot header/);
    });

    it('refuses unsupported required flags but accepts the video-mode flag and optional bits', () => {
      const elf = fixture('elf-kernel.elf');
      const off = findMultibootHeader(elf)!.offset;
      const msg = expectMbError(
        () => loadMultiboot(withFlags(elf, off, 0x3 | 0x8), dirtyRam(8 * MiB), opts()),
        /unsupported/,
      );
      expect(msg).to.contain('0x8');
      expectMbError(() => loadMultiboot(withFlags(elf, off, 0x8000), dirtyRam(8 * MiB), opts()), /0x8000/);
      const video = loadMultiboot(withFlags(elf, off, 0x7), dirtyRam(8 * MiB), opts());
      expect(video.entry).to.equal(0x100010);
      // Bit 17 is optional and unknown: ignored.
      const optional = loadMultiboot(withFlags(elf, off, 0x3 | 0x20000), dirtyRam(8 * MiB), opts());
      expect(optional.entry).to.equal(0x100010);
    });
  });

  describe('ELF kernels', () => {
    it('loads .text, .data and zeroes .bss at their physical addresses', () => {
      const k = fixture('elf-kernel.elf');
      const ram = dirtyRam(8 * MiB);
      const boot = loadMultiboot(k, ram, opts());
      expect(boot.format).to.equal('elf');
      expect(boot.entry).to.equal(0x100010);
      expect(boot.magic).to.equal(MULTIBOOT_BOOTLOADER_MAGIC);
      expect(MULTIBOOT_BOOTLOADER_MAGIC).to.equal(0x2badb002);
      // .text starts with the multiboot header, then _start (cli = 0xfa).
      expect(rd32(ram, 0x100000)).to.equal(0x1badb002);
      expect(rd32(ram, 0x100004)).to.equal(0x3);
      expect(ram[0x100010]).to.equal(0xfa);
      // The text bytes in RAM are exactly the file bytes of the segment.
      const textOff = findMultibootHeader(k)!.offset;
      expect(Buffer.from(ram.subarray(0x100000, 0x100026)).equals(Buffer.from(k.subarray(textOff, textOff + 0x26)))).to
        .be.true;
      // .data at 0x102000.
      expect(cstr(ram, 0x102000)).to.equal('tcg86 multiboot .data marker');
      expect(rd32(ram, 0x102000 + 29)).to.equal(0xdeadbeef);
      // Everything from the end of .data's file bytes to the end of .bss (0x105000) is zero.
      const bss = ram.subarray(0x102021, 0x105000);
      expect(bss.every((b) => b === 0)).to.equal(true);
      // ... and nothing past the segments was touched.
      expect(ram[0x105000]).to.equal(DIRT);
      expect(ram[0x100026]).to.equal(DIRT); // gap between .text and .data
      expect(ram[0x101fff]).to.equal(DIRT);
      expect(boot.kernelStart).to.equal(0x100000);
      expect(boot.kernelEnd).to.equal(0x105000);
      expect(boot.kernel.map((r) => [r.start, r.end])).to.deep.equal([
        [0x100000, 0x100026],
        [0x102000, 0x105000],
      ]);
    });

    it('translates a virtual entry point to the physical load address (higher-half kernel)', () => {
      const k = fixture('higher-half.elf');
      expect(rd32(k, 24)).to.equal(0xc0100010); // e_entry is virtual
      const ram = dirtyRam(8 * MiB);
      const boot = loadMultiboot(k, ram, opts());
      expect(boot.entry).to.equal(0x100010);
      expect(rd32(ram, 0x100000)).to.equal(0x1badb002);
      expect(ram[0x100010]).to.equal(0xfa);
      expect(cstr(ram, 0x101000)).to.equal('higher-half data');
      expect(ram.subarray(0x101011, 0x101811).every((b) => b === 0)).to.equal(true);
      expect(ram[0x101811]).to.equal(DIRT);
      expect(boot.kernelEnd).to.equal(0x101811);
    });

    it('rejects a truncated ELF', () => {
      expectMbError(
        () => loadMultiboot(fixture('truncated.elf'), dirtyRam(8 * MiB), opts()),
        /truncated ELF.*segment 1/,
      );
      // Program header table pointing past the end of the file.
      const k = patch32(fixture('elf-kernel.elf'), 28, 0x10000);
      expectMbError(() => loadMultiboot(k, dirtyRam(8 * MiB), opts()), /truncated ELF.*program headers/);
    });

    it('never throws anything but MultibootError on corrupt files', () => {
      const good = fixture('elf-kernel.elf');
      const hdr = findMultibootHeader(good)!.offset;
      // Every prefix that keeps the header but cuts segment bytes, and random corruption of the
      // ELF headers.
      const dataEnd = rd32(good, 0x34 + 32 + 4) + rd32(good, 0x34 + 32 + 16); // 2nd phdr: offset + filesz
      expect(dataEnd).to.equal(fixture('truncated.elf').length + 8);
      for (let len = hdr + 12; len < dataEnd; len += 3) {
        expectMbError(() => loadMultiboot(good.slice(0, len), dirtyRam(4 * MiB), opts({ ramSize: 4 * MiB })), /./);
      }
      let seed = 12345;
      const rnd = () => (seed = (seed * 1103515245 + 12345) >>> 0) >>> 16;
      let failures = 0;
      for (let i = 0; i < 300; i++) {
        const k = good.slice();
        for (let j = 0; j < 4; j++) k[rnd() % hdr] = rnd() & 0xff;
        try {
          loadMultiboot(k, dirtyRam(4 * MiB), opts({ ramSize: 4 * MiB }));
        } catch (e) {
          expect(e).to.be.instanceOf(MultibootError);
          failures++;
        }
      }
      expect(failures).to.be.greaterThan(0);
    });

    it('rejects non-ELF images without the a.out kludge, and 64-bit or non-i386 ELF', () => {
      const elf = fixture('elf-kernel.elf');
      const notElf = elf.slice();
      notElf[1] = 0x58;
      expectMbError(() => loadMultiboot(notElf, dirtyRam(8 * MiB), opts()), /not an ELF file.*bit 16/);
      const elf64 = elf.slice();
      elf64[4] = 2;
      expectMbError(() => loadMultiboot(elf64, dirtyRam(8 * MiB), opts()), /64-bit/);
      const arm = elf.slice();
      arm[18] = 40;
      expectMbError(() => loadMultiboot(arm, dirtyRam(8 * MiB), opts()), /not i386/);
      const big = elf.slice();
      big[5] = 2;
      expectMbError(() => loadMultiboot(big, dirtyRam(8 * MiB), opts()), /little-endian/);
    });

    it('rejects a segment beyond RAM, naming the address', () => {
      expectMbError(
        () => loadMultiboot(fixture('high-load.elf'), dirtyRam(8 * MiB), opts()),
        /0x10000000.*outside guest RAM/,
      );
      // The 1 MiB kernel on a machine with exactly 1 MiB of RAM: .text at 0x100000 is just past the end.
      expectMbError(
        () => loadMultiboot(fixture('elf-kernel.elf'), dirtyRam(MiB), opts({ ramSize: MiB })),
        /0x100000.*outside guest RAM/,
      );
      // A kernel whose bss end is 1 byte beyond RAM fails; exactly at the end succeeds.
      expectMbError(
        () => loadMultiboot(fixture('elf-kernel.elf'), dirtyRam(0x104fff), opts({ ramSize: 0x104fff })),
        /0x102000-0x105000/,
      );
      const ok = loadMultiboot(fixture('elf-kernel.elf'), dirtyRam(0x105000), opts({ ramSize: 0x105000 }));
      expect(ok.kernelEnd).to.equal(0x105000);
    });
  });

  describe('a.out kludge kernels', () => {
    const K = () => fixture('aout-kludge.bin');

    it('loads a flat binary at load_addr, zeroes the bss and uses entry_addr', () => {
      const k = K();
      const h = findMultibootHeader(k)!;
      expect(h.offset).to.equal(0x20);
      expect(h.aout).to.deep.equal({
        headerAddr: 0x200020,
        loadAddr: 0x200000,
        loadEndAddr: 0x200000 + k.length,
        bssEndAddr: 0x201853,
        entryAddr: 0x200040,
      });
      const ram = dirtyRam(8 * MiB);
      const boot = loadMultiboot(k, ram, opts());
      expect(boot.format).to.equal('aout-kludge');
      expect(boot.entry).to.equal(0x200040);
      expect(Buffer.from(ram.subarray(0x200000, 0x200000 + k.length)).equals(Buffer.from(k))).to.equal(true);
      expect(cstr(ram.subarray(0, 0x200020), 0x200010)).to.equal('aout-kludge-A');
      expect(ram.subarray(0x200000 + k.length, 0x201853).every((b) => b === 0)).to.equal(true);
      expect(ram[0x201853]).to.equal(DIRT);
      expect(ram[0x1fffff]).to.equal(DIRT);
      expect(boot.kernelEnd).to.equal(0x201853);
    });

    it('starts loading at header offset - (header_addr - load_addr)', () => {
      // Pretend the image starts 0x10 bytes before the header: file bytes 0x10.. go to 0x300000.
      let k = patch32(K(), 0x20 + 12, 0x300010); // header_addr
      k = patch32(k, 0x20 + 16, 0x300000); // load_addr
      k = patch32(k, 0x20 + 20, 0); // load_end_addr 0: the rest of the file
      k = patch32(k, 0x20 + 24, 0); // bss_end_addr 0: no bss
      k = patch32(k, 0x20 + 28, 0x300030);
      const ram = dirtyRam(8 * MiB);
      const boot = loadMultiboot(k, ram, opts());
      expect(boot.entry).to.equal(0x300030);
      expect(cstr(ram, 0x300000)).to.equal('aout-kludge-A');
      expect(rd32(ram, 0x300010)).to.equal(0x1badb002);
      const loadedLen = k.length - 0x10;
      expect(Buffer.from(ram.subarray(0x300000, 0x300000 + loadedLen)).equals(Buffer.from(k.subarray(0x10)))).to.equal(
        true,
      );
      expect(ram[0x300000 + loadedLen]).to.equal(DIRT); // no bss
      expect(ram[0x2fffff]).to.equal(DIRT);
      expect(boot.kernelEnd).to.equal(0x300000 + loadedLen);
    });

    it('honours a load_end_addr shorter than the file', () => {
      const k = patch32(K(), 0x20 + 20, 0x200044); // load only up to _start + 4
      const ram = dirtyRam(8 * MiB);
      loadMultiboot(k, ram, opts());
      expect(ram[0x200043]).to.equal(k[0x43]);
      expect(ram.subarray(0x200044, 0x201853).every((b) => b === 0)).to.equal(true); // bss from load_end
    });

    it('rejects inconsistent address fields and truncated images', () => {
      expectMbError(() => loadMultiboot(patch32(K(), 0x20 + 16, 0x200021), dirtyRam(8 * MiB), opts()), /load_addr/);
      expectMbError(
        () => loadMultiboot(patch32(K(), 0x20 + 16, 0x1fff00), dirtyRam(8 * MiB), opts()),
        /before the start of the file/,
      );
      expectMbError(
        () => loadMultiboot(patch32(K(), 0x20 + 20, 0x200100), dirtyRam(8 * MiB), opts()),
        /truncated kernel/,
      );
      expectMbError(
        () => loadMultiboot(patch32(K(), 0x20 + 24, 0x200010), dirtyRam(8 * MiB), opts()),
        /bss_end_addr/,
      );
      expectMbError(() => loadMultiboot(K().slice(0, 0x30), dirtyRam(8 * MiB), opts()), /truncated multiboot header/);
    });

    it('moves a module that would cross the VGA/BIOS hole up to 1 MiB', () => {
      let k = patch32(K(), 0x20 + 12, 0x10020);
      k = patch32(k, 0x20 + 16, 0x10000);
      k = patch32(k, 0x20 + 20, 0);
      k = patch32(k, 0x20 + 24, 0);
      k = patch32(k, 0x20 + 28, 0x10040);
      const small = new Uint8Array(0x1000).fill(1); // fits below 0xA0000
      const big = new Uint8Array(0x90000).fill(2); // would run from 0x12000 into the hole
      const ram = dirtyRam(8 * MiB);
      const boot = loadMultiboot(k, ram, opts({ modules: [{ data: small, cmdline: 'a' }, { data: big, cmdline: 'b' }] }));
      expect(boot.modules.map((m) => m.start)).to.deep.equal([0x11000, 0x100000]);
      expect(ram[0x11000]).to.equal(1);
      expect(ram[0x100000]).to.equal(2);
      expect(ram[0x12000]).to.equal(DIRT);
      expect(ram[0xa0000]).to.equal(DIRT);
      expect(boot.mbiAddr).to.equal(MULTIBOOT_INFO_ADDR);
    });

    it('rejects an image that would land in the VGA/BIOS hole', () => {
      let k = patch32(K(), 0x20 + 12, 0xa0020);
      k = patch32(k, 0x20 + 16, 0xa0000);
      k = patch32(k, 0x20 + 20, 0);
      k = patch32(k, 0x20 + 24, 0);
      k = patch32(k, 0x20 + 28, 0xa0040);
      expectMbError(() => loadMultiboot(k, dirtyRam(8 * MiB), opts()), /0xa0000.*VGA\/BIOS/);
    });

    it('moves the boot information away from a kernel loaded over 0x9000', () => {
      let k = patch32(K(), 0x20 + 12, 0x8020);
      k = patch32(k, 0x20 + 16, 0x8000);
      k = patch32(k, 0x20 + 20, 0);
      k = patch32(k, 0x20 + 24, 0xb000); // bss covers 0x9000
      k = patch32(k, 0x20 + 28, 0x8040);
      const ram = dirtyRam(8 * MiB);
      const boot = loadMultiboot(k, ram, opts({ modules: [{ data: new Uint8Array(10).fill(7), cmdline: 'm' }] }));
      expect(boot.modules[0].start).to.equal(0xb000);
      expect(boot.mbiAddr).to.equal(0xc000);
      expect(boot.info.start).to.equal(0xc000);
      expect(ram.subarray(0x8053, 0xb000).every((b) => b === 0)).to.equal(true); // bss still zero
      expect(rd32(ram, boot.mbiAddr + MBI_OFFSET.memLower)).to.equal(640);
      expect(rd32(ram, boot.mbiAddr + MBI_OFFSET.modsCount)).to.equal(1);
    });
  });

  describe('modules', () => {
    function loadWithModules(): { ram: Uint8Array; boot: MultibootBoot; mods: Uint8Array[] } {
      const mods = [new Uint8Array(5000), ascii('abc'), new Uint8Array(0x1000)];
      for (let i = 0; i < mods[0].length; i++) mods[0][i] = (i * 7 + 1) & 0xff;
      mods[2].fill(0x5c);
      const ram = dirtyRam(8 * MiB);
      const boot = loadMultiboot(
        fixture('elf-kernel.elf'),
        ram,
        opts({
          modules: [
            { data: mods[0], cmdline: 'initrd.img root=/dev/ram0' },
            { data: mods[1], cmdline: 'second' },
            { data: mods[2], cmdline: '' },
          ],
        }),
      );
      return { ram, boot, mods };
    }

    it('places modules page aligned after the kernel with their contents', () => {
      const { ram, boot, mods } = loadWithModules();
      expect(boot.modules.map((m) => [m.start, m.end])).to.deep.equal([
        [0x105000, 0x105000 + 5000],
        [0x107000, 0x107003],
        [0x108000, 0x109000],
      ]);
      boot.modules.forEach((m, i) => {
        expect(m.start % 4096).to.equal(0);
        expect(m.start).to.be.at.least(boot.kernelEnd);
        expect(Buffer.from(ram.subarray(m.start, m.end)).equals(Buffer.from(mods[i]))).to.equal(true);
      });
      expect(ram[0x105000 + 5000]).to.equal(DIRT); // module bytes only, no padding written
    });

    it('lists the modules in the MBI with mod_start, mod_end, cmdline and a zero reserved word', () => {
      const { ram, boot } = loadWithModules();
      const mbi = boot.mbiAddr;
      expect(rd32(ram, mbi + MBI_OFFSET.flags) & (1 << 3)).to.not.equal(0);
      expect(rd32(ram, mbi + 20)).to.equal(3);
      const list = rd32(ram, mbi + 24);
      const cmdlines = ['initrd.img root=/dev/ram0', 'second', ''];
      boot.modules.forEach((m, i) => {
        const e = list + i * 16;
        expect(rd32(ram, e)).to.equal(m.start);
        expect(rd32(ram, e + 4)).to.equal(m.end);
        expect(cstr(ram, rd32(ram, e + 8))).to.equal(cmdlines[i]);
        expect(rd32(ram, e + 12)).to.equal(0);
      });
    });

    it('keeps the boot information clear of the kernel and the modules', () => {
      const { boot } = loadWithModules();
      expect(boot.mbiAddr).to.equal(MULTIBOOT_INFO_ADDR);
      const ranges = boot.loaded;
      for (let i = 0; i < ranges.length; i++) {
        for (let j = i + 1; j < ranges.length; j++) {
          const a = ranges[i];
          const b = ranges[j];
          expect(a.start < b.end && b.start < a.end, `${a.what} overlaps ${b.what}`).to.equal(false);
        }
      }
      expect(boot.info.end).to.be.at.most(0x9fc00);
    });

    it('puts the boot information after the modules when low memory cannot hold it', () => {
      const huge = 'x'.repeat(0x9fc00 - 0x9000); // a command line that does not fit below 640K
      const ram = dirtyRam(8 * MiB);
      const boot = loadMultiboot(
        fixture('elf-kernel.elf'),
        ram,
        opts({ cmdline: huge, modules: [{ data: new Uint8Array(100), cmdline: 'm0' }] }),
      );
      expect(boot.modules[0].start).to.equal(0x105000);
      expect(boot.mbiAddr).to.equal(0x106000);
      expect(cstr(ram, rd32(ram, boot.mbiAddr + 16)).length).to.equal(huge.length);
      expect(cstr(ram, rd32(ram, boot.mbiAddr + 64))).to.equal('tcg86');
    });

    it('fails cleanly when a module does not fit in RAM', () => {
      const msg = expectMbError(
        () =>
          loadMultiboot(
            fixture('elf-kernel.elf'),
            dirtyRam(2 * MiB),
            opts({ ramSize: 2 * MiB, modules: [{ data: new Uint8Array(2 * MiB), cmdline: 'big' }] }),
          ),
        /module 0.*outside guest RAM/,
      );
      expect(msg).to.contain('0x105000');
    });
  });

  describe('boot information structure', () => {
    const RAM = 64 * MiB;
    function load(): { ram: Uint8Array; boot: MultibootBoot } {
      const ram = dirtyRam(RAM);
      const boot = loadMultiboot(
        fixture('elf-kernel.elf'),
        ram,
        opts({ ramSize: RAM, cmdline: '/boot/kernel console=ttyS0', bootloaderName: 'tcg86 0.1' }),
      );
      return { ram, boot };
    }

    it('sets exactly the flags for mem, cmdline, mods, mmap and boot loader name', () => {
      const { ram, boot } = load();
      const flags = rd32(ram, boot.mbiAddr + 0);
      expect(flags).to.equal((1 << 0) | (1 << 2) | (1 << 3) | (1 << 6) | (1 << 9));
      expect(flags & (1 << 1)).to.equal(0); // no boot_device
    });

    it('reports mem_lower = 640 KiB and mem_upper = RAM above 1 MiB in KiB', () => {
      const { ram, boot } = load();
      expect(rd32(ram, boot.mbiAddr + 4)).to.equal(640);
      expect(rd32(ram, boot.mbiAddr + 8)).to.equal((RAM - MiB) / 1024);
    });

    it('has the command line and boot loader name as NUL-terminated strings', () => {
      const { ram, boot } = load();
      expect(cstr(ram, rd32(ram, boot.mbiAddr + 16))).to.equal('/boot/kernel console=ttyS0');
      expect(cstr(ram, rd32(ram, boot.mbiAddr + 64))).to.equal('tcg86 0.1');
      expect(rd32(ram, boot.mbiAddr + 20)).to.equal(0); // mods_count with no modules
    });

    it('zeroes the fields it does not provide', () => {
      const { ram, boot } = load();
      for (const off of [12, 28, 32, 36, 40, 52, 56, 60, 68, 72, 76, 80, 84, 88]) {
        expect(rd32(ram, boot.mbiAddr + off), `offset ${off}`).to.equal(0);
      }
    });

    it('has a memory map of size-prefixed 24-byte entries as the spec lays out', () => {
      const { ram, boot } = load();
      const len = rd32(ram, boot.mbiAddr + 44);
      const addr = rd32(ram, boot.mbiAddr + 48);
      expect(len).to.equal(4 * 24);
      const entries: [number, number, number][] = [];
      // Walk as a kernel does: the size field sits at entry - 4 relative to base_addr, and the
      // next entry starts size + 4 bytes further.
      for (let p = addr; p < addr + len; p += rd32(ram, p) + 4) {
        expect(rd32(ram, p)).to.equal(20);
        entries.push([rd64(ram, p + 4), rd64(ram, p + 12), rd32(ram, p + 20)]);
      }
      expect(entries).to.deep.equal([
        [0, 0x9fc00, 1],
        [0x9fc00, 0x400, 2],
        [0xf0000, 0x10000, 2],
        [0x100000, RAM - 0x100000, 1],
      ]);
    });

    it('writes 64-bit bases and lengths (high words zero for a 32-bit machine)', () => {
      const { ram, boot } = load();
      const addr = rd32(ram, boot.mbiAddr + 48);
      for (let i = 0; i < 4; i++) {
        expect(rd32(ram, addr + i * 24 + 8)).to.equal(0); // base_addr_high
        expect(rd32(ram, addr + i * 24 + 16)).to.equal(0); // length_high
      }
      expect(rd32(ram, addr + 3 * 24 + 12)).to.equal(RAM - MiB); // length_low of the last entry
    });
  });

  describe('describeMultibootError', () => {
    it('prefixes multiboot errors and passes others through', () => {
      let err: unknown;
      try {
        loadMultiboot(fixture('no-header.elf'), dirtyRam(8 * MiB), opts());
      } catch (e) {
        err = e;
      }
      expect(describeMultibootError(err)).to.equal(
        'multiboot: not a multiboot kernel (no multiboot header in the first 8 KiB)',
      );
      expect(describeMultibootError(new Error('boom'))).to.equal('boom');
      expect(describeMultibootError('text')).to.equal('text');
    });
  });
});
