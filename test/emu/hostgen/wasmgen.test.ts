// The WebAssembly backend op by op against the IR interpreter: every arithmetic op, every
// condition of setcond/movcond/brcond, and loads/stores of each memop on the TLB fast path and
// through the slow path, over edge-case operands.
import { expect } from 'chai';
import { WasmBackend, WasmMember } from '../../../src/emu/hostgen/wasmgen';
import { compileBatch, genFunctionSource, HostEnv } from '../../../src/emu/hostgen/jsgen';
import { mulhs, mulhu } from '../../../src/emu/tcg/optimize';
import { assemble, interpret } from '../../../src/emu/tcg/interp';
import { Cond, HelperInfo, IrFunc, MemOp, Opc } from '../../../src/emu/tcg/ir';
import { HELPERS, H } from '../../../src/emu/translate-i386/helpers';
import { EIP, EXTRA_INSNS, MEM_RESTART } from '../../../src/emu/translate-i386/state';
import { X86Cpu } from '../../../src/emu/translate-i386/cpu';
import { Memory } from '../../../src/emu/translate-i386/mmu';

const VALUES = [0, 1, -1, 2, 31, 32, 33, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff, 0x7fffffff, -0x80000000, 0x12345678, 0xdeadbeef | 0, -31];
const A = 20, B = 21, C = 22, D = 23, OUT = 0; // state words used as inputs and output

function machine(helpers: HelperInfo[] = [], ldSlow?: (a: number, m: number, e: number) => number): { cpu: X86Cpu; mem: Memory; wasm: WasmBackend } {
  const mem = new Memory(1 << 16);
  const cpu = new X86Cpu(mem, { in: () => 0, out: () => undefined });
  const wasm = new WasmBackend({
    memory: mem.wasm!, layout: mem.layout, ldSlow: ldSlow ?? ((a, m, e) => mem.ld(a, m, e)), stSlow: (a, v, m, e) => mem.st(a, v, m, e),
    helpers, ctx: cpu, count: () => undefined,
  });
  return { cpu, mem, wasm };
}

/** A machine whose load slow path counts its calls. */
function countingMachine(): ReturnType<typeof machine> & { slowCalls: () => number } {
  let calls = 0;
  const mc = machine([], (a, m, e) => { calls++; return mc.mem.ld(a, m, e); });
  return { ...mc, slowCalls: () => calls };
}

/**
 * Two one-instruction TBs. Member 0: A -= 1; A != 0 ? exit 0 : exit 1. Member 1: B += 1, then
 * (with `load`) a load from 0x400 into C (the slow path when the TLB entry is invalid); exit 0.
 */
function countdown(load: boolean): [IrFunc, IrFunc] {
  const m0 = new IrFunc([], []);
  m0.insnStart(0x1000);
  m0.emit(Opc.sub, A, A, m0.const(1));
  const l = m0.newLabel();
  m0.brcond(Cond.eq, A, m0.const(0), l);
  m0.exit(0);
  m0.setLabel(l);
  m0.exit(1);
  const m1 = new IrFunc([], []);
  m1.insnStart(0x1010);
  m1.emit(Opc.add, B, B, m1.const(1));
  if (load) m1.emit(Opc.ld, C, m1.const(0x400), MemOp.U32);
  m1.exit(0);
  return [m0, m1];
}

/** One IR function per case; run each on both backends for every operand pair. */
function agree(cases: { name: string; f: IrFunc }[], setup?: (mem: Memory) => void, helpers: HelperInfo[] = []): void {
  const { cpu, mem, wasm } = machine(helpers);
  const fns = wasm.compile(cases.map(c => ({ members: [{ ir: c.f, next: [-1, -1] as [number, number] }], tlbBase: 0 })));
  const s = cpu.s;
  cases.forEach((c, i) => {
    const ic = assemble(c.f);
    for (const a of VALUES) {
      for (const b of VALUES) {
        const run = (fn: () => number): number[] => {
          s.fill(0);
          setup?.(mem);
          s[A] = a; s[B] = b; s[C] = a ^ 0x5a5a5a5a; s[D] = ~b;
          const exit = fn();
          return [exit, s[OUT], s[OUT + 1], mem.m32[0x100], mem.m32[0x101]];
        };
        const want = run(() => interpret(ic, s, mem, helpers, cpu));
        const got = run(() => fns[i][0](1000));
        expect(got, `${c.name} a=${a} b=${b}`).to.deep.equal(want);
      }
    }
  });
}

function fn(build: (f: IrFunc) => void, helpers: HelperInfo[] = []): IrFunc {
  const f = new IrFunc(helpers, []);
  f.insnStart(0x1000);
  build(f);
  f.exit(2);
  return f;
}

describe('WebAssembly backend = IR interpreter, op by op', () => {
  it('has a WebAssembly.Memory holding RAM, TLBs and state', () => {
    const { cpu, mem } = machine();
    expect(mem.wasm).to.not.equal(null);
    expect(cpu.s.buffer).to.equal(mem.wasm!.buffer);
    expect(mem.tlbR.byteOffset).to.equal(mem.layout.tlbR);
    expect(cpu.s.byteOffset).to.equal(mem.layout.state);
  });

  it('binary and unary ops', () => {
    const bin = [Opc.add, Opc.sub, Opc.mul, Opc.and, Opc.or, Opc.xor, Opc.shl, Opc.shr, Opc.sar, Opc.rotl, Opc.rotr, Opc.mulhu, Opc.mulhs];
    const un = [Opc.neg, Opc.not, Opc.ext8s, Opc.ext8u, Opc.ext16s, Opc.ext16u, Opc.mov];
    agree([
      ...bin.map(op => ({ name: `op ${op}`, f: fn(f => f.emit(op, OUT, A, B)) })),
      ...un.map(op => ({ name: `op ${op}`, f: fn(f => f.emit(op, OUT, A)) })),
      { name: 'constant operands', f: fn(f => { const t = f.binop(Opc.add, A, f.const(-5)); f.emit(Opc.shl, OUT, t, f.const(3)); }) },
    ]);
  });

  it('setcond, movcond and brcond with every condition', () => {
    const conds = [Cond.eq, Cond.ne, Cond.lt, Cond.ge, Cond.le, Cond.gt, Cond.ltu, Cond.geu, Cond.leu, Cond.gtu];
    agree(conds.flatMap(c => [
      { name: `setcond ${c}`, f: fn(f => f.emit(Opc.setcond, OUT, A, B, c)) },
      { name: `movcond ${c}`, f: fn(f => f.emit(Opc.movcond, OUT, A, B, C, D, c)) },
      {
        name: `brcond ${c}`,
        f: fn(f => {
          // Two nested forward labels, and an exit taken on one path only.
          const l1 = f.newLabel(), l2 = f.newLabel();
          f.brcond(c, A, B, l1);
          f.mov(OUT, f.const(1));
          f.br(l2);
          f.setLabel(l1);
          f.mov(OUT + 1, f.const(7));
          f.brcond(Cond.eq, A, f.const(0), l2);
          f.exit(1);
          f.setLabel(l2);
        }),
      },
    ]));
  });

  it('loads and stores of each size, on the TLB fast path and through the slow path', () => {
    const memops = [MemOp.U8, MemOp.U16, MemOp.U32, MemOp.S8, MemOp.S16];
    const cases = memops.flatMap(m => [
      // A store of B at 0x400 + (A & 7), then a load back into OUT and a load of the aligned word into OUT+1.
      {
        name: `st/ld memop ${m}`,
        f: fn(f => {
          const addr = f.add(f.andi(A, 7), f.const(0x400));
          f.st(addr, B, m);
          f.emit(Opc.ld, OUT, addr, m);
          f.emit(Opc.ld, OUT + 1, f.const(0x404), MemOp.U32);
        }),
      },
    ]);
    // Fast path: page 0 mapped (entry = physical ^ virtual = 0); slow path: no entry.
    agree(cases, (mem) => { mem.tlbR[0] = 0; mem.tlbW[0] = 0; mem.m32.fill(0, 0, 0x200); });
    agree(cases, (mem) => { mem.tlbR[0] = -1; mem.tlbW[0] = -1; mem.m32.fill(0, 0, 0x200); });
  });

  it('a helper given as IR (cc_compute_all) is compiled, and gives what its JavaScript gives', () => {
    // The interpreter calls the JavaScript function; the wasm TB calls the helper compiled from
    // its IR body. Every cc_op (and EFLAGS, 0) over the edge-case operands, src2 both 0 and 1.
    const helpers = [HELPERS[H.cc_compute_all]];
    expect(helpers[0].body, 'cc_compute_all has an IR body').to.not.equal(undefined);
    const cases = [];
    for (let op = 0; op <= 30; op++) {
      for (const src2 of [0, 1]) {
        cases.push({ name: `cc_op ${op} src2 ${src2}`, f: fn(f => { f.emit(Opc.call, OUT, f.const(op), A, B, f.const(src2), 0); }, helpers) });
      }
    }
    agree(cases, undefined, helpers);
  });

  it('TB modules call JavaScript helpers and the slow paths through the shared call table, importing no function', () => {
    // A JavaScript function import would make V8 compile a wrapper for it in every module.
    const calls: number[][] = [];
    const helpers: HelperInfo[] = [
      { name: 'js_mix', fn: (_c: unknown, x: number, y: number) => { calls.push([x, y]); return (x * 3 + y) | 0; }, flags: 0, nargs: 2 },
      { name: 'js_one', fn: (_c: unknown, x: number) => (x ^ 0x55) | 0, flags: 0, nargs: 1 },
    ];
    const { cpu, mem, wasm } = machine(helpers);
    const tb = fn(f => {
      const t = f.call(0, [A, B]);
      f.emit(Opc.call, C, t, 1);
      f.emit(Opc.ld, OUT, f.const(0x404), MemOp.U32); // slow path: no TLB entry
    }, helpers);
    const bytes = wasm.encode([{ members: [{ ir: tb, next: [-1, -1] }], tlbBase: 0 }]);
    const kinds = WebAssembly.Module.imports(new WebAssembly.Module(bytes)).map(i => i.kind).sort();
    expect(kinds).to.deep.equal(['memory', 'table']);
    mem.tlbR[0] = -1;
    mem.m32[0x404 >> 2] = 0x1234;
    const s = cpu.s;
    s[A] = 5; s[B] = 7;
    const [[f0]] = wasm.compile([{ members: [{ ir: tb, next: [-1, -1] }], tlbBase: 0 }]);
    expect(f0(1000)).to.equal(2);
    expect(calls).to.deep.equal([[5, 7]]);
    expect([s[C], s[OUT]]).to.deep.equal([(22 ^ 0x55) | 0, 0x1234]);
  });

  it('a helper that may write globals and returns into a global: the result stays (both backends)', () => {
    // The helper writes D; its result goes to C. Reloading the globals after the call must not
    // overwrite C with its old value.
    const helpers: HelperInfo[] = [{ name: 'writes_d', fn: (c: X86Cpu, x: number) => { c.s[D] = 99; return x + 1; }, flags: 0, nargs: 1 }];
    const { cpu, mem, wasm } = machine(helpers);
    const tb = fn(f => { f.emit(Opc.call, C, A, 0); f.emit(Opc.add, OUT, C, D); }, helpers);
    const s = cpu.s;
    const [[wasmFn]] = wasm.compile([{ members: [{ ir: tb, next: [-1, -1] }], tlbBase: 0 }]);
    const env: HostEnv = {
      s, m8: mem.m8, i8: mem.i8, m16: mem.m16, i16: mem.i16, m32: mem.m32, tlbR: mem.tlbR, tlbW: mem.tlbW,
      ldSlow: (a2, m2, e2) => mem.ld(a2, m2, e2), stSlow: (a2, v2, m2, e2) => mem.st(a2, v2, m2, e2),
      helpers, ctx: cpu, ctl: { exitRequest: false, irqLine: false, insns: 0 }, extraInsns: EXTRA_INSNS,
    };
    const [jsFn] = compileBatch(env, [genFunctionSource(tb, 'tb_global_result')], mulhu, mulhs);
    for (const run of [wasmFn, jsFn]) {
      s[A] = 41; s[C] = 0; s[D] = 0; s[OUT] = 0;
      run(1000);
      expect([s[C], s[D], s[OUT]]).to.deep.equal([42, 99, 141]);
    }
  });

  describe('loops over several TBs (page units)', () => {
    // Member 0: A -= 1; A != 0 ? exit 0 (to member 1) : exit 1 (leaves). Member 1: B += 1, then a
    // load from 0x400 (the slow path when the TLB entry is invalid); exit 0 back to member 0.
    // One instruction each, so the extra-instruction word counts completed members.
    function members(): WasmMember[] {
      const [m0, m1] = countdown(true);
      return [{ ir: m0, next: [1, -1] }, { ir: m1, next: [0, -1] }];
    }
    function unit(ldSlow?: (a: number, m: number, e: number) => number) {
      const { cpu, mem, wasm } = machine([], ldSlow);
      const fns = wasm.compile([{ members: members(), tlbBase: 0 }])[0];
      mem.tlbR[0] = 0; // page 0 on the fast path
      mem.m32[0x100] = 77;
      return { s: cpu.s, mem, fns };
    }

    it('runs member to member until an exit leaves, counting the members it completed before', () => {
      const { s, fns } = unit();
      s[A] = 10; s[B] = 0;
      const r = fns[0](1000);
      expect(~r, 'left from member 0 through exit 1').to.equal((0 << 2) | 1);
      expect([s[A], s[B], s[C]]).to.deep.equal([0, 9, 77]);
      expect(s[EXTRA_INSNS], 'members completed before the last one').to.equal(18);
    });

    it('enters at any member', () => {
      const { s, fns } = unit();
      s[A] = 3; s[B] = 0;
      const r = fns[1](1000);
      expect(~r).to.equal((0 << 2) | 1);
      expect([s[A], s[B], s[EXTRA_INSNS]]).to.deep.equal([0, 3, 5]);
    });

    it('stops where one TB at a time would: when the run has no instruction left after this one', () => {
      const { s, fns } = unit();
      s[A] = 100; s[B] = 0;
      const r = fns[0](5);
      // Members 0,1,0,1 completed (4 extra), the fifth (member 0) returns through exit 0: 5 in all.
      expect(~r).to.equal((0 << 2) | 0);
      expect([s[A], s[B], s[EXTRA_INSNS]]).to.deep.equal([97, 2, 4]);
    });

    it('a fault in a slow path leaves the globals and the completed members counted', () => {
      const fault = new Error('fault');
      const { s, mem, fns } = unit(() => { throw fault; });
      mem.tlbR[0] = -1; // no TLB entry: the load takes the slow path, which faults
      s[A] = 10; s[B] = 0;
      expect(() => fns[0](1000)).to.throw(fault);
      // Member 0 completed once, member 1 faulted after writing B (its store back came first).
      expect([s[A], s[B], s[EXTRA_INSNS]]).to.deep.equal([9, 1, 1]);
    });
  });
  describe('a unit member compiled to leave before a TLB miss (missExit)', () => {
    // Member 0 as in countdown(). Member 1, three instructions: B += 1 at 0x1010, a load from
    // 0x400 into C at 0x1014, D = 7 at 0x1018 (a global written before any branch, whose entry
    // load is skipped); EIP = 0x1000 and exit 0 back to member 0, as a translated TB ends.
    function build(tlb: number) {
      const [m0] = countdown(false);
      const m1 = new IrFunc([], []);
      m1.insnStart(0x1010);
      m1.emit(Opc.add, B, B, m1.const(1));
      m1.insnStart(0x1014);
      m1.emit(Opc.ld, C, m1.const(0x400), MemOp.U32);
      m1.insnStart(0x1018);
      m1.emit(Opc.mov, D, m1.const(7));
      m1.emit(Opc.mov, EIP, m1.const(0x1000));
      m1.exit(0);
      const { cpu, mem, wasm, slowCalls } = countingMachine();
      const fns = wasm.compile([{ members: [{ ir: m0, next: [1, -1] }, { ir: m1, next: [0, -1], missExit: true }], tlbBase: 0 }])[0];
      mem.tlbR[0] = tlb;
      mem.m32[0x100] = 77;
      return { s: cpu.s, fns, slowCalls };
    }

    it('on a miss: EIP at the access, the instructions before it counted, the restart word set, no slow-path call', () => {
      const { s, fns, slowCalls } = build(-1);
      s[A] = 10; s[B] = 0; s[C] = 5; s[D] = 42;
      const r = fns[0](1000);
      expect(~r, 'member 1 left through exit 3').to.equal((1 << 2) | 3);
      expect(s[EIP] >>> 0).to.equal(0x1014);
      expect(s[MEM_RESTART], '1 + the instructions of member 1 completed').to.equal(2);
      // The exec loop adds member 1's count (3) to the extra word: 1 (member 0) + 1 (B += 1) in all.
      expect(s[EXTRA_INSNS] + 3).to.equal(2);
      expect([s[A], s[B], s[C], s[D]], 'B written by the completed instruction, C not loaded, D not written').to.deep.equal([9, 1, 5, 42]);
      expect(slowCalls()).to.equal(0);
    });

    it('on a hit: no exit, the load done', () => {
      const { s, fns, slowCalls } = build(0);
      s[A] = 3; s[B] = 0;
      const r = fns[0](1000);
      expect(~r).to.equal((0 << 2) | 1);
      expect([s[A], s[B], s[C], s[D], s[MEM_RESTART]]).to.deep.equal([0, 2, 77, 7, 0]);
      expect(slowCalls()).to.equal(0);
    });
  });

  it('a misaligned access inside a page is on the fast path; one across a page boundary is not', () => {
    const { cpu, mem, wasm, slowCalls } = countingMachine();
    const at = (addr: number) => fn(f => f.emit(Opc.ld, OUT, f.const(addr), MemOp.U32));
    const fns = wasm.compile([0x401, 0xffb, 0xffd].map(a => ({ members: [{ ir: at(a), next: [-1, -1] as [number, number] }], tlbBase: 0 })));
    mem.tlbR[0] = 0; mem.tlbR[1] = 0; // pages 0 and 1 mapped to themselves
    for (let i = 0; i < 0x1010; i++) mem.m8[i] = i & 0xff;
    const want = (a: number) => (mem.m8[a] | mem.m8[a + 1] << 8 | mem.m8[a + 2] << 16 | mem.m8[a + 3] << 24);
    fns[0][0](1000);
    expect(cpu.s[OUT]).to.equal(want(0x401));
    fns[1][0](1000);
    expect(cpu.s[OUT], 'misaligned, ending 1 byte before the page end').to.equal(want(0xffb));
    expect(slowCalls()).to.equal(0);
    fns[2][0](1000);
    expect(cpu.s[OUT], 'across the boundary by 1 byte').to.equal(want(0xffd));
    expect(slowCalls()).to.equal(1);
  });

  it('takes the slow path exactly for the accesses that cross a page end, of each size and offset', () => {
    const { cpu, mem, wasm, slowCalls } = countingMachine();
    mem.tlbR[0] = 0; mem.tlbR[1] = 0; mem.tlbR[2] = 0;
    for (let i = 0; i < 0x3000; i++) mem.m8[i] = (i * 7 + 3) & 0xff;
    for (const memop of [MemOp.U16, MemOp.U32, MemOp.S16]) {
      const size = 1 << (memop & 3);
      for (let addr = 0xff0; addr <= 0x1003; addr++) {
        const [[f0]] = wasm.compile([{ members: [{ ir: fn(f => f.emit(Opc.ld, OUT, f.const(addr + 0x1000), memop)), next: [-1, -1] }], tlbBase: 0 }]);
        const before = slowCalls();
        f0(1000);
        const a = addr + 0x1000;
        let want = 0;
        for (let i = size - 1; i >= 0; i--) want = (want << 8) | mem.m8[a + i];
        if (memop === MemOp.S16) want = (want << 16) >> 16;
        expect(cpu.s[OUT], `memop ${memop} at ${a.toString(16)}`).to.equal(want | 0);
        const crosses = ((a & 0xfff) + size) > 0x1000;
        expect(slowCalls() - before, `memop ${memop} at ${a.toString(16)}`).to.equal(crosses ? 1 : 0);
      }
    }
  });

  describe('a unit member that loops on itself, then tail-calls another', () => {
    // Member 0: A -= 1; A != 0 ? exit 0 (itself) : exit 1 (to member 1). Member 1: B += 1, exit 0 leaves.
    function build(): { s: Int32Array; fns: ((left: number) => number)[] } {
      const [m0, m1] = countdown(false);
      const { cpu, wasm } = machine();
      const fns = wasm.compile([{ members: [{ ir: m0, next: [0, 1] }, { ir: m1, next: [-1, -1] }], tlbBase: 0 }])[0];
      return { s: cpu.s, fns };
    }

    it('counts its iterations and the member it went on from, and names the member that left', () => {
      const { s, fns } = build();
      s[A] = 6; s[B] = 10;
      const r = fns[0](1000);
      expect(~r, 'member 1 left through exit 0').to.equal((1 << 2) | 0);
      // Six runs of member 0 (the last one went on to member 1), then member 1: 6 before the last.
      expect([s[A], s[B], s[EXTRA_INSNS]]).to.deep.equal([0, 11, 6]);
    });

    it('stops inside the loop where the budget ends', () => {
      const { s, fns } = build();
      s[A] = 100; s[B] = 0;
      const r = fns[0](4);
      expect(~r).to.equal((0 << 2) | 0);
      expect([s[A], s[B], s[EXTRA_INSNS]]).to.deep.equal([96, 0, 3]);
    });
  });

  describe('globals written before they are read (not loaded on entry)', () => {
    // A = 7 after a load from 0x400, then B = A + B: A's first access is a write.
    function build(fault: boolean) {
      const err = new Error('fault');
      const { cpu, mem, wasm } = machine([], (a, m, e) => { if (fault) throw err; return mem.ld(a, m, e); });
      const f = new IrFunc([], []);
      f.insnStart(0x1000);
      f.emit(Opc.ld, C, f.const(0x400), MemOp.U32);
      f.emit(Opc.mov, A, f.const(7));
      f.emit(Opc.add, B, A, B);
      f.exit(2);
      const run = wasm.compile([{ members: [{ ir: f, next: [-1, -1] }], tlbBase: 0 }])[0][0];
      mem.tlbR[0] = -1; // the load takes the slow path
      return { s: cpu.s, run, err };
    }

    it('a fault before the write leaves the global as it was in the state', () => {
      const { s, run, err } = build(true);
      s[A] = 123; s[B] = 5;
      expect(() => run(1000)).to.throw(err);
      expect([s[A], s[B]]).to.deep.equal([123, 5]);
    });

    it('after the write, the global and what reads it are right', () => {
      const { s, run } = build(false);
      s[A] = 123; s[B] = 5;
      expect(run(1000)).to.equal(2);
      expect([s[A], s[B]]).to.deep.equal([7, 12]);
    });
  });
});
