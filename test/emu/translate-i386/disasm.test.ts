/**
 * Tests for the i386 disassembler against GNU objdump (binutils 2.40).
 *
 * The expected listings are committed fixtures made by
 * tools/gen-disasm-fixtures.sh, so the test needs no binutils.  When as,
 * objcopy and objdump of the same version are installed, the fixtures are
 * also rebuilt live and must come out identical.
 *
 * Comparison rules (the normalisation applied to objdump's text):
 *  - trailing whitespace is dropped;
 *  - in the fuzz listings, made from an ELF object with one symbol per
 *    sample, objdump prints branch targets as `1c <s3+0xc>`; that becomes
 *    `0x1c`, the form objdump itself uses without symbols and the form the
 *    disassembler prints;
 *  - an instruction objdump shows as `(bad)` (anywhere in its text) must be
 *    `(bad)` with length 1 here: the API decodes an invalid encoding as one
 *    bad byte, where objdump's length for (bad) varies with how far its
 *    tables got;
 *  - VEX (C4/C5), EVEX (62) and XOP (8F) encodings, which objdump decodes
 *    as AVX/AVX-512/XOP instructions, must be `(bad)` with length 1: on the
 *    emulated i386..P6 CPUs those bytes are LES/LDS/BOUND with a register
 *    operand or POP with a reserved reg field, all #UD.  They are counted
 *    and reported separately.
 * Everything else must match objdump exactly: length and text, character
 * for character (mnemonic padding included).
 */
import { expect } from 'chai';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { disassemble } from '../../../src/emu/translate-i386/disasm';

const ROOT = path.resolve(__dirname, '..', '..', '..', '..');
const FIX = path.join(ROOT, 'test', 'emu', 'translate-i386', 'fixtures');
const GEN = path.join(ROOT, 'tools', 'gen-disasm-fixtures.sh');

interface Line { addr: number; len: number; text: string }

/** Parses objdump listing lines `  addr:\tbytes\ttext`. */
function parseListing(file: string): { lines: Line[]; version: string } {
  const src = fs.readFileSync(file, 'utf8').split('\n');
  const version = src[0].startsWith('# ') ? src[0].slice(2) : '';
  const lines: Line[] = [];
  for (const l of src) {
    const m = /^\s*([0-9a-f]+):\t([0-9a-f ]+)\t(.*)$/.exec(l);
    if (!m) continue;
    lines.push({ addr: parseInt(m[1], 16), len: m[2].trim().split(/\s+/).length, text: normalise(m[3]) });
  }
  return { lines, version };
}

function normalise(text: string): string {
  return text.replace(/\s+$/, '').replace(/([\s,])([0-9a-f]+) <[^>]*>$/, '$10x$2');
}

function fetcher(buf: Buffer, base = 0): (a: number) => number {
  return (a: number) => {
    const o = a - base;
    if (o < 0 || o >= buf.length) throw new RangeError(`fetch outside buffer: ${a.toString(16)}`);
    return buf[o];
  };
}

function dis(hex: string, code32 = true, addr = 0): { length: number; text: string } {
  const buf = Buffer.from(hex.replace(/\s+/g, ''), 'hex');
  const r = disassemble(fetcher(buf, addr), addr, code32);
  return { length: r.length, text: r.text };
}

/** Opcode byte after the legacy prefixes is a VEX/EVEX/XOP escape. */
function isVexLike(b: Buffer, off: number): boolean {
  let i = off;
  while (i < off + 15 && [0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65, 0x66, 0x67, 0xf0, 0xf2, 0xf3].includes(b[i])) i++;
  const op = b[i];
  const next = b[i + 1];
  if ((op === 0xc4 || op === 0xc5 || op === 0x62) && next >= 0xc0) return true;
  return op === 0x8f && (next & 0x38) !== 0;
}

describe('i386 disassembler', () => {
  describe('API', () => {
    it('formats like objdump (AT&T, mnemonic padded to 6 columns)', () => {
      expect(dis('89 43 04').text).to.equal('mov    %eax,0x4(%ebx)');
      expect(dis('c7 00 01 00 00 00').text).to.equal('movl   $0x1,(%eax)');
      expect(dis('e8 1b 00 00 00', true, 0x100000).text).to.equal('call   0x100020');
      expect(dis('f0 0f b1 0a').text).to.equal('lock cmpxchg %ecx,(%edx)');
      expect(dis('f3 a5').text).to.equal('rep movsl %ds:(%esi),%es:(%edi)');
      expect(dis('ff e0').text).to.equal('jmp    *%eax');
      expect(dis('ea 10 00 10 00 08 00').text).to.equal('ljmp   $0x8,$0x100010');
      expect(dis('90').text).to.equal('nop');
      expect(dis('c3')).to.deep.equal({ length: 1, text: 'ret' });
    });

    it('decodes 16-bit code', () => {
      expect(dis('b8 34 12', false)).to.deep.equal({ length: 3, text: 'mov    $0x1234,%ax' });
      expect(dis('8b 40 02', false).text).to.equal('mov    0x2(%bx,%si),%ax');
      expect(dis('66 b8 78 56 34 12', false).text).to.equal('mov    $0x12345678,%eax');
      expect(dis('ea 5b e0 00 f0', false).text).to.equal('ljmp   $0xf000,$0xe05b');
      // A near target wraps within the 64K segment of the instruction.
      expect(dis('e9 fd 0f', false, 0xffff0).text).to.equal('jmp    0xf0ff0');
    });

    it('returns the instruction bytes', () => {
      const buf = Buffer.from('66 81 c3 34 12 90'.replace(/ /g, ''), 'hex');
      const r = disassemble(fetcher(buf, 0x1000), 0x1000, true);
      expect(r).to.deep.equal({ length: 5, text: 'add    $0x1234,%bx', bytes: [0x66, 0x81, 0xc3, 0x34, 0x12] });
    });

    it('gives (bad) with length 1 for invalid encodings', () => {
      // 0f 04 undefined, d6 salc (objdump: bad), fe /2, lea with a register,
      // les/lds/bound with a register (VEX/EVEX space), f3 0f 28.
      for (const hex of ['0f 04', 'd6', 'fe 10', '8d c0', 'c4 c0', '62 c0', 'f3 0f 28 c1']) {
        expect(dis(hex + ' 00 00 00 00'), hex).to.deep.equal({ length: 1, text: '(bad)' });
      }
      expect(dis('0f 37')).to.deep.equal({ length: 2, text: 'getsec' });
      // Longer than the architectural 15-byte limit.
      expect(dis('66'.repeat(15) + '90')).to.deep.equal({ length: 1, text: '(bad)' });
    });

    it('propagates fetch errors', () => {
      const buf = Buffer.from('b8 11 22'.replace(/ /g, ''), 'hex');
      expect(() => disassemble(fetcher(buf), 0, true)).to.throw(RangeError);
      const boom = new Error('page fault');
      expect(() => disassemble(() => { throw boom; }, 0x1234, true)).to.throw(boom);
    });

    it('never throws on random bytes', () => {
      let seed = 12345;
      const rnd = (): number => {
        seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
        return seed >>> 16;
      };
      const buf = Buffer.alloc(64);
      for (let i = 0; i < 20000; i++) {
        for (let j = 0; j < 64; j++) buf[j] = rnd() & 0xff;
        const r = disassemble(fetcher(buf), 0, (i & 1) === 0);
        expect(r.length).to.be.within(1, 15);
        expect(r.bytes.length).to.equal(r.length);
      }
    });
  });

  for (const mode of [32, 16]) {
    it(`matches objdump on every instruction of isa${mode}.S`, () => {
      const bin = fs.readFileSync(path.join(FIX, `isa${mode}.bin`));
      const { lines } = parseListing(path.join(FIX, `isa${mode}.lst`));
      expect(lines.length).to.be.greaterThan(mode === 32 ? 2000 : 450);
      const bad: string[] = [];
      let next = 0;
      for (const l of lines) {
        expect(l.addr, 'listing is contiguous').to.equal(next);
        next = l.addr + l.len;
        const r = disassemble(fetcher(bin), l.addr, mode === 32);
        if (r.length !== l.len || r.text !== l.text) {
          bad.push(`${l.addr.toString(16)}: expected ${l.len} '${l.text}', got ${r.length} '${r.text}'`);
        }
      }
      expect(next).to.equal(bin.length);
      expect(bad, bad.slice(0, 20).join('\n')).to.deep.equal([]);
    });
  }

  for (const mode of [32, 16]) {
    it(`matches objdump on the random samples (${mode}-bit)`, () => {
      const bin = fs.readFileSync(path.join(FIX, 'fuzz.bin'));
      const { lines } = parseListing(path.join(FIX, `fuzz${mode}.lst`));
      expect(lines.length).to.equal(bin.length / 16);
      const stats = { total: 0, exact: 0, objdumpBad: 0, vex: 0 };
      const lenBad: string[] = [];
      const textBad: string[] = [];
      for (const l of lines) {
        stats.total++;
        const sample = bin.subarray(l.addr, l.addr + 16);
        const r = disassemble(fetcher(sample, l.addr), l.addr, mode === 32);
        const where = `${sample.toString('hex')} @${l.addr.toString(16)}: expected ${l.len} '${l.text}', got ${r.length} '${r.text}'`;
        const vex = isVexLike(sample, 0) && !l.text.includes('(bad)');
        if (l.text.includes('(bad)') || vex) {
          if (vex) stats.vex++; else stats.objdumpBad++;
          if (r.length !== 1 || r.text !== '(bad)') lenBad.push(where);
          continue;
        }
        if (r.length !== l.len) lenBad.push(where);
        else if (r.text !== l.text) textBad.push(where);
        else stats.exact++;
      }
      const compared = stats.total - stats.objdumpBad - stats.vex;
      const rate = (100 * stats.exact) / compared;
      // eslint-disable-next-line no-console
      console.log(`      ${mode}-bit: ${stats.total} samples; ${compared} compared, ${stats.exact} exact ` +
        `(${rate.toFixed(2)}% text match, ${lenBad.length} length mismatches); ` +
        `${stats.objdumpBad} (bad) in objdump; ${stats.vex} VEX/EVEX/XOP decoded as (bad)`);
      expect(stats.total).to.be.at.least(2000);
      expect(lenBad, lenBad.slice(0, 20).join('\n')).to.deep.equal([]);
      // Exact agreement is required: every legacy-encoded instruction text.
      expect(textBad, textBad.slice(0, 20).join('\n')).to.deep.equal([]);
    });
  }

  it('committed fixtures are what the generator produces (needs binutils)', function () {
    const tools = ['as', 'objcopy', 'objdump'].every((t) => spawnSync(t, ['--version']).status === 0);
    if (!tools) this.skip();
    const version = spawnSync('objdump', ['--version']).stdout.toString().split('\n')[0];
    if (version !== parseListing(path.join(FIX, 'isa32.lst')).version) this.skip();
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'disasm-fix-'));
    try {
      const r = spawnSync('sh', [GEN, out]);
      expect(r.status, r.stderr.toString()).to.equal(0);
      for (const f of ['isa32.bin', 'isa32.lst', 'isa16.bin', 'isa16.lst', 'fuzz.bin', 'fuzz32.lst', 'fuzz16.lst']) {
        expect(fs.readFileSync(path.join(out, f)).equals(fs.readFileSync(path.join(FIX, f))), f).to.equal(true);
      }
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  });
});
