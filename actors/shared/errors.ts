// Coded errors shared by the pure Bitcoin modules: a stable `code` to match on (never
// `instanceof`: a class does not survive postMessage or NATS), `retryable`, and `cause`.

export class CodedError extends Error {
  readonly code: string;
  readonly retryable: boolean;

  constructor(
    code: string,
    message: string,
    options: { retryable?: boolean; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'CodedError';
    this.code = code;
    this.retryable = options.retryable ?? false;
  }
}

/** True when `e` carries the given code, whatever its class (it may have crossed a thread). */
export function hasCode(e: unknown, code: string): boolean {
  return typeof e === 'object' && e !== null && (e as { code?: unknown }).code === code;
}
