// `colliery start`: one node for real use, configured from a file, COLLIERY_* variables and
// flags (in that order of precedence, flags last); drains on SIGTERM/SIGINT and exits 0.
import { readFileSync, statSync } from 'node:fs';
import { withoutCredentials } from '../../runtime/nats-urls.js';
import { pino } from 'pino';
import { stderr, stdout } from 'node:process';
import { envRaw, fileRaw, loadConfig, optionHelp, parseFlags, type NodeConfig } from '../config.js';
import type { NodeHandle } from '../node.js';
import { backend, nativeUnavailableReason, sendBackend, shaFeature } from '../../native/index.js';
import { processConfig, processIndex, severalProcesses, superviseProcesses } from '../processes.js';
import { acceptQueueCap, acceptQueueWanted } from '../accept-queue.js';
import { openFileLimit } from '../fd-limit.js';

export const START_HELP = `usage: colliery start --coin bitcoin|bitcoin-testnet|bitcoin-regtest --rpc URL --pool-address ADDR [options]

Starts one pool node. Settings come from --config FILE (JSON, keys as in docs/configuration.md),
then COLLIERY_<OPTION> environment variables (e.g. COLLIERY_POOL_ADDRESS), then flags.

options:
  --config FILE
${optionHelp()}

  --rpc is repeatable: http://user:pass@host:port (credentials in the URL).
  --stratum HOST:PORT is where miners connect (default 0.0.0.0:3333).
`;

export async function runStart(args: string[]): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    stdout.write(START_HELP);
    return 0;
  }
  const { raw, configFile, rest } = parseFlags(args);
  if (rest.length > 0) {
    stderr.write(`colliery start: unknown argument ${rest[0]}\n\n${START_HELP}`);
    return 2;
  }
  const loaded = loadConfig([configFile ? fileRaw(configFile) : {}, envRaw(process.env), raw]);
  // --processes: this process supervises the node's processes, or is one of them.
  const index = processIndex();
  if (index === null && severalProcesses(loaded)) {
    const log = pino({
      level: loaded.logLevel,
      base: { node: loaded.nodeId, process: 'supervisor' },
    });
    if (configFile !== undefined) warnIfSecretsShown(configFile, log);
    return superviseProcesses(loaded, log);
  }
  const cfg = index === null ? loaded : processConfig(loaded, index);
  const log = pino({ level: cfg.logLevel, base: { node: cfg.nodeId } });
  if (configFile !== undefined && index === null) warnIfSecretsShown(configFile, log);
  // A process whose supervisor is gone (killed, say) stops: nobody would restart it, and the
  // supervisor that replaces it starts processes of its own. Before its node runs there is
  // nothing to drain; after, it drains as on SIGTERM.
  let orphaned = (): void => {
    log.warn('the supervisor is gone before the node started: exiting');
    process.exit(1);
  };
  if (index !== null) {
    process.channel?.unref();
    process.once('disconnect', () => orphaned());
    if (!process.connected) orphaned();
  }
  // A node waits for NATS (and its leases) as long as it takes; it says what it waits for.
  const shown = natsShown(cfg);
  const waiting = setInterval(
    () =>
      log.warn(
        { nats: shown },
        `still starting: waiting for NATS at ${shown.join(',')} (its JetStream, or the cluster's leases)`,
      ),
    5_000,
  );
  // The node's own modules load here, not in a supervisor, which only forks its processes.
  const [{ startNode }, { createPoolHasher }, { publishSharePaths, startTracing }] =
    await Promise.all([import('../node.js'), import('../verifier.js'), import('../tracing.js')]);
  const node = await startNode(cfg, { hasher: createPoolHasher(cfg.verifierThreads), log }).finally(
    () => clearInterval(waiting),
  );
  const tracing = startTracing(
    'node',
    cfg.nodeId,
    node.log,
    process.env,
    cfg.tracePaths
      ? { onLine: publishSharePaths(node.runtime, (line) => node.log.info(line)) }
      : undefined,
  );
  announce(node, cfg);
  orphaned = () => {
    node.log.warn('the supervisor is gone: draining');
    process.kill(process.pid, 'SIGTERM');
  };
  // SIGHUP: a renewed Stratum TLS certificate (certbot's deploy hook, say) is read again.
  process.on('SIGHUP', () => {
    try {
      node.reloadTls();
    } catch (err) {
      node.log.error({ err }, 'Stratum TLS certificate not reloaded; the old one stays');
    }
  });
  return waitForSignal(node, () => tracing.shutdown());
}

/**
 * A config file holding secrets (a password in a URL, a NATS password or token) that others
 * on the machine may read draws a warning: chmod 600 it, or give secrets by variables.
 */
export function warnIfSecretsShown(file: string, log: { warn(o: object, m: string): void }): void {
  try {
    const mode = statSync(file).mode & 0o777;
    if ((mode & 0o077) === 0) return;
    const text = readFileSync(file, 'utf8');
    if (/"nats(Password|Token)"\s*:|:\/\/[^/\s"@]+:[^@\s"]+@/.test(text))
      log.warn(
        { file, mode: mode.toString(8) },
        'config file holds secrets and others may read it: chmod 600 it (or give them by COLLIERY_* variables)',
      );
  } catch {
    // unreadable here: loading it failed already, or it went away
  }
}

/** The NATS URLs as logs show them: without credentials. */
function natsShown(cfg: NodeConfig): string[] {
  return withoutCredentials([...cfg.natsUrls]).servers;
}

/** Logs the node's start, and warns of what the host limits (`queue`: net.core.somaxconn). */
export function announce(
  node: Pick<NodeHandle, 'log' | 'stratumPort' | 'stratumTlsPort'>,
  cfg: NodeConfig,
  queue = acceptQueueCap(),
): void {
  const limit = openFileLimit();
  node.log.info(
    {
      coin: cfg.coin,
      stratum: `${cfg.stratumHost}:${node.stratumPort}`,
      ...(node.stratumTlsPort === null
        ? {}
        : { stratumTls: `${cfg.stratumTls?.host}:${node.stratumTlsPort}` }),
      nats: natsShown(cfg),
      verifier: { backend, sha: shaFeature },
      socketSends: sendBackend() ?? 'node',
      openFileLimit: limit,
      acceptQueue: queue,
    },
    'node started',
  );
  if (nativeUnavailableReason)
    node.log.warn(
      { reason: nativeUnavailableReason },
      'native core unavailable: shares are verified by the TypeScript twin (slow)',
    );
  const wanted = acceptQueueWanted(cfg.maxConnections);
  if (queue !== null && queue < wanted) {
    node.log.warn(
      { somaxconn: queue, wanted },
      `the kernel caps the Stratum accept queue at ${queue} (net.core.somaxconn): when more miners than that reconnect at once (a sibling failed or restarted), the rest wait for SYN retransmits (1, 3, 7 s); raise it to ${wanted} (deploy/sysctl/90-colliery.conf)`,
    );
  }
}

/** A signal repeated within this long of the first is the same Ctrl-C, not a second one. */
const REPEAT_MS = 1_000;

export function waitForSignal(
  node: Pick<NodeHandle, 'log' | 'stop'>,
  cleanup: () => Promise<void> = async () => undefined,
): Promise<number> {
  return new Promise((resolve) => {
    let stoppingAt: number | null = null;
    const onSignal = (signal: NodeJS.Signals) => {
      if (stoppingAt !== null) {
        // `npm run` forwards the terminal's SIGINT to its child, which the terminal already
        // sent to the whole process group: one Ctrl-C arrives twice, about a millisecond apart.
        if (performance.now() - stoppingAt < REPEAT_MS) return;
        node.log.warn({ signal }, 'second signal while draining; exiting now');
        process.exit(130);
      }
      stoppingAt = performance.now();
      node.log.info({ signal }, 'draining');
      node
        .stop()
        .then(cleanup)
        .then(
          () => resolve(0),
          (err: unknown) => {
            node.log.error({ err }, 'drain failed');
            resolve(1);
          },
        );
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  });
}
