// Faults that cross the wire: an Error subclass with a stable `code`, `retryable` and `cause`,
// the runtime's own codes, and the record form errors take inside a reply envelope.
// Callers match on `code`, never on `instanceof`: a rebuilt error is always a CodedError.

export const RuntimeCode = {
  /** No reply arrived before the ask's deadline. */
  AskTimeout: 'ASK_TIMEOUT',
  /** Nobody is subscribed at the address (NATS "no responders"). */
  NoActor: 'NO_ACTOR',
  /** The receiver's mailbox was full and its overflow policy rejected the message. */
  MailboxFull: 'MAILBOX_FULL',
  /** The bytes were not a runtime envelope of a version this node understands. */
  BadEnvelope: 'BAD_ENVELOPE',
  /** The envelope was fine but the actor's validator rejected the message. */
  BadMessage: 'BAD_MESSAGE',
  /** The receiving node is draining and takes no new work. */
  Draining: 'DRAINING',
  /** The receiver held a singleton lease it has lost; another holder will answer. */
  Fenced: 'FENCED',
  /** The actor stopped before it handled the message. */
  ActorStopped: 'ACTOR_STOPPED',
  /** A handler threw something that carried no code of its own. */
  HandlerFailed: 'HANDLER_FAILED',
  /** The NATS connection failed underneath an operation. */
  Transport: 'TRANSPORT',
  /** The reply was over the server's max_payload (replies do not travel in parts). */
  ReplyTooLarge: 'REPLY_TOO_LARGE',
} as const;
export type RuntimeCode = (typeof RuntimeCode)[keyof typeof RuntimeCode];

/** Codes that mean "this message was certainly not handled": safe to send again elsewhere. */
export const DELIVERY_CODES: ReadonlySet<string> = new Set([
  RuntimeCode.NoActor,
  RuntimeCode.Draining,
  RuntimeCode.Fenced,
  RuntimeCode.ActorStopped,
]);

export type CodedErrorOptions = { retryable?: boolean; cause?: unknown };

/** Base class for every fault in Colliery: extend it, give each subclass a stable code. */
export class CodedError extends Error {
  readonly code: string;
  readonly retryable: boolean;

  constructor(code: string, message: string, options: CodedErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'CodedError';
    this.code = code;
    this.retryable = options.retryable ?? false;
  }
}

const RETRYABLE_BY_DEFAULT: ReadonlySet<string> = new Set([
  ...DELIVERY_CODES,
  RuntimeCode.AskTimeout,
  RuntimeCode.MailboxFull,
  RuntimeCode.Transport,
]);

/** Builds one of the runtime's own errors with its conventional retryability. */
export function runtimeError(code: RuntimeCode, message: string, cause?: unknown): CodedError {
  return new CodedError(code, message, { retryable: RETRYABLE_BY_DEFAULT.has(code), cause });
}

/**
 * Anything thrown that carries a string `code` (a CodedError of any copy of this class, a
 * Node system error, one rebuilt from another thread): matched by shape, never `instanceof`.
 */
function coded(err: unknown): { code: string; message: string; retryable: boolean } | null {
  const code = codeOf(err);
  if (code === undefined) return null;
  const e = err as { message?: unknown; retryable?: unknown };
  const message = typeof e.message === 'string' ? e.message : code;
  return { code, message, retryable: e.retryable === true };
}

/** A validator's error: a coded error keeps its code, anything else becomes BAD_MESSAGE. */
export function rejected(err: unknown, what: string): CodedError {
  if (err instanceof CodedError) return err;
  const c = coded(err);
  if (c !== null) return new CodedError(c.code, c.message, { retryable: c.retryable, cause: err });
  return runtimeError(RuntimeCode.BadMessage, `${what}: ${String(err)}`, err);
}

/** The shape of an error inside a reply envelope. */
export type ErrorRecord = { code: string; message: string; retryable: boolean };

export function toErrorRecord(err: unknown): ErrorRecord {
  const c = coded(err);
  if (c !== null) return c;
  const message = err instanceof Error ? err.message : String(err);
  return { code: RuntimeCode.HandlerFailed, message, retryable: false };
}

export function fromErrorRecord(record: ErrorRecord): CodedError {
  return new CodedError(record.code, record.message, { retryable: record.retryable });
}

/** Reads `code` from anything thrown; undefined when it carries none. */
export function codeOf(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}
