// Error codes of the native core and its twin. Callers match on `code`, never on the class:
// errors cross worker threads, where a subclass does not survive postMessage.

export const NativeErrorCode = {
  /** Wrong type or length: not a Uint8Array, header not 80 bytes, branches not n*32, ... */
  BadInput: 'NATIVE_BAD_INPUT',
  /** A number outside its domain: origin not in [2, 2^2000 - 1], minLength not in [1, 99], ... */
  OutOfRange: 'NATIVE_OUT_OF_RANGE',
  /** decodeMultiplier: a negative, non-canonical or empty-where-forbidden CBigNum encoding. */
  BadMultiplier: 'NATIVE_BAD_MULTIPLIER',
  /** The addon was required (backend: 'native') but could not be loaded. */
  Unavailable: 'NATIVE_UNAVAILABLE',
  /** An internal limit was hit (a chain member past 2304 bits); never seen in practice. */
  Internal: 'NATIVE_INTERNAL',
} as const;
export type NativeErrorCode = (typeof NativeErrorCode)[keyof typeof NativeErrorCode];

export class NativeError extends Error {
  readonly code: NativeErrorCode;
  readonly retryable = false;
  constructor(code: NativeErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'NativeError';
    this.code = code;
  }
}

export const badInput = (message: string): NativeError =>
  new NativeError(NativeErrorCode.BadInput, message);
export const outOfRange = (message: string): NativeError =>
  new NativeError(NativeErrorCode.OutOfRange, message);
