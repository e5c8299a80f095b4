// `colliery keys list | show | trust NODE KEY | revoke NODE`: the node keys the cluster trusts
// (topology/node-keys.ts). Ledgers credit a record only when the node that signed it is listed
// here with the key it signed with; `show` prints this node's own public key (creating its key
// file if there is none yet), for an operator to `trust` it on a bus where nodes cannot.
import { stdout } from 'node:process';
import { connectTool, liveEntries } from '../../runtime/index.js';
import { envRaw, loadToolConfig, parseFlags, toolFileRaw, ConfigError } from '../config.js';
import { nodeKeyFile, nodeSigner, openNodeKeys, publicKeyText } from '../node-keys.js';
import { pino } from 'pino';

export const KEYS_HELP = `usage: colliery keys list                [--nats URL] [--cluster NAME]
       colliery keys show                [--data DIR] [--cluster NAME] [--node-id ID] [--node-key FILE]
       colliery keys trust NODE KEY      (KEY: the base64 public key, or a PEM file's text)
       colliery keys revoke NODE

The node keys the cluster trusts. Every record a node appends is signed with its key; ledger
replicas and \`colliery ledger verify\` set aside (quarantine) records not signed by a key
listed here for the node they name. With --key-registration auto (the default) a node adds its
own key when its id has none; on a bus whose permissions forbid that, an operator runs
\`colliery keys show\` where the node runs and \`colliery keys trust\` with the admin role.
`;

export async function runKeys(args: string[]): Promise<number> {
  const [verb, ...rest] = args;
  if (verb === undefined || verb === '--help' || verb === '-h' || args.includes('--help')) {
    stdout.write(KEYS_HELP);
    return verb === undefined ? 2 : 0;
  }
  const { raw, configFile, rest: words } = parseFlags(rest);
  const cfg = loadToolConfig([toolFileRaw(configFile), envRaw(process.env), raw]);
  if (verb === 'show') {
    const signer = nodeSigner(cfg, pino({ level: 'warn' }, process.stderr));
    stdout.write(`${cfg.nodeId}  ${signer.publicKey}  (${nodeKeyFile(cfg)})\n`);
    return 0;
  }
  if (!['list', 'trust', 'revoke'].includes(verb))
    throw new ConfigError(verb, 'colliery keys takes list, show, trust or revoke');
  const need = verb === 'trust' ? 2 : verb === 'revoke' ? 1 : 0;
  if (words.length !== need)
    throw new ConfigError(verb, `colliery keys ${verb} takes ${need} argument(s)`);
  const nc = await connectTool([...cfg.natsUrls], `keys-${process.pid}`, cfg.natsAuth);
  try {
    const kv = await openNodeKeys(nc, cfg.cluster);
    if (verb === 'list') {
      let n = 0;
      for (const [node, e] of await liveEntries(kv)) {
        stdout.write(`${node}  ${e.string()}\n`);
        n++;
      }
      if (n === 0) stdout.write(`no node key is trusted in cluster ${cfg.cluster}\n`);
      return 0;
    }
    const node = words[0]!;
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(node))
      throw new ConfigError('NODE', 'a node id: 1-64 letters, digits, _ or -');
    if (verb === 'trust') {
      const key = publicKeyText(words[1]!);
      await kv.put(node, key);
      stdout.write(`node ${node} trusted with key ${key} in cluster ${cfg.cluster}\n`);
      return 0;
    }
    await kv.delete(node);
    stdout.write(`node ${node} no longer trusted in cluster ${cfg.cluster}\n`);
    return 0;
  } finally {
    await nc.close().catch(() => undefined);
  }
}
