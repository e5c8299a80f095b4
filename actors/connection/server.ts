// The Stratum listener of one node: accepts sockets (with a global cap, a per-IP cap and
// bans), gives each an extranonce1 unique across the cluster (node prefix + counter, skipping
// live values), spawns its Connection actor, frames its bytes into lines, fans job
// announcements out and ticks sessions for vardiff and handshake timeouts.
import { createServer, type Server, type Socket } from 'node:net';
import { once } from 'node:events';
import type { ActorOptions, Address, Runtime, Topic } from '../../runtime/index.js';
import {
  connectionActor,
  connectionOf,
  validateConnectionMessage,
  type ConnectionHooks,
  type ConnectionMessage,
} from './actor.js';
import type { Effect, JobAnnouncement } from './messages.js';
import type { SessionContext } from './session.js';

export interface StratumServerConfig {
  readonly host: string;
  readonly port: number;
  /** One byte per node, from the cluster's prefix registry: en1 = prefix ‖ 3-byte counter. */
  readonly extranoncePrefix: number;
  readonly maxConnections: number;
  readonly maxConnectionsPerIp: number;
  readonly maxLineBytes: number;
  readonly banMs: number;
  readonly tickMs: number;
  readonly share: Address;
  readonly jobsTopic: Topic;
  readonly sessionContext: (nowMs: number) => SessionContext;
  /** Converts the Job actor's broadcast into what sessions consume (per PoW family). */
  readonly toAnnouncement: (msg: unknown) => JobAnnouncement | null;
  readonly onEffect?: (effect: Effect) => void;
}

export interface StratumServer {
  readonly port: number;
  readonly connections: number;
  /**
   * The current job, asked of the Job leader at start: a node joining a running cluster has had
   * no broadcast yet. Ignored once a broadcast has arrived (that one is at least as new).
   */
  offer(job: unknown): void;
  stop(): Promise<void>;
}

const EXTRANONCE_COUNTER_MAX = 0xffffff;
const TICK_SLICES = 10;
const LISTEN_BACKLOG = 4096;

export async function startStratumServer(
  rt: Runtime,
  cfg: StratumServerConfig,
): Promise<StratumServer> {
  const live = new Map<string, Socket>(); // extranonce1 → socket (its Connection hangs off it)
  const perIp = new Map<string, number>();
  const bans = new Map<string, number>();
  let counter = 0;
  let current: unknown = null; // the latest job broadcast, for sockets that connect later
  let accepting = true;
  const log = rt.log.child({ actor: 'stratum' });

  const nextExtranonce1 = (): string | null => {
    for (let i = 0; i <= EXTRANONCE_COUNTER_MAX; i++) {
      counter = (counter + 1) & EXTRANONCE_COUNTER_MAX;
      const en1 = ((cfg.extranoncePrefix << 24) | counter) >>> 0;
      const hex = en1.toString(16).padStart(8, '0');
      if (!live.has(hex)) return hex;
    }
    return null;
  };

  const server: Server = createServer({ noDelay: true }, (socket) => accept(socket));
  server.maxConnections = cfg.maxConnections;

  // One hooks object and one set of socket listeners for every connection; what differs per
  // socket (its actor, extranonce1, partial line) is its Connection behaviour, which hangs off
  // the socket, so an idle connection holds no closures or records of its own.
  const hooks: ConnectionHooks = {
    share: cfg.share,
    maxLineBytes: cfg.maxLineBytes,
    toAnnouncement: cfg.toAnnouncement,
    sessionContext: cfg.sessionContext,
    onClose: (socket, extranonce1, reason, ban) => {
      if (ban) bans.set(socket.remoteAddress ?? 'unknown', rt.clock.nowMs() + cfg.banMs);
      log.debug({ ip: socket.remoteAddress, extranonce1, reason, ban }, 'connection closed');
    },
    ...(cfg.onEffect ? { onEffect: cfg.onEffect } : {}),
  };
  const spawnOptions: ActorOptions<ConnectionMessage> = {
    validate: validateConnectionMessage,
    remote: false,
    mailbox: { capacity: 1024, overflow: 'reject' },
    supervision: { action: 'stop' },
  };
  function onData(this: Socket, chunk: Buffer): void {
    const c = connectionOf(this);
    if (c === undefined) return;
    const { lines, overflow } = c.frame(chunk);
    if (lines.length > 0) rt.tell(c.self, { type: 'lines', lines });
    if (overflow) rt.tell(c.self, { type: 'line-too-long' });
  }
  function onError(this: Socket, err: Error): void {
    log.debug({ err, ip: this.remoteAddress }, 'socket error');
  }
  function onSocketClose(this: Socket): void {
    const c = connectionOf(this);
    const ip = this.remoteAddress ?? 'unknown';
    const n = (perIp.get(ip) ?? 1) - 1;
    if (n > 0) perIp.set(ip, n);
    else perIp.delete(ip);
    if (c === undefined) return;
    live.delete(c.extranonce1);
    rt.tell(c.self, { type: 'socket-closed' });
    void rt.stop(c.self); // also ends its jobs-topic subscription
  }

  function accept(socket: Socket): void {
    const ip = socket.remoteAddress ?? 'unknown';
    const bannedUntil = bans.get(ip);
    const nowMs = rt.clock.nowMs();
    if (
      !accepting ||
      (bannedUntil !== undefined && bannedUntil > nowMs) ||
      (perIp.get(ip) ?? 0) >= cfg.maxConnectionsPerIp
    ) {
      socket.destroy();
      return;
    }
    if (bannedUntil !== undefined) bans.delete(ip);
    const en1 = nextExtranonce1();
    if (en1 === null) return void socket.destroy();
    perIp.set(ip, (perIp.get(ip) ?? 0) + 1);
    const self = rt.spawn(
      'connection',
      `${rt.node}-${en1}`,
      connectionActor(socket, en1, hooks),
      spawnOptions,
    );
    live.set(en1, socket);
    rt.subscribe(cfg.jobsTopic, self);
    if (current) rt.tell(self, current);
    socket.setKeepAlive(true, 60_000);
    socket.on('data', onData);
    socket.on('error', onError);
    socket.on('close', onSocketClose); // 'close' comes once; on() keeps no per-socket wrapper
  }

  // Job fan-out: every Connection subscribes to the jobs topic; the runtime decodes each
  // broadcast once per node and hands all of them the same frozen value (no copy per
  // connection, so sessions share one announcement). This actor only remembers the latest.
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

  // Every connection gets a tick each tickMs, sent in TICK_SLICES waves: 100k ticks in one burst
  // would hold a job notify up behind them.
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
        else {
          const c = connectionOf(next.value);
          if (c !== undefined) rt.tell(c.self, { type: 'tick' });
        }
      }
    },
    Math.max(1, Math.floor(cfg.tickMs / TICK_SLICES)),
  );
  ticker.unref();

  // Drain: refuse new sockets at once; the Connection actors then tell their miners to
  // reconnect elsewhere and close once their shares in flight are answered.
  rt.onDrain(() => {
    accepting = false;
    server.close();
  });

  // A deep accept queue: after a restart or failover thousands of miners reconnect at once,
  // and a handshake dropped from a full queue (Node's default 511) waits for SYN-ACK
  // retransmits (1, 3, 7, 15, 31 s). The kernel caps it at net.core.somaxconn.
  server.listen({ port: cfg.port, host: cfg.host, backlog: LISTEN_BACKLOG });
  await once(server, 'listening');
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : cfg.port;
  log.info({ host: cfg.host, port }, 'stratum listening');
  return {
    port,
    get connections() {
      return live.size;
    },
    offer: (job) => {
      if (current !== null || !cfg.toAnnouncement(job)) return;
      current = job;
      for (const socket of live.values()) {
        const c = connectionOf(socket);
        if (c !== undefined) rt.tell(c.self, job);
      }
    },
    /** Closes the listener and any socket still open (after a drain, normally none). */
    stop: async () => {
      accepting = false;
      clearInterval(ticker);
      unsubscribe();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const s of live.values()) s.destroy();
      await closed;
    },
  };
}
