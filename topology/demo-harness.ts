// What both demos (`colliery demo`, hash and prime) share: where NATS and data live, the one
// node (on the asked Stratum port, or any free one when it is taken), and the summary line
// printed every second until Ctrl-C, after which miners, devnet and a NATS started here stop.
import { resolve } from 'node:path';
import { stdout } from 'node:process';
import { pino, type Logger } from 'pino';
import { CoinRpc } from '../actors/job/rpc-client.js';
import { announce, waitForSignal } from './commands/start.js';
import type { NodeConfig } from './config.js';
import { ensureLocalNats, type LocalNats } from './nats-local.js';
import { startNode, type NodeHandle } from './node.js';
import { publishSharePaths, startTracing } from './tracing.js';
import { createPoolHasher } from './verifier.js';

export interface DemoPlaces {
  readonly dataDir: string;
  readonly natsUrl: string;
  readonly nats: LocalNats;
  readonly log: Logger;
}

/** --data (default ./data) and --nats (started here when none answers). */
export async function demoPlaces(raw: Record<string, unknown>): Promise<DemoPlaces> {
  const dataDir = resolve(String(raw.dataDir ?? './data'));
  const natsUrl = Array.isArray(raw.natsUrls) ? String(raw.natsUrls[0]) : 'nats://127.0.0.1:4222';
  const nats = await ensureLocalNats(natsUrl, dataDir);
  const log = pino({ level: process.env.COLLIERY_LOG_LEVEL ?? 'warn' }, pino.destination(2));
  return { dataDir, natsUrl, nats, log };
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
  announce(node, cfg);
  return node;
}

/** What every demo summary line starts from, summed over the rigs and read from node and devnet. */
export interface DemoCounts {
  readonly accepted: number;
  readonly rejected: number;
  /** Blocks the Block actor recorded and the devnet did not reject. */
  readonly blocks: number;
  /** The devnet's chain height (-1 when it does not answer). */
  readonly height: number;
}

export interface DemoRun<R> {
  /** `colliery demo` or `colliery demo (primecoin-devnet)`: the banner's first words. */
  readonly label: string;
  readonly node: NodeHandle;
  readonly rigs: readonly R[];
  readonly devnet: { readonly url: string; close(): Promise<void> };
  readonly places: DemoPlaces;
  /** The summary line, from the common counts and whatever the demo adds. */
  readonly summary: (counts: DemoCounts) => string | Promise<string>;
  /** --trace-paths: print one share's path (socket → Share → log → ledger) every 5 s. */
  readonly tracePaths: boolean;
}

/**
 * Starts the rigs, prints the banner, then a summary line every second until Ctrl-C; then
 * drains and stops what the demo started.
 */
export async function runDemoUntilSignal<
  R extends {
    start(): Promise<void>;
    stop(): void;
    readonly stats: { readonly accepted: number; readonly rejected: number };
  },
>(run: DemoRun<R>): Promise<number> {
  const { node, rigs, devnet, places } = run;
  await Promise.all(rigs.map((r) => r.start()));
  stdout.write(
    `${run.label}: stratum on 127.0.0.1:${node.stratumPort}, devnet ${new URL(devnet.url).host}, ` +
      `nats ${places.natsUrl}${places.nats.started ? ' (started here)' : ''}, data ${places.dataDir}. Ctrl-C to stop.\n`,
  );
  const rpc = new CoinRpc({ url: devnet.url });
  const counts = async (): Promise<DemoCounts> => ({
    accepted: rigs.reduce((n, r) => n + r.stats.accepted, 0),
    rejected: rigs.reduce((n, r) => n + r.stats.rejected, 0),
    blocks: (await node.blocks().catch(() => [])).filter(
      (b) => b.status !== 'rejected' && b.status !== 'unresolved',
    ).length,
    height: await rpc.call<number>('getblockcount').catch(() => -1),
  });
  const tty = stdout.isTTY === true;
  // Spans go to an OTLP collector when OTEL_EXPORTER_OTLP_ENDPOINT says so, as with `start`.
  const tracing = startTracing(
    'demo',
    node.runtime.node,
    places.log,
    process.env,
    run.tracePaths
      ? {
          onLine: publishSharePaths(node.runtime, (line) =>
            stdout.write(tty ? `\r${line}\u001b[K\n` : `${line}\n`),
          ),
        }
      : undefined,
  );
  const ticker = setInterval(() => {
    void counts()
      .then(run.summary)
      .then((line) => stdout.write(tty ? `\r${line}\u001b[K` : `${line}\n`));
  }, 1000);
  return waitForSignal(node, async () => {
    clearInterval(ticker);
    if (tty) stdout.write('\n');
    for (const r of rigs) r.stop();
    await devnet.close();
    await places.nats.stop();
    await tracing.shutdown();
  }).finally(() => {
    for (const r of rigs) r.stop();
  });
}
