// Strings kept for long (table keys, names held by every connection) as one flat copy: a string
// built by concatenation is a tree of pieces, and a slice keeps its whole parent alive.

/** A fresh sequential copy of a Latin-1 string (hex, decimal, names); other strings as they are. */
export function flatCopy(s: string): string {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0xff) return s;
  return Buffer.from(s, 'latin1').toString('latin1');
}

const shared = new Map<string, string>();
const MAX_SHARED = 100_000;

/**
 * One flat copy per distinct value, for names that many connections repeat (an account, a
 * miner's user agent). Bounded: past the cap, values are copied but not shared.
 */
export function sharedCopy(s: string): string {
  let copy = shared.get(s);
  if (copy === undefined) {
    copy = flatCopy(s);
    if (shared.size < MAX_SHARED) shared.set(copy, copy);
  }
  return copy;
}
