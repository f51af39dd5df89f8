// Regions of a page unit: the members whose code one wasm function holds, so that going from
// one to the next is a branch with the guest registers still in locals (in host registers, once
// TurboFan has the function) rather than a tail call that stores them, tears down a frame, builds
// the next and loads them again: about half the host instructions of a short TB.

/** The unit graph a region is cut from: each member's two direct successors (member indices, -1 none) and size. */
export interface RegionNode { next: readonly [number, number]; ops: number }

/** A region's cap: generated code grows with it, and TurboFan compiles large functions slowly. */
export const REGION_MAX_NODES = 24;
export const REGION_MAX_OPS = 800;

/**
 * Partition the unit into regions. A region has one entry, its root (its first node): every
 * other node's predecessors in the unit are earlier nodes of the region, so its nodes in order
 * are a topological order and every edge between them goes forward, except edges back to the
 * root, which make the region a loop. Roots are taken in the unit's order (its hottest member
 * first). Returns, for each member, the nodes of the function it is compiled to: its region
 * when it is a root, itself alone otherwise (what the dispatcher enters it by from outside).
 */
export function unitRegions(unit: readonly RegionNode[]): number[][] {
  const n = unit.length;
  const preds: number[][] = unit.map(() => []);
  unit.forEach((m, i) => {
    for (const s of new Set(m.next)) if (s >= 0 && s !== i) preds[s].push(i);
  });
  const owner = new Array<number>(n).fill(-1);
  const out: number[][] = unit.map((_, i) => [i]);
  for (let root = 0; root < n; root++) {
    if (owner[root] >= 0) continue;
    owner[root] = root;
    const region = [root];
    let ops = unit[root].ops;
    // Grow breadth-first: a successor joins once all its predecessors are in.
    for (let k = 0; k < region.length && region.length < REGION_MAX_NODES; k++) {
      for (const s of unit[region[k]].next) {
        if (s < 0 || owner[s] >= 0 || ops + unit[s].ops > REGION_MAX_OPS || region.length >= REGION_MAX_NODES) continue;
        if (!preds[s].every(p => owner[p] === root)) continue;
        owner[s] = root;
        region.push(s);
        ops += unit[s].ops;
      }
    }
    out[root] = region;
  }
  return out;
}
