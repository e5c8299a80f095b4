// `colliery trace`: share paths from every node of a cluster that runs with --trace-paths, as
// they come (each node publishes one every 5 s on the cluster's share-paths topic), until
// Ctrl-C or --count lines. Nodes without --trace-paths record no spans and publish nothing.
import { stderr, stdout } from 'node:process';
import { pino } from 'pino';
import { connectTool } from '../../runtime/index.js';
import { CodedError } from '../../actors/shared/errors.js';
import { clusterOf } from '../config.js';
import { nodeRuntime, SHARE_PATHS_TOPIC, type SharePathMessage } from '../tracing.js';

export const TRACE_HELP = `usage: colliery trace [--nats URL] [--cluster NAME] [--count N] [--json]

Prints the share paths the cluster's nodes publish (one every 5 s per node started with
--trace-paths): a share from the miner's socket through the Connection and Share actors and the
share log to the ledger, each step's offset and duration. Runs until Ctrl-C, or --count paths.
`;

export async function runTrace(args: string[]): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    stdout.write(TRACE_HELP);
    return 0;
  }
  const json = args.includes('--json');
  let rest = args.filter((a) => a !== '--json');
  let count = Infinity;
  const at = rest.indexOf('--count');
  if (at >= 0) {
    count = Number(rest[at + 1]);
    if (!Number.isInteger(count) || count < 1)
      throw new CodedError('CONFIG_INVALID', `--count needs a positive whole number`);
    rest = [...rest.slice(0, at), ...rest.slice(at + 2)];
  }
  const { natsUrls, cluster, natsAuth } = clusterOf(rest, 'trace');
  const nc = await connectTool(natsUrls, `trace-${process.pid}`, natsAuth);
  const rt = nodeRuntime({
    cluster,
    node: `trace-${process.pid}`,
    log: pino({ level: 'silent' }),
    nc,
  });
  let seen = 0;
  let done: () => void = () => undefined;
  const finished = new Promise<void>((resolve) => (done = resolve));
  const self = rt.spawn(
    'trace-cli',
    rt.node,
    () => ({
      receive(msg: SharePathMessage) {
        if (seen >= count) return;
        stdout.write(json ? `${JSON.stringify(msg)}\n` : `${msg.line}\n`);
        if (++seen >= count) done();
      },
    }),
    {
      remote: false,
      validate: (m) => {
        const p = m as Partial<SharePathMessage> | null;
        if (p?.type !== 'share.path' || typeof p.line !== 'string' || typeof p.node !== 'string')
          throw new CodedError('BAD_MESSAGE', 'not a share path');
        return p as SharePathMessage;
      },
    },
  );
  rt.subscribe(rt.topic(SHARE_PATHS_TOPIC), self);
  if (!json)
    stderr.write(
      `colliery trace: share paths of cluster ${cluster} (nodes started with --trace-paths publish one every 5 s); Ctrl-C to stop\n`,
    );
  process.once('SIGINT', done);
  process.once('SIGTERM', done);
  try {
    await finished;
  } finally {
    process.off('SIGINT', done);
    process.off('SIGTERM', done);
    await rt.drain({ timeoutMs: 1_000 }).catch(() => undefined);
    await nc.close().catch(() => undefined);
  }
  return 0;
}
