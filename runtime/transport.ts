// The NATS side of the runtime: production connection options, publishing and requesting
// envelopes with the trace header, and turning nats.js failures into coded errors.
import {
  connect,
  headers,
  type MsgHdrs,
  type NatsConnection,
  type NodeConnectionOptions,
} from '@nats-io/transport-node';
import { decodeReply, encodeMessage } from './envelope.js';
import { RuntimeCode, fromErrorRecord, runtimeError, type CodedError } from './errors.js';
import { publishParts } from './parts.js';
import { TRACE_HEADER } from './tracing.js';

/** Options for a long-lived node connection: reconnect forever, with jitter; named by node. */
export function natsOptions(servers: string | string[], node: string): NodeConnectionOptions {
  return {
    servers,
    name: node,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 500,
    reconnectJitter: 250,
    pingInterval: 10_000,
    maxPingOut: 3,
    waitOnFirstConnect: true,
    timeout: 5_000,
  };
}

export async function connectNats(
  servers: string | string[],
  node: string,
  overrides: Partial<NodeConnectionOptions> = {},
): Promise<NatsConnection> {
  try {
    return await connect({ ...natsOptions(servers, node), ...overrides });
  } catch (err) {
    const where = Array.isArray(servers) ? servers.join(',') : servers;
    throw runtimeError(
      RuntimeCode.Transport,
      `cannot reach NATS at ${where}: ${err instanceof Error ? err.message : String(err)}`,
      err,
    );
  }
}

/**
 * For a command that reports and exits (status, trace, ledger verify): fails at once, naming
 * the servers, when none answers, instead of waiting for one as a node does; reconnects after.
 */
export function connectTool(servers: string | string[], name: string): Promise<NatsConnection> {
  return connectNats(servers, name, { waitOnFirstConnect: false });
}

/** Publish/request options carrying the trace header (none when there is no trace). */
function traced(traceparent?: string): { headers?: MsgHdrs } {
  if (traceparent === undefined) return {};
  const h = headers();
  h.set(TRACE_HEADER, traceparent);
  return { headers: h };
}

/** A tell or broadcast; over the server's max_payload it goes in parts (parts.ts). */
export function publishEnvelope(nc: NatsConnection, to: string, body: unknown, tp?: string): void {
  publishParts(nc, to, encodeMessage(body), traced(tp).headers);
}

/** One request/reply over NATS; the reply's error (if any) is rebuilt and thrown. */
export async function requestEnvelope(
  nc: NatsConnection,
  subject: string,
  msg: unknown,
  traceparent: string | undefined,
  timeoutMs: number,
): Promise<unknown> {
  const body = encodeMessage(msg);
  let data: Uint8Array;
  try {
    data = (await nc.request(subject, body, { timeout: timeoutMs, ...traced(traceparent) })).data;
  } catch (err) {
    throw transportError(subject, err);
  }
  const reply = decodeReply(data);
  if (reply.ok) return reply.value;
  throw fromErrorRecord(reply.error);
}

function transportError(subject: string, err: unknown): CodedError {
  const e = err as { name?: string; cause?: { name?: string }; isNoResponders?(): boolean };
  const noResponders = e.isNoResponders?.() === true;
  if (noResponders || [e.name, e.cause?.name].includes('NoRespondersError'))
    return runtimeError(RuntimeCode.NoActor, `no actor at ${subject}`, err);
  if (e.name === 'TimeoutError')
    return runtimeError(RuntimeCode.AskTimeout, `ask to ${subject} timed out`, err);
  return runtimeError(RuntimeCode.Transport, `NATS request to ${subject} failed`, err);
}

/** The trace header of a received message; undefined when absent or empty. */
export function traceparentOf(h: MsgHdrs | undefined): string | undefined {
  return h?.get(TRACE_HEADER) || undefined;
}
