// Why a socket is not being read. Two parts of the node stop reading a miner's socket: its
// output backed up (output.ts: a client that does not read its answers) and the node's submits
// in flight over the limit (load.ts). Each holds the socket for its own reason and lets go of
// that reason only; the socket is read again once no reason is left, so neither undoes the
// other's pause.
import type { Socket } from 'node:net';

/** Reasons, as bits. */
export const OUTPUT_BACKED_UP = 1;
export const NODE_OVER_LIMIT = 2;

const HOLDS = Symbol('colliery.readHolds');
type Held = Socket & { [HOLDS]?: number };

/** Stops reading `socket` for `why` (again, if something resumed it behind our back). */
export function holdReading(socket: Socket, why: number): void {
  const s = socket as Held;
  s[HOLDS] = (s[HOLDS] ?? 0) | why;
  socket.pause();
}

/** `why` no longer holds `socket`; it is read again when nothing else does. */
export function releaseReading(socket: Socket, why: number): void {
  const s = socket as Held;
  const held = s[HOLDS] ?? 0;
  if ((held & why) === 0) return;
  s[HOLDS] = held & ~why;
  if (s[HOLDS] === 0 && !socket.destroyed) socket.resume();
}

/** Whether `why` holds `socket`. */
export function heldFor(socket: Socket, why: number): boolean {
  return (((socket as Held)[HOLDS] ?? 0) & why) !== 0;
}
