// Registers, immediates and memory operands (NASM syntax) for the generator.
//
// Memory operands always address the sandbox: the generator picks the target address first,
// then emits `mov` set-ups for the base/index registers so that base + index*scale + disp
// (with 32-bit or 16-bit wrap-around, which is part of the test) lands on it. `mov` does not
// touch the flags, so the set-up never disturbs the flag state under test.
import { edge, hex, Rng } from './prng';

export const R32 = ['eax', 'ecx', 'edx', 'ebx', 'esp', 'ebp', 'esi', 'edi'];
export const R16 = ['ax', 'cx', 'dx', 'bx', 'sp', 'bp', 'si', 'di'];
export const R8 = ['al', 'cl', 'dl', 'bl', 'ah', 'ch', 'dh', 'bh'];
export const EAX = 0, ECX = 1, EDX = 2, EBX = 3, ESP = 4, EBP = 5, ESI = 6, EDI = 7;

/** Sandbox: linear 0..0xffff (so that 16-bit addressing reaches it with flat segments). */
export const SANDBOX_SIZE = 0x10000;
/** Memory operands stay in [MEM_LO, MEM_HI). */
export const MEM_LO = 0x100, MEM_HI = 0xff00;
/** A small zone most accesses hit, so that instructions read what others wrote. */
export const HOT = 0x3000, HOT_SIZE = 0x100;
/** Initial ESP is in [STACK_LO, STACK_LO + 0x1000). */
export const STACK_LO = 0x7800;

export type Bits = 8 | 16 | 32;

/** The 32-bit register (0..7) behind a register name of any width. */
export function parent(name: string): number {
  for (const t of [R32, R16]) { const i = t.indexOf(name); if (i >= 0) return i; }
  const i = R8.indexOf(name);
  if (i >= 0) return i & 3;
  throw new Error(`not a register: ${name}`);
}

export function regName(i: number, bits: Bits): string {
  return bits === 32 ? R32[i] : bits === 16 ? R16[i] : R8[i];
}

/** A register of the given width; writable ones exclude (e)sp, which must stay in the sandbox. */
export function pickReg(r: Rng, bits: Bits, write: boolean, avoid: ReadonlySet<number> = new Set()): string {
  for (;;) {
    const i = r.int(8);
    const p = bits === 8 ? i & 3 : i;
    if (avoid.has(p)) continue;
    if (write && bits !== 8 && i === ESP) continue;
    return regName(i, bits);
  }
}

export const sizeWord = (bits: number): string =>
  bits === 8 ? 'byte' : bits === 16 ? 'word' : bits === 32 ? 'dword' : bits === 64 ? 'qword' : 'tword';

/** Hex immediate of an edge-biased value. */
export function imm(r: Rng, bits: Bits): string { return '0x' + edge(r, bits).toString(16); }

/** A signed 8-bit immediate (for the sign-extended imm8 encodings). */
export function imm8s(r: Rng): number {
  return r.pick([0, 1, -1, 127, -128, 2, -2, 0x40, r.range(-128, 127), r.range(-128, 127)]);
}

const signed = (v: number): string => {
  const s = v | 0;
  return s < 0 ? `-0x${(-s >>> 0).toString(16)}` : `+0x${s.toString(16)}`;
};

export interface Mem {
  /** `mov` lines that set the address registers. */
  prep: string[];
  /** The operand with its size keyword, e.g. `dword [es:ebx+esi*4+0x10]`. */
  op: string;
  /** The operand without a size keyword. */
  bare: string;
  addr: number;
  /** Address registers (32-bit indices) the set-up wrote. */
  regs: number[];
}

export interface MemOpts {
  /** Registers that the address must not use (implicit operands of the instruction). */
  avoid?: ReadonlySet<number>;
  /** Current ESP, for [esp+...] forms (null: no ESP base). */
  esp?: number | null;
  /** Allow the 16-bit address forms (0x67). */
  a16?: boolean;
  /** Allow a segment override. */
  seg?: boolean;
  /** Target address (default: hot zone, near ESP, or anywhere in the sandbox). */
  target?: number;
}

/** Picks an address where `size` bytes fit in the sandbox. */
export function pickTarget(r: Rng, size: number, esp: number | null | undefined): number {
  const k = r.int(10);
  if (k < 6) return HOT + r.int(HOT_SIZE - size);
  if (k < 8 && esp != null) return esp + r.range(-64, 64 - size);
  return r.range(MEM_LO, MEM_HI - size);
}

/** A memory operand of `size` bytes inside the sandbox, with its register set-up. */
export function memOperand(r: Rng, size: number, o: MemOpts = {}): Mem {
  const avoid = o.avoid ?? new Set<number>();
  const target = o.target ?? pickTarget(r, size, o.esp);
  const seg = o.seg !== false && r.chance(0.15) ? r.pick(['ds', 'es', 'ss', 'fs', 'gs']) + ':' : '';
  const word = sizeWord(size * 8);
  if (o.a16 !== false && r.chance(0.12)) {
    const m = mem16(r, target, avoid, seg);
    if (m) return { ...m, op: `${word} ${m.bare}`, addr: target };
  }
  const free = (exclude: number[]): number[] => [0, 1, 2, 3, 5, 6, 7].filter((i) => !avoid.has(i) && !exclude.includes(i));
  const form = r.int(10);
  const prep: string[] = [];
  const regs: number[] = [];
  const setReg = (i: number, v: number): void => { prep.push(`mov ${R32[i]}, 0x${hex(v)}`); regs.push(i); };
  let disp = pickDisp(r);
  let text: string;
  if (form === 0) {
    // Absolute: [disp32] (the moffs form when the other operand is the accumulator).
    disp = target;
    text = `0x${hex(target)}`;
  } else if (form <= 2 && o.esp != null && !avoid.has(ESP)) {
    // ESP-based: no set-up, ESP is known; optionally with an index.
    disp = target - o.esp;
    text = `esp${signed(disp)}`;
    const idxs = free([]);
    if (r.chance(0.4) && idxs.length) {
      const ix = r.pick(idxs), scale = r.pick([1, 2, 4, 8]), iv = r.range(-16, 16);
      setReg(ix, iv);
      disp = target - o.esp - iv * scale;
      text = `esp+${R32[ix]}*${scale}${signed(disp)}`;
    }
  } else {
    const bases = free([]);
    const base = r.pick(bases);
    if (form <= 6 || bases.length < 2) {
      setReg(base, (target - disp) >>> 0);
      text = `${r.chance(0.15) ? 'dword ' : ''}${R32[base]}${signed(disp)}`;
    } else {
      const ix = r.pick(free([base]));
      const scale = r.pick([1, 2, 4, 8]);
      // Mostly small indexes; sometimes one whose scaled value wraps around 2^32.
      const iv = r.chance(0.8) ? r.range(-64, 64) : r.pick([0x40000000, 0x80000000, 0x20000000, 0xc0000000]);
      const noBase = r.chance(0.25);
      const baseVal = (target - disp - Math.imul(iv, scale)) >>> 0;
      setReg(ix, iv >>> 0);
      if (noBase) {
        disp = (target - Math.imul(iv, scale)) | 0;
        text = `${r.chance(0.5) ? 'nosplit ' : ''}${R32[ix]}*${scale}${signed(disp)}`;
      } else {
        setReg(base, baseVal);
        text = `${R32[base]}+${R32[ix]}*${scale}${signed(disp)}`;
      }
    }
  }
  const bare = `[${seg}${text}]`;
  return { prep, op: `${word} ${bare}`, bare, addr: target, regs };
}

function pickDisp(r: Rng): number {
  const k = r.int(10);
  if (k < 3) return 0;
  if (k < 6) return r.range(-128, 127);
  if (k < 8) return r.range(-0x2000, 0x2000);
  // Large displacements: the base register then wraps the sum around 2^32.
  return r.pick([0x7fffffff, -0x80000000, 0x40000000, -1, r.u32() | 0]);
}

const FORMS16: readonly (readonly string[])[] = [
  ['bx', 'si'], ['bx', 'di'], ['bp', 'si'], ['bp', 'di'], ['si'], ['di'], ['bp'], ['bx'], [],
];

/** A 16-bit address (0x67): EA = (regs + disp16) mod 64K; register upper halves hold junk. */
function mem16(r: Rng, target: number, avoid: ReadonlySet<number>, seg: string): Omit<Mem, 'op' | 'addr'> | null {
  const forms = FORMS16.filter((f) => f.every((x) => !avoid.has(parent(x))));
  const f = r.pick(forms);
  const prep: string[] = [];
  const regs: number[] = [];
  if (f.length === 0) return { prep, bare: `[${seg}word 0x${hex(target, 4)}]`, regs };
  const disp = r.pick([0, r.range(-128, 127), r.int(0x10000)]);
  let sum = disp;
  const vals: number[] = [];
  for (let k = 0; k < f.length; k++) {
    // The last register takes whatever makes the sum hit the target (mod 64K).
    const v = k < f.length - 1 ? r.int(0x10000) : (target - sum) & 0xffff;
    vals.push(v);
    sum += v;
  }
  f.forEach((name, k) => {
    const junk = r.chance(0.5) ? r.int(0x10000) : 0;
    prep.push(`mov ${R32[parent(name)]}, 0x${hex(((junk << 16) | vals[k]) >>> 0)}`);
    regs.push(parent(name));
  });
  // Printed as a signed 16-bit value (NASM warns about a word displacement above 0x7fff).
  const d16 = disp > 0x7fff ? disp - 0x10000 : disp;
  const d = d16 === 0 && r.chance(0.5) ? '' : d16 < 0 ? `-0x${(-d16).toString(16)}` : `+0x${d16.toString(16)}`;
  return { prep, bare: `[${seg}${f.join('+')}${d}]`, regs };
}
