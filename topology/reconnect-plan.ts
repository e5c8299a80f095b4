// Where a draining node sends its miners: the siblings with room, each miner to one of them,
// spread in proportion to room (capacity − connections) so 20,000 miners do not all land on one
// node. Smooth weighted round-robin (nginx's): every pick adds each eligible sibling's room to
// its credit, takes the sibling with the most credit and takes the round's total from it; over
// any run of picks each sibling gets its share of room to within one miner, interleaved. A
// sibling is given at most its room; a miner over TLS goes only to a sibling with a TLS address.
// Pure (no clock, no I/O): the same siblings give the same sequence.

export interface HostPort {
  readonly host: string;
  readonly port: number;
}

/** A live pool node other than this one, with where miners reach it and its free places. */
export interface Sibling {
  readonly node: string;
  readonly stratum: HostPort;
  /** Its Stratum TLS address (null: it has no TLS listener). */
  readonly stratumTls: HostPort | null;
  /** capacity − connections when it last reported (> 0). */
  readonly room: number;
}

interface Slot {
  readonly sibling: Sibling;
  credit: number;
  given: number;
}

export class ReconnectPlan {
  readonly #slots: Slot[];

  /** `siblings` in any order (they are taken by node id, so every run picks alike). */
  constructor(siblings: readonly Sibling[]) {
    this.#slots = [...siblings]
      .filter((s) => s.room > 0)
      .sort((a, b) => (a.node < b.node ? -1 : a.node > b.node ? 1 : 0))
      .map((sibling) => ({ sibling, credit: 0, given: 0 }));
  }

  /** How many siblings it spreads over. */
  get size(): number {
    return this.#slots.length;
  }

  /**
   * The next miner's place: a sibling's Stratum address (its TLS address for a miner over TLS);
   * null when no sibling has room left (for a TLS miner: no sibling with TLS has).
   */
  next(tls: boolean): { node: string; to: HostPort } | null {
    let total = 0;
    let best: Slot | null = null;
    for (const slot of this.#slots) {
      const s = slot.sibling;
      if (slot.given >= s.room || (tls && s.stratumTls === null)) continue;
      slot.credit += s.room;
      total += s.room;
      if (best === null || slot.credit > best.credit) best = slot;
    }
    if (best === null) return null;
    best.credit -= total;
    best.given++;
    const s = best.sibling;
    return { node: s.node, to: tls && s.stratumTls !== null ? s.stratumTls : s.stratum };
  }
}
