// The pure parts of tools/lockstep: the undefined-flag policy, target descriptions, packet
// decoding, the accessed-bit deviation and the memory coverage.
import { expect } from 'chai';
import { Comparer } from '../../tools/lockstep/compare';
import { rangesFor } from '../../tools/lockstep/coverage';
import { explain } from '../../tools/lockstep/explain';
import { AF, CF, isVolatile, leewayFor, OF, parseInsn, PF, regOf, SF, ZF } from '../../tools/lockstep/policy';
import { decodePayload } from '../../tools/lockstep/rsp-client';
import { CpuState, physicalToStack } from '../../tools/lockstep/state';
import { buildLayout, parseRegs } from '../../tools/lockstep/target-desc';

const insn = (text: string) => ({ addr: 0x1000, bytes: '', text });
const regs = (v: Record<string, number>) => (r: string) => (v[r] === undefined ? undefined : BigInt(v[r]));
const flagsOf = (text: string, pre: Record<string, number> = {}, zf = false) => leewayFor(insn(text), regs(pre), zf)?.fields.eflags ?? 0n;

describe('lockstep policy: undefined flags', () => {
  it('logic ops leave AF undefined', () => {
    for (const t of ['and    %eax,%ebx', 'orb    $0x1,(%eax)', 'xor    %eax,%eax', 'test   %cl,%cl']) expect(flagsOf(t), t).to.equal(AF);
  });
  it('shifts: nothing for a zero count, AF always, OF beyond 1, CF for shl/shr by the width or more', () => {
    expect(flagsOf('shl    %eax')).to.equal(AF);
    expect(flagsOf('shl    $0x1,%eax')).to.equal(AF);
    expect(flagsOf('sar    $0x5,%eax')).to.equal(AF | OF);
    expect(flagsOf('shl    %cl,%eax', { ecx: 0x20 })).to.equal(0n);   // count masked to 0: flags unchanged
    expect(flagsOf('shr    %cl,%al', { ecx: 9 })).to.equal(AF | OF | CF);
    expect(flagsOf('sar    %cl,%al', { ecx: 9 })).to.equal(AF | OF);
    expect(flagsOf('rol    $0x3,%eax')).to.equal(OF);
    expect(flagsOf('rcr    %eax')).to.equal(0n);
  });
  it('shld/shrd beyond the operand size: result and flags undefined', () => {
    const l = leewayFor(insn('shld   %cl,%ax,%dx'), regs({ ecx: 20 }), false)!;
    expect(l.fields.edx).to.equal(-1n);
    expect(l.fields.eflags).to.equal(CF | PF | AF | ZF | SF | OF);
  });
  it('mul, div, bit tests, bsf/bsr, BCD', () => {
    expect(flagsOf('imul   %ecx,%eax')).to.equal(SF | ZF | AF | PF);
    expect(flagsOf('divl   (%ebx)')).to.equal(CF | PF | AF | ZF | SF | OF);
    expect(flagsOf('btsl   $0x3,(%eax)')).to.equal(OF | SF | AF | PF);
    expect(flagsOf('aam    $0xa')).to.equal(OF | AF | CF);
    expect(flagsOf('daa')).to.equal(OF);
    expect(leewayFor(insn('bsf    %ecx,%eax'), regs({}), true)!.fields.eax).to.equal(-1n);   // source 0: destination undefined
    expect(leewayFor(insn('bsf    %ecx,%eax'), regs({}), false)!.fields.eax).to.equal(undefined);
  });
  it('machine-specific results and defined instructions', () => {
    expect(Object.keys(leewayFor(insn('cpuid'), regs({}), false)!.fields)).to.deep.equal(['eax', 'ebx', 'ecx', 'edx']);
    expect(leewayFor(insn('in     (%dx),%al'), regs({ edx: 0x40 }), false)!.fields.eax).to.equal(-1n);
    expect(leewayFor(insn('in     (%dx),%al'), regs({ edx: 0x3fd }), false)).to.equal(null);   // LSR: compared
    for (const t of ['add    %eax,%ebx', 'sub    $0x1,%ecx', 'lock cmpxchg %ecx,(%edx)', 'rep movsb %ds:(%esi),%es:(%edi)']) {
      expect(leewayFor(insn(t), regs({}), false), t).to.equal(null);
    }
  });
  it('x87: C1 (and DE with a denormal operand) as known QEMU deviations', () => {
    const l = leewayFor(insn('fadd   %st(1),%st'), regs({}), false)!;
    expect(l.deviation).to.equal(true);
    expect(l.fields.fstat).to.equal(0x200n);
    const d = leewayFor(insn('fadd   %st(1),%st'), (r) => (r === 'st1' ? 0x800029426fc573ed0e98n : 0n), false)!;
    expect(d.fields.fstat).to.equal(0x202n);
    expect(leewayFor(insn('fnstsw %ax'), regs({}), false)).to.equal(null);
  });
  it('parses prefixes and operands', () => {
    expect(parseInsn('lock xadd %ecx,(%eax,%ebx,4)')).to.deep.equal({ mnem: 'xadd', ops: ['%ecx', '(%eax,%ebx,4)'] });
    expect(regOf('%ah')).to.equal('eax');
    expect(regOf('%si')).to.equal('esi');
    expect(regOf('(%eax)')).to.equal(null);
    expect(isVolatile('rdtsc')).to.equal(true);
    expect(isVolatile('fldt   0x117f44')).to.equal(true);
    expect(isVolatile('mov    %eax,%ebx')).to.equal(false);
  });
});

describe('lockstep: comparing and explaining', () => {
  const state = (r: Record<string, number>, mem: Buffer): CpuState => ({
    regs: new Map(Object.entries(r).map(([k, v]) => [k, BigInt(v)])), mem: [{ range: { addr: 0x1000, len: mem.length }, bytes: mem }],
  });
  it('ignores the loaders\' selectors until both sides agree, and reserved EFLAGS bits', () => {
    const c = new Comparer(['eax', 'cs', 'eflags']);
    c.initSelectors(state({ cs: 0x10 }, Buffer.alloc(0)), state({ cs: 0x08 }, Buffer.alloc(0)));
    expect(c.diff(state({ eax: 1, cs: 0x10, eflags: 0x2 }, Buffer.alloc(0)), state({ eax: 1, cs: 0x08, eflags: 0x8002 }, Buffer.alloc(0))).regs).to.deep.equal([]);
    c.diff(state({ cs: 0x08 }, Buffer.alloc(0)), state({ cs: 0x08 }, Buffer.alloc(0)));
    expect(c.diff(state({ cs: 0x10 }, Buffer.alloc(0)), state({ cs: 0x08 }, Buffer.alloc(0))).regs.map((f) => f.field)).to.include('cs');
  });
  it('narrows a memory difference and explains a descriptor accessed bit', () => {
    const t = Buffer.alloc(16), q = Buffer.alloc(16);
    t[13] = 0x9b; q[13] = 0x9a;   // byte 5 of descriptor 1 of a GDT at 0x1000
    const d = new Comparer([]).diff(state({}, t), state({}, q));
    expect(d.mem).to.have.length(1);
    expect(d.mem[0].addr).to.equal(0x100d);
    expect(explain(d, null, [{ base: 0x1000, limit: 0xf }], false).memToQemu).to.have.length(1);
    expect(explain(d, null, [{ base: 0x1000, limit: 0xf }], true).unexplained.mem).to.have.length(1);   // --strict
    expect(explain(d, null, [{ base: 0x1001, limit: 0xf }], false).unexplained.mem).to.have.length(1);  // not at byte 5
  });
});

describe('lockstep: protocol and layouts', () => {
  it('undoes escapes and run-length encoding', () => {
    expect(decodePayload(Buffer.from('a}\x5db', 'latin1')).toString('latin1')).to.equal('a}b');
    expect(decodePayload(Buffer.from('0* ', 'latin1')).toString()).to.equal('0000');   // ' ' = 32: 3 more
  });
  it('numbers registers as gdb does, skipping commented-out ones, and finds what `g` carries', () => {
    const xml = '<feature><reg name="eax" bitsize="32" regnum="0"/><!--reg name="cs_base" bitsize="32"/--><reg name="ecx" bitsize="32"/>' +
      '<reg name="st0" bitsize="80"/><reg name="cr0" bitsize="32" regnum="10"/></feature>';
    const regs = parseRegs(xml);
    expect(regs.map((r) => r.name)).to.deep.equal(['eax', 'ecx', 'st0', 'cr0']);
    const l = buildLayout(regs, 18);
    expect(l.regs.get('st0')).to.deep.equal({ name: 'st0', num: 2, size: 10, gOffset: 8 });
    expect(l.regs.get('cr0')).to.deep.equal({ name: 'cr0', num: 10, size: 4, gOffset: null });
  });
  it('turns QEMU\'s physical x87 registers into ST(i)', () => {
    const m = new Map<string, bigint>([['fstat', 6n << 11n], ...[0, 1, 2, 3, 4, 5, 6, 7].map((i) => [`st${i}`, BigInt(i)] as [string, bigint])]);
    physicalToStack(m);
    expect([0, 1, 2, 3].map((i) => m.get(`st${i}`))).to.deep.equal([6n, 7n, 0n, 1n]);
  });
  it('cuts the dead stack out of the covered memory', () => {
    const cov = { sections: [{ addr: 0x1000, len: 0x3000 }], stack: { addr: 0x2000, len: 0x1000 } };
    expect(rangesFor(cov, 0x2f00)).to.deep.equal([{ addr: 0x1000, len: 0x1000 }, { addr: 0x2f00, len: 0x1100 }]);
    expect(rangesFor(cov, 0x9000)).to.deep.equal([{ addr: 0x1000, len: 0x3000 }]);
  });
});
