// The shapes an actor author sees: behaviour, context, options, lease and supervision policy.
import type { Context } from '@opentelemetry/api';
import type { Logger } from 'pino';
import type { Address, Topic } from './address.js';
import type { Clock, Ids } from './clock.js';
import type { MailboxOptions } from './mailbox.js';

export type StopReason = 'stopped' | 'failed' | 'lease-lost' | 'drained';

/** What a singleton's behaviour knows about the lease it runs under. */
export interface Lease {
  readonly kind: string;
  readonly key: string;
  /**
   * Fencing token: the KV revision at which this holder acquired the lease. It only grows from
   * one holder to the next, so a store that remembers the highest token seen can refuse a
   * write from an older holder.
   */
  readonly fence: number;
  /** True while this node still holds the lease by its own clock. */
  valid(): boolean;
  /** Throws FENCED when the lease is no longer held; call it before an irreversible effect. */
  assertValid(): void;
}

export interface AskOptions<R> {
  /** Deadline for the whole ask, retries included. Default: the runtime's askTimeoutMs. */
  timeoutMs?: number;
  /** Validates the reply (a reply is input from outside too). */
  expect?: (reply: unknown) => R;
}

export interface ActorContext {
  readonly self: Address;
  readonly node: string;
  readonly clock: Clock;
  readonly ids: Ids;
  /** pino child with { actor, node } bindings. */
  readonly log: Logger;
  /** Trace context of the message being handled; outgoing messages continue it. */
  readonly trace: Context;
  /** Present for keyed singletons only. */
  readonly lease: Lease | undefined;
  tell(to: Address, msg: unknown): void;
  /** Broadcasts on a topic (see Runtime.publish), continuing the current trace like tell. */
  publish(to: Topic, msg: unknown): void;
  ask<R = unknown>(to: Address, msg: unknown, options?: AskOptions<R>): Promise<R>;
}

export interface Behaviour<M> {
  /** Handles one message; the return value (or its promise) is the reply to an ask. */
  receive(msg: M, ctx: ActorContext): unknown;
  /** Called when the node starts draining, before the mailbox is finished. */
  draining?(ctx: ActorContext): void | Promise<void>;
  /** Called once when the actor stops; nothing is delivered after it. */
  stopped?(reason: StopReason, ctx: ActorContext): void | Promise<void>;
}

export type Factory<M> = (ctx: ActorContext) => Behaviour<M>;

/** The closed set of supervision actions for a handler that throws. */
export type SupervisionAction = 'restart' | 'stop' | 'escalate';

export interface SupervisionPolicy {
  action: SupervisionAction;
  /** More restarts than this within `windowMs` escalates instead. */
  maxRestarts?: number;
  windowMs?: number;
  /** Restart delay: `backoffMs * 2^(restarts in window - 1)`, capped at `maxBackoffMs`. */
  backoffMs?: number;
  maxBackoffMs?: number;
}

export interface ActorOptions<M> {
  /** Edge validation: turns untrusted input into M or throws (a CodedError keeps its code). */
  validate: (input: unknown) => M;
  mailbox?: MailboxOptions;
  supervision?: SupervisionPolicy;
  /** Subscribe on NATS so other processes can reach it (default true). */
  remote?: boolean;
  /** NATS queue group: instances on several nodes share the address, one handles each message. */
  queue?: string;
}

export interface ActorStats {
  address: Address;
  depth: number;
  capacity: number;
  processed: number;
  dropped: number;
  failures: number;
  restarts: number;
}
