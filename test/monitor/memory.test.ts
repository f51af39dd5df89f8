// x, xp, memsave and pmemsave against the kernel image read from the ELF file.
import { expect } from 'chai';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { R_ESP } from '../../src/emu/translate-i386/state';
import { MonitorFixture, monitorFixture, outLines } from '../support/monitor-fixture';

describe('monitor: memory dumps', () => {
  let f: MonitorFixture;
  let start: number;
  before(() => {
    f = monitorFixture('hello');
    f.machine.exec.run(3000);
    start = f.elf.symbol('_start');
  });
  const h8 = (v: number) => (v >>> 0).toString(16).padStart(8, '0');

  it('x /4xw shows words of the loaded kernel text', async () => {
    const lines = outLines(await f.run(`x /4xw 0x${start.toString(16)}`));
    const words = [0, 4, 8, 12].map(o => '0x' + h8(f.elf.u32At(start + o)));
    expect(lines).to.deep.equal([`${h8(start)}: ${words.join(' ')}`]);
  });

  it('sizes b h g, and 16 bytes (8 for bytes) a line', async () => {
    const b = f.elf.bytesAt(start, 16);
    const bl = outLines(await f.run(`x /10xb 0x${start.toString(16)}`));
    expect(bl).to.have.length(2);
    expect(bl[0]).to.equal(`${h8(start)}: ${[...b.subarray(0, 8)].map(v => '0x' + v.toString(16).padStart(2, '0')).join(' ')}`);
    expect(bl[1]).to.equal(`${h8(start + 8)}: ${[...b.subarray(8, 10)].map(v => '0x' + v.toString(16).padStart(2, '0')).join(' ')}`);
    const hl = outLines(await f.run(`x /2xh 0x${start.toString(16)}`));
    expect(hl[0]).to.equal(`${h8(start)}: 0x${(b[0] | (b[1] << 8)).toString(16).padStart(4, '0')} 0x${(b[2] | (b[3] << 8)).toString(16).padStart(4, '0')}`);
    const gl = outLines(await f.run(`x /1xg 0x${start.toString(16)}`));
    const q = (BigInt(f.elf.u32At(start + 4)) << 32n) | BigInt(f.elf.u32At(start));
    expect(gl[0]).to.equal(`${h8(start)}: 0x${q.toString(16).padStart(16, '0')}`);
  });

  it('formats d u o c', async () => {
    const a = 0x200000; // free RAM
    f.machine.mem.m8.set([0xfe, 0xff, 0xff, 0xff, 0x41, 0x0a, 0x00, 0x27], a);
    expect(outLines(await f.run(`x /1dw ${a}`))[0]).to.equal(`${h8(a)}: ${'-2'.padStart(10)}`);
    expect(outLines(await f.run(`x /1uw ${a}`))[0]).to.equal(`${h8(a)}: 4294967294`);
    expect(outLines(await f.run(`x /1ob ${a + 4}`))[0]).to.equal(`${h8(a + 4)}: 0101`);
    expect(outLines(await f.run(`x /4c ${a + 4}`))[0]).to.equal(`${h8(a + 4)}: 'A' '\\n' '\\x00' '\\''`);
  });

  it('xp shows 16-digit physical addresses; x/s prints a string', async () => {
    const a = 0x201000;
    f.machine.mem.m8.set([...Buffer.from('hi "you"\n'), 0, ...Buffer.from('two'), 0], a);
    expect(outLines(await f.run(`xp /1xw 0x${start.toString(16)}`))[0]).to.equal(`${start.toString(16).padStart(16, '0')}: 0x${h8(f.elf.u32At(start))}`);
    expect(outLines(await f.run(`x /2s 0x${a.toString(16)}`))).to.deep.equal([`${h8(a)}: "hi \\"you\\"\\n"`, `${h8(a + 10)}: "two"`]);
  });

  it('x/3i disassembles _start (cli; cld; mov %eax,%esi, as entry.S has it)', async () => {
    const lines = outLines(await f.run(`x /3i 0x${start.toString(16)}`));
    expect(lines).to.have.length(3);
    expect(lines[0]).to.match(new RegExp(`^0x${h8(start)}:  fa\\s+cli$`));
    expect(lines[1]).to.match(new RegExp(`^0x${h8(start + 1)}:  fc\\s+cld$`));
    expect(lines[2]).to.match(new RegExp(`^0x${h8(start + 2)}:  89 c6\\s+mov\\s+%eax,%esi$`));
  });

  it('x with an expression address: $esp + 4', async () => {
    const esp = f.machine.cpu.s[R_ESP] >>> 0;
    const m = f.machine.mem;
    const line = outLines(await f.run('x /1xw $esp + 4'))[0];
    expect(line).to.equal(`${h8(esp + 4)}: 0x${h8(m.physRead(esp + 4, 4))}`);
  });

  it('reports unmapped memory, huge counts and bad formats with one line', async () => {
    expect(await f.run('x /4xw 0x7ffffff0')).to.equal('7ffffff0: Cannot access memory\n');
    expect(await f.run('xp /2xg 0x100000000')).to.equal('0000000100000000: Cannot access memory\n');
    expect(await f.run('x /1000000xw 0')).to.match(/^x: at most 65536 bytes at a time.*\n$/);
    expect(await f.run('x /5000i 0')).to.match(/^x: at most 1000 instructions.*\n$/);
    expect(await f.run('x /4q 0')).to.equal("invalid char in format: 'q'\n");
    expect(await f.run('x /4x')).to.match(/^x: missing address/);
    // a dump that runs off the end of RAM stops with the message
    const end = f.machine.mem.size - 16;
    const lines = outLines(await f.run(`xp /8xw ${end}`));
    expect(lines).to.have.length(2);
    expect(lines[1]).to.equal(`${(end + 16).toString(16).padStart(16, '0')}: Cannot access memory`);
  });

  it('memsave and pmemsave write the bytes to a file', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tcg86-mon-'));
    try {
      const v = path.join(dir, 'v.bin'), p = path.join(dir, 'p.bin');
      expect(await f.run(`memsave 0x${start.toString(16)} 256 ${v}`)).to.equal('');
      expect(Buffer.from(fs.readFileSync(v)).equals(Buffer.from(f.elf.bytesAt(start, 256)))).to.equal(true);
      expect(await f.run(`pmemsave 0x${start.toString(16)} 0x100 "${p}"`)).to.equal('');
      expect(fs.readFileSync(p).length).to.equal(256);
      expect(Buffer.from(fs.readFileSync(p)).equals(Buffer.from(f.elf.bytesAt(start, 256)))).to.equal(true);
      expect(await f.run(`memsave 0x7ffff000 16 ${path.join(dir, 'bad.bin')}`)).to.match(/^Invalid addr 0x000000007ffff000\/size 16 specified\n$/);
      expect(fs.existsSync(path.join(dir, 'bad.bin'))).to.equal(false);
      expect(await f.run(`memsave 0 16 ${path.join(dir, 'no', 'such', 'dir')}`)).to.match(/^Could not open .*No such file or directory\n$/);
      expect(await f.run('memsave 0 16')).to.equal('missing argument: file name\n');
      // expressions as arguments: parenthesized, or without spaces
      expect(await f.run(`memsave ($esp - $esp + 0x${start.toString(16)}) 8*2 ${v}`)).to.equal('');
      expect(Buffer.from(fs.readFileSync(v)).equals(Buffer.from(f.elf.bytesAt(start, 16)))).to.equal(true);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
