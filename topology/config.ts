// Node configuration: read once here, validated, passed down typed. Sources, lowest first:
// built-in defaults < JSON config file (--config) < environment (COLLIERY_*) < command-line
// flags. Every error names the option and how to fix it.
import type { NatsAuth } from '../runtime/index.js';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { addressToScript } from '../actors/shared/address.js';
import { networkByName, type NetworkName } from '../actors/shared/network.js';
import { DEFAULT_APPENDER } from '../actors/shared/log-appender-options.js';

export const COINS = {
  bitcoin: { network: 'mainnet', family: 'hash', maturity: 100, rpcPort: 8332 },
  'bitcoin-testnet': { network: 'testnet', family: 'hash', maturity: 100, rpcPort: 18332 },
  'bitcoin-regtest': { network: 'regtest', family: 'hash', maturity: 100, rpcPort: 18443 },
  // Primecoin: COINBASE_MATURITY 3000, RPC 9912 / 9914 (docs/protocols/primecoin.md §6.10-11); the
  // devnet matures in 20 blocks so demos see payouts.
  primecoin: { network: 'primecoin', family: 'prime', maturity: 3000, rpcPort: 9912 },
  'primecoin-testnet': {
    network: 'primecoin-testnet',
    family: 'prime',
    maturity: 3000,
    rpcPort: 9914,
  },
  'primecoin-devnet': {
    network: 'primecoin-devnet',
    family: 'prime',
    maturity: 20,
    rpcPort: 19914,
  },
} as const satisfies Record<
  string,
  { network: NetworkName; family: 'hash' | 'prime'; maturity: number; rpcPort: number }
>;

export type CoinId = keyof typeof COINS;

export interface NodeConfig {
  readonly nodeId: string;
  readonly cluster: string;
  readonly natsUrls: readonly string[];
  readonly dataDir: string;
  readonly coin: CoinId;
  readonly rpc: readonly { url: string; cookieFile?: string }[];
  readonly poolAddress: string;
  /** SOLO: each block pays the finder's address; otherwise the pool address. */
  readonly solo: boolean;
  readonly poolTag: string;
  readonly stratumHost: string;
  readonly stratumPort: number;
  /**
   * Where miners reach this node's Stratum port (the cluster registry names it to miners of a
   * draining sibling); null: the listen address unless a wildcard, else host name:port.
   */
  readonly publicStratum: { readonly host: string; readonly port: number } | null;
  /** Where miners reach its Stratum TLS port; null: the public Stratum host, the TLS port. */
  readonly publicStratumTls: { readonly host: string; readonly port: number } | null;
  readonly extranonce2Size: number;
  readonly startDifficulty: number;
  readonly minDifficulty: number;
  readonly maxDifficulty: number;
  readonly targetShareSeconds: number;
  readonly versionMask: number;
  readonly maxConnections: number;
  readonly maxConnectionsPerIp: number;
  readonly verifierThreads: number;
  /** Processes this machine's node runs as (topology/processes.ts); 0: one per core. */
  readonly processes: number;
  readonly refreshSeconds: number;
  readonly pollMs: number;
  readonly logLevel: string;
  /** Record spans and log one share's path from socket to ledger every few seconds. */
  readonly tracePaths: boolean;
  /** Where GET /metrics (Prometheus) and /health listen; null: off. */
  readonly metrics: { readonly host: string; readonly port: number } | null;
  /**
   * Where the dashboard and the pool API (Miningcore-compatible, docs/api.md) listen, without
   * /metrics; null: off (the metrics port serves them too). The same HOST:PORT as --metrics
   * is one server.
   */
  readonly http: { readonly host: string; readonly port: number } | null;
  /** Keep the pool's statistics (hashrate, share counts, effort) beside the ledger replica. */
  readonly stats: boolean;
  /**
   * `on`: this pool node keeps a ledger replica (and may lead the Ledger actor); `off`: none,
   * `colliery ledger run` nodes keep the ledger, answer the API and pay.
   */
  readonly ledger: 'on' | 'off';
  /** JetStream replicas of the share/block/payout log (3 on a 3-server NATS cluster). */
  readonly logReplicas: number;
  /** Pooled payout scheme (an account may override it; SOLO is the `solo` switch). */
  readonly payoutScheme: 'pplns' | 'pps' | 'fpps' | 'prop';
  /** Pool fee in basis points (100 = 1 %). */
  readonly feeBps: number;
  /** PPLNS window = factor × network difficulty, in difficulty-weighted shares. */
  readonly pplnsFactor: number;
  /** How balances are paid: straight from the coinbase, by the pool's wallet, or not at all. */
  readonly payouts: 'coinbase' | 'custodial' | 'off';
  /** Smallest balance paid (smaller balances are carried). */
  readonly minPayoutSats: bigint;
  /** Most miner outputs in one coinbase. */
  readonly maxCoinbaseOutputs: number;
  /** Custodial: the wallet's JSON-RPC URL (sendmany). */
  readonly walletRpc: string;
  /** Custodial: seconds between payout rounds. */
  readonly payoutIntervalSeconds: number;
  /** Per-account payout scheme overrides (config file only): account → pplns|prop|pps|fpps|solo. */
  readonly accountSchemes: Readonly<Record<string, 'pplns' | 'prop' | 'pps' | 'fpps' | 'solo'>>;
  /**
   * This node's Ed25519 key (signs every record it appends), created there on first start;
   * '' → `<data>/keys/<cluster>/<node-id>.key`.
   */
  readonly nodeKey: string;
  /**
   * auto: a node registers its own public key when its node id has none in the cluster's
   * trusted keys (on a bus whose permissions let it); operator: only `colliery keys trust` does.
   */
  readonly keyRegistration: 'auto' | 'operator';
  /** Stratum over TLS beside plain TCP (null: off), with its certificate chain and key (PEM files). */
  readonly stratumTls: {
    readonly host: string;
    readonly port: number;
    readonly certFile: string;
    readonly keyFile: string;
  } | null;
  /** How this process authenticates to NATS and checks its TLS (runtime NatsAuth). */
  readonly natsAuth: NatsAuth;
  /**
   * Pooled mode: the operator's account list (a file or an http(s) URL, btcpool's user-list
   * shape; topology/accounts.ts); '' → only addresses of the coin's network.
   */
  readonly accounts: string;
  /** The limits and periods an operator rarely changes (TUNING, docs/configuration.md). */
  readonly tuning: Tuning;
}

/**
 * Every limit and period of a node, with its default, range and meaning: flag `--NAME`, key
 * `tuning.CAMEL` in a file, COLLIERY_NAME. docs/configuration.md lists them (a test checks).
 */
export const TUNING = {
  'keep-jobs': [
    64,
    1,
    4096,
    'jobs the Share, Job and Block actors keep; shares on older jobs are stale',
  ],
  'share-batch': [
    2048,
    1,
    65_536,
    'hash coins: most submits in one verifier batch (more wait for the next while two batches per thread are out)',
  ],
  'prime-share-batch': [256, 1, 65_536, 'prime coins: most submits in one verifier batch'],
  'share-mailbox': [
    200_000,
    1_000,
    10_000_000,
    "the Share actor's mailbox: submits waiting for it",
  ],
  'longpoll-seconds': [60, 1, 3600, 'BIP22 longpoll: how long one getblocktemplate waits for news'],
  'rpc-timeout-seconds': [
    10,
    0.1,
    600,
    'a coin node call (other than longpoll) fails after this long',
  ],
  'keep-blocks': [1000, 1, 1_000_000, 'found blocks the Block actor follows and lists'],
  'follow-seconds': [
    10,
    0.1,
    3600,
    'how often the Block actor asks the coin nodes about found blocks',
  ],
  'lease-ttl-seconds': [
    5,
    0.5,
    600,
    'Job, Block and Ledger leases: a standby takes over this long after the holder goes silent',
  ],
  'prefix-ttl-seconds': [30, 2, 3600, "the extranonce-prefix claim's lifetime without a renewal"],
  'jobs-per-connection': [
    8,
    1,
    256,
    'notifies a connection keeps; work on an older one is answered stale (21)',
  ],
  'dedup-entries': [
    50_000,
    1,
    10_000_000,
    'submits a connection remembers to refuse duplicates (22)',
  ],
  'pending-submits': [
    128,
    1,
    100_000,
    'submits of one connection waiting for their verdict; more are refused busy',
  ],
  'node-pending-submits': [
    20_000,
    1,
    10_000_000,
    "submits in flight on the whole node; past it the node stops reading the miners that send more until answers make room (TCP holds the rest in the miners' own buffers)",
  ],
  'verdict-timeout-seconds': [
    15,
    1,
    600,
    'a submit with no verdict by then is answered busy (20), so a miner never waits forever',
  ],
  'workers-per-connection': [64, 1, 10_000, 'worker names one connection may authorize'],
  'handshake-seconds': [60, 1, 3600, 'a connection must subscribe and authorize within this long'],
  'drain-grace-seconds': [
    1,
    0,
    60,
    'a draining connection stays open this long after client.reconnect (unless the miner leaves first), answering submits already on the wire',
  ],
  'ban-window': [200, 10, 100_000, 'judged requests the invalid-ratio check looks back over'],
  'ban-invalid-fraction': [
    0.5,
    0.01,
    1,
    'close a connection (one strike against its address) when at least this fraction of its last ban-window judged requests was invalid, stale, for an unknown job or rate-limited',
  ],
  'max-bad-requests': [
    10,
    1,
    10_000,
    'malformed requests a connection may send before it is closed',
  ],
  'max-line-bytes': [16_384, 512, 1_048_576, 'longest Stratum line; longer closes the connection'],
  'ban-seconds': [600, 1, 86_400 * 30, 'how long a ban lasts'],
  'line-seconds': [
    30,
    1,
    3_600,
    'a line a connection started must end (newline) within this long, else the connection is closed',
  ],
  'subscribes-per-minute': [
    10,
    1,
    100_000,
    'mining.subscribe requests one connection may make per minute (a burst of this many)',
  ],
  'authorizes-per-minute': [
    120,
    1,
    100_000,
    'mining.authorize requests one connection may make per minute (a burst of this many: proxies authorize many workers)',
  ],
  'configures-per-minute': [
    10,
    1,
    100_000,
    'mining.configure requests one connection may make per minute',
  ],
  'suggest-difficulty-per-minute': [
    30,
    1,
    100_000,
    'mining.suggest_difficulty requests one connection may make per minute',
  ],
  'extranonce-subscribes-per-minute': [
    10,
    1,
    100_000,
    'mining.extranonce.subscribe requests one connection may make per minute',
  ],
  'submits-per-second': [
    1_000,
    1,
    1_000_000,
    'shares one connection may submit per second (a burst of this many); more are refused and count against it',
  ],
  'idle-share-seconds': [
    900,
    1,
    86_400,
    'an authorized connection with no accepted share this long is closed (a slow device: ten times its own mean share interval, if longer)',
  ],
  'accounts-poll-seconds': [
    5,
    0.5,
    3_600,
    'how often the --accounts list is read again (a name added there can mine within this long)',
  ],
  'ban-strikes': [
    3,
    1,
    1_000,
    'misbehaving connections from one address, within strike-window-seconds, that ban the address (miners behind one NAT share it)',
  ],
  'strike-window-seconds': [300, 1, 86_400, 'how far back the strikes against an address count'],
  'max-output-kb': [
    256,
    16,
    65_536,
    'most output waiting for one connection; past half of it the node stops reading it, past it the connection is cut',
  ],
  'output-stall-seconds': [
    10,
    1,
    600,
    'a connection whose output stays over half of max-output-kb this long is cut',
  ],
  'session-tick-seconds': [
    5,
    0.1,
    600,
    'period of vardiff idle checks, verdict timeouts and handshake limits',
  ],
  'drain-seconds': [
    20,
    1,
    600,
    'on SIGTERM: longest wait for miners to leave and shares in flight to be answered',
  ],
  'drain-rate': [
    2_000,
    0,
    1_000_000,
    'miners per second a draining node tells to reconnect elsewhere (0: all at once); the rest keep mining here meanwhile, and the spread never takes more than half of drain-seconds',
  ],
  'share-linger-ms': [
    DEFAULT_APPENDER.lingerMs,
    0,
    1_000,
    'how long accepted shares wait for company before their share-log record goes out (group commit: more shares per record, fewer records to sign, publish and apply)',
  ],
  'spool-after-seconds': [
    2,
    0.1,
    60,
    'a share record the share log has not acknowledged by then goes to the local spool (the miners hear accepted once it is on disk)',
  ],
  'spool-records': [
    100_000,
    1,
    10_000_000,
    'share records the local spool holds while the share log is away; beyond, shares are answered busy (20)',
  ],
  'spool-mb': [
    1024,
    1,
    1_048_576,
    'megabytes of share records the local spool holds while the share log is away',
  ],
} as const satisfies Record<string, readonly [number, number, number, string]>;

type Camel<S extends string> = S extends `${infer H}-${infer T}`
  ? `${H}${Capitalize<Camel<T>>}`
  : S;
export type Tuning = { readonly [K in keyof typeof TUNING as Camel<K>]: number };

const camel = (name: string): string =>
  name.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());

export class ConfigError extends Error {
  readonly code = 'CONFIG_INVALID';
  constructor(
    readonly option: string,
    message: string,
  ) {
    super(`${option}: ${message}`);
  }
}

export const DEFAULTS: Omit<NodeConfig, 'poolAddress' | 'rpc'> = {
  nodeId:
    hostname()
      .replace(/[^A-Za-z0-9_-]/g, '-')
      .slice(0, 40) || 'node',
  cluster: 'colliery',
  natsUrls: ['nats://127.0.0.1:4222'],
  dataDir: './data',
  coin: 'bitcoin',
  solo: false,
  poolTag: '/colliery/',
  stratumHost: '0.0.0.0',
  stratumPort: 3333,
  publicStratum: null,
  publicStratumTls: null,
  extranonce2Size: 8,
  startDifficulty: 1,
  minDifficulty: 2 ** -16,
  maxDifficulty: 2 ** 62,
  targetShareSeconds: 10,
  versionMask: 0x1fffe000,
  maxConnections: 100_000,
  maxConnectionsPerIp: 1_000,
  verifierThreads: 0,
  processes: 1,
  refreshSeconds: 30,
  pollMs: 500,
  logLevel: 'info',
  tracePaths: false,
  metrics: null,
  http: null,
  stats: true,
  ledger: 'on',
  logReplicas: 1,
  payoutScheme: 'pplns',
  feeBps: 100,
  pplnsFactor: 2,
  payouts: 'coinbase',
  minPayoutSats: 100_000n,
  maxCoinbaseOutputs: 20,
  walletRpc: '',
  payoutIntervalSeconds: 600,
  accountSchemes: {},
  nodeKey: '',
  keyRegistration: 'auto',
  natsAuth: {},
  accounts: '',
  stratumTls: null,
  tuning: Object.fromEntries(Object.entries(TUNING).map(([n, [v]]) => [camel(n), v])) as Tuning,
};

/** Flag/env name → config key, with how to parse it. */
const OPTIONS: Record<
  string,
  {
    key: keyof NodeConfig;
    parse: 'string' | 'number' | 'bool' | 'list' | 'rpc' | 'hex' | 'sats' | 'tuning';
    /** For `tuning`: the key inside `tuning`. */
    sub?: string;
  }
> = {
  ...Object.fromEntries(
    Object.keys(TUNING).map((n) => [n, { key: 'tuning', parse: 'tuning', sub: camel(n) } as const]),
  ),
  'node-id': { key: 'nodeId', parse: 'string' },
  cluster: { key: 'cluster', parse: 'string' },
  nats: { key: 'natsUrls', parse: 'list' },
  data: { key: 'dataDir', parse: 'string' },
  coin: { key: 'coin', parse: 'string' },
  rpc: { key: 'rpc', parse: 'rpc' },
  'pool-address': { key: 'poolAddress', parse: 'string' },
  solo: { key: 'solo', parse: 'bool' },
  'pool-tag': { key: 'poolTag', parse: 'string' },
  stratum: { key: 'stratumHost', parse: 'string' },
  'public-stratum': { key: 'publicStratum', parse: 'string' },
  'public-stratum-tls': { key: 'publicStratumTls', parse: 'string' },
  'extranonce2-size': { key: 'extranonce2Size', parse: 'number' },
  'start-difficulty': { key: 'startDifficulty', parse: 'number' },
  'min-difficulty': { key: 'minDifficulty', parse: 'number' },
  'max-difficulty': { key: 'maxDifficulty', parse: 'number' },
  'share-seconds': { key: 'targetShareSeconds', parse: 'number' },
  'version-mask': { key: 'versionMask', parse: 'hex' },
  'max-connections': { key: 'maxConnections', parse: 'number' },
  'max-connections-per-ip': { key: 'maxConnectionsPerIp', parse: 'number' },
  'verifier-threads': { key: 'verifierThreads', parse: 'number' },
  processes: { key: 'processes', parse: 'number' },
  'refresh-seconds': { key: 'refreshSeconds', parse: 'number' },
  'log-level': { key: 'logLevel', parse: 'string' },
  'trace-paths': { key: 'tracePaths', parse: 'bool' },
  metrics: { key: 'metrics', parse: 'string' },
  http: { key: 'http', parse: 'string' },
  stats: { key: 'stats', parse: 'bool' },
  ledger: { key: 'ledger', parse: 'string' },
  'log-replicas': { key: 'logReplicas', parse: 'number' },
  'payout-scheme': { key: 'payoutScheme', parse: 'string' },
  'fee-bps': { key: 'feeBps', parse: 'number' },
  'pplns-factor': { key: 'pplnsFactor', parse: 'number' },
  payouts: { key: 'payouts', parse: 'string' },
  'min-payout-sats': { key: 'minPayoutSats', parse: 'sats' },
  'max-coinbase-outputs': { key: 'maxCoinbaseOutputs', parse: 'number' },
  wallet: { key: 'walletRpc', parse: 'string' },
  'payout-interval-seconds': { key: 'payoutIntervalSeconds', parse: 'number' },
  'node-key': { key: 'nodeKey', parse: 'string' },
  'stratum-tls': { key: 'stratumTls', parse: 'string' },
  accounts: { key: 'accounts', parse: 'string' },
  'tls-cert': { key: 'tlsCert' as keyof NodeConfig, parse: 'string' },
  'tls-key': { key: 'tlsKey' as keyof NodeConfig, parse: 'string' },
  'nats-user': { key: 'natsUser' as keyof NodeConfig, parse: 'string' },
  'nats-password': { key: 'natsPassword' as keyof NodeConfig, parse: 'string' },
  'nats-token': { key: 'natsToken' as keyof NodeConfig, parse: 'string' },
  'nats-creds': { key: 'natsCreds' as keyof NodeConfig, parse: 'string' },
  'nats-nkey': { key: 'natsNkey' as keyof NodeConfig, parse: 'string' },
  'nats-ca': { key: 'natsCa' as keyof NodeConfig, parse: 'string' },
  'nats-cert': { key: 'natsCert' as keyof NodeConfig, parse: 'string' },
  'nats-key': { key: 'natsKey' as keyof NodeConfig, parse: 'string' },
  'key-registration': { key: 'keyRegistration', parse: 'string' },
};

export function optionHelp(): string {
  return Object.keys(OPTIONS)
    .map((o) => `  --${o}`)
    .join('\n');
}

type Raw = Record<string, unknown>;

/** Parses `--name value`, `--name=value` and bare `--flag` (booleans); repeatable `--rpc`. */
export function parseFlags(args: readonly string[]): {
  raw: Raw;
  configFile: string | undefined;
  rest: string[];
} {
  const raw: Raw = {};
  const rest: string[] = [];
  let configFile: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    if (!a.startsWith('--')) {
      rest.push(a);
      continue;
    }
    const eq = a.indexOf('=');
    const name = a.slice(2, eq < 0 ? undefined : eq);
    const spec = OPTIONS[name];
    const isBool = spec?.parse === 'bool';
    const value = eq >= 0 ? a.slice(eq + 1) : isBool ? 'true' : args[++i];
    if (name === 'config') {
      configFile = value;
      continue;
    }
    if (!spec) {
      rest.push(a);
      if (eq < 0 && !isBool) i--;
      continue;
    }
    if (value === undefined) throw new ConfigError(`--${name}`, 'needs a value');
    const prev = raw[spec.key];
    raw[spec.key] =
      spec.parse === 'tuning'
        ? { ...(prev as Raw | undefined), [spec.sub as string]: value }
        : spec.parse === 'rpc' || spec.parse === 'list'
          ? [...((prev as string[]) ?? []), value]
          : value;
  }
  return { raw, configFile, rest };
}

/** COLLIERY_POOL_ADDRESS, COLLIERY_RPC (comma-separated), ... */
export function envRaw(env: NodeJS.ProcessEnv): Raw {
  const raw: Raw = {};
  for (const [name, spec] of Object.entries(OPTIONS)) {
    const v = env[`COLLIERY_${name.toUpperCase().replace(/-/g, '_')}`];
    if (v === undefined || v === '') continue;
    raw[spec.key] =
      spec.parse === 'tuning'
        ? { ...(raw[spec.key] as Raw | undefined), [spec.sub as string]: v }
        : spec.parse === 'rpc' || spec.parse === 'list'
          ? v.split(',').map((s) => s.trim())
          : v;
  }
  return raw;
}

export function fileRaw(path: string): Raw {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as Raw;
  } catch (e) {
    throw new ConfigError('--config', `cannot read ${path} as JSON (${(e as Error).message})`);
  }
}

/** Merges the sources and validates; `overrides` are set by a composing command (demo). */
export function loadConfig(sources: Raw[], overrides: Partial<NodeConfig> = {}): NodeConfig {
  return validate(merge([...sources, overrides]), 'node');
}

/** Later sources win, key by key; `tuning` merges per tunable. */
function merge(sources: Raw[]): Raw {
  const merged: Raw = { ...DEFAULTS };
  for (const s of sources) {
    const tuning = { ...(merged.tuning as Raw), ...(s.tuning as Raw | undefined) };
    Object.assign(merged, s, { tuning });
  }
  return merged;
}

/**
 * The same sources for a tool that reads the pool's data (`colliery ledger`): coin nodes and
 * the pool address are not needed (rpc comes back empty, poolAddress as given or '').
 */
/**
 * The NATS servers and cluster a cluster-wide tool (`status`, `trace`) talks to, from the same
 * sources as every command: --config FILE, COLLIERY_* variables, flags (defaults otherwise).
 */
export function clusterOf(
  args: readonly string[],
  command: string,
): { natsUrls: string[]; cluster: string; natsAuth: NatsAuth } {
  const { raw, configFile, rest } = parseFlags(args);
  if (rest.length > 0)
    throw new ConfigError(rest[0] as string, `colliery ${command} does not take this argument`);
  const cfg = loadToolConfig([toolFileRaw(configFile), envRaw(process.env), raw]);
  return { natsUrls: [...cfg.natsUrls], cluster: cfg.cluster, natsAuth: cfg.natsAuth };
}

/** The settings file `colliery demo` writes under its data folder (a `--config` file). */
export const RUN_FILE = 'colliery.json';

/**
 * The config file of a command that reads the pool's data (status, trace, ledger): --config
 * when given; otherwise, run inside a demo's folder, the file that demo wrote
 * (./data/colliery.json, or ./colliery.json inside the data folder itself), said on stderr.
 */
export function toolFileRaw(configFile: string | undefined, cwd = process.cwd()): Raw {
  if (configFile !== undefined) return fileRaw(configFile);
  for (const p of [join(cwd, 'data', RUN_FILE), join(cwd, RUN_FILE)]) {
    if (!existsSync(p)) continue;
    process.stderr.write(
      `colliery: settings from ${relative(cwd, p)} (written by colliery demo; --config FILE or flags override)\n`,
    );
    return fileRaw(p);
  }
  return {};
}

/**
 * The ledger replicas under `<dataDir>/ledger` (cluster/coin/node folders) that agree with
 * whichever of cluster, coin and node id the user named.
 */
export function ledgersIn(
  dataDir: string,
  named: { cluster?: string; coin?: string; nodeId?: string },
): { cluster: string; coin: string; nodeId: string }[] {
  const dirs = (p: string): string[] => {
    try {
      return readdirSync(p, { withFileTypes: true })
        .filter((d) => d.isDirectory())
        .map((d) => d.name);
    } catch {
      return [];
    }
  };
  const root = join(dataDir, 'ledger');
  const found: { cluster: string; coin: string; nodeId: string }[] = [];
  for (const cluster of dirs(root))
    for (const coin of dirs(join(root, cluster)))
      for (const nodeId of dirs(join(root, cluster, coin)))
        if (
          (named.cluster ?? cluster) === cluster &&
          (named.coin ?? coin) === coin &&
          (named.nodeId ?? nodeId) === nodeId
        )
          found.push({ cluster, coin, nodeId });
  return found;
}

export function loadToolConfig(sources: Raw[]): NodeConfig {
  return validate(merge(sources), 'tool');
}

type Num = (key: keyof NodeConfig, min: number, max: number, integer?: boolean) => number;
type Str = (key: keyof NodeConfig, pattern?: RegExp, hint?: string) => string;

/** Typed readers of the merged sources whose errors name the option's flag. */
function readers(r: Raw): { num: Num; str: Str } {
  const flag = (key: keyof NodeConfig) =>
    `--${Object.entries(OPTIONS).find(([, s]) => s.key === key)?.[0] ?? key}`;
  const num: Num = (key, min, max, integer = true) => {
    const v = typeof r[key] === 'string' ? Number(r[key]) : r[key];
    if (
      typeof v !== 'number' ||
      !Number.isFinite(v) ||
      v < min ||
      v > max ||
      (integer && !Number.isInteger(v))
    ) {
      throw new ConfigError(
        flag(key),
        `must be ${integer ? 'an integer' : 'a number'} from ${min} to ${max}, got ${String(r[key])}`,
      );
    }
    return v;
  };
  const str: Str = (key, pattern, hint) => {
    const v = r[key];
    if (typeof v !== 'string' || v.length === 0 || (pattern && !pattern.test(v))) {
      throw new ConfigError(flag(key), hint ?? `must be a non-empty string, got ${String(v)}`);
    }
    return v;
  };
  return { num, str };
}

/** --rpc: http(s) URLs (a file may give `{ url, cookieFile }`); a node needs at least one. */
function coinNodesOf(r: Raw, coin: CoinId, use: 'node' | 'tool'): NodeConfig['rpc'] {
  const rpcList = (Array.isArray(r.rpc) ? r.rpc : []).map((x) =>
    typeof x === 'string' ? { url: x } : (x as { url: string; cookieFile?: string }),
  );
  if (rpcList.length === 0 && use === 'node') {
    throw new ConfigError(
      '--rpc',
      `no coin node configured; pass --rpc http://user:pass@127.0.0.1:${COINS[coin].rpcPort} (repeatable)`,
    );
  }
  for (const e of rpcList) {
    try {
      const u = new URL(e.url);
      if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('not http(s)');
    } catch {
      throw new ConfigError(
        '--rpc',
        `'${e.url}' is not an http(s) URL like http://user:pass@127.0.0.1:${COINS[coin].rpcPort}`,
      );
    }
  }
  return rpcList;
}

/** --pool-address: an address of the coin's network (a tool may go without). */
function poolAddressOf(r: Raw, str: Str, coin: CoinId, use: 'node' | 'tool'): string {
  if (use === 'tool' && typeof r.poolAddress !== 'string') return '';
  const poolAddress = str(
    'poolAddress',
    undefined,
    'is required: the address that receives block rewards (--pool-address ADDR)',
  );
  const network = networkByName(COINS[coin].network);
  try {
    if (use === 'node') addressToScript(poolAddress, network);
  } catch (e) {
    throw new ConfigError(
      '--pool-address',
      `${(e as Error).message} (expected a ${network.name} address)`,
    );
  }
  return poolAddress;
}

/** --processes: 0-64 (0: one per core); process k ≥ 1 is `<node-id>-p<k>`, so the id leaves room. */
function processesOf(r: Raw, num: Num): number {
  const n = num('processes', 0, 64);
  if (n !== 1 && String(r.nodeId).length > 60)
    throw new ConfigError(
      '--node-id',
      'must be at most 60 characters with --processes (ids -p1… follow it)',
    );
  return n;
}

function versionMaskOf(r: Raw): number {
  const versionMask =
    typeof r.versionMask === 'string' ? parseInt(r.versionMask, 16) : Number(r.versionMask);
  if (!Number.isInteger(versionMask) || versionMask < 0 || versionMask > 0xffffffff) {
    throw new ConfigError(
      '--version-mask',
      'must be 8 hex digits like 1fffe000 (00000000 disables version rolling)',
    );
  }
  return versionMask;
}

function validate(r: Raw, use: 'node' | 'tool'): NodeConfig {
  const { num, str } = readers(r);
  const coin = str('coin') as CoinId;
  if (!(coin in COINS))
    throw new ConfigError(
      '--coin',
      `unknown coin '${coin}'; use one of ${Object.keys(COINS).join(', ')}`,
    );
  const rpcList = coinNodesOf(r, coin, use);
  const poolAddress = poolAddressOf(r, str, coin, use);
  const [host, portText] = splitHostPort(String(r.stratumHost), r.stratumPort);
  const versionMask = versionMaskOf(r);
  const natsUrls = Array.isArray(r.natsUrls)
    ? (r.natsUrls as string[]).flatMap((s) => s.split(','))
    : [String(r.natsUrls)];
  return {
    nodeId: str('nodeId', /^[A-Za-z0-9_-]{1,64}$/, 'must be 1-64 letters, digits, _ or -'),
    cluster: str('cluster', /^[A-Za-z0-9_-]{1,64}$/, 'must be 1-64 letters, digits, _ or -'),
    natsUrls,
    dataDir: resolve(str('dataDir')),
    coin,
    rpc: rpcList,
    poolAddress,
    solo: r.solo === true || r.solo === 'true',
    tracePaths: r.tracePaths === true || r.tracePaths === 'true',
    metrics: metricsListen(r.metrics),
    http: metricsListen(r.http, '--http'),
    stats: !(r.stats === false || r.stats === 'false' || r.stats === 'off'),
    ledger: str('ledger', /^(on|off)$/, 'must be on or off') as NodeConfig['ledger'],
    poolTag: str('poolTag'),
    stratumHost: host,
    stratumPort: portText,
    publicStratum: publicAddressOf(r.publicStratum, '--public-stratum'),
    publicStratumTls: publicAddressOf(r.publicStratumTls, '--public-stratum-tls'),
    extranonce2Size: num('extranonce2Size', 4, 8),
    startDifficulty: num('startDifficulty', 2 ** -32, 2 ** 62, false),
    minDifficulty: num('minDifficulty', 2 ** -32, 2 ** 62, false),
    maxDifficulty: num('maxDifficulty', 2 ** -32, 2 ** 62, false),
    targetShareSeconds: num('targetShareSeconds', 0.1, 3600, false),
    versionMask,
    maxConnections: num('maxConnections', 1, 10_000_000),
    maxConnectionsPerIp: num('maxConnectionsPerIp', 1, 10_000_000),
    verifierThreads: num('verifierThreads', 0, 256),
    processes: processesOf(r, num),
    refreshSeconds: num('refreshSeconds', 1, 3600, false),
    pollMs: num('pollMs', 50, 60_000),
    logLevel: str(
      'logLevel',
      /^(fatal|error|warn|info|debug|trace|silent)$/,
      'must be one of fatal, error, warn, info, debug, trace, silent',
    ),
    ...ledgerOptions(r, num, str),
    nodeKey: String(r.nodeKey ?? ''),
    natsAuth: natsAuthOf(r),
    stratumTls: stratumTlsOf(r),
    accounts: String(r.accounts ?? ''),
    keyRegistration: str(
      'keyRegistration',
      /^(auto|operator)$/,
      'must be auto or operator',
    ) as NodeConfig['keyRegistration'],
    tuning: tuningOf(r.tuning),
  };
}

/** `--public-stratum HOST:PORT` (a file may also give `{ host, port }`); absent or empty: null. */
function publicAddressOf(v: unknown, flag: string): NodeConfig['publicStratum'] {
  if (v === undefined || v === null || v === '') return null;
  if (typeof v === 'object' && 'host' in v && 'port' in v) {
    const { host, port } = v as { host: unknown; port: unknown };
    v = `${String(host)}:${String(port)}`;
  }
  const m = /^(.+):(\d+)$/.exec(String(v));
  const host = m ? (m[1] as string).replace(/^\[|\]$/g, '') : '';
  const port = m ? Number(m[2]) : NaN;
  if (host === '' || /[\s/]/.test(host) || !(port >= 1 && port <= 65535))
    throw new ConfigError(
      flag,
      `must be HOST:PORT as miners reach it, like pool-a.example.com:3333, got ${String(v)}`,
    );
  return { host, port };
}

/** --stratum-tls HOST:PORT with --tls-cert and --tls-key (all three, or none). */
function stratumTlsOf(r: Raw): NodeConfig['stratumTls'] {
  const at = r.stratumTls;
  if (at === null || at === undefined || at === '') return null;
  const [host, port] = splitHostPort(String(at), undefined);
  const file = (k: string, flag: string): string => {
    if (typeof r[k] !== 'string' || r[k] === '')
      throw new ConfigError(flag, 'needed with --stratum-tls (a PEM file)');
    return r[k] as string;
  };
  return {
    host,
    port,
    certFile: file('tlsCert', '--tls-cert'),
    keyFile: file('tlsKey', '--tls-key'),
  };
}

/** NATS credentials and TLS from their options (each optional; a file's path, or a value). */
function natsAuthOf(r: Raw): NatsAuth {
  const opt = (k: string): string | undefined =>
    typeof r[k] === 'string' && r[k] !== '' ? (r[k] as string) : undefined;
  const tls = { caFile: opt('natsCa'), certFile: opt('natsCert'), keyFile: opt('natsKey') };
  const auth: Record<string, unknown> = {
    user: opt('natsUser'),
    pass: opt('natsPassword'),
    token: opt('natsToken'),
    credsFile: opt('natsCreds'),
    nkeySeedFile: opt('natsNkey'),
    tls: Object.values(tls).some((v) => v !== undefined)
      ? Object.fromEntries(Object.entries(tls).filter(([, v]) => v !== undefined))
      : undefined,
  };
  return Object.fromEntries(Object.entries(auth).filter(([, v]) => v !== undefined)) as NatsAuth;
}

function tuningOf(v: unknown): Tuning {
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw new ConfigError(
      'tuning',
      'must be an object of tunable → number (docs/configuration.md)',
    );
  const byKey = new Map(Object.entries(TUNING).map(([n, spec]) => [camel(n), { n, spec }]));
  const out: Record<string, number> = {};
  for (const [key, raw] of Object.entries(v)) {
    const t = byKey.get(key);
    if (t === undefined)
      throw new ConfigError(
        `tuning.${key}`,
        `unknown tunable; known: ${[...byKey.keys()].join(', ')}`,
      );
    const [fallback, min, max] = t.spec;
    const n = typeof raw === 'string' ? Number(raw) : raw;
    const integer = [fallback, min, max].every((x) => Number.isInteger(x));
    if (
      typeof n !== 'number' ||
      !Number.isFinite(n) ||
      n < min ||
      n > max ||
      (integer && !Number.isInteger(n))
    )
      throw new ConfigError(
        `--${t.n}`,
        `must be ${integer ? 'an integer' : 'a number'} from ${min} to ${max}, got ${String(raw)}`,
      );
    out[key] = n;
  }
  return out as Tuning;
}

function ledgerOptions(
  r: Raw,
  num: (key: keyof NodeConfig, min: number, max: number, integer?: boolean) => number,
  str: (key: keyof NodeConfig, pattern?: RegExp, hint?: string) => string,
): Pick<
  NodeConfig,
  | 'logReplicas'
  | 'payoutScheme'
  | 'feeBps'
  | 'pplnsFactor'
  | 'payouts'
  | 'minPayoutSats'
  | 'maxCoinbaseOutputs'
  | 'walletRpc'
  | 'payoutIntervalSeconds'
  | 'accountSchemes'
> {
  const payouts = str(
    'payouts',
    /^(coinbase|custodial|off)$/,
    'must be coinbase, custodial or off',
  );
  const walletRpc = typeof r.walletRpc === 'string' ? r.walletRpc : '';
  if (payouts === 'custodial' && walletRpc === '') {
    throw new ConfigError(
      '--wallet',
      'custodial payouts need the wallet node: --wallet http://user:pass@127.0.0.1:8332/wallet/pool',
    );
  }
  let minPayoutSats: bigint;
  try {
    minPayoutSats = BigInt(r.minPayoutSats as string | number | bigint);
    if (minPayoutSats < 0n) throw new Error('negative');
  } catch {
    throw new ConfigError(
      '--min-payout-sats',
      `must be a whole number of satoshis, got ${String(r.minPayoutSats)}`,
    );
  }
  return {
    logReplicas: num('logReplicas', 1, 5),
    payoutScheme: str(
      'payoutScheme',
      /^(pplns|pps|fpps|prop)$/,
      'must be pplns, pps, fpps or prop (SOLO is --solo)',
    ) as NodeConfig['payoutScheme'],
    feeBps: num('feeBps', 0, 10_000),
    pplnsFactor: num('pplnsFactor', 0.01, 100, false),
    payouts: payouts as NodeConfig['payouts'],
    minPayoutSats,
    maxCoinbaseOutputs: num('maxCoinbaseOutputs', 0, 1_000),
    walletRpc,
    payoutIntervalSeconds: num('payoutIntervalSeconds', 1, 86_400 * 7, false),
    accountSchemes: accountSchemesOf(r.accountSchemes),
  };
}

function accountSchemesOf(v: unknown): NodeConfig['accountSchemes'] {
  if (v === undefined || v === null) return {};
  const ok = ['pplns', 'prop', 'pps', 'fpps', 'solo'];
  if (typeof v !== 'object' || Array.isArray(v)) {
    throw new ConfigError(
      'accountSchemes',
      'must be an object of account → pplns|prop|pps|fpps|solo',
    );
  }
  for (const [account, scheme] of Object.entries(v)) {
    if (!ok.includes(String(scheme))) {
      throw new ConfigError(
        `accountSchemes.${account}`,
        `must be one of ${ok.join(', ')}, got ${String(scheme)}`,
      );
    }
  }
  return v as NodeConfig['accountSchemes'];
}

/** `--metrics HOST:PORT` (a file may also give `{ host, port }`); absent or empty: off. */
function metricsListen(v: unknown, flag = '--metrics'): NodeConfig['metrics'] {
  if (v === undefined || v === null || v === '' || v === false) return null;
  if (typeof v === 'object' && v !== null && 'host' in v && 'port' in v) {
    const { host, port } = v as { host: unknown; port: unknown };
    v = `${String(host)}:${String(port)}`;
  }
  // A bare port listens on loopback: metrics and the API are not for the whole network unless
  // the operator names an address.
  if (/^\d+$/.test(String(v))) v = `127.0.0.1:${String(v)}`;
  const m = /^(.+):(\d+)$/.exec(String(v));
  const port = m ? Number(m[2]) : NaN;
  if (!m || !Number.isInteger(port) || port > 65535)
    throw new ConfigError(
      flag,
      `must be HOST:PORT like 127.0.0.1:9464 (port 0-65535), got ${String(v)}`,
    );
  return { host: (m[1] as string).replace(/^\[|\]$/g, ''), port };
}

function splitHostPort(stratum: string, port: unknown): [string, number] {
  const m = /^(.*):(\d+)$/.exec(stratum);
  const host = m ? (m[1] as string) : stratum;
  const p = m ? Number(m[2]) : Number(port);
  if (!Number.isInteger(p) || p < 0 || p > 65535)
    throw new ConfigError('--stratum', `port must be 0-65535 in HOST:PORT, got ${stratum}`);
  return [host.replace(/^\[|\]$/g, ''), p];
}
