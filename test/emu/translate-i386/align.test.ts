// Alignment checking (#AC): the HF_AC bit of the TB flags follows CPL, CR0.AM and EFLAGS.AC;
// the translator emits a check before each multi-byte access only in TBs with HF_AC; helpers
// check their own accesses. The guest kernel test/guest/src/align.c runs the whole thing
// (QEMU has no #AC to compare with).
import { expect } from 'chai';
import { Opc } from '../../../src/emu/tcg/ir';
import { CPU_FAULT, X86Cpu } from '../../../src/emu/translate-i386/cpu';
import { fpuExec } from '../../../src/emu/translate-i386/fpu';
import { H, HELPERS } from '../../../src/emu/translate-i386/helpers';
import { Memory } from '../../../src/emu/translate-i386/mmu';
import {
  CR0, CR0_AM, CR0_ET, CR0_PE, EFLAGS, FLAG_AC, HF_AC, HF_CS32, HF_PE, HF_SS32, HFLAGS,
} from '../../../src/emu/translate-i386/state';
import { translateTb } from '../../../src/emu/translate-i386/translate';

function cpu(): X86Cpu { return new X86Cpu(new Memory(1 << 16), { in: () => 0, out: () => undefined }); }
const call = (c: X86Cpu, name: string, ...args: number[]): number => HELPERS[H[name]].fn(c, ...args) as number;
function fault(c: X86Cpu, f: () => void): string {
  try { f(); } catch (e) { if (e !== CPU_FAULT) throw e; return `${c.excVector}/${c.excError}@${c.excEip.toString(16)}`; }
  return 'none';
}
const ac = (c: X86Cpu): boolean => (c.s[HFLAGS] & HF_AC) !== 0;

describe('alignment checking (#AC)', () => {
  it('HF_AC is set exactly when CPL = 3, CR0.AM = 1 and EFLAGS.AC = 1', () => {
    const c = cpu(), s = c.s;
    s[CR0] = CR0_PE | CR0_ET | CR0_AM;
    c.updateHflags();
    c.setCpl(3);
    expect(ac(c)).to.equal(false); // AC = 0
    call(c, 'popf', FLAG_AC | 2, 4, 0); // popf in ring 3 may set AC
    expect(ac(c)).to.equal(true);
    c.setCpl(0);
    expect(ac(c)).to.equal(false);
    c.setCpl(3);
    expect(ac(c)).to.equal(true);
    s[CR0] &= ~CR0_AM;
    c.updateHflags();
    expect(ac(c)).to.equal(false);
    s[CR0] |= CR0_AM;
    c.updateHflags();
    expect(ac(c)).to.equal(true);
    c.setEflags(0, FLAG_AC); // iret, task switches and gdb write EFLAGS this way
    expect(ac(c)).to.equal(false);
    expect(s[EFLAGS] & FLAG_AC).to.equal(0);
  });

  it('the translator checks each multi-byte access only with HF_AC, at the instruction', () => {
    // mov (%ebx),%eax; mov %ax,(%ebx); mov (%ebx),%al; push %eax; ret
    const code = [0x8b, 0x03, 0x66, 0x89, 0x03, 0x8a, 0x03, 0x50, 0xc3];
    const fetch = (a: number): number => code[a - 0x1000];
    const flags = HF_CS32 | HF_SS32 | HF_PE | 3;
    const checks = (f: number): string[] => {
      const ir = translateTb(fetch, 0, 0x1000, f, 16).ir;
      return ir.ops.filter(o => o.op === Opc.call && o.args[o.args.length - 1] === H.check_align)
        .map(o => `${ir.constValue(o.args[2])}@${ir.constValue(o.args[3]).toString(16)}`);
    };
    expect(checks(flags)).to.deep.equal([]);
    expect(checks(flags | HF_AC)).to.deep.equal(['3@1000', '1@1002', '3@1007', '3@1008']);
  });

  it('check_align and the helpers raise #AC(0) at the instruction only while HF_AC is set', () => {
    const c = cpu(), s = c.s;
    expect(fault(c, () => call(c, 'check_align', 0x102, 3, 0x40))).to.equal('17/0@40');
    expect(fault(c, () => c.alignCheck(0x102, 4, 0x44))).to.equal('none');
    s[HFLAGS] |= HF_AC;
    expect(fault(c, () => c.alignCheck(0x102, 4, 0x44))).to.equal('17/0@44');
    expect(fault(c, () => c.alignCheck(0x102, 2, 0x44))).to.equal('none');
    expect(fault(c, () => call(c, 'cmpxchg8b', 0x104, 0x48))).to.equal('17/0@48');
    expect(fault(c, () => call(c, 'cmpxchg8b', 0x108, 0x48))).to.equal('none');
    const fld = (addr: number) => fpuExec(c, (5 << 8) | 0x03, addr, addr, 0x4c); // dd 03: fldl (%ebx)
    expect(fault(c, () => fld(0x10c))).to.equal('17/0@4c');
    expect(fault(c, () => fld(0x110))).to.equal('none');
    s[HFLAGS] &= ~HF_AC;
    expect(fault(c, () => fld(0x10c))).to.equal('none');
  });
});
