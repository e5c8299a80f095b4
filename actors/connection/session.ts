// The Stratum session of one miner connection, as pure logic:
//   decide(state, event, ctx) → effects
// Events are the miner's lines, job broadcasts, Share verdicts, timer ticks and drain; the
// effects (send a line, ask Share to verify, close) are carried out by the actor shell.
// The state object belongs to this one session and is updated in place (a node holds up to
// 100k of them and each handles many shares per minute); decide is deterministic: the same
// state, event and ctx give the same effects, so recorded sessions replay.
import type { ParseResult, RequestId, StratumRequest, SubmitParams } from './codec.js';
import { encodeError, encodeNotification, encodeResult, parseLine } from './codec.js';
import type { Dialect } from './dialect.js';
import type { Rejection } from './errors.js';
import type {
  ConnectionEvent,
  Effect,
  JobAnnouncement,
  ReconnectTarget,
  ShareVerdict,
} from './messages.js';
import type { VardiffConfig, VardiffState } from './vardiff.js';
import { initVardiff, onShare, onTick, setMinerDifficulty } from './vardiff.js';
import type { WorkerName } from './worker-name.js';
import { flatCopy, sharedCopy } from '../shared/flat.js';
import {
  compactWorkerName,
  isUsernameOf,
  parsePasswordOptions,
  parseWorkerName,
} from './worker-name.js';
import { negotiateVersionMask } from '../shared/version-rolling.js';

/** Difficulties here (start, vardiff bounds) are in the dialect's work units (see Dialect.toWork). */
export interface SessionConfig {
  extranonce2Size: number;
  /** The pool's version-rolling mask (BIP310); 0 disables version rolling. */
  versionMask: number;
  startDifficulty: number;
  vardiff: VardiffConfig;
  /** Jobs remembered per connection (older job ids answer 21). */
  maxJobs: number;
  /** Dedup entries kept per connection before the oldest jobs are forgotten. */
  maxDedupEntries: number;
  maxPendingSubmits: number;
  /** A submit with no verdict after this long is answered "server busy" (never left hanging). */
  verdictTimeoutMs: number;
  maxWorkers: number;
  handshakeMs: number;
  /**
   * After client.reconnect a draining connection stays open at least this long, answering what
   * the miner had already sent (a submit on the wire when it read the reconnect), unless the
   * miner closes it first, as a miner that follows the reconnect does.
   */
  drainGraceMs: number;
  /** Ban check: over the last `banWindow` judged submits, at least this fraction invalid. */
  banWindow: number;
  banInvalidFraction: number;
  /** Malformed (but JSON) requests tolerated in a row before the connection is closed. */
  maxBadRequests: number;
  /** Requests of each kind a connection may make: a burst of this many, refilled per period. */
  rates: RateLimits;
  /**
   * An authorized connection with no accepted share for this long is closed (slow-loris); a
   * connection whose shares come slowly gets ten times its own mean interval, if longer.
   */
  idleShareMs: number;
}

/** Per kind: [burst, period ms] — at most `burst` at once, refilled at burst per period. */
export type RateLimits = Readonly<Record<RateKind, readonly [number, number]>>;
export type RateKind =
  | 'mining.subscribe'
  | 'mining.authorize'
  | 'mining.configure'
  | 'mining.suggest_difficulty'
  | 'mining.extranonce.subscribe'
  | 'mining.submit';
const RATE_KINDS: readonly RateKind[] = [
  'mining.subscribe',
  'mining.authorize',
  'mining.configure',
  'mining.suggest_difficulty',
  'mining.extranonce.subscribe',
  'mining.submit',
];

/** `payoutScript` (hex) is set in SOLO mode: the coinbase pays that script. */
export type AccountResolution = { ok: true; payoutScript?: string } | { ok: false; reason: string };

export interface SessionContext {
  readonly nowMs: number;
  readonly config: SessionConfig;
  readonly dialect: Dialect;
  /** Coin-specific check of the account part of a username (address decoding). */
  readonly resolveAccount: (account: string) => AccountResolution;
}

interface LocalJob {
  /** The id this connection was given (the job id, or a re-issue's `id.n`). */
  readonly localId: string;
  readonly job: JobAnnouncement;
  /** Wire difficulty the job was issued at. */
  readonly difficulty: number;
  stale: boolean;
}

export interface SessionState {
  readonly extranonce1: string;
  readonly openedAtMs: number;
  userAgent: string | null;
  subscribed: boolean;
  /**
   * The first authorized worker (most connections have one, kept without a Map and without its
   * username: a submit's username is matched against it, see isUsernameOf) …
   */
  worker: WorkerName | null;
  /** … and any others by username (null until a second one authorizes). */
  moreWorkers: Map<string, WorkerName> | null;
  /** SOLO: the one payout script of this connection (its first authorized address). */
  payoutScript: string | null;
  versionMask: number;
  vardiff: VardiffState;
  /** Difficulty last announced to the miner (null before the first set_difficulty). */
  sentDifficulty: number | null;
  current: JobAnnouncement | null;
  /**
   * The jobs issued to this connection and the difficulty of each, oldest first: a short list
   * (maxJobs) searched linearly, lighter than a Map on each of 100k idle connections.
   */
  jobs: LocalJob[];
  reissues: number;
  /** The submits it remembers, to refuse duplicates (see Dedup). */
  dedup: Dedup;
  dedupEntries: number;
  /** Submits waiting for a verdict: request id → the miner's id, the share's difficulty, when sent. */
  pending: Map<number, { id: RequestId; difficulty: number; atMs: number; worker: WorkerName }>;
  nextRequestId: number;
  recent: boolean[];
  badRequests: number;
  /**
   * Token buckets per request kind (tokens, then the time they were counted, per RATE_KINDS
   * index); null for a connection's first few requests (a handshake), so an idle connection
   * holds none: `handshake` records those (each kind's index + 1, a base-8 digit each), and
   * each is charged to its kind's bucket once the buckets exist.
   */
  rates: Float64Array | null;
  handshake: number;
  /** The last accepted share, or when the connection was authorized (idle-share timeout). */
  lastShareAtMs: number;
  /** Mean time between its accepted shares (moving average; 0: none yet). */
  shareIntervalMs: number;
  draining: boolean;
  /** When it was told to reconnect (draining). */
  drainingAtMs: number;
  closed: boolean;
}

/**
 * A connection's submits per global job id, by nonce: nonce → the submit's `en2:ntime:extra`
 * (one string, or a Set once submits share a nonce). Looked up by the nonce, an int32 (a small
 * integer: hashed without allocation), so a miner rolling nonces under the same extranonce2 and
 * ntime pays no string per submit: the last submit's fields and their key are kept, and a submit
 * with the same ones reuses that key. Keyed the other way round (by the string, then a Set of
 * nonces), each submit built and hashed its key and its nonce went into a Set grown to thousands:
 * those lookups were 5.2 % of a flooded node's main thread, these are 2.5 %.
 */
export interface Dedup {
  readonly byJob: Map<string, Map<number, string | Set<string>>>;
  lastEn2: string;
  lastNtime: number;
  lastExtra: string | null;
  /** `lastEn2:lastNtime:lastExtra`, one flat copy. */
  lastKey: string;
}

/**
 * Idle connections share these empty tables (a node holds up to 100k sessions, most idle); a
 * session gets its own on its first submit. Never written: every write site checks first.
 */
const newDedup = (): Dedup => ({
  byJob: new Map(),
  lastEn2: '',
  lastNtime: -1,
  lastExtra: null,
  lastKey: '',
});
const NO_DEDUP = newDedup();
const NO_PENDING: SessionState['pending'] = new Map();
const NO_RECENT: boolean[] = [];

export function initSession(extranonce1: string, ctx: SessionContext): SessionState {
  const { config, nowMs } = ctx;
  return {
    extranonce1,
    openedAtMs: nowMs,
    userAgent: null,
    subscribed: false,
    worker: null,
    moreWorkers: null,
    payoutScript: null,
    versionMask: 0,
    vardiff: initVardiff(config.vardiff, config.startDifficulty, nowMs),
    sentDifficulty: null,
    current: null,
    jobs: [],
    reissues: 0,
    dedup: NO_DEDUP,
    dedupEntries: 0,
    pending: NO_PENDING,
    nextRequestId: 1,
    recent: NO_RECENT,
    badRequests: 0,
    rates: null,
    handshake: 0,
    lastShareAtMs: nowMs,
    shareIntervalMs: 0,
    draining: false,
    drainingAtMs: 0,
    closed: false,
  };
}

export function decide(s: SessionState, event: ConnectionEvent, ctx: SessionContext): Effect[] {
  if (s.closed) return [];
  const out: Effect[] = [];
  switch (event.type) {
    case 'line':
      onParsed(s, parseLine(event.line), ctx, out);
      break;
    case 'line-too-long':
      close(s, out, 'line too long', true);
      break;
    case 'job':
      onJob(s, event.job, ctx, out);
      break;
    case 'verdict':
      onVerdict(s, event.verdict, ctx, out);
      break;
    case 'tick':
      onTickEvent(s, ctx, out);
      break;
    case 'drain':
      s.draining = true;
      s.drainingAtMs = ctx.nowMs;
      out.push({ kind: 'send', line: reconnectLine(event.to) });
      drained(s, ctx, out);
      break;
  }
  return out;
}

/**
 * The client.reconnect line that sends a miner to `to` (a drain's sibling, a full node's
 * redirect); without `to`, back to the same address. Params: [host, port, wait seconds], or [].
 * The port is a string: cgminer and sgminer read it with json_string_value and keep their old
 * port when it is a number (ckpool sends strings too).
 */
export function reconnectLine(to?: ReconnectTarget): string {
  const params = to === undefined ? [] : [to.host, String(to.port), to.waitSeconds];
  return encodeNotification('client.reconnect', params);
}

function onParsed(s: SessionState, r: ParseResult, ctx: SessionContext, out: Effect[]): void {
  if (!r.ok) {
    reply(out, r.id, r.rejection, r.detail);
    s.badRequests++;
    if (r.fatal || s.badRequests > ctx.config.maxBadRequests)
      close(s, out, `bad request: ${r.detail}`, false);
    return;
  }
  s.badRequests = 0;
  onRequest(s, r.request, ctx, out);
}

function onRequest(s: SessionState, req: StratumRequest, ctx: SessionContext, out: Effect[]): void {
  const { config } = ctx;
  if (req.method !== 'reply' && !takeToken(s, req.method, ctx)) {
    const [burst, periodMs] = config.rates[req.method];
    const detail = `${req.method} at most ${burst} per ${periodMs / 1000} s`;
    return reject(s, ctx, out, req.id, 'rate-limited', detail, true);
  }
  switch (req.method) {
    case 'reply':
      return;
    case 'mining.subscribe':
      s.subscribed = true;
      s.userAgent = req.userAgent === null ? null : sharedCopy(req.userAgent); // fleets repeat it
      respond(out, req.id, [
        [
          ['mining.set_difficulty', s.extranonce1],
          ['mining.notify', s.extranonce1],
        ],
        s.extranonce1,
        config.extranonce2Size,
      ]);
      return startWork(s, ctx, out);
    case 'mining.configure':
      return respond(out, req.id, configure(s, req.extensions, req.options, config));
    case 'mining.authorize':
      return authorize(s, req.id, req.username, req.password, ctx, out);
    case 'mining.suggest_difficulty':
      askDifficulty(s, req.difficulty, ctx);
      if (req.id !== null) respond(out, req.id, true);
      return announceDifficulty(s, ctx, out);
    case 'mining.extranonce.subscribe':
      return respond(out, req.id, true);
    case 'mining.submit':
      return submit(s, req.id, req.submit, ctx, out);
  }
}

/** Requests a connection makes before it has token buckets (subscribe, configure, authorize…). */
const HANDSHAKE_REQUESTS = 4;

/** One request of `kind` from the connection's bucket; false when it is empty. */
function takeToken(s: SessionState, kind: RateKind, ctx: SessionContext): boolean {
  const [burst, periodMs] = ctx.config.rates[kind];
  const i = RATE_KINDS.indexOf(kind) * 2;
  if (s.rates === null) {
    // Unmetered while fewer than the smallest burst: no bucket can be overdrawn by them.
    const free = Math.min(HANDSHAKE_REQUESTS, ...RATE_KINDS.map((k) => ctx.config.rates[k][0]));
    let made = 0;
    for (let h = s.handshake; h > 0; h = Math.floor(h / 8)) made++;
    if (made < free) {
      s.handshake = s.handshake * 8 + i / 2 + 1;
      return true;
    }
    s.rates = new Float64Array(RATE_KINDS.length * 2);
    for (let k = 0; k < RATE_KINDS.length; k++) {
      s.rates[k * 2] = ctx.config.rates[RATE_KINDS[k]!][0];
      s.rates[k * 2 + 1] = ctx.nowMs;
    }
    for (let h = s.handshake; h > 0; h = Math.floor(h / 8)) s.rates[((h % 8) - 1) * 2]! -= 1;
  }
  const r = s.rates;
  const refilled = Math.min(burst, r[i]! + ((ctx.nowMs - r[i + 1]!) * burst) / periodMs);
  r[i + 1] = ctx.nowMs;
  if (refilled < 1) {
    r[i] = refilled;
    return false;
  }
  r[i] = refilled - 1;
  return true;
}

function configure(
  s: SessionState,
  extensions: string[],
  options: Record<string, unknown>,
  config: SessionConfig,
): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const ext of extensions) {
    if (ext === 'version-rolling' && config.versionMask !== 0) {
      const asked = options['version-rolling.mask'];
      const minerMask =
        typeof asked === 'string' && /^[0-9a-fA-F]{1,8}$/.test(asked)
          ? parseInt(asked, 16)
          : 0xffffffff;
      s.versionMask = negotiateVersionMask(config.versionMask, minerMask);
      result['version-rolling'] = true;
      result['version-rolling.mask'] = s.versionMask.toString(16).padStart(8, '0');
    } else {
      result[ext] = false;
    }
  }
  return result;
}

function authorize(
  s: SessionState,
  id: RequestId,
  username: string,
  password: string,
  ctx: SessionContext,
  out: Effect[],
): void {
  const parsed = parseWorkerName(username);
  if (!parsed.ok) return reply(out, id, 'unauthorized', parsed.reason);
  const account = ctx.resolveAccount(parsed.name.account);
  if (!account.ok) return reply(out, id, 'unauthorized', account.reason);
  if (!workerOf(s, username) && workerCount(s) >= ctx.config.maxWorkers) {
    return reply(
      out,
      id,
      'unauthorized',
      `at most ${ctx.config.maxWorkers} workers per connection`,
    );
  }
  const script = account.payoutScript ?? null;
  if (script !== null && s.payoutScript !== null && script !== s.payoutScript) {
    return reply(out, id, 'unauthorized', 'solo mining: one payout address per connection');
  }
  if (script !== null) s.payoutScript = script;
  if (s.worker === null) s.lastShareAtMs = ctx.nowMs; // the idle clock starts at authorize
  addWorker(s, username, parsed.name);
  const { difficulty } = parsePasswordOptions(password);
  if (difficulty !== null) askDifficulty(s, difficulty, ctx);
  respond(out, id, true);
  out.push({ kind: 'authorized', worker: parsed.name });
  if (s.sentDifficulty === null) startWork(s, ctx, out);
  else announceDifficulty(s, ctx, out);
}

/**
 * The miner's own difficulty (`d=` in the password, mining.suggest_difficulty; wire units):
 * clamped to the pool's bounds, it is the connection's difficulty from now on and its vardiff
 * floor. Before the first job that makes it the start difficulty; once work was sent the
 * caller re-issues the current job at it (ckpool retargets a late suggestion at once too).
 * The latest ask wins.
 */
function askDifficulty(s: SessionState, wireDifficulty: number, ctx: SessionContext): void {
  const work = ctx.dialect.toWork(wireDifficulty);
  s.vardiff = setMinerDifficulty(ctx.config.vardiff, s.vardiff, work, ctx.nowMs);
}

function workerOf(s: SessionState, username: string): WorkerName | undefined {
  return s.worker !== null && isUsernameOf(username, s.worker)
    ? s.worker
    : s.moreWorkers?.get(username);
}

function workerCount(s: SessionState): number {
  return (s.worker === null ? 0 : 1) + (s.moreWorkers?.size ?? 0);
}

function addWorker(s: SessionState, username: string, name: WorkerName): void {
  if (s.worker === null || isUsernameOf(username, s.worker)) s.worker = compactWorkerName(name);
  else (s.moreWorkers ??= new Map()).set(username, name);
}

/** First work once subscribed and authorized: set_difficulty, then notify. */
function startWork(s: SessionState, ctx: SessionContext, out: Effect[]): void {
  if (!s.subscribed || s.worker === null || s.current === null || s.sentDifficulty !== null) return;
  issue(s, s.current, s.current.clean, ctx, out);
}

function onJob(s: SessionState, job: JobAnnouncement, ctx: SessionContext, out: Effect[]): void {
  // The same job twice (a node that joined late gets it from the leader and then, perhaps, from
  // the broadcast too): job ids are unique per leader term, so it is nothing new.
  if (s.current?.jobId === job.jobId) return;
  if (job.clean) {
    for (const local of s.jobs) local.stale = true;
    s.dedup = NO_DEDUP; // the old jobs' keys can never match again
    s.dedupEntries = 0;
  }
  s.current = job;
  if (s.subscribed && s.worker !== null && !s.draining) issue(s, job, job.clean, ctx, out);
}

/** Send `job` at the connection's current difficulty (announcing it first if it changed). */
function issue(
  s: SessionState,
  job: JobAnnouncement,
  clean: boolean,
  ctx: SessionContext,
  out: Effect[],
): void {
  const difficulty = ctx.dialect.fromWork(effectiveDifficulty(s, job));
  if (s.sentDifficulty !== difficulty) {
    const n = ctx.dialect.difficultyNotification(difficulty);
    out.push({ kind: 'send', line: encodeNotification(n.method, n.params) });
    s.sentDifficulty = difficulty;
  }
  const localId =
    localJob(s, job.jobId) !== undefined
      ? `${job.jobId}.${(++s.reissues).toString(16)}`
      : job.jobId;
  const local: LocalJob = { localId, job, difficulty, stale: false };
  if (s.jobs.length < ctx.config.maxJobs) {
    // A new array of exactly the right length (push would leave room for 16 more on each session).
    s.jobs = s.jobs.concat(local);
  } else {
    // Full (maxJobs ≥ 1 of them): the oldest goes and the same array takes the new one in its
    // last slot (no array per job per miner, and no change of length: a slow path of its own).
    const oldest = s.jobs[0]!;
    s.jobs.copyWithin(0, 1);
    s.jobs[s.jobs.length - 1] = local;
    forgotten(s, oldest);
  }
  out.push({
    kind: 'send',
    line: notifyLine(job, localId, difficulty, clean, s.payoutScript, ctx),
  });
}

/**
 * A memo of encoded notify lines, keyed by the broadcast's (shared, frozen) params array:
 * thousands of connections sent the same job at the same difficulty get the same bytes, so
 * the JSON is built once per node instead of once per connection. A pure cache of a pure
 * function (it changes no result); only first issues (local id = job id, no SOLO coinbase)
 * are memoized, so its size is bounded by jobs × difficulties × 2.
 */
const notifyLines = new WeakMap<readonly unknown[], Map<string, string>>();
/** The memo's last answer: a broadcast asks for the same line thousands of times in a row. */
let last = { notify: null as readonly unknown[] | null, difficulty: 0, clean: false, line: '' };

function notifyLine(
  job: JobAnnouncement,
  localId: string,
  difficulty: number,
  clean: boolean,
  payoutScript: string | null,
  ctx: SessionContext,
): string {
  const memo = payoutScript === null && localId === job.jobId;
  if (memo && last.notify === job.notify && last.difficulty === difficulty && last.clean === clean)
    return last.line;
  const build = (): string =>
    encodeNotification(
      'mining.notify',
      ctx.dialect.notifyParams(job, localId, difficulty, clean, payoutScript),
    );
  if (!memo) return build();
  let lines = notifyLines.get(job.notify);
  if (!lines) notifyLines.set(job.notify, (lines = new Map()));
  const key = `${difficulty}|${clean ? 1 : 0}`;
  let line = lines.get(key);
  if (line === undefined) lines.set(key, (line = build()));
  last = { notify: job.notify, difficulty, clean, line };
  return line;
}

/** The vardiff difficulty (work units), never above the network's (a share harder than a block is pointless). */
function effectiveDifficulty(s: SessionState, job: JobAnnouncement): number {
  const d = s.vardiff.difficulty;
  return job.networkDifficulty > 0 &&
    d > job.networkDifficulty &&
    s.vardiff.floor <= job.networkDifficulty
    ? job.networkDifficulty
    : d;
}

/** After a difficulty change: announce it with a re-issue of the current job (miners apply it from the next notify). */
function announceDifficulty(s: SessionState, ctx: SessionContext, out: Effect[]): void {
  if (s.sentDifficulty === null || s.current === null || s.draining) return;
  if (ctx.dialect.fromWork(effectiveDifficulty(s, s.current)) === s.sentDifficulty) return;
  issue(s, s.current, false, ctx, out);
}

function localJob(s: SessionState, localId: string): LocalJob | undefined {
  for (let i = s.jobs.length - 1; i >= 0; i--) if (s.jobs[i]!.localId === localId) return s.jobs[i];
  return undefined;
}

/** Drops the oldest job (in place), and its dedup keys unless a newer entry (or `incoming`) is of that job. */
function forgetOldestJob(s: SessionState): void {
  const local = s.jobs[0];
  if (!local) return;
  s.jobs.copyWithin(0, 1);
  s.jobs.length--;
  forgotten(s, local);
}

/** `local` has left the connection's jobs: its dedup keys go unless another holds its job. */
function forgotten(s: SessionState, local: LocalJob): void {
  for (const other of s.jobs) if (other.job.jobId === local.job.jobId) return;
  const byNonce = s.dedup.byJob.get(local.job.jobId);
  if (byNonce) {
    for (const keys of byNonce.values()) s.dedupEntries -= typeof keys === 'string' ? 1 : keys.size;
    s.dedup.byJob.delete(local.job.jobId);
  }
}

function submit(
  s: SessionState,
  id: RequestId,
  p: SubmitParams,
  ctx: SessionContext,
  out: Effect[],
): void {
  const { config } = ctx;
  if (!s.subscribed) return reject(s, ctx, out, id, 'not-subscribed', '', false);
  const worker = workerOf(s, p.worker);
  if (!worker) return reject(s, ctx, out, id, 'unauthorized', p.worker.slice(0, 64), false);
  const local = localJob(s, p.jobId);
  if (!local) return reject(s, ctx, out, id, 'stale', 'unknown job', true, worker);
  if (p.extranonce2.length !== config.extranonce2Size * 2) {
    return reject(
      s,
      ctx,
      out,
      id,
      'bad-extranonce2',
      `expected ${config.extranonce2Size} bytes`,
      true,
      worker,
    );
  }
  const shape = ctx.dialect.checkSubmit(p.extra, p.claim);
  if (shape) return reject(s, ctx, out, id, shape.rejection, shape.detail, true, worker);
  if (s.pending.size >= config.maxPendingSubmits)
    return reject(s, ctx, out, id, 'too-many-pending', '', false);
  const d = s.dedup === NO_DEDUP ? (s.dedup = newDedup()) : s.dedup;
  if (p.extranonce2 !== d.lastEn2 || p.ntime !== d.lastNtime || p.extra !== d.lastExtra) {
    d.lastKey = flatCopy(`${p.extranonce2}:${p.ntime}:${p.extra ?? ''}`);
    d.lastEn2 = p.extranonce2;
    d.lastNtime = p.ntime;
    d.lastExtra = p.extra;
  }
  const key = d.lastKey;
  const nonce = p.nonce | 0;
  let byNonce = d.byJob.get(local.job.jobId);
  const seen = byNonce?.get(nonce);
  if (seen !== undefined && (typeof seen === 'string' ? seen === key : seen.has(key)))
    return reject(s, ctx, out, id, 'duplicate', '', true, worker);
  if (!byNonce) d.byJob.set(local.job.jobId, (byNonce = new Map()));
  if (seen === undefined) byNonce.set(nonce, key);
  else if (typeof seen === 'string') byNonce.set(nonce, new Set([seen, key]));
  else seen.add(key);
  s.dedupEntries++;
  while (s.dedupEntries > config.maxDedupEntries && s.jobs.length > 1) forgetOldestJob(s);
  const requestId = s.nextRequestId++;
  if (s.pending === NO_PENDING) s.pending = new Map();
  s.pending.set(requestId, { id, difficulty: local.difficulty, atMs: ctx.nowMs, worker });
  out.push({
    kind: 'verify',
    id,
    share: {
      requestId,
      jobId: local.job.jobId,
      worker,
      extranonce1: s.extranonce1,
      extranonce2: p.extranonce2,
      ntime: p.ntime,
      nonce: p.nonce,
      extra: p.extra,
      chainClaim: p.claim === null ? null : p.claim.toUpperCase(), // one shape for every submit
      versionMask: s.versionMask,
      difficulty: local.difficulty,
      payoutScript: s.payoutScript,
    },
  });
}

function onVerdict(s: SessionState, v: ShareVerdict, ctx: SessionContext, out: Effect[]): void {
  const pending = s.pending.get(v.requestId);
  if (pending === undefined) return;
  s.pending.delete(v.requestId);
  if (v.verdict === 'accepted') {
    respond(out, pending.id, true);
    count(s, ctx, out, false);
    const interval = ctx.nowMs - s.lastShareAtMs;
    s.shareIntervalMs =
      s.shareIntervalMs === 0 ? interval : s.shareIntervalMs * 0.9 + interval * 0.1;
    s.lastShareAtMs = ctx.nowMs;
    s.vardiff = onShare(
      vardiffConfig(s, ctx),
      s.vardiff,
      ctx.dialect.toWork(pending.difficulty),
      ctx.nowMs,
    );
    announceDifficulty(s, ctx, out);
  } else {
    // Stale work counts against the connection too (relative to its valid work: the window
    // holds both); only the pool's own trouble (busy) does not.
    const ours = v.verdict === 'server-busy';
    reject(s, ctx, out, pending.id, v.verdict, v.detail ?? '', !ours, ours ? null : pending.worker);
  }
  drained(s, ctx, out);
}

function vardiffConfig(s: SessionState, ctx: SessionContext): VardiffConfig {
  const net = s.current?.networkDifficulty ?? 0;
  const cfg = ctx.config.vardiff;
  if (!(net > 0) || net >= cfg.maxDifficulty) return cfg;
  // Capped at the network's difficulty: one object per (config, network difficulty), not per share.
  let capped = cappedConfigs.get(cfg);
  if (capped?.net !== net)
    cappedConfigs.set(
      cfg,
      (capped = { net, cfg: { ...cfg, maxDifficulty: Math.max(cfg.minDifficulty, net) } }),
    );
  return capped.cfg;
}
const cappedConfigs = new WeakMap<VardiffConfig, { net: number; cfg: VardiffConfig }>();

/** A draining connection closes once nothing is in flight and its grace has passed. */
function drained(s: SessionState, ctx: SessionContext, out: Effect[]): void {
  if (!s.draining || s.closed || s.pending.size > 0) return;
  if (ctx.nowMs - s.drainingAtMs >= ctx.config.drainGraceMs) close(s, out, 'drain', false);
}

function onTickEvent(s: SessionState, ctx: SessionContext, out: Effect[]): void {
  for (const [requestId, p] of s.pending) {
    if (ctx.nowMs - p.atMs < ctx.config.verdictTimeoutMs) continue;
    onVerdict(s, { requestId, verdict: 'server-busy', detail: 'verification timed out' }, ctx, out);
  }
  drained(s, ctx, out);
  if (s.closed) return;
  const ready = s.subscribed && s.worker !== null;
  if (!ready && ctx.nowMs - s.openedAtMs >= ctx.config.handshakeMs) {
    return close(s, out, 'no subscribe/authorize in time', false);
  }
  if (!ready || s.sentDifficulty === null) return;
  const idleLimit = Math.max(ctx.config.idleShareMs, 10 * s.shareIntervalMs);
  if (s.pending.size === 0 && ctx.nowMs - s.lastShareAtMs >= idleLimit) {
    const seconds = Math.round((ctx.nowMs - s.lastShareAtMs) / 1000);
    return close(s, out, `no valid share (in ${seconds} s)`, false);
  }
  s.vardiff = onTick(vardiffConfig(s, ctx), s.vardiff, ctx.nowMs);
  announceDifficulty(s, ctx, out);
}

/** Rejects a request; `invalid` ones (and stale work) count toward the ban check. */
function reject(
  s: SessionState,
  ctx: SessionContext,
  out: Effect[],
  id: RequestId,
  rejection: Rejection,
  detail: string,
  invalid: boolean,
  /** The worker whose share it was (the statistics count it), or null. */
  worker: WorkerName | null = null,
): void {
  reply(out, id, rejection, detail);
  out.push({ kind: 'rejected', rejection, detail, worker });
  if (invalid || rejection === 'unauthorized' || rejection === 'not-subscribed')
    count(s, ctx, out, true);
}

/** Ban check over the last `banWindow` judged requests. */
function count(s: SessionState, ctx: SessionContext, out: Effect[], invalid: boolean): void {
  const { banWindow, banInvalidFraction } = ctx.config;
  if (s.recent === NO_RECENT) s.recent = [];
  s.recent.push(invalid);
  if (s.recent.length > banWindow) s.recent.shift();
  if (!invalid || s.recent.length < banWindow) return;
  const bad = s.recent.reduce((n, b) => n + (b ? 1 : 0), 0);
  if (bad / s.recent.length >= banInvalidFraction) close(s, out, 'flood of invalid requests', true);
}

function respond(out: Effect[], id: RequestId, result: unknown): void {
  if (id !== null) out.push({ kind: 'send', line: encodeResult(id, result) });
}

function reply(out: Effect[], id: RequestId, rejection: Rejection, detail: string): void {
  out.push({ kind: 'send', line: encodeError(id, rejection, detail || undefined) });
}

function close(s: SessionState, out: Effect[], reason: string, ban: boolean): void {
  if (s.closed) return;
  s.closed = true;
  out.push({ kind: 'close', reason, ban });
}
