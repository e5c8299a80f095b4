// `colliery bans list|add|remove`: the cluster's ban list (topology/bans.ts) from any machine
// that reaches NATS. Every node follows the list: an address added here is refused by all of
// them at once, and one removed is admitted again.
import { stdout } from 'node:process';
import { connectTool } from '../../runtime/index.js';
import { listBans, openBans, putBan, removeBan } from '../bans.js';
import { clusterOf, ConfigError } from '../config.js';

export const BANS_HELP = `usage: colliery bans list [--json]           [--nats URL] [--cluster NAME]
       colliery bans add ADDRESS [--seconds N] [--reason TEXT]
       colliery bans remove ADDRESS

The cluster's ban list. Nodes ban an address when several of its connections misbehave within
a window (see --ban-strikes); every node refuses a listed address until its ban ends. add bans
an address by hand (default 600 s), remove lifts a ban. Exit 1 on an error (NATS not there, a
bad argument); remove of an address that is not banned says so and exits 3.
`;

export async function runBans(args: string[]): Promise<number> {
  const [verb, ...rest] = args;
  if (verb === undefined || verb === '--help' || verb === '-h' || args.includes('--help')) {
    stdout.write(BANS_HELP);
    return verb === undefined ? 2 : 0;
  }
  const take = (flag: string): string | undefined => {
    const i = rest.indexOf(flag);
    if (i < 0) return undefined;
    const v = rest[i + 1];
    if (v === undefined) throw new ConfigError(flag, 'needs a value');
    rest.splice(i, 2);
    return v;
  };
  const json = rest.includes('--json') ? (rest.splice(rest.indexOf('--json'), 1), true) : false;
  const seconds = Number(take('--seconds') ?? 600);
  const reason = take('--reason') ?? 'banned by the operator';
  const ip = verb === 'add' || verb === 'remove' ? rest.shift() : undefined;
  if ((verb === 'add' || verb === 'remove') && (ip === undefined || ip.startsWith('--')))
    throw new ConfigError('ADDRESS', `colliery bans ${verb} needs an address`);
  if (!Number.isFinite(seconds) || seconds <= 0 || seconds > 30 * 86_400)
    throw new ConfigError('--seconds', 'must be between 1 and 2592000');
  if (verb !== 'list' && verb !== 'add' && verb !== 'remove')
    throw new ConfigError(verb, 'colliery bans takes list, add or remove');
  const { natsUrls, cluster, natsAuth } = clusterOf(rest, 'bans');
  const nc = await connectTool(natsUrls, `bans-${process.pid}`, natsAuth);
  try {
    const kv = await openBans(nc, cluster);
    const now = Date.now();
    if (verb === 'list') {
      const bans = await listBans(kv, now);
      if (json) stdout.write(`${JSON.stringify(bans, null, 2)}\n`);
      else if (bans.length === 0) stdout.write(`no address is banned in cluster ${cluster}\n`);
      else
        for (const b of bans)
          stdout.write(
            `${b.ip}  until ${new Date(b.untilMs).toISOString()}  by ${b.by}  ${b.reason}\n`,
          );
      return 0;
    }
    if (verb === 'add') {
      const untilMs = now + seconds * 1000;
      await putBan(kv, { ip: ip!, untilMs, reason, by: 'operator', atMs: now });
      stdout.write(`${ip} banned in cluster ${cluster} until ${new Date(untilMs).toISOString()}\n`);
      return 0;
    }
    if (!(await removeBan(kv, ip!))) {
      stdout.write(`${ip} is not banned in cluster ${cluster}\n`);
      return 3;
    }
    stdout.write(`ban on ${ip} lifted in cluster ${cluster}\n`);
    return 0;
  } finally {
    await nc.close().catch(() => undefined);
  }
}
