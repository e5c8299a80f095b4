// The NATS side of the runtime: production connection options, publishing and requesting
// envelopes with the trace header, and turning nats.js failures into coded errors.
import { readFileSync } from 'node:fs';
import {
  connect,
  credsAuthenticator,
  headers,
  nkeyAuthenticator,
  type MsgHdrs,
  type NatsConnection,
  type NodeConnectionOptions,
} from '@nats-io/transport-node';
import { decodeReply, encodeMessage } from './envelope.js';
import { RuntimeCode, fromErrorRecord, runtimeError, type CodedError } from './errors.js';
import { publishParts } from './parts.js';
import { TRACE_HEADER } from './tracing.js';
import { withoutCredentials } from './nats-urls.js';

/**
 * How a process proves itself to NATS, and checks the server (every process that connects
 * takes the same): user and password (also accepted in the URL, `nats://user:pass@host`,
 * which nats.js would otherwise ignore), a token, an NKey seed file, a `.creds` file (JWT +
 * NKey), and TLS (a CA to check the server by, a client certificate and key to show it).
 */
export interface NatsAuth {
  readonly user?: string;
  readonly pass?: string;
  readonly token?: string;
  readonly nkeySeedFile?: string;
  readonly credsFile?: string;
  readonly tls?: {
    readonly caFile?: string;
    readonly certFile?: string;
    readonly keyFile?: string;
  };
}

/** The servers without credentials in their URLs, and the options that carry them. */
export function authOptions(
  servers: string | string[],
  auth: NatsAuth = {},
): { servers: string[]; options: Partial<NodeConnectionOptions> } {
  const fromUrls = withoutCredentials(servers);
  const clean = fromUrls.servers;
  const user = auth.user ?? fromUrls.user;
  const pass = auth.pass ?? fromUrls.pass;
  const options: Partial<NodeConnectionOptions> = {};
  const read = (file: string): Uint8Array => {
    try {
      return new Uint8Array(readFileSync(file));
    } catch (err) {
      throw runtimeError(RuntimeCode.Transport, `cannot read ${file}: ${String(err)}`, err);
    }
  };
  if (auth.credsFile !== undefined)
    options.authenticator = credsAuthenticator(read(auth.credsFile));
  else if (auth.nkeySeedFile !== undefined) {
    const seed = new TextDecoder().decode(read(auth.nkeySeedFile)).trim();
    options.authenticator = nkeyAuthenticator(new TextEncoder().encode(seed));
  } else if (auth.token !== undefined) options.token = auth.token;
  else if (user !== undefined) {
    options.user = user;
    if (pass !== undefined) options.pass = pass;
  }
  const tls = auth.tls;
  if (tls !== undefined && (tls.caFile || tls.certFile || tls.keyFile))
    options.tls = {
      ...(tls.caFile ? { caFile: tls.caFile } : {}),
      ...(tls.certFile ? { certFile: tls.certFile } : {}),
      ...(tls.keyFile ? { keyFile: tls.keyFile } : {}),
    };
  return { servers: clean, options };
}

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
    // No Error (with its stack) made ahead for every request in case it fails: a node makes
    // one request per share-log record (the JetStream publish) and the stacks cost ~12 µs each;
    // a failed request still rejects with its class and message.
    noAsyncTraces: true,
  };
}

export async function connectNats(
  servers: string | string[],
  node: string,
  overrides: Partial<NodeConnectionOptions> = {},
  auth?: NatsAuth,
): Promise<NatsConnection> {
  const a = authOptions(servers, auth);
  try {
    return await connect({ ...natsOptions(a.servers, node), ...a.options, ...overrides });
  } catch (err) {
    const where = a.servers.join(',');
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
export function connectTool(
  servers: string | string[],
  name: string,
  auth?: NatsAuth,
): Promise<NatsConnection> {
  return connectNats(servers, name, { waitOnFirstConnect: false }, auth);
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
