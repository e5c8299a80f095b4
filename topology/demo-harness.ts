// What both demos (`colliery demo`, hash and prime) share: where NATS and data live, the one
// node (on the asked Stratum port, or any free one when it is taken), and the summary line
// printed every second until Ctrl-C, after which miners, devnet and a NATS started here stop.
import { resolve } from 'node:path';
import { stdout } from 'node:process';
import { pino, type Logger } from 'pino';
import { announce, waitForSignal } from './commands/start.js';
import type { NodeConfig } from './config.js';
import { ensureLocalNats, type LocalNats } from './nats-local.js';
import { startNode, type NodeHandle } from './node.js';
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

/** Prints `summary()` every second until Ctrl-C; then drains and stops what the demo started. */
export function runDemoUntilSignal(
  node: NodeHandle,
  rigs: readonly { stop(): void }[],
  closeDevnet: () => Promise<void>,
  nats: LocalNats,
  summary: () => Promise<string>,
): Promise<number> {
  const tty = stdout.isTTY === true;
  const ticker = setInterval(() => {
    void summary().then((line) => stdout.write(tty ? `\r${line}\u001b[K` : `${line}\n`));
  }, 1000);
  return waitForSignal(node, async () => {
    clearInterval(ticker);
    if (tty) stdout.write('\n');
    for (const r of rigs) r.stop();
    await closeDevnet();
    await nats.stop();
  }).finally(() => {
    for (const r of rigs) r.stop();
  });
}
