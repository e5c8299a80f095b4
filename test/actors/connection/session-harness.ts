// A Stratum session driven through decide() with a clock the test moves: the config, the
// harness and the job announcements the session tests share.
import type { Dialect } from '../../../actors/connection/dialect.js';
import { hashDialect } from '../../../actors/connection/dialect.js';
import type { Effect, JobAnnouncement } from '../../../actors/connection/messages.js';
import type {
  SessionConfig,
  SessionContext,
  SessionState,
} from '../../../actors/connection/session.js';
import { decide, initSession } from '../../../actors/connection/session.js';
import { DEFAULT_VARDIFF } from '../../../actors/connection/vardiff.js';
import {
  startStratumServer,
  type StratumServer,
  type StratumServerConfig,
} from '../../../actors/connection/server.js';
import type { Runtime } from '../../../runtime/index.js';

export const config: SessionConfig = {
  extranonce2Size: 4,
  versionMask: 0x1fffe000,
  startDifficulty: 16,
  vardiff: DEFAULT_VARDIFF,
  maxJobs: 8,
  maxDedupEntries: 1000,
  maxPendingSubmits: 4,
  verdictTimeoutMs: 10_000,
  maxWorkers: 4,
  handshakeMs: 30_000,
  drainGraceMs: 0,
  banWindow: 20,
  banInvalidFraction: 0.9,
  maxBadRequests: 3,
  rates: {
    'mining.subscribe': [10, 60_000],
    'mining.authorize': [120, 60_000],
    'mining.configure': [10, 60_000],
    'mining.suggest_difficulty': [30, 60_000],
    'mining.extranonce.subscribe': [10, 60_000],
    'mining.submit': [1_000, 1_000],
  },
  idleShareMs: 900_000,
};

export type Harness = ReturnType<typeof harness>;

export function harness(
  extranonce1: string,
  cfg: Partial<SessionConfig> = {},
  dialect: Dialect = hashDialect,
) {
  let now = 1_000_000;
  const ctx = (): SessionContext => ({
    nowMs: now,
    config: { ...config, ...cfg },
    dialect,
    resolveAccount: (a) => (a === 'bad' ? { ok: false, reason: 'not an address' } : { ok: true }),
  });
  const state: SessionState = initSession(extranonce1, ctx());
  const run = (e: Parameters<typeof decide>[1]): Effect[] => decide(state, e, ctx());
  const line = (msg: unknown): Effect[] => run({ type: 'line', line: JSON.stringify(msg) });
  const sent = (effects: Effect[]) =>
    effects
      .filter((e): e is Extract<Effect, { kind: 'send' }> => e.kind === 'send')
      .map((e) => JSON.parse(e.line));
  return { state, run, line, sent, advance: (ms: number) => (now += ms) };
}

export function job(notify: unknown[], networkDifficulty = 1e12): JobAnnouncement {
  return {
    jobId: String(notify[0]),
    family: 'hash',
    notify,
    clean: Boolean(notify[8]),
    networkDifficulty,
  };
}

/** A clean hash job `id` on a zero prevhash. */
export function cleanJob(id: string, networkDifficulty?: number): JobAnnouncement {
  return job(
    [id, '00'.repeat(32), '', '', [], '20000000', '207fffff', '5cb6dd9e', true],
    networkDifficulty,
  );
}

/** Subscribed, authorized as `acct`, with clean job `a` on a zero prevhash. */
export function ready(h: Harness): void {
  h.line({ id: 1, method: 'mining.subscribe', params: [] });
  h.line({ id: 2, method: 'mining.authorize', params: ['acct', ''] });
  h.run({ type: 'job', job: cleanJob('a') });
}

/**
 * A Stratum server on a random loopback port with the session config above and room for 100
 * miners (no Share actor behind it: submits go unanswered); `toAnnouncement` decides which
 * broadcasts are jobs (by default none).
 */
export function startTestStratumServer(
  rt: Runtime,
  toAnnouncement: StratumServerConfig['toAnnouncement'] = () => null,
): Promise<StratumServer> {
  return startStratumServer(rt, {
    host: '127.0.0.1',
    port: 0,
    extranoncePrefix: 1,
    maxConnections: 100,
    maxConnectionsPerIp: 100,
    maxLineBytes: 4096,
    lineMs: 10_000,
    banMs: 60_000,
    banStrikes: 10,
    strikeWindowMs: 60_000,
    output: { maxBytes: 1 << 20, stallMs: 10_000 },
    tickMs: 60_000,
    share: rt.address('share', rt.node),
    jobsTopic: rt.topic('jobs'),
    sessionContext: (nowMs) => ({
      nowMs,
      config,
      dialect: hashDialect,
      resolveAccount: () => ({ ok: true }),
    }),
    toAnnouncement,
  });
}
