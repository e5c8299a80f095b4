// What both demos (`colliery demo`, hash and prime) share. The demo owns its world: its own
// nats-server (unless --nats names one), a new devnet chain each run with the previous run's
// share log and ledger moved aside (their blocks were on a chain that is gone), the one node
// (on the asked Stratum port, or any free one when it is taken), a settings file under the data
// folder so `colliery status` and `colliery ledger` there need no flags, a banner naming all
// of it, and the summary line every second until Ctrl-C, after which it drains and stops what
// it started. Nothing it prints or stops can throw once the ledger closes.
import { existsSync, mkdirSync, readFileSync, realpathSync, renameSync, rmSync } from 'node:fs';
import { writeFileSync } from 'node:fs';
import { delimiter, dirname, join, relative, resolve, sep } from 'node:path';
import { stdout } from 'node:process';
import { fileURLToPath } from 'node:url';
import { pino, type Logger } from 'pino';
import { CoinRpc } from '../actors/job/index.js';
import { announce, waitForSignal } from './commands/start.js';
import { RUN_FILE, type NodeConfig } from './config.js';
import { freePort, startLocalNats, stopLeftoverNats, type LocalNats } from './nats-local.js';
import { startNode, type NodeHandle } from './node.js';
import { publishSharePaths, startTracing } from './tracing.js';
import { createPoolHasher } from './verifier.js';

export interface DemoPlaces {
  readonly dataDir: string;
  readonly natsUrl: string;
  /** The nats-server this demo started; null when --nats named the user's own. */
  readonly nats: LocalNats | null;
  /** The cluster: the demo's name on its own bus, a name of this run's on a borrowed one. */
  readonly cluster: string;
  /** Where the previous run's state went (null: there was none). */
  readonly previous: string | null;
  readonly log: Logger;
  /** A Ctrl-C that came while the demo was starting (it stops as soon as it has started). */
  readonly earlySignal: () => NodeJS.Signals | null;
}

/**
 * --data (default ./data) and the bus. Without --nats the demo starts its own nats-server on a
 * free port with its store under --data; with --nats it uses that server under a cluster name
 * of this run's own, so an earlier run's share log there is not mixed in.
 */
export async function demoPlaces(
  raw: Record<string, unknown>,
  label: string,
  cluster: string,
): Promise<DemoPlaces> {
  let early: NodeJS.Signals | null = null;
  const onEarly = (signal: NodeJS.Signals) => void (early ??= signal);
  process.on('SIGINT', onEarly).on('SIGTERM', onEarly);
  const dataDir = resolve(String(raw.dataDir ?? './data'));
  stdout.write(`${label}: starting in ${dataDir} …\n`);
  mkdirSync(dataDir, { recursive: true });
  claimDataDir(dataDir);
  stopLeftoverNats(dataDir);
  const previous = moveAsidePreviousRun(dataDir);
  const log = pino({ level: process.env.COLLIERY_LOG_LEVEL ?? 'warn' }, pino.destination(2));
  const given = Array.isArray(raw.natsUrls) ? String(raw.natsUrls[0]) : null;
  const nats = given === null ? await startLocalNats(dataDir) : null;
  return {
    dataDir,
    natsUrl: given ?? (nats as LocalNats).url,
    nats,
    cluster: given === null ? cluster : `${cluster}-${Date.now().toString(36)}`,
    previous,
    log,
    earlySignal: () => {
      process.off('SIGINT', onEarly).off('SIGTERM', onEarly);
      return early;
    },
  };
}

/** One demo per data folder: a second one would move the first one's state from under it. */
function claimDataDir(dataDir: string): void {
  const pidFile = join(dataDir, 'demo.pid');
  try {
    const pid = Number(readFileSync(pidFile, 'utf8').trim());
    if (pid !== process.pid && existsSync(`/proc/${pid}`)) {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      if (cmd.includes('demo'))
        throw Object.assign(
          new Error(
            `another colliery demo (pid ${pid}) is using ${dataDir}; stop it, or pass --data DIR`,
          ),
          { code: 'DEMO_RUNNING' },
        );
    }
  } catch (err) {
    if ((err as { code?: string }).code === 'DEMO_RUNNING') throw err;
  }
  writeFileSync(pidFile, `${process.pid}\n`);
  process.once('exit', () => rmSync(pidFile, { force: true }));
}

/**
 * Each run mines a new devnet chain, so an earlier run's share log and ledger describe blocks
 * that no longer exist: they (and a share spool left unsent) move to <data>/previous (replacing
 * an older one), not mixed in.
 */
function moveAsidePreviousRun(dataDir: string): string | null {
  const parts = ['nats', 'ledger', 'spool', RUN_FILE].filter((p) => existsSync(join(dataDir, p)));
  if (parts.length === 0) return null;
  const previous = join(dataDir, 'previous');
  rmSync(previous, { recursive: true, force: true });
  mkdirSync(previous);
  for (const p of parts) renameSync(join(dataDir, p), join(previous, p));
  return previous;
}

/** The demo's node; on another free port when the default one is taken. */
export async function startDemoNode(cfg: NodeConfig, log: Logger): Promise<NodeHandle> {
  let node: NodeHandle;
  try {
    node = await startNode(cfg, { hasher: createPoolHasher(1), log });
  } catch (err) {
    if ((err as { code?: string }).code !== 'EADDRINUSE') throw err;
    node = await startNode({ ...cfg, stratumPort: 0 }, { hasher: createPoolHasher(1), log });
  }
  // No accept-queue warning: the demo's few miners make no reconnect storm.
  announce(node, cfg, null);
  return node;
}

/**
 * `--nodes N`: the demo's cluster. The first node is `cfg` (it serves the dashboard and
 * metrics); nodes 2..N are `demo-2` … with the next Stratum ports (or free ones), no HTTP, a
 * replica each, in this process: a cluster on a laptop, miners spread over its nodes.
 */
export async function startDemoNodes(
  cfg: NodeConfig,
  count: number,
  log: Logger,
): Promise<NodeHandle[]> {
  const first = await startDemoNode(cfg, log);
  const nodes = [first];
  try {
    for (let k = 2; k <= count; k++) {
      const nodeId = cfg.nodeId.replace(/-\d+$/, '') + `-${k}`;
      const port = first.stratumPort + k - 1;
      const sibling = { ...cfg, nodeId, stratumPort: port, metrics: null, http: null };
      nodes.push(await startDemoNode(sibling, log.child({ node: nodeId })));
    }
  } catch (err) {
    await Promise.all(nodes.map((n) => n.stop().catch(() => undefined)));
    throw err;
  }
  return nodes;
}

/**
 * The demo's metrics, API and dashboard: one server on 127.0.0.1:9464 (or a free port when that
 * one is taken), unless --metrics or --http name their own.
 */
export async function demoHttp(raw: {
  metrics?: unknown;
  http?: unknown;
}): Promise<{ metrics?: { host: string; port: number }; http?: { host: string; port: number } }> {
  if (raw.metrics !== undefined) return {};
  const at = { host: '127.0.0.1', port: await freePort('127.0.0.1', 9464) };
  return raw.http !== undefined ? { metrics: at } : { metrics: at, http: at };
}

/** Base units credited to miners so far (mature, immature and paid; not the pool's own '@' rows). */
export function credited(node: NodeHandle): bigint {
  let sats = 0n;
  for (const b of node.ledger.store.balances())
    if (!b.account.startsWith('@')) sats += b.matureSats + b.immatureSats + b.paidSats;
  return sats;
}

/** What every demo summary line starts from, summed over the rigs and read from node and devnet. */
export interface DemoCounts {
  readonly accepted: number;
  readonly rejected: number;
  /** Rejected shares by the pool's reason, e.g. "stale 2, low difficulty 1" ('' when none). */
  readonly rejectedBy: string;
  /** Blocks the Block actor recorded and the devnet did not reject. */
  readonly blocks: number;
  /** The devnet's chain height (-1 when it does not answer). */
  readonly height: number;
}

export interface DemoRig {
  start(): Promise<void>;
  stop(): void;
  readonly stats: {
    readonly accepted: number;
    readonly rejected: number;
    readonly rejectedBy?: Readonly<Record<string, number>>;
  };
}

export interface DemoRun<R> {
  /** `colliery demo` or `colliery demo (primecoin-devnet)`: the banner's first words. */
  readonly label: string;
  readonly cfg: NodeConfig;
  /** The first node (dashboard, metrics, settings file). */
  readonly node: NodeHandle;
  /** Every node of the demo's cluster, the first one first (--nodes N). */
  readonly nodes?: readonly NodeHandle[];
  readonly rigs: readonly R[];
  readonly devnet: { readonly url: string; close(): Promise<void> };
  readonly places: DemoPlaces;
  /** A line for the banner on how a real miner connects (user name, password options). */
  readonly minerHint: string;
  /** The summary line, from the common counts and whatever the demo adds. */
  readonly summary: (counts: DemoCounts) => string | Promise<string>;
}

/**
 * Starts the rigs, writes the settings file, prints the banner, then a summary line every
 * second until Ctrl-C; then stops the summary, drains the node and stops what the demo started.
 */
export async function runDemoUntilSignal<R extends DemoRig>(run: DemoRun<R>): Promise<number> {
  const { node, rigs, devnet, places, cfg } = run;
  await Promise.all(rigs.map((r) => r.start()));
  writeRunFile(places.dataDir, cfg);
  stdout.write(banner(run));
  const rpc = new CoinRpc({ url: devnet.url });
  const counts = async (): Promise<DemoCounts> => {
    const rejectedBy: Record<string, number> = {};
    for (const r of rigs)
      for (const [why, n] of Object.entries(r.stats.rejectedBy ?? {}))
        rejectedBy[why] = (rejectedBy[why] ?? 0) + n;
    return {
      accepted: rigs.reduce((n, r) => n + r.stats.accepted, 0),
      rejected: rigs.reduce((n, r) => n + r.stats.rejected, 0),
      rejectedBy: Object.entries(rejectedBy)
        .sort((a, b) => b[1] - a[1])
        .map(([why, n]) => `${why} ${n}`)
        .join(', '),
      // The Block leader's list (any node asks the same actor).
      blocks: (await node.blocks().catch(() => [])).filter(
        (b) => b.status !== 'rejected' && b.status !== 'unresolved',
      ).length,
      height: await rpc.call<number>('getblockcount').catch(() => -1),
    };
  };
  const tty = stdout.isTTY === true;
  // Spans go to an OTLP collector when OTEL_EXPORTER_OTLP_ENDPOINT says so, as with `start`.
  const tracing = startTracing(
    'demo',
    node.runtime.node,
    places.log,
    process.env,
    cfg.tracePaths
      ? {
          onLine: publishSharePaths(node.runtime, (line) =>
            stdout.write(tty ? `\r${line}\u001b[K\n` : `${line}\n`),
          ),
        }
      : undefined,
  );
  let printing: Promise<void> = Promise.resolve();
  const ticker = setInterval(() => {
    printing = counts()
      .then(run.summary)
      .then(
        (line) => void stdout.write(tty ? `\r${line}\u001b[K` : `${line}\n`),
        (err: unknown) => places.log.warn({ err }, 'summary line failed'),
      );
  }, 1000);
  const stopping = waitForSignal(
    {
      log: node.log,
      stop: async () => {
        // The summary reads the ledger: it stops, and its last line is out, before the drain.
        clearInterval(ticker);
        await printing;
        if (tty) stdout.write('\n');
        stdout.write(`${run.label}: draining (miners are told to reconnect) …\n`);
        await Promise.all((run.nodes ?? [node]).map((n) => n.stop()));
      },
    },
    async () => {
      for (const r of rigs) r.stop();
      await devnet.close().catch(() => undefined);
      await places.nats?.stop();
      await tracing.shutdown().catch(() => undefined);
      stdout.write(`${run.label}: stopped; the ledger stays in ${places.dataDir}\n`);
    },
  );
  const early = places.earlySignal();
  if (early !== null) process.kill(process.pid, early);
  return stopping.finally(() => {
    for (const r of rigs) r.stop();
  });
}

/**
 * <data>/colliery.json: this run's cluster, coin, node, bus and payout settings as a --config
 * file; `colliery status`, `trace` and `ledger` read it when run where it is found.
 */
function writeRunFile(dataDir: string, cfg: NodeConfig): void {
  const settings = {
    nodeId: cfg.nodeId,
    cluster: cfg.cluster,
    natsUrls: cfg.natsUrls,
    dataDir: cfg.dataDir,
    coin: cfg.coin,
    payoutScheme: cfg.payoutScheme,
    feeBps: cfg.feeBps,
    pplnsFactor: cfg.pplnsFactor,
    payouts: cfg.payouts,
    accountSchemes: cfg.accountSchemes,
  };
  writeFileSync(join(dataDir, RUN_FILE), `${JSON.stringify(settings, null, 2)}\n`);
}

function banner(run: DemoRun<unknown>): string {
  const { cfg, node, places, devnet } = run;
  const cwd = process.cwd();
  const here = places.dataDir === resolve(cwd, 'data') || places.dataDir === cwd;
  const runFile = join(places.dataDir, RUN_FILE);
  const cmd = `${colliery()}${here ? '' : ` --config ${relative(cwd, runFile)}`}`;
  const metrics =
    node.metricsPort === null
      ? 'off'
      : `http://${hostOf(cfg.metrics?.host)}:${node.metricsPort}/metrics  (also /health)`;
  const dashboard =
    node.httpPort === null
      ? 'off (--http HOST:PORT)'
      : `http://${hostOf(cfg.http?.host ?? cfg.metrics?.host)}:${node.httpPort}/  (the pool API: /api/pools)`;
  const lines = [
    `${run.label}: cluster ${cfg.cluster}, coin ${cfg.coin}, ${
      (run.nodes?.length ?? 1) > 1
        ? `nodes ${(run.nodes ?? []).map((n) => n.runtime.node).join(', ')}`
        : `node ${cfg.nodeId}`
    }`,
    `  dashboard ${dashboard}`,
    `  stratum  ${(run.nodes ?? [node]).map((n) => `stratum+tcp://127.0.0.1:${n.stratumPort}`).join(' ')}  (${run.minerHint})`,
    `  metrics  ${metrics}`,
    `  nats     ${places.natsUrl}  ${places.nats ? `(its own nats-server; store and log in ${join(places.dataDir, 'nats')})` : `(yours, from --nats; cluster ${cfg.cluster} is this run's own)`}`,
    `  devnet   ${new URL(devnet.url).host}  (a new chain each run${places.previous ? `; the previous run's share log and ledger, whose blocks were on the old chain, moved to ${places.previous}` : ''})`,
    `  data     ${places.dataDir}  (settings for other commands in ${runFile})`,
    `  look:    ${cmd.replace('%', 'status')}   ${cmd.replace('%', 'ledger balances')}   ${cmd.replace('%', 'trace')}`,
    'Ctrl-C to stop.',
    '',
  ];
  return lines.join('\n');
}

/** A listen address as a browser reaches it (a wildcard listens on loopback too). */
function hostOf(host: string | undefined): string {
  if (host === undefined || host === '0.0.0.0' || host === '::') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}

/** How to invoke `colliery` from the user's shell: `colliery %` when it is on PATH, else npx. */
function colliery(): string {
  const self = realpathSync(join(fileURLToPath(new URL('.', import.meta.url)), 'cli.js'));
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    // `npm run` puts the clone's node_modules/.bin on PATH; the user's shell does not have it.
    if (dir === '' || dir.includes(`node_modules${'/'}.bin`)) continue;
    try {
      if (realpathSync(join(dir, 'colliery')) === self) return 'colliery %';
    } catch {
      // not there
    }
  }
  // Inside the clone npx finds the link `npm install` made (topology/link-bin.mjs); elsewhere
  // the CLI's own path works.
  const root = resolve(dirname(self), '..', '..');
  const cwd = process.cwd();
  return cwd === root || cwd.startsWith(`${root}${sep}`) ? 'npx colliery %' : `node ${self} %`;
}
