// What the runner did at breakpoint hits, so that a restarted pair replays to the same point
// with the same state. A position is the n-th hit of one address (`addr#n`): a replay needs
// breakpoints only on the addresses named here (and on its target), not on every checkpoint,
// so it runs mostly at full speed.
export type Action =
  | { kind: 'patch' }    // copy every explained difference (a hit that differed with explained causes only)
  | { kind: 'step' }     // a resync point whose compared step resynced something: step it again the same way
  | { kind: 'inject' };  // the test injection (see LockstepOptions.inject)

export interface Position { addr: number; n: number }

export function key(p: Position): string { return `${p.addr}#${p.n}`; }

export class Journal {
  private readonly actions = new Map<string, Action[]>();

  get(p: Position): Action[] { return this.actions.get(key(p)) ?? []; }

  /** Record an action once (a replayed position records the same action again). */
  add(p: Position, a: Action): void {
    const list = this.actions.get(key(p)) ?? [];
    if (!list.some((x) => x.kind === a.kind)) list.push(a);
    this.actions.set(key(p), list);
  }

  /** The addresses a replay must stop at. */
  addresses(): Set<number> {
    return new Set([...this.actions.keys()].map((k) => Number(k.split('#')[0])));
  }
}

/** Hits per address, to name positions. */
export class HitCounter {
  private readonly n = new Map<number, number>();
  hit(addr: number): Position {
    const n = (this.n.get(addr) ?? 0) + 1;
    this.n.set(addr, n);
    return { addr, n };
  }
  count(addr: number): number { return this.n.get(addr) ?? 0; }
}
