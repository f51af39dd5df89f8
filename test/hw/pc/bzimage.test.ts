// The Linux boot protocol loader, on synthetic images whose header fields are chosen by the test.
import { expect } from 'chai';
import {
  BOOT_CMDLINE_ADDR, BOOT_GDT_ADDR, BOOT_PARAMS_ADDR, BzImageError, E820_RAM, E820_RESERVED,
  isBzImage, loadBzImage, parseBzImageHeader,
} from '../../../src/hw/pc/bzimage';

interface Fields { version?: number; setupSects?: number; loadflags?: number; relocatable?: number; align?: number; pref?: number; initSize?: number; initrdMax?: number; cmdlineSize?: number }

/** A bzImage-shaped file: setup sectors with the header, then a protected-mode part of `pm` bytes. */
function image(f: Fields = {}, pm = 8192): Buffer {
  const setup = f.setupSects ?? 4;
  const real = setup || 4; // 0 in the header means 4 sectors
  const b = Buffer.alloc((real + 1) * 512 + pm);
  b[0x1f1] = setup;
  b.writeUInt16LE(0xaa55, 0x1fe);
  b[0x200] = 0xeb; b[0x201] = 0x6a; // jmp over the header (ends at 0x26c)
  b.writeUInt32LE(0x53726448, 0x202);
  b.writeUInt16LE(f.version ?? 0x20f, 0x206);
  b[0x211] = f.loadflags ?? 1;
  b.writeUInt32LE(0x100000, 0x214);
  b.writeUInt32LE(f.initrdMax ?? 0x37ffffff, 0x22c);
  b.writeUInt32LE(f.align ?? 0x1000000, 0x230);
  b[0x234] = f.relocatable ?? 1;
  b.writeUInt32LE(f.cmdlineSize ?? 2047, 0x238);
  b.writeUInt32LE(f.pref ?? 0x1000000, 0x258);
  b.writeUInt32LE(f.initSize ?? 0x400000, 0x260);
  for (let i = 0; i < pm; i++) b[(real + 1) * 512 + i] = (i * 7 + 3) & 0xff;
  return b;
}

const u32 = (m: Uint8Array, a: number) => Buffer.from(m.buffer, m.byteOffset).readUInt32LE(a);
const MiB = 1 << 20;

describe('bzImage loader', () => {
  it('recognizes the setup header and refuses what it cannot boot', () => {
    expect(isBzImage(image())).to.equal(true);
    expect(isBzImage(Buffer.alloc(4096))).to.equal(false);
    expect(() => parseBzImageHeader(image({ version: 0x204 }))).to.throw(BzImageError, /protocol 2.04 is too old/);
    expect(() => parseBzImageHeader(image({ loadflags: 0 }))).to.throw(BzImageError, /zImage/);
    const truncated = image().subarray(0, 0x300);
    expect(() => parseBzImageHeader(truncated)).to.throw(BzImageError, /truncated/);
    const h = parseBzImageHeader(image({ setupSects: 0 }, 4096));
    expect(h.setupSects).to.equal(4); // 0 means 4
  });

  it('loads the protected-mode part at pref_address and fills boot_params', () => {
    const img = image({ setupSects: 3 });
    const ram = new Uint8Array(64 * MiB);
    const initrd = Buffer.from('initrd-contents-'.repeat(100));
    const b = loadBzImage(img, ram, { cmdline: 'console=ttyS0 quiet', initrd, ramSize: ram.length });
    expect(b.loadAddr).to.equal(0x1000000);
    expect(b.entry).to.equal(0x1000000);
    expect(Buffer.from(ram.subarray(0x1000000, 0x1000000 + 8192)).equals(img.subarray(4 * 512))).to.equal(true);
    const bp = BOOT_PARAMS_ADDR;
    expect(b.bootParams).to.equal(bp);
    // The header is copied, then the loader's fields are filled in.
    expect(u32(ram, bp + 0x202)).to.equal(0x53726448);
    expect(ram[bp + 0x1f1]).to.equal(3);
    expect(ram[bp + 0x210]).to.equal(0xb0);
    expect(ram[bp + 0x211] & 0x81).to.equal(0x81);
    expect(u32(ram, bp + 0x214)).to.equal(0x1000000);
    expect(u32(ram, bp + 0x228)).to.equal(BOOT_CMDLINE_ADDR);
    expect(Buffer.from(ram.subarray(BOOT_CMDLINE_ADDR, BOOT_CMDLINE_ADDR + 20)).toString('latin1')).to.equal('console=ttyS0 quiet\0');
    // The initrd: page aligned, as high as RAM allows, and its bytes.
    const ra = u32(ram, bp + 0x218), rs = u32(ram, bp + 0x21c);
    expect(rs).to.equal(initrd.length);
    expect(ra % 4096).to.equal(0);
    expect(ra + rs).to.be.at.most(ram.length);
    expect(ra + rs + 4096).to.be.above(ram.length);
    expect(Buffer.from(ram.subarray(ra, ra + rs)).equals(initrd)).to.equal(true);
    // The e820 map in the zero page.
    expect(ram[bp + 0x1e8]).to.equal(4);
    const e = (i: number) => [u32(ram, bp + 0x2d0 + i * 20), u32(ram, bp + 0x2d0 + i * 20 + 8), u32(ram, bp + 0x2d0 + i * 20 + 16)];
    expect(e(0)).to.deep.equal([0, 0x9fc00, E820_RAM]);
    expect(e(1)).to.deep.equal([0x9fc00, 0x400, E820_RESERVED]);
    expect(e(2)).to.deep.equal([0xf0000, 0x10000, E820_RESERVED]);
    expect(e(3)).to.deep.equal([0x100000, ram.length - 0x100000, E820_RAM]);
    expect(u32(ram, bp + 0x1e0)).to.equal((ram.length - MiB) / 1024);
    // The GDT's __BOOT_CS and __BOOT_DS descriptors.
    expect([u32(ram, BOOT_GDT_ADDR + 16), u32(ram, BOOT_GDT_ADDR + 20)]).to.deep.equal([0xffff, 0x00cf9b00]);
    expect([u32(ram, BOOT_GDT_ADDR + 24), u32(ram, BOOT_GDT_ADDR + 28)]).to.deep.equal([0xffff, 0x00cf9300]);
  });

  it('keeps the initrd below initrd_addr_max', () => {
    const ram = new Uint8Array(64 * MiB);
    const b = loadBzImage(image({ initrdMax: 32 * MiB - 1 }), ram, { cmdline: '', initrd: Buffer.alloc(10000, 1), ramSize: ram.length });
    expect(b.initrd!.addr + b.initrd!.size).to.be.at.most(32 * MiB);
    expect(b.initrd!.addr).to.equal(32 * MiB - 12288);
  });

  it('falls back to 1 MiB aligned to kernel_alignment when pref_address does not fit', () => {
    const ram = new Uint8Array(24 * MiB);
    const b = loadBzImage(image({ pref: 0x1000000, initSize: 12 * MiB, align: 0x200000 }), ram, { cmdline: '', initrd: null, ramSize: ram.length });
    expect(b.loadAddr).to.equal(0x200000);
  });

  it('says how much RAM is missing, and refuses an overlong command line', () => {
    const ram = new Uint8Array(16 * MiB);
    expect(() => loadBzImage(image({ initSize: 32 * MiB }), ram, { cmdline: '', initrd: null, ramSize: ram.length })).to.throw(BzImageError, /needs 48\.0 MiB of RAM/);
    const big = new Uint8Array(64 * MiB);
    expect(() => loadBzImage(image({ cmdlineSize: 10 }), big, { cmdline: 'x'.repeat(11), initrd: null, ramSize: big.length })).to.throw(BzImageError, /at most 10/);
    expect(() => loadBzImage(image({ initSize: 40 * MiB }), big, { cmdline: '', initrd: Buffer.alloc(30 * MiB), ramSize: big.length })).to.throw(BzImageError, /-initrd/);
  });
});
