// A small seeded PRNG (sfc32) so that a seed reproduces a campaign exactly, and the value
// pickers the generator uses (edge-biased immediates).

export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number | string) {
    // Mix the seed (a number or any string) into four words with a string hash.
    const s = String(seed);
    let h = 0x9e3779b9;
    const mix = (): number => {
      for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x5bd1e995) ^ (h >>> 15);
      h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
      return (h ^= h >>> 16) >>> 0;
    };
    this.a = mix(); this.b = mix(); this.c = mix(); this.d = 1;
    for (let i = 0; i < 12; i++) this.u32();
  }

  /** A uniform 32-bit unsigned value. */
  u32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** An integer in [0, n). */
  int(n: number): number { return Math.floor((this.u32() / 4294967296) * n); }
  /** An integer in [lo, hi]. */
  range(lo: number, hi: number): number { return lo + this.int(hi - lo + 1); }
  chance(p: number): boolean { return this.u32() / 4294967296 < p; }
  pick<T>(xs: readonly T[]): T { return xs[this.int(xs.length)]; }

  /** Picks by weight: [[weight, value], ...]. */
  weighted<T>(xs: readonly (readonly [number, T])[]): T {
    let total = 0;
    for (const [w] of xs) total += w;
    let r = this.u32() / 4294967296 * total;
    for (const [w, v] of xs) { if ((r -= w) < 0) return v; }
    return xs[xs.length - 1][1];
  }

  /** A child generator for one independent stream (e.g. one sequence of a campaign). */
  fork(tag: string | number): Rng { return new Rng(`${this.u32()}:${tag}`); }
}

const EDGE32 = [
  0, 1, 2, 3, 0xffffffff, 0xfffffffe, 0x7fffffff, 0x80000000, 0x80000001, 0x7f, 0x80, 0xff, 0x100,
  0x7fff, 0x8000, 0xffff, 0x10000, 0xff00, 0xffff0000, 0x0000ff80, 0xffffff80, 0xffff8000, 0x55555555,
  0xaaaaaaaa, 0x12345678, 0x1f, 0x20, 0x21, 0x3f, 0x40, 0x09, 0x99, 0x0f, 0x10,
];

/** A 32-bit value biased to edge cases (0, ±1, sign boundaries, byte/word limits, shift counts). */
export function edge32(r: Rng): number {
  const k = r.int(10);
  if (k < 4) return r.pick(EDGE32) >>> 0;
  if (k < 5) return (1 << r.int(32)) >>> 0;
  if (k < 6) return (r.pick(EDGE32) + r.range(-2, 2)) >>> 0;
  if (k < 7) return r.int(256);
  if (k < 8) return (-r.range(1, 256)) >>> 0;
  return r.u32();
}

/** An edge-biased value of a given width (8, 16 or 32 bits), unsigned. */
export function edge(r: Rng, bits: number): number {
  const v = edge32(r);
  if (bits === 32) return v;
  // Narrow values also get their own sign boundaries often.
  if (r.chance(0.3)) return r.pick(bits === 8 ? [0x7f, 0x80, 0xff, 0x81, 0x00, 0x01] : [0x7fff, 0x8000, 0xffff, 0x8001, 0, 1]);
  return v & (bits === 8 ? 0xff : 0xffff);
}

export const hex = (v: number, width = 8): string => (v >>> 0).toString(16).padStart(width, '0');
