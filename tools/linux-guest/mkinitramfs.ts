// Builds the gzip'ed newc initramfs of the Linux workload: a static busybox,
// the applet symlinks /init uses, the device nodes the kernel and the shell
// open before any devtmpfs exists, and /init itself (init.sh beside this file).
//
//   node dist/tools/linux-guest/mkinitramfs.js --busybox PATH --out FILE [--init PATH]
import * as fs from 'fs';
import * as path from 'path';
import * as zlib from 'zlib';
import { CpioWriter } from './cpio';

// Compiled to dist/tools/linux-guest/, the source sits at tools/linux-guest/.
const ROOT = path.resolve(__dirname, '..', '..', '..');
export const DEFAULT_INIT = path.join(ROOT, 'tools', 'linux-guest', 'init.sh');

// The applets init.sh runs as commands (echo, read, set, [ are sh builtins).
export const APPLETS = [
  'sh', 'mount', 'uname', 'cat', 'ls', 'md5sum', 'setsid', 'cttyhack',
  'reboot', 'poweroff',
];

// Directories before their contents: the kernel creates no missing parents.
const DIRS: [string, number][] = [
  ['bin', 0o755], ['sbin', 0o755], ['usr', 0o755], ['usr/bin', 0o755],
  ['usr/sbin', 0o755], ['etc', 0o755], ['proc', 0o555], ['sys', 0o555],
  ['dev', 0o755], ['tmp', 0o1777], ['root', 0o700],
];

// Linux's fixed numbers: console 5,1; null 1,3; first 8250 UART 4,64.
const DEVICES: [string, number, number, number][] = [
  ['dev/console', 5, 1, 0o600],
  ['dev/null', 1, 3, 0o666],
  ['dev/ttyS0', 4, 64, 0o660],
];

export function buildInitramfs(busybox: Buffer, init: string): Buffer {
  const cpio = new CpioWriter();
  for (const [dir, mode] of DIRS) cpio.dir(dir, mode);
  for (const [node, major, minor, mode] of DEVICES) cpio.charDev(node, major, minor, mode);
  cpio.file('bin/busybox', busybox, 0o755);
  for (const applet of APPLETS) cpio.symlink(`bin/${applet}`, 'busybox');
  cpio.file('init', init, 0o755);
  return cpio.finish();
}

interface Args { busybox: string; out: string; init: string }

function parseArgs(argv: string[]): Args {
  const got: Partial<Args> = { init: DEFAULT_INIT };
  for (let i = 0; i < argv.length; i++) {
    const key = argv[i].replace(/^--/, '');
    if (!['busybox', 'out', 'init'].includes(key) || i + 1 >= argv.length) {
      throw new Error(`bad argument '${argv[i]}' (usage: --busybox PATH --out FILE [--init PATH])`);
    }
    got[key as keyof Args] = argv[++i];
  }
  if (!got.busybox || !got.out) throw new Error('--busybox PATH and --out FILE are required');
  return got as Args;
}

function main(): void {
  const args = parseArgs(process.argv.slice(2));
  const cpio = buildInitramfs(fs.readFileSync(args.busybox), fs.readFileSync(args.init, 'utf8'));
  // Written beside the target, then renamed: no half-written initramfs.
  const tmp = `${args.out}.tmp`;
  fs.writeFileSync(tmp, zlib.gzipSync(cpio, { level: 9 }));
  fs.renameSync(tmp, args.out);
}

if (require.main === module) {
  try {
    main();
  } catch (e) {
    process.stderr.write(`mkinitramfs: ${(e as Error).message}\n`);
    process.exit(1);
  }
}
