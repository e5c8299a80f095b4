// Why a pool refused a share, as a short name a miner can count by: the pool's own rejection
// table (actors/connection/errors.ts) read backwards. Codes 21–25 name one reason each; code 20
// covers several, told apart by the message's head ("Invalid multiplier: …" → bad multiplier).
// Another pool's text falls back to its message head, then to its code.
import { REJECTIONS, type Rejection } from '../../actors/connection/index.js';

const byCode = new Map<number, Rejection[]>();
for (const [name, [code]] of Object.entries(REJECTIONS) as [Rejection, readonly [number, string]][])
  byCode.set(code, [...(byCode.get(code) ?? []), name]);

/** 'low-difficulty' → 'low difficulty'. */
const spoken = (name: string): string => name.replace(/-/g, ' ');

/** The reason a Stratum `error` (`[code, message, …]`, or anything else a pool sent) names. */
export function rejectReason(error: unknown): string {
  const [code, message] = Array.isArray(error) ? (error as unknown[]) : [undefined, undefined];
  const text = typeof message === 'string' ? message : '';
  const head = text.split(':')[0]?.trim() ?? '';
  const names = typeof code === 'number' ? (byCode.get(code) ?? []) : [];
  if (names.length === 1) return spoken(names[0]!);
  const named = names.find((n) => REJECTIONS[n][1] === head);
  if (named !== undefined) return spoken(named);
  if (head !== '') return head.toLowerCase();
  return typeof code === 'number' ? `code ${code}` : 'unknown';
}
