// The newc writer, checked against GNU cpio (extraction and listing) and by
// reading one entry's header byte by byte.
import { expect } from 'chai';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CpioWriter, NEWC_FIELDS, NEWC_HEADER_SIZE } from '../../tools/linux-guest/cpio';
import { CLEAN_STDERR, gnuCpio, parseListing } from './gnu-cpio';

// Deterministic bytes of every value, so a shifted or short copy shows.
function bytes(n: number, seed: number): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = (i * 31 + seed * 17 + (i >> 8)) & 0xff;
  return b;
}

// The header fields of every entry, walked with the format's own sizes.
function walkHeaders(archive: Buffer): Record<string, number | string>[] {
  const out: Record<string, number | string>[] = [];
  let off = 0;
  for (;;) {
    expect(archive.toString('ascii', off, off + 6)).to.equal('070701');
    const h: Record<string, number | string> = {};
    NEWC_FIELDS.forEach((f, i) => {
      h[f] = parseInt(archive.toString('ascii', off + 6 + 8 * i, off + 14 + 8 * i), 16);
    });
    const nameEnd = off + NEWC_HEADER_SIZE + (h.namesize as number);
    h.name = archive.toString('utf8', off + NEWC_HEADER_SIZE, nameEnd - 1);
    out.push(h);
    const dataStart = Math.ceil(nameEnd / 4) * 4;
    off = Math.ceil((dataStart + (h.filesize as number)) / 4) * 4;
    if (h.name === 'TRAILER!!!') break;
  }
  expect(off).to.equal(archive.length);
  return out;
}

describe('tools/linux-guest cpio writer', () => {
  let tmp: string;
  before(() => { tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tcg86-cpio-')); });
  after(() => { fs.rmSync(tmp, { recursive: true, force: true }); });

  it('lays out a header, name and data as newc specifies', () => {
    const a = new CpioWriter({ mtime: 0x12345678 }).file('ab', 'hi!', 0o640).finish();
    const field = (i: number) => a.toString('ascii', 6 + 8 * i, 14 + 8 * i);
    expect(a.toString('ascii', 0, 6)).to.equal('070701');
    expect(field(0)).to.equal('00000001'); // ino
    expect(field(1)).to.equal('000081a0'); // mode: S_IFREG | 0640
    expect(field(2)).to.equal('00000000'); // uid
    expect(field(3)).to.equal('00000000'); // gid
    expect(field(4)).to.equal('00000001'); // nlink
    expect(field(5)).to.equal('12345678'); // mtime
    expect(field(6)).to.equal('00000003'); // filesize
    expect(field(7) + field(8) + field(9) + field(10)).to.equal('0'.repeat(32)); // devs
    expect(field(11)).to.equal('00000003'); // namesize: "ab" + NUL
    expect(field(12)).to.equal('00000000'); // check
    // 110 + 3 = 113: the name is padded with 3 NULs to 116.
    expect(a.subarray(110, 116)).to.deep.equal(Buffer.from('ab\0\0\0\0', 'latin1'));
    // Data at 116, padded with one NUL to 120, where the trailer starts.
    expect(a.toString('latin1', 116, 120)).to.equal('hi!\0');
    expect(a.toString('ascii', 120, 126)).to.equal('070701');
    expect(a.toString('ascii', 120 + 6 + 8 * 11, 120 + 6 + 8 * 12)).to.equal('0000000b');
    // 120 + 110 + 11 = 241, padded to 244: the archive's end.
    expect(a.toString('latin1', 230, 244)).to.equal('TRAILER!!!\0\0\0\0');
    expect(a.length).to.equal(244);
  });

  it('gives each entry its own inode and ends with the trailer', () => {
    const a = new CpioWriter().dir('d').file('d/f', 'x').symlink('d/l', 'f')
      .charDev('d/c', 4, 64).file('g', '').finish();
    const hs = walkHeaders(a);
    expect(hs.map((h) => h.name)).to.deep.equal(['d', 'd/f', 'd/l', 'd/c', 'g', 'TRAILER!!!']);
    const inos = hs.slice(0, -1).map((h) => h.ino);
    expect(new Set(inos).size).to.equal(inos.length);
    expect(inos).to.not.include(0);
    // The kernel links regular files with nlink >= 2 sharing an inode.
    expect(hs.map((h) => h.nlink)).to.deep.equal([2, 1, 1, 1, 1, 1]);
    expect(hs.map((h) => h.mode)).to.deep.equal([0o40755, 0o100644, 0o120777, 0o20600, 0o100644, 0]);
    // A symlink's data is its target, with no NUL.
    expect(hs[2].filesize).to.equal(1);
    expect([hs[3].rdevmajor, hs[3].rdevminor, hs[3].devmajor, hs[3].devminor]).to.deep.equal([4, 64, 0, 0]);
  });

  it('writes files, directories and symlinks GNU cpio extracts exactly', () => {
    const mtime = 1700000000;
    const w = new CpioWriter({ mtime });
    w.dir('/top', 0o755).dir('top/sticky', 0o1777).dir('top/private', 0o700);
    const files: [string, Buffer, number][] = [];
    // Every size mod 4 and every name length mod 4, to cover all paddings.
    for (let n = 0; n < 9; n++) {
      files.push([`top/${'f'.repeat(n + 1)}`, bytes(n, n), n % 2 ? 0o755 : 0o640]);
    }
    files.push(['top/private/big', bytes(70001, 9), 0o600]);
    for (const [p, data, mode] of files) w.file(p, data, mode);
    w.symlink('top/link', 'private/big').symlink('top/abs', '/bin/busybox');
    const archive = w.finish();

    const out = path.join(tmp, 'x');
    fs.mkdirSync(out);
    const r = gnuCpio(['-i', '-d', '-m', '--no-absolute-filenames'], archive, out);
    expect(r.stderr).to.match(CLEAN_STDERR);

    for (const [p, data, mode] of files) {
      const full = path.join(out, p);
      expect(fs.readFileSync(full), p).to.deep.equal(data);
      const st = fs.statSync(full);
      expect(st.mode & 0o7777, p).to.equal(mode);
      expect(st.mtimeMs / 1000, p).to.equal(mtime);
    }
    expect(fs.statSync(path.join(out, 'top/sticky')).mode & 0o7777).to.equal(0o1777);
    expect(fs.statSync(path.join(out, 'top/private')).mode & 0o7777).to.equal(0o700);
    expect(fs.readlinkSync(path.join(out, 'top/link'))).to.equal('private/big');
    expect(fs.readlinkSync(path.join(out, 'top/abs'))).to.equal('/bin/busybox');
    expect(fs.readdirSync(out)).to.deep.equal(['top']);
  });

  it('writes character devices GNU cpio lists with their numbers', () => {
    const archive = new CpioWriter().dir('dev').charDev('dev/console', 5, 1)
      .charDev('dev/null', 1, 3, 0o666).charDev('dev/ttyS0', 4, 64, 0o660).finish();
    const r = gnuCpio(['-t', '-v'], archive);
    expect(r.stderr).to.match(CLEAN_STDERR);
    const list = parseListing(r.stdout);
    expect(list.map((e) => [e.name, e.mode, e.major, e.minor])).to.deep.equal([
      ['dev', 'drwxr-xr-x', undefined, undefined],
      ['dev/console', 'crw-------', 5, 1],
      ['dev/null', 'crw-rw-rw-', 1, 3],
      ['dev/ttyS0', 'crw-rw----', 4, 64],
    ]);
  });

  it('refuses entries the kernel could not unpack', () => {
    expect(() => new CpioWriter().file('a/b', 'x')).to.throw(/parent directory 'a'/);
    expect(() => new CpioWriter().file('x', '').file('/x', '')).to.throw(/duplicate/);
    expect(() => new CpioWriter().dir('a').file('a/../b', '')).to.throw(/bad path/);
    expect(() => new CpioWriter().file('/', '')).to.throw(/bad path/);
    expect(() => new CpioWriter().charDev('c', 2 ** 32, 0)).to.throw(/32 bits/);
    const w = new CpioWriter();
    w.finish();
    expect(() => w.finish()).to.throw(/twice/);
    expect(() => w.dir('late')).to.throw(/finished/);
  });
});
