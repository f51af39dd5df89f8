// The register layout and the target description.
import { expect } from 'chai';
import { FEATURES, G_PACKET_BYTES, G_REGS, REGS, regNumber, targetXml } from '../../src/gdbstub/i386-regs';

describe('gdbstub i386 register layout (i386-regs.ts)', () => {
  it("puts gdb's standard i386 registers first, in gdb's order", () => {
    const names = REGS.slice(0, G_REGS).map(r => r.name);
    expect(names.slice(0, 16)).to.deep.equal(['eax', 'ecx', 'edx', 'ebx', 'esp', 'ebp', 'esi', 'edi', 'eip', 'eflags', 'cs', 'ss', 'ds', 'es', 'fs', 'gs']);
    expect(names.slice(16, 24)).to.deep.equal(['st0', 'st1', 'st2', 'st3', 'st4', 'st5', 'st6', 'st7']);
    expect(names.slice(24, 32)).to.deep.equal(['fctrl', 'fstat', 'ftag', 'fiseg', 'fioff', 'foseg', 'fooff', 'fop']);
    expect(names.slice(32)).to.deep.equal(['xmm0', 'xmm1', 'xmm2', 'xmm3', 'xmm4', 'xmm5', 'xmm6', 'xmm7', 'mxcsr']);
  });

  it("makes the g packet exactly gdb's built-in i386 size (308 bytes)", () => {
    expect(G_PACKET_BYTES).to.equal(308);
    expect(REGS.slice(16, 24).every(r => r.size === 10)).to.equal(true);
    expect(REGS.slice(32, 40).every(r => r.size === 16)).to.equal(true);
  });

  it('numbers the system registers after mxcsr (0x28)', () => {
    expect(regNumber('mxcsr')).to.equal(0x28);
    expect(regNumber('fs_base')).to.equal(0x29);
    expect(regNumber('cr0')).to.equal(0x2b);
    for (const n of ['gs_base', 'cr2', 'cr3', 'cr4', 'efer', 'gdtr_base', 'gdtr_limit', 'idtr_base', 'idtr_limit', 'ldtr', 'tr',
      'cs_base', 'ss_base', 'ds_base', 'es_base', 'cs_limit', 'gs_limit', 'cs_attr', 'gs_attr', 'dr0', 'dr7']) {
      expect(regNumber(n), n).to.be.greaterThan(0x28);
    }
    expect(new Set(REGS.map(r => r.name)).size).to.equal(REGS.length);
  });

  it('describes three features, each register with its remote number', () => {
    const xml = targetXml();
    expect(FEATURES.map(f => f.name)).to.deep.equal(['org.gnu.gdb.i386.core', 'org.gnu.gdb.i386.sse', 'org.tcg86.i386.system']);
    expect(xml).to.match(/<architecture>i386<\/architecture>/);
    const regs = [...xml.matchAll(/<reg name="([^"]+)" bitsize="(\d+)"[^>]* regnum="(\d+)"/g)];
    expect(regs.map(m => m[1])).to.deep.equal(REGS.map(r => r.name));
    regs.forEach((m, i) => {
      expect(Number(m[3])).to.equal(i);
      expect(Number(m[2])).to.equal(REGS[i].size * 8);
    });
    // Balanced elements (a cheap well-formedness check).
    for (const tag of ['feature', 'flags', 'union', 'target']) {
      expect((xml.match(new RegExp(`<${tag}[ >]`, 'g')) ?? []).length, tag).to.equal((xml.match(new RegExp(`</${tag}>`, 'g')) ?? []).length);
    }
    // Types gdb knows or that we define.
    const defined = new Set([...xml.matchAll(/<(?:flags|vector|union) id="([^"]+)"/g)].map(m => m[1]));
    const builtin = new Set(['int', 'int8', 'int16', 'int32', 'int64', 'uint32', 'uint128', 'code_ptr', 'data_ptr', 'i387_ext', 'ieee_single', 'ieee_double']);
    for (const m of xml.matchAll(/type="([^"]+)"/g)) expect(defined.has(m[1]) || builtin.has(m[1]), m[1]).to.equal(true);
  });
});
