// Whether a failed log append may succeed if tried again, decided by the error's code or class
// name, never by its message text. Our own errors carry `code` and `retryable` (CodedError);
// nats.js errors carry a class name (`name`, which survives where `instanceof` may not) and
// JetStream API errors the server's numeric `code` (nats-server's errors.json).
import { JetStreamApiCodes } from '@nats-io/jetstream';

/** nats.js errors that no retry can fix: permissions, bad subjects or arguments. */
const PERMANENT_NAMES: ReadonlySet<string> = new Set([
  'PermissionViolationError',
  'AuthorizationError',
  'UserAuthenticationExpiredError',
  'InvalidSubjectError',
  'InvalidArgumentError',
  'InvalidNameError',
]);

/**
 * JetStream API errors a publish can meet that stay true on retry. Anything else (a store
 * failure, "maximum messages exceeded" 10077, insufficient resources, no leader) may clear:
 * disk frees, a leader is elected.
 */
const PERMANENT_API_CODES: ReadonlySet<number> = new Set([
  JetStreamApiCodes.StreamNotFound, // 10059
  JetStreamApiCodes.JetStreamNotEnabledForAccount, // 10039
  JetStreamApiCodes.StreamWrongLastSequence, // 10071
  JetStreamApiCodes.StreamWrongLastSequenceUnknown, // 10164
  10054, // JSStreamMessageExceedsMaximumErr: the record is larger than the stream takes
  10060, // JSStreamNotMatchErr: expected stream does not match
  10070, // JSStreamWrongLastMsgIDErr
]);

/** True when an append that failed with `err` is worth trying again with the same record id. */
export function retryable(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return true;
  const e = err as { name?: unknown; code?: unknown; retryable?: unknown };
  if (typeof e.retryable === 'boolean' && typeof e.code === 'string') return e.retryable;
  if (e.name === 'JetStreamApiError' || e.name === 'StreamNotFoundError') {
    return !(typeof e.code === 'number' && PERMANENT_API_CODES.has(e.code));
  }
  if (typeof e.name === 'string' && PERMANENT_NAMES.has(e.name)) return false;
  // Timeouts, no responders (a restarting server), closed or reconnecting connections.
  return true;
}
