// Coded errors for every actor: the runtime's one CodedError class (a stable `code` to match
// on — never `instanceof`: a class does not survive postMessage or NATS — `retryable` and
// `cause`), so a code a handler throws reaches the asker with its `retryable` flag.

export { CodedError } from '../../runtime/errors.js';

/** True when `e` carries the given code, whatever its class (it may have crossed a thread). */
export function hasCode(e: unknown, code: string): boolean {
  return typeof e === 'object' && e !== null && (e as { code?: unknown }).code === code;
}
