// The SSE helper on a bare CPU: the host-double fast path of + - * / sqrt (round to nearest)
// against the exact software path on random operands of every magnitude, including exact,
// halfway and cancelling cases, tiny and huge results; MMX/x87 aliasing. (The guest kernel
// test/guest/src/sse.c compares everything else with QEMU, and with the host CPU via -DHOST.)
import { expect } from 'chai';
import { CPU_FAULT, X86Cpu } from '../../../src/emu/translate-i386/cpu';
import { Memory } from '../../../src/emu/translate-i386/mmu';
import { helperSse, sseTuning } from '../../../src/emu/translate-i386/sse';
import { CR0, CR0_ET, CR0_MP, CR0_NE, CR0_PE, CR4 } from '../../../src/emu/translate-i386/state';

const io = { in: () => 0, out: () => undefined };
function machine(): X86Cpu {
  const cpu = new X86Cpu(new Memory(1 << 20), io);
  cpu.s[CR0] = CR0_PE | CR0_ET | CR0_MP | CR0_NE;
  cpu.s[CR4] = 0x600;
  return cpu;
}
/** Run 0F op with prefix index pfx (0 none, 1 66, 2 F3, 3 F2) on xmm0, xmm1; vector or -1. */
function run(cpu: X86Cpu, op: number, pfx: number, modrm = 0xc1): number {
  try { helperSse(cpu, op | (pfx << 8) | (modrm << 10), 0, 0x1000); return -1; } catch (e) {
    if (e !== CPU_FAULT) throw e;
    return cpu.excVector;
  }
}

let seed = 0x2545f491;
function rnd(): number { seed ^= seed << 13; seed ^= seed >>> 17; seed ^= seed << 5; return seed >>> 0; }

/** A float32 bit pattern: mostly finite, all exponents, random or short significands. */
function f32(): number {
  const r = rnd() % 8, s = (rnd() & 1) << 31;
  const e = r < 5 ? rnd() % 254 + 1 : r === 5 ? 0 : 100 + rnd() % 56;
  const m = r === 6 || r === 7 ? (rnd() & 0x7f8000) : rnd() & 0x7fffff;
  return (s | (e << 23) | m) | 0;
}
function f64(): [number, number] {
  const r = rnd() % 8, s = (rnd() & 1) << 31;
  const e = r < 5 ? rnd() % 2046 + 1 : r === 5 ? 0 : 1000 + rnd() % 50;
  const hi = s | (e << 20) | (r === 6 || r === 7 ? rnd() & 0xff000 : rnd() & 0xfffff);
  return [hi | 0, r === 6 || r === 7 ? 0 : rnd() | 0];
}

describe('sse helper', () => {
  it('fast path of add/sub/mul/div/sqrt equals the exact path (results, MXCSR, #XM)', function () {
    this.timeout(120000);
    const ops = [0x58, 0x5c, 0x59, 0x5e, 0x51];
    const a = machine(), b = machine();
    const w = new Int32Array(a.fpu.xmm.buffer);
    let n = 0;
    for (let iter = 0; iter < 6000; iter++) {
      const single = iter & 1;
      const lanes = new Int32Array(8);
      for (let i = 0; i < (single ? 8 : 4); i++) {
        if (single) lanes[i] = f32(); else { const [hi, lo] = f64(); lanes[2 * i] = lo; lanes[2 * i + 1] = hi; }
      }
      // related operands: equal, negated, one ulp apart
      if (iter % 5 === 0) { lanes[4] = lanes[0]; lanes[5] = lanes[1] ^ (single ? 1 : 0x80000000); lanes[6] = lanes[2] + 1; }
      const mx = iter % 7 === 0 ? 0x1f80 & ~0x1000 : iter % 11 === 0 ? 0x9fc0 : 0x1f80; // PM unmasked; FTZ+DAZ
      for (const op of ops) {
        for (const cpu of [a, b]) {
          new Int32Array(cpu.fpu.xmm.buffer).set(lanes);
          cpu.fpu.mxcsr = mx;
        }
        sseTuning.fastPath = true;
        const va = run(a, op, single ? 0 : 1);
        sseTuning.fastPath = false;
        const vb = run(b, op, single ? 0 : 1);
        sseTuning.fastPath = true;
        const wb = new Int32Array(b.fpu.xmm.buffer);
        const got = [va, a.fpu.mxcsr, ...w.slice(0, 4)].map(v => (v >>> 0).toString(16));
        const exp = [vb, b.fpu.mxcsr, ...wb.slice(0, 4)].map(v => (v >>> 0).toString(16));
        expect(got, `op ${op.toString(16)} ${single ? 'ps' : 'pd'} lanes ${Array.from(lanes, v => (v >>> 0).toString(16))}`).to.deep.equal(exp);
        n++;
      }
    }
    expect(n).to.equal(30000);
  });

  it('MMX writes set exponent 0xFFFF, TOP 0 and all tags valid; emms empties them', () => {
    const cpu = machine();
    cpu.fpu.top = 5;
    cpu.s[2] = 0x12345678; // EDX
    expect(run(cpu, 0x6e, 0, 0xc2 | (3 << 3))).to.equal(-1); // movd mm3, edx
    expect(cpu.fpu.top).to.equal(0);
    expect(cpu.fpu.empty).to.equal(0);
    expect(cpu.fpu.regs[3].se).to.equal(0xffff);
    expect(cpu.fpu.regs[3].m).to.equal(0x12345678n);
    expect(run(cpu, 0x77, 0, 0)).to.equal(-1);
    expect(cpu.fpu.empty).to.equal(0xff);
  });

  it('#UD without CR4.OSFXSR (SSE) but not for MMX; #NM with CR0.TS', () => {
    const cpu = machine();
    cpu.s[CR4] = 0;
    expect(run(cpu, 0x58, 0)).to.equal(6);
    expect(run(cpu, 0xfc, 0)).to.equal(-1);
    cpu.s[CR4] = 0x600;
    cpu.s[CR0] |= 8;
    expect(run(cpu, 0x58, 0)).to.equal(7);
    expect(run(cpu, 0xfc, 0)).to.equal(7);
  });
});
