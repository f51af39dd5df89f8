// A writer for the "newc" cpio format (magic 070701), the one the Linux
// kernel unpacks as an initramfs. Our own, so building the guest's initramfs
// needs no cpio binary and no root (device nodes are just header fields).
//
// Layout of one entry: a 110-byte ASCII header (magic + 13 fields of 8 hex
// digits), the NUL-terminated name padded so header+name is a multiple of 4,
// then the data padded to a multiple of 4. The archive ends with an entry
// named "TRAILER!!!".

export const S_IFMT = 0o170000;
export const S_IFDIR = 0o040000;
export const S_IFREG = 0o100000;
export const S_IFLNK = 0o120000;
export const S_IFCHR = 0o020000;

export const NEWC_MAGIC = '070701';
export const NEWC_HEADER_SIZE = 110;
export const TRAILER_NAME = 'TRAILER!!!';

export interface NewcHeader {
  ino: number;
  mode: number;
  uid: number;
  gid: number;
  nlink: number;
  mtime: number;
  filesize: number;
  devmajor: number;
  devminor: number;
  rdevmajor: number;
  rdevminor: number;
  namesize: number;
  check: number;
}

// Field order is fixed by the format; offsets are 6 + 8 * index.
export const NEWC_FIELDS: (keyof NewcHeader)[] = [
  'ino', 'mode', 'uid', 'gid', 'nlink', 'mtime', 'filesize',
  'devmajor', 'devminor', 'rdevmajor', 'rdevminor', 'namesize', 'check',
];

export function pad4(n: number): number {
  return (4 - (n % 4)) % 4;
}

function hex8(value: number, field: string): string {
  if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) {
    throw new RangeError(`cpio: ${field} ${value} does not fit in 32 bits`);
  }
  return value.toString(16).padStart(8, '0');
}

export function encodeHeader(h: NewcHeader): Buffer {
  const text = NEWC_MAGIC + NEWC_FIELDS.map((f) => hex8(h[f], f)).join('');
  return Buffer.from(text, 'ascii');
}

export interface CpioOptions {
  // Same timestamp on every entry, so the archive is reproducible.
  mtime?: number;
  uid?: number;
  gid?: number;
}

export class CpioWriter {
  private readonly parts: Buffer[] = [];
  private readonly seen = new Set<string>();
  private readonly dirs = new Set<string>(['']);
  private nextIno = 1;
  private finished = false;
  private readonly mtime: number;
  private readonly uid: number;
  private readonly gid: number;

  constructor(opts: CpioOptions = {}) {
    this.mtime = opts.mtime ?? 0;
    this.uid = opts.uid ?? 0;
    this.gid = opts.gid ?? 0;
  }

  dir(path: string, mode = 0o755): this {
    const name = this.claim(path);
    this.dirs.add(name);
    // A directory's own "." and its entry in the parent: nlink 2.
    return this.entry(name, S_IFDIR | (mode & 0o7777), 2, Buffer.alloc(0));
  }

  file(path: string, data: Buffer | string, mode = 0o644): this {
    const name = this.claim(path);
    const body = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    // nlink 1: the kernel treats regular files with nlink >= 2 as hard links.
    return this.entry(name, S_IFREG | (mode & 0o7777), 1, body);
  }

  symlink(path: string, target: string): this {
    const name = this.claim(path);
    if (target.length === 0) throw new Error(`cpio: empty symlink target for ${path}`);
    // The target is the entry's data, without a NUL.
    return this.entry(name, S_IFLNK | 0o777, 1, Buffer.from(target, 'utf8'));
  }

  charDev(path: string, major: number, minor: number, mode = 0o600): this {
    const name = this.claim(path);
    return this.entry(name, S_IFCHR | (mode & 0o7777), 1, Buffer.alloc(0), major, minor);
  }

  finish(): Buffer {
    if (this.finished) throw new Error('cpio: finish() called twice');
    this.finished = true;
    // The trailer has inode 0 and nlink 1, as GNU cpio and the kernel's
    // gen_init_cpio write it.
    this.push(TRAILER_NAME, { ino: 0, mode: 0, nlink: 1 }, Buffer.alloc(0));
    return Buffer.concat(this.parts);
  }

  // Normalizes "/a/b" to "a/b" and checks the entry can be unpacked: the
  // kernel does not create missing parent directories.
  private claim(path: string): string {
    if (this.finished) throw new Error('cpio: archive already finished');
    const name = path.replace(/^\/+/, '').replace(/\/+$/, '');
    const parts = name.split('/');
    if (name === '' || parts.some((p) => p === '' || p === '.' || p === '..')) {
      throw new Error(`cpio: bad path '${path}'`);
    }
    if (name === TRAILER_NAME) throw new Error(`cpio: '${path}' is the trailer's name`);
    if (this.seen.has(name)) throw new Error(`cpio: duplicate entry '${name}'`);
    const parent = parts.slice(0, -1).join('/');
    if (!this.dirs.has(parent)) {
      throw new Error(`cpio: parent directory '${parent}' of '${name}' not added`);
    }
    this.seen.add(name);
    return name;
  }

  private entry(name: string, mode: number, nlink: number, data: Buffer,
    rdevmajor = 0, rdevminor = 0): this {
    this.push(name, { ino: this.nextIno++, mode, nlink, rdevmajor, rdevminor }, data);
    return this;
  }

  private push(name: string, h: Partial<NewcHeader>, data: Buffer): void {
    const nameBytes = Buffer.from(name + '\0', 'utf8');
    const header = encodeHeader({
      ino: 0, mode: 0, uid: this.uid, gid: this.gid, nlink: 1, mtime: this.mtime,
      filesize: data.length, devmajor: 0, devminor: 0, rdevmajor: 0, rdevminor: 0,
      namesize: nameBytes.length, check: 0,
      ...h,
    });
    this.parts.push(header, nameBytes,
      Buffer.alloc(pad4(NEWC_HEADER_SIZE + nameBytes.length)),
      data, Buffer.alloc(pad4(data.length)));
  }
}
