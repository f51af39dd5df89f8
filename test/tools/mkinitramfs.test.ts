// The initramfs builder, run as its CLI on a stand-in busybox (so no fetch is
// needed) and read back with gunzip + GNU cpio.
import { expect } from 'chai';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as zlib from 'zlib';
import { APPLETS } from '../../tools/linux-guest/mkinitramfs';
import { CLEAN_STDERR, gnuCpio, ListedEntry, parseListing } from './gnu-cpio';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const CLI = path.join(ROOT, 'dist', 'tools', 'linux-guest', 'mkinitramfs.js');
const INIT = path.join(ROOT, 'tools', 'linux-guest', 'init.sh');

function runCli(args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
  if (r.error) throw r.error;
  return r;
}

describe('tools/linux-guest mkinitramfs', () => {
  let tmp: string;
  let archive: Buffer;
  let list: ListedEntry[];
  const standIn = Buffer.concat([Buffer.from('\x7fELF stand-in busybox\n', 'latin1'), Buffer.alloc(1001, 0xa5)]);

  before(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tcg86-initramfs-'));
    fs.writeFileSync(path.join(tmp, 'busybox'), standIn);
    const r = runCli(['--busybox', path.join(tmp, 'busybox'), '--out', path.join(tmp, 'i.gz')]);
    expect(r.stderr).to.equal('');
    expect(r.status).to.equal(0);
    archive = zlib.gunzipSync(fs.readFileSync(path.join(tmp, 'i.gz')));
    const t = gnuCpio(['-t', '-v'], archive);
    expect(t.stderr).to.match(CLEAN_STDERR);
    list = parseListing(t.stdout);
  });
  after(() => { fs.rmSync(tmp, { recursive: true, force: true }); });

  const entry = (name: string) => {
    const e = list.find((x) => x.name === name);
    expect(e, name).to.not.equal(undefined);
    return e as ListedEntry;
  };

  it('holds the directories the init mounts on and uses', () => {
    for (const d of ['bin', 'sbin', 'usr/bin', 'usr/sbin', 'etc', 'proc', 'sys', 'dev', 'tmp', 'root']) {
      expect(entry(d).mode[0], d).to.equal('d');
    }
    expect(entry('tmp').mode).to.equal('drwxrwxrwt');
  });

  it('lists every parent directory before its children', () => {
    const seen = new Set<string>(['']);
    for (const e of list) {
      expect(seen.has(path.posix.dirname(e.name).replace(/^\.$/, '')), e.name).to.equal(true);
      seen.add(e.name);
    }
  });

  it('has the console, null and ttyS0 device nodes', () => {
    expect([entry('dev/console').mode[0], entry('dev/console').major, entry('dev/console').minor]).to.deep.equal(['c', 5, 1]);
    expect([entry('dev/null').mode[0], entry('dev/null').major, entry('dev/null').minor]).to.deep.equal(['c', 1, 3]);
    expect([entry('dev/ttyS0').mode[0], entry('dev/ttyS0').major, entry('dev/ttyS0').minor]).to.deep.equal(['c', 4, 64]);
  });

  it('carries the given busybox and links sh and the init\'s applets to it', () => {
    expect(entry('bin/busybox').mode).to.equal('-rwxr-xr-x');
    const body = gnuCpio(['-i', '--to-stdout', 'bin/busybox'], archive);
    expect(body.raw).to.deep.equal(standIn);
    expect(APPLETS).to.include('sh');
    for (const a of APPLETS) {
      expect(entry(`bin/${a}`).mode[0], a).to.equal('l');
      expect(entry(`bin/${a}`).target, a).to.equal('busybox');
    }
  });

  it('has /init, executable, with init.sh\'s text', () => {
    expect(entry('init').mode).to.equal('-rwxr-xr-x');
    const text = gnuCpio(['-i', '--to-stdout', 'init'], archive).stdout;
    expect(text).to.equal(fs.readFileSync(INIT, 'utf8'));
    expect(text.split('\n')[0]).to.equal('#!/bin/busybox sh');
  });

  it('has an init script the host sh parses, printing every marker', () => {
    const r = spawnSync('sh', ['-n', INIT], { encoding: 'utf8' });
    expect(r.stderr).to.equal('');
    expect(r.status).to.equal(0);
    const text = fs.readFileSync(INIT, 'utf8');
    for (const m of ['init started', 'sum=$sum', 'md5 $1', 'done']) {
      expect(text).to.include(`echo "TCG86-LINUX: ${m}"`);
    }
    expect(text).to.match(/^\s*reboot -f$/m);
  });

  it('rejects a missing argument with one line and status 1', () => {
    const r = runCli(['--out', path.join(tmp, 'never.gz')]);
    expect(r.status).to.equal(1);
    expect(r.stderr.trim().split('\n')).to.have.length(1);
    expect(r.stderr).to.match(/^mkinitramfs: .*--busybox/);
    expect(fs.existsSync(path.join(tmp, 'never.gz'))).to.equal(false);
  });
});
