// The Stratum listener of one node: accepts sockets (a global cap here; the per-IP cap, bans
// and the extranonce1 each gets are admission.ts's), spawns its Connection actor, frames its
// bytes into lines, remembers the latest job for late sockets and ticks sessions for vardiff
// and handshake timeouts.
import { createServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer, Server as TlsServer, TLSSocket } from 'node:tls';
import { once } from 'node:events';
import { bindReusePort } from '../../native/index.js';
import { LISTEN_BACKLOG } from '../shared/listen-backlog.js';
import {
  freezeBroadcast,
  type ActorOptions,
  type Address,
  type Runtime,
  type Topic,
} from '../../runtime/index.js';
import { connectionActor, connectionOf, type ConnectionHooks } from './actor.js';
import { SubmitLoad, type SubmitLoadStats } from './load.js';
import { Admission } from './admission.js';
import type { OutputLimits } from './output.js';
import {
  validateConnectionMessage,
  type ConnectionMessage,
  type Effect,
  type JobAnnouncement,
} from './messages.js';
import { reconnectLine, type SessionContext } from './session.js';

export interface StratumServerConfig {
  readonly host: string;
  readonly port: number;
  /**
   * Bind the listeners with SO_REUSEPORT (the hosts then numeric): each process of a node of
   * several binds the one port, and the kernel spreads new connections over them.
   */
  readonly reusePort?: boolean;
  /**
   * Submits in flight on the whole node (handed to the Share actor, not yet answered) past which
   * sockets that send more are not read until answers make room (load.ts); absent: no limit.
   */
  readonly maxNodePendingSubmits?: number;
  /** One byte per node, from the cluster's prefix registry: en1 = prefix ‖ 3-byte counter. */
  readonly extranoncePrefix: number;
  readonly maxConnections: number;
  readonly maxConnectionsPerIp: number;
  readonly maxLineBytes: number;
  /** A started line must end within this long. */
  readonly lineMs: number;
  readonly banMs: number;
  /** Misbehaving connections from one address within strikeWindowMs that ban it. */
  readonly banStrikes: number;
  readonly strikeWindowMs: number;
  /** Bounds on the output waiting for one socket (a client that does not read is cut). */
  readonly output: OutputLimits;
  /**
   * Stratum over TLS beside plain TCP (same sessions, limits and bans): where it listens, and
   * the certificate chain and key (PEM). Absent: plain TCP only.
   */
  readonly tls?: {
    readonly host: string;
    readonly port: number;
    readonly cert: Buffer;
    readonly key: Buffer;
  };
  /** This node banned an address (for the cluster's ban list). */
  readonly onBan?: (ban: { ip: string; reason: string; untilMs: number }) => void;
  readonly tickMs: number;
  readonly share: Address;
  readonly jobsTopic: Topic;
  readonly sessionContext: (nowMs: number) => SessionContext;
  /** Converts the Job actor's broadcast into what sessions consume (per PoW family). */
  readonly toAnnouncement: (msg: unknown) => JobAnnouncement | null;
  readonly onEffect?: (effect: Effect) => void;
  /** A worker's share was refused (ConnectionHooks.onRefused). */
  readonly onRefused?: ConnectionHooks['onRefused'];
  /** Where a draining node sends each miner (ConnectionHooks.reconnectTo). */
  readonly reconnectTo?: ConnectionHooks['reconnectTo'];
  /**
   * Where a miner this node cannot take (full, draining, its prefix suspended) is sent by
   * client.reconnect instead of being closed on (the cluster registry's sibling with room);
   * null or absent: the socket is closed, and the miner tries again as it will.
   */
  readonly redirectTo?: ConnectionHooks['reconnectTo'];
  /**
   * How a drain tells its miners to move: `perSecond` of them a second, in the order they
   * came, so the siblings take them in step and the rest keep mining here until their turn
   * (0: all at once); the whole spread takes at most `maxSpreadMs`. Absent: all at once.
   */
  readonly drain?: DrainPace;
}

export interface DrainPace {
  readonly perSecond: number;
  readonly maxSpreadMs: number;
}

export interface StratumServer {
  readonly port: number;
  /** The TLS listener's port (null: no TLS listener). */
  readonly tlsPort: number | null;
  /** A renewed certificate and key for the TLS listener (new handshakes use them). */
  reloadTls(cert: Buffer, key: Buffer): void;
  readonly connections: number;
  /** The most connections it admits (plain and TLS together). */
  readonly maxConnections: number;
  /**
   * The current job, asked of the Job leader at start: a node joining a running cluster has had
   * no broadcast yet. Ignored once a broadcast has arrived (that one is at least as new).
   */
  offer(job: unknown): void;
  /** Sockets refused, closed and addresses banned, by reason, since start. */
  readonly stats: StratumStats;
  /** Refuses `ip` until `untilMs` (a ban from the cluster's list). */
  ban(ip: string, untilMs: number): void;
  /** Lifts a ban on `ip`. */
  unban(ip: string): void;
  /** The node's extranonce prefix claim is suspended: admit no new socket. */
  pauseAccepting(): void;
  /**
   * The claim holds again on `prefix`; when it `moved`, the sessions on the old prefix are told
   * to reconnect (as in a drain: after their shares in flight), and come back under the new one.
   */
  resumeAccepting(prefix: number, moved: boolean): void;
  stop(): Promise<void>;
}

export interface StratumStats {
  /** Sockets refused at accept: closed (draining), banned, per-ip-limit, no-extranonce, full. */
  readonly refused: Record<string, number>;
  /** Connections closed, by reason (the reason up to its first ':' or '('). */
  readonly closed: Record<string, number>;
  /** Addresses this node banned, by the reason of the strike that banned them. */
  readonly bans: Record<string, number>;
  /** The node's submits in flight and the sockets not read for it (load.ts; null: no limit). */
  readonly load: SubmitLoadStats | null;
}

const TICK_SLICES = 10;
/** A TLS client must finish its handshake within this long. */
const TLS_HANDSHAKE_MS = 10_000;
/** A redirected socket (client.reconnect written) is closed after this long at most. */
const REDIRECT_MS = 2_000;
/** TCP keepalive: the first probe after this long without a packet (a miner whose machine went). */
const KEEPALIVE_MS = 60_000;
/**
 * Sockets accepted this soon after the listener took its options get them one by one too: a
 * handshake the kernel completed before (between listen() and the options) copied none.
 */
const INHERIT_GRACE_MS = 1_000;
/**
 * Sockets past the cap that may wait to be redirected (Node destroys any more at once): 2 % of
 * the cap, 16 to 1,024, well inside the 5 % of the open-file limit the cap leaves (fd-limit.ts).
 */
const redirectHeadroom = (cap: number): number =>
  Math.min(1_024, Math.max(16, Math.floor(cap * 0.02)));

/** What the accept path, the socket listeners and the job follower of one listener share. */
interface Stratum {
  readonly rt: Runtime;
  readonly cfg: StratumServerConfig;
  readonly log: Runtime['log'];
  readonly gate: Admission;
  /** extranonce1 → socket (its Connection hangs off it). */
  readonly live: Map<string, Socket>;
  readonly jobs: LatestJob;
  /** What the node counts itself; `load` is the SubmitLoad's, asked when stats are read. */
  readonly stats: Omit<StratumStats, 'load'>;
  readonly load: SubmitLoad | undefined;
  /** A socket past the cap: counted, and the cap said once per episode. */
  full(): void;
  /** Set once the node drains: each Connection's wait before it tells its miner to move. */
  drainTurns: DrainTurns | null;
}

/** The address a ban or per-IP limit counts: IPv4-mapped IPv6 as plain IPv4. */
export function sourceAddress(socket: Socket): string {
  const ip = socket.remoteAddress ?? 'unknown';
  return ip.startsWith('::ffff:') && ip.includes('.') ? ip.slice(7) : ip;
}

const bump = (counts: Record<string, number>, key: string): void => {
  counts[key] = (counts[key] ?? 0) + 1;
};

/** A close reason's label for metrics: its text up to the first ':' or '('. */
export function reasonLabel(reason: string): string {
  return reason.split(/[:(]/, 1)[0]!.trim();
}

export async function startStratumServer(
  rt: Runtime,
  cfg: StratumServerConfig,
): Promise<StratumServer> {
  let atCap = false;
  const s: Stratum = {
    rt,
    cfg,
    log: rt.log.child({ actor: 'stratum' }),
    gate: new Admission({
      extranoncePrefix: cfg.extranoncePrefix,
      maxPerIp: cfg.maxConnectionsPerIp,
      banMs: cfg.banMs,
      strikes: cfg.banStrikes,
      strikeWindowMs: cfg.strikeWindowMs,
    }),
    live: new Map(),
    jobs: followJobs(rt, cfg),
    stats: { refused: {}, closed: {}, bans: {} },
    load:
      cfg.maxNodePendingSubmits === undefined
        ? undefined
        : new SubmitLoad(
            cfg.maxNodePendingSubmits,
            cfg.sessionContext(0).config.maxPendingSubmits,
            () =>
              s.log.warn(
                { limit: cfg.maxNodePendingSubmits },
                'submits in flight over the node limit: not reading the miners that send more until answers make room',
              ),
          ),
    drainTurns: null,
    full: () => {
      bump(s.stats.refused, 'full');
      if (atCap) return;
      atCap = true;
      s.log.warn(
        { maxConnections: cfg.maxConnections },
        'connection cap reached: new miners are refused (or sent to a sibling with room) until some leave',
      );
    },
  };
  const plainTuning: Tuning = { inheritedSince: null };
  const server: Server = createServer(acceptor(s, plainTuning));
  // The cap is the acceptor's (a socket past it hears where a sibling has room); Node's own,
  // redirectHeadroom above, destroys sockets before any JS runs for them: a flood past the
  // cap while redirected sockets wait to close costs no more than that.
  server.maxConnections = cfg.maxConnections + redirectHeadroom(cfg.maxConnections);
  server.on('drop', () => s.full());
  const ticker = tickSessions(rt, s.live, cfg.tickMs);
  // Drain: refuse new sockets at once; the Connection actors then tell their miners to
  // reconnect elsewhere and close once their shares in flight are answered.
  const tlsTuning: Tuning = { inheritedSince: null };
  const tlsServer =
    cfg.tls === undefined
      ? null
      : createTlsServer(
          { cert: cfg.tls.cert, key: cfg.tls.key, handshakeTimeout: TLS_HANDSHAKE_MS },
          acceptor(s, tlsTuning),
        ).on('tlsClientError', () => bump(s.stats.refused, 'tls-handshake'));
  rt.onDrain(() => {
    s.drainTurns = drainTurns(cfg.drain, s.live.size);
    s.gate.close();
    server.close();
    tlsServer?.close();
  });
  const port = await listen(server, plainTuning, s, cfg.host, cfg.port, cfg.reusePort === true);
  const tlsPort =
    tlsServer === null || cfg.tls === undefined
      ? null
      : await listen(tlsServer, tlsTuning, s, cfg.tls.host, cfg.tls.port, cfg.reusePort === true);
  return {
    port,
    tlsPort,
    reloadTls: (cert, key) => tlsServer?.setSecureContext({ cert, key }),
    get connections() {
      if (atCap && s.live.size < cfg.maxConnections * 0.95) atCap = false;
      return s.live.size;
    },
    maxConnections: cfg.maxConnections,
    get stats(): StratumStats {
      return { ...s.stats, load: s.load?.stats() ?? null };
    },
    ban: (ip, untilMs) => void s.gate.ban(ip, rt.clock.nowMs(), untilMs),
    unban: (ip) => s.gate.unban(ip),
    offer: (job) => {
      if (!s.jobs.offer(job)) return;
      for (const socket of s.live.values()) tellConnection(rt, socket, s.jobs.current);
    },
    pauseAccepting: () => s.gate.pause(),
    resumeAccepting: (prefix, moved) => {
      s.gate.resume(prefix);
      if (!moved) return;
      const keep = prefix.toString(16).padStart(2, '0');
      for (const [en1, socket] of s.live)
        if (!en1.startsWith(keep)) tellConnection(rt, socket, { type: 'drain' });
    },
    /** Closes the listener and any socket still open (after a drain, normally none). */
    stop: async () => {
      s.gate.close();
      clearInterval(ticker);
      s.jobs.unsubscribe();
      const closed = Promise.all(
        [server, tlsServer].map(
          (srv) => new Promise<void>((resolve) => (srv ? srv.close(() => resolve()) : resolve())),
        ),
      );
      for (const socket of s.live.values()) socket.destroy();
      await closed;
    },
  };
}

/** Admits a socket (or destroys it), spawns its Connection actor and feeds it the socket. */
function acceptor(s: Stratum, tuning: Tuning): (socket: Socket) => void {
  const { rt, cfg, gate, live } = s;
  const hooks = connectionHooks(s);
  const listeners = socketListeners(s);
  const spawnOptions: ActorOptions<ConnectionMessage> = {
    validate: validateConnectionMessage,
    remote: false,
    mailbox: { capacity: 1024, overflow: 'reject' },
    supervision: { action: 'stop' },
  };
  const isLive = (extranonce1: string): boolean => live.has(extranonce1);
  const redirect = (socket: Socket): void => {
    const to = cfg.redirectTo?.(socket instanceof TLSSocket) ?? null;
    if (to === null) return void socket.destroy();
    socket.on('error', () => socket.destroy());
    // Closed once written and the miner is gone, or after REDIRECT_MS (one that never reads).
    const timer = setTimeout(() => socket.destroy(), REDIRECT_MS);
    timer.unref();
    socket.once('close', () => clearTimeout(timer));
    socket.end(reconnectLine(to));
  };
  return (socket) => {
    // The plain and TLS listeners count against one cap (Node's maxConnections is per listener).
    if (live.size >= cfg.maxConnections) {
      s.full();
      return redirect(socket);
    }
    const en1 = gate.admit(sourceAddress(socket), rt.clock.nowMs(), isLive);
    if (en1 === null) {
      const why = gate.lastRefusal;
      bump(s.stats.refused, why);
      // The node cannot take anyone now: a sibling can. A banned or over-limit address cannot.
      return why === 'closed' || why === 'no-extranonce' ? redirect(socket) : void socket.destroy();
    }
    const self = rt.spawn(
      'connection',
      `${rt.node}-${en1}`,
      connectionActor(socket, en1, hooks),
      spawnOptions,
    );
    live.set(en1, socket);
    rt.subscribe(cfg.jobsTopic, self);
    if (s.jobs.current) rt.tell(self, s.jobs.current);
    tuneSocket(socket, tuning);
    socket.on('data', listeners.data);
    socket.on('error', listeners.error);
    socket.on('close', listeners.close); // 'close' comes once; on() keeps no per-socket wrapper
  };
}

/**
 * One hooks object for every connection; what differs per socket (its actor, extranonce1,
 * partial line) is its Connection behaviour, which hangs off the socket, so an idle connection
 * holds no closures or records of its own.
 */
function connectionHooks(s: Stratum): ConnectionHooks {
  const { rt, cfg, gate, log } = s;
  return {
    share: cfg.share,
    maxLineBytes: cfg.maxLineBytes,
    lineMs: cfg.lineMs,
    output: cfg.output,
    toAnnouncement: cfg.toAnnouncement,
    sessionContext: cfg.sessionContext,
    ...(s.load ? { load: s.load } : {}),
    onClose: (socket, extranonce1, reason, misbehaved) => {
      const label = reasonLabel(reason);
      bump(s.stats.closed, label);
      const ip = sourceAddress(socket);
      if (!misbehaved) return log.debug({ ip, extranonce1, reason }, 'connection closed');
      const now = rt.clock.nowMs();
      if (!gate.strike(ip, now)) {
        return log.info({ ip, extranonce1, reason }, 'misbehaving connection closed');
      }
      const untilMs = gate.ban(ip, now);
      bump(s.stats.bans, label);
      log.warn(
        { ip, extranonce1, reason, until: new Date(untilMs).toISOString() },
        `address banned: ${cfg.banStrikes} of its connections misbehaved`,
      );
      cfg.onBan?.({ ip, reason, untilMs });
    },
    ...(cfg.onEffect ? { onEffect: cfg.onEffect } : {}),
    ...(cfg.onRefused ? { onRefused: cfg.onRefused } : {}),
    ...(cfg.reconnectTo ? { reconnectTo: cfg.reconnectTo } : {}),
    drainDelayMs: () => s.drainTurns?.next() ?? 0,
  };
}

/** Hands out the drain's turns: the k-th of n connections waits k·spread/n ms. */
export interface DrainTurns {
  next(): number;
}

export function drainTurns(pace: DrainPace | undefined, n: number): DrainTurns | null {
  if (pace === undefined || pace.perSecond <= 0 || n <= 1) return null;
  const spreadMs = Math.min((n / pace.perSecond) * 1000, pace.maxSpreadMs);
  let k = 0;
  return { next: () => (k < n ? (k++ * spreadMs) / n : spreadMs) };
}

/** The listeners every socket shares: frame reads into lines, log errors, end the actor. */
function socketListeners(s: Stratum): {
  data: (this: Socket, chunk: Buffer) => void;
  error: (this: Socket, err: Error) => void;
  close: (this: Socket) => void;
} {
  const { rt, gate, live, log, load } = s;
  return {
    data(this: Socket, chunk: Buffer): void {
      const c = connectionOf(this);
      if (c === undefined) return;
      const { lines, overflow } = c.frame(chunk);
      if (lines.length > 0) {
        rt.tell(c.self, { type: 'lines', lines });
        load?.read(this, lines.length);
      }
      if (overflow) rt.tell(c.self, { type: 'line-too-long' });
    },
    error(this: Socket, err: Error): void {
      log.debug({ err, ip: this.remoteAddress }, 'socket error');
    },
    close(this: Socket): void {
      gate.release(sourceAddress(this));
      const c = connectionOf(this);
      if (c === undefined) return;
      live.delete(c.extranonce1);
      c.socketClosed(); // before the stop below, which would end it as "actor stopped"
      void rt.stop(c.self); // also ends its jobs-topic subscription
    },
  };
}

/** The latest job broadcast, for sockets that connect later. */
interface LatestJob {
  readonly current: unknown;
  /** Takes `job` when no broadcast came yet (true: taken). */
  offer(job: unknown): boolean;
  readonly unsubscribe: () => void;
}

/**
 * Job fan-out: every Connection subscribes to the jobs topic; the runtime decodes each
 * broadcast once per node and hands all of them the same frozen value (no copy per
 * connection, so sessions share one announcement). This actor only remembers the latest.
 */
function followJobs(rt: Runtime, cfg: StratumServerConfig): LatestJob {
  let current: unknown = null;
  const latest = rt.spawn(
    'stratum-jobs',
    rt.node,
    () => ({
      receive(msg: unknown) {
        if (cfg.toAnnouncement(msg)) current = msg;
      },
    }),
    { validate: (m) => m, remote: false },
  );
  const unsubscribe = rt.subscribe(cfg.jobsTopic, latest);
  return {
    get current() {
      return current;
    },
    offer(job) {
      if (current !== null || !cfg.toAnnouncement(job)) return false;
      // The leader's reply, frozen as a broadcast is: every connection, live and to come, is
      // told this one value rather than a copy of its own (a job per miner was ~2 KB).
      current = freezeBroadcast(job);
      return true;
    },
    unsubscribe,
  };
}

/** Whether a listener's accepted sockets come with their options, and since when. */
interface Tuning {
  inheritedSince: number | null;
}

type ListenerHandle = {
  setNoDelay?: (on: boolean) => number;
  setKeepAlive?: (on: boolean, delaySeconds: number) => number;
};

/**
 * Sets TCP_NODELAY and keepalive once on the listening socket: Linux copies both (and the
 * keepalive timing) to every socket it accepts, which saves two Node calls and four
 * setsockopt(2)s per miner (~13 µs a socket on a VM with PTI; a reconnect storm after a node
 * fails is tens of thousands of them). Elsewhere, or if the handle refuses, each socket gets
 * them as it is accepted.
 */
function tuneListener(server: Server, tuning: Tuning): void {
  if (process.platform !== 'linux') return;
  const h = (server as unknown as { _handle?: ListenerHandle | null })._handle;
  if (typeof h?.setNoDelay !== 'function' || typeof h.setKeepAlive !== 'function') return;
  if (h.setNoDelay(true) !== 0 || h.setKeepAlive(true, KEEPALIVE_MS / 1000) !== 0) return;
  tuning.inheritedSince = performance.now();
}

/** No delay for small writes (verdicts, notifies), and keepalive, unless the socket inherited them. */
function tuneSocket(socket: Socket, tuning: Tuning): void {
  const since = tuning.inheritedSince;
  if (since !== null && performance.now() - since > INHERIT_GRACE_MS) return;
  socket.setNoDelay(true);
  socket.setKeepAlive(true, KEEPALIVE_MS);
}

/**
 * Every connection gets a tick each tickMs, sent in TICK_SLICES waves: 100k ticks in one burst
 * would hold a job notify up behind them.
 */
function tickSessions(rt: Runtime, live: ReadonlyMap<string, Socket>, tickMs: number) {
  let sweep: Iterator<Socket> | null = null;
  let slice = 0;
  let perSlice = 0;
  const ticker = setInterval(
    () => {
      if (slice === 0) {
        sweep = live.values();
        perSlice = Math.ceil(live.size / TICK_SLICES);
      }
      slice = (slice + 1) % TICK_SLICES;
      for (let n = perSlice; n > 0 && sweep !== null; n--) {
        const next = sweep.next();
        if (next.done === true) sweep = null;
        else tellConnection(rt, next.value, { type: 'tick' });
      }
    },
    Math.max(1, Math.floor(tickMs / TICK_SLICES)),
  );
  ticker.unref();
  return ticker;
}

function tellConnection(rt: Runtime, socket: Socket, msg: unknown): void {
  const c = connectionOf(socket);
  if (c !== undefined) rt.tell(c.self, msg);
}

/**
 * A deep accept queue: after a restart or failover thousands of miners reconnect at once, and
 * a handshake dropped from a full queue (Node's default 511) waits for SYN-ACK retransmits
 * (1, 3, 7, 15, 31 s). The kernel caps it at net.core.somaxconn (4096 by default; the
 * deployment's sysctl file raises it, deploy/sysctl/90-colliery.conf). Once listening, the
 * listener takes the options its accepted sockets inherit (tuneListener). With `reusePort` the
 * socket is bound by the addon (Node 20 cannot set SO_REUSEPORT) and handed over by its fd.
 */
async function listen(
  server: Server,
  tuning: Tuning,
  { log }: Stratum,
  host: string,
  wanted: number,
  reusePort: boolean,
): Promise<number> {
  if (reusePort)
    server.listen({ fd: bindReusePort(host, wanted, true, LISTEN_BACKLOG).fd }, LISTEN_BACKLOG);
  else server.listen({ port: wanted, host, backlog: LISTEN_BACKLOG });
  await once(server, 'listening');
  tuneListener(server, tuning);
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : wanted;
  const tls = server instanceof TlsServer;
  log.info({ host, port, tls }, tls ? 'stratum listening (TLS)' : 'stratum listening');
  return port;
}
