// What the rest of Colliery may import from the runtime.
export { Runtime, type RuntimeOptions, type SingletonOptions, type DrainHook } from './runtime.js';
export { checkToken, leaseBucket, type Address, type Topic } from './address.js';
export { CodedError, RuntimeCode, DELIVERY_CODES, codeOf } from './errors.js';
export type { CodedErrorOptions, ErrorRecord } from './errors.js';
export { ENVELOPE_VERSION, handOff, freezeBroadcast } from './envelope.js';
export * from './clock.js';
export { type OverflowPolicy, type MailboxOptions, DEFAULT_MAILBOX_CAPACITY } from './mailbox.js';
export { TRACE_HEADER, formatTraceparent, otelInterceptor } from './tracing.js';
export type { Interceptor, HandledSpan, HandledInfo, SpanClock } from './tracing.js';
export { authOptions, natsOptions, connectNats, connectTool } from './transport.js';
export type { NatsAuth } from './transport.js';
export type * from './types.js';
export { isConflict, liveEntries } from './lease.js';
