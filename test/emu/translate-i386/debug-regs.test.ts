// mov to/from debug registers, for what the debugregs guest kernel cannot compare with QEMU
// (QEMU 7.2 has no DR7.GD; it takes R/W = 10 as an I/O breakpoint even with CR4.DE = 0, and
// its rep ins/outs trap with EIP after the instruction and ECX not counted down), and how DR7
// becomes the exec loop's breakpoint lists.
import { expect } from 'chai';
import * as fs from 'fs';
import * as path from 'path';
import { Backend, StopReason } from '../../../src/emu/cpu-exec/exec';
import { GuestDebugRegs } from '../../../src/emu/cpu-exec/debug-regs';
import { CPU_FAULT, X86Cpu } from '../../../src/emu/translate-i386/cpu';
import { H, HELPERS } from '../../../src/emu/translate-i386/helpers';
import { Memory } from '../../../src/emu/translate-i386/mmu';
import {
  CR4, DR0, EIP, GDTR_BASE, GDTR_LIMIT, IDTR_BASE, IDTR_LIMIT, R_ECX, R_EDI, R_EDX, R_ESI, R_ESP, SEG_CS, SEG_SEL,
} from '../../../src/emu/translate-i386/state';
import { PcMachine } from '../../../src/hw/pc/machine';
import { ROOT } from '../../support/run-tcg86';

function cpu(): X86Cpu { return new X86Cpu(new Memory(1 << 16), { in: () => 0, out: () => undefined }); }
const call = (c: X86Cpu, name: string, ...args: number[]): number => HELPERS[H[name]].fn(c, ...args) as number;
function fault(f: () => void, c: X86Cpu): number {
  try { f(); } catch (e) { if (e !== CPU_FAULT) throw e; return c.excVector; }
  return -1;
}

describe('debug registers', () => {
  it('DR7.GD: the next mov from or to a DR is a #DB fault with DR6.BD, and GD is cleared for the handler', () => {
    const c = cpu();
    call(c, 'mov_to_dr', 7, 0x2000, 0x100);
    expect(fault(() => call(c, 'mov_from_dr', 0, 0x104), c)).to.equal(1);
    expect(c.excEip).to.equal(0x104);
    expect(c.s[DR0 + 6] & 0x2000).to.equal(0x2000);
    expect(c.s[DR0 + 7] & 0x2000).to.equal(0);
    expect(fault(() => call(c, 'mov_from_dr', 0, 0x108), c)).to.equal(-1);
  });

  it('DR4/DR5 alias DR6/DR7 unless CR4.DE, then #UD; writes to DR0-3/7 notify the exec loop', () => {
    const c = cpu();
    let changed = 0;
    c.hooks.debugRegsChanged = () => { changed++; };
    call(c, 'mov_to_dr', 5, 0x1, 0);
    expect(c.s[DR0 + 7]).to.equal(0x401);
    expect(call(c, 'mov_from_dr', 4, 0) >>> 0).to.equal(0xffff0ff0);
    call(c, 'mov_to_dr', 6, 0, 0);
    expect(changed).to.equal(1);
    c.s[CR4] |= 8;
    expect(fault(() => call(c, 'mov_from_dr', 5, 0), c)).to.equal(6);
  });

  it('decodes DR7: L/G enables, R/W 00 instruction, 01 write, 11 read/write, LEN aligned; I/O (10) ignored', () => {
    const s = new Int32Array(80);
    const d = new GuestDebugRegs();
    s[DR0] = 0x1000; s[DR0 + 1] = 0x2003; s[DR0 + 2] = 0x3001; s[DR0 + 3] = 0x4000;
    s[DR0 + 7] = 0x1 | 0x8 | 0x10 | 0x40 | (1 << 20) | (3 << 22) | (3 << 24) | (1 << 26) | (2 << 28);
    d.load(s);
    expect([...d.exec]).to.deep.equal([[0x1000, 1]]);
    expect([...d.execPages]).to.deep.equal([1]);
    expect(d.data).to.deep.equal([
      { addr: 0x2000, len: 4, write: true, bit: 2 },
      { addr: 0x3000, len: 2, write: false, bit: 4 },
    ]);
    expect(d.access(0x2002, 1, false)).to.equal(false); // DR1 is write-only
    expect(d.access(0x2003, 1, true)).to.equal(true);
    expect(d.access(0x2fff, 2, false)).to.equal(true); // overlaps DR2's first byte
    expect(d.pendingHits).to.equal(6);
    expect(d.io).to.deep.equal([]);
  });

  it('decodes DR7 R/W = 10 as an I/O breakpoint (port range aligned to LEN) only with CR4.DE = 1', () => {
    const s = new Int32Array(80);
    const d = new GuestDebugRegs();
    s[DR0] = 0x3f9; s[DR0 + 1] = 0x60;
    s[DR0 + 7] = 0x1 | 0x4 | (2 << 16) | (1 << 18) | (2 << 20);
    d.load(s);
    expect(d.active).to.equal(false);
    s[CR4] = 8;
    d.load(s);
    expect(d.active).to.equal(true);
    expect(d.io).to.deep.equal([{ port: 0x3f8, len: 2, bit: 1 }, { port: 0x60, len: 1, bit: 2 }]);
    expect(d.ioAccess(0x3fa, 1)).to.equal(false);
    expect(d.ioAccess(0x5f, 2)).to.equal(true); // a word access covering port 0x60
    expect(d.ioAccess(0x3f7, 4)).to.equal(true);
    expect(d.pendingHits).to.equal(3);
  });

  it('a mov to CR4 that changes DE notifies the exec loop', () => {
    const c = cpu();
    let changed = 0;
    c.hooks.debugRegsChanged = () => { changed++; };
    call(c, 'mov_to_cr', 4, 0x10, 0);
    expect(changed).to.equal(0);
    call(c, 'mov_to_cr', 4, 0x18, 0);
    expect(changed).to.equal(1);
    call(c, 'mov_to_cr', 4, 0x10, 0);
    expect(changed).to.equal(2);
  });
});

/**
 * Code run by the exec loop on a machine with a one-gate IDT: #DB (vector 1) goes to a `hlt`, so
 * a run stops at the first #DB with its frame (EIP, CS, EFLAGS) on the stack.
 */
function dbMachine(backend: Backend, code: number[]): PcMachine {
  const m = new PcMachine({
    ramBytes: 4 << 20, kernel: fs.readFileSync(path.join(ROOT, 'test', 'guest', 'bin', 'hello.elf')), cmdline: '',
    modules: [], serialOut: () => undefined, debugExit: null, noReboot: true, icountShift: 3, backend, nochain: false,
  });
  const s = m.cpu.s, w32 = (a: number, v: number) => m.mem.physWrite(a, 4, v);
  const gdt = 0x302000, idt = 0x300000, handler = 0x301000;
  w32(gdt + 0x10, 0x0000ffff); w32(gdt + 0x14, 0x00cf9b00); // the loader's flat code selector 0x10
  s[GDTR_BASE] = gdt; s[GDTR_LIMIT] = 0x1f;
  w32(idt + 8, (s[SEG_SEL + SEG_CS] << 16) | (handler & 0xffff));
  w32(idt + 12, (handler & 0xffff0000) | 0x8e00);
  m.mem.m8[handler] = 0xf4; // hlt
  s[IDTR_BASE] = idt; s[IDTR_LIMIT] = 15;
  m.mem.m8.set(code, CODE);
  s[EIP] = CODE; s[R_ESP] = 0x380000;
  return m;
}
const CODE = 0x200000, BUF = 0x280000;

/** Run until the #DB handler's hlt; the saved EIP, or -1 when no #DB came. */
function runToDb(m: PcMachine): number {
  let r = StopReason.REQUEST;
  for (let i = 0; i < 100 && r !== StopReason.HALTED; i++) r = m.exec.run(100000); // device requests stop runs too
  expect(r).to.equal(StopReason.HALTED);
  return m.cpu.s[EIP] === 0x301001 ? m.mem.physRead(0x380000 - 12, 4) : -1;
}

for (const backend of ['interp', 'js'] as Backend[]) {
  describe(`guest breakpoints in the exec loop (${backend})`, () => {
    it('rep insb with an I/O breakpoint: #DB after the first iteration, EIP at the rep insn, ECX counted down', () => {
      const m = dbMachine(backend, [0xf3, 0x6c, 0xf4]); // rep insb; hlt
      const s = m.cpu.s;
      s[R_ECX] = 3; s[R_EDX] = 0x308; s[R_EDI] = BUF;
      s[CR4] |= 8; s[DR0] = 0x308; s[DR0 + 7] = 0x1 | (2 << 16);
      m.exec.loadDebugRegs();
      expect(runToDb(m)).to.equal(CODE);
      expect(s[R_ECX]).to.equal(2);
      expect(s[R_EDI]).to.equal(BUF + 1);
      expect(s[DR0 + 6] & 0xf).to.equal(1);
    });

    it('R/W = 10 with CR4.DE = 0 is no breakpoint (its meaning is undefined)', () => {
      const m = dbMachine(backend, [0xf3, 0x6c, 0xf4]);
      const s = m.cpu.s;
      s[R_ECX] = 3; s[R_EDX] = 0x308; s[R_EDI] = BUF;
      s[DR0] = 0x308; s[DR0 + 7] = 0x1 | (2 << 16);
      m.exec.loadDebugRegs();
      expect(runToDb(m)).to.equal(-1);
      expect(s[EIP]).to.equal(CODE + 3);
      expect(s[R_ECX]).to.equal(0);
    });

    it('rep movsd with a data write breakpoint: #DB after the iteration that wrote it, EIP at the rep insn', () => {
      const m = dbMachine(backend, [0xf3, 0xa5, 0xf4]); // rep movsd; hlt
      const s = m.cpu.s;
      s[R_ECX] = 4; s[R_ESI] = BUF; s[R_EDI] = BUF + 0x100;
      s[DR0] = BUF + 0x108; s[DR0 + 7] = 0x1 | (1 << 16) | (3 << 18);
      m.exec.loadDebugRegs();
      expect(runToDb(m)).to.equal(CODE);
      expect(s[R_ECX]).to.equal(1);
      expect(s[R_EDI]).to.equal(BUF + 0x10c);
      expect(s[DR0 + 6] & 0xf).to.equal(1);
    });
  });
}
