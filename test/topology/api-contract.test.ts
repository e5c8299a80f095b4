// The pool API's contract (docs/api.md): Miningcore's routes and Colliery's own answered from a
// real LMDB ledger with its real statistics, fed a log of three miners, three blocks (matured,
// orphaned, immature) and custodial payouts (one sent, one failed). Every route: status 200,
// every documented field present with its documented JSON type and no undocumented one (the
// schema tables below are the tables of docs/api.md), the values tied to the ledger and the
// statistics, paging (page, pageSize, pageCount), 400 for bad parameters, 404 for unknown
// pools, miners and paths, 503 where statistics are needed and off; the first routes
// (/api/status, /api/blocks, /api/accounts) still answer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  HASH_WORK_PER_WEIGHT,
  LOG_RECORD_VERSION,
  WEIGHT_ONE,
  openLedger,
  type LedgerStore,
  type LogEntry,
  type LoggedRejects,
  type LoggedShare,
  type StatsView,
} from '../../actors/ledger/index.js';
import { apiAnswer } from '../../topology/api/router.js';
import { coinText, coins } from '../../topology/api/http.js';
import { apiAnswer as legacyApiAnswer } from '../../topology/metrics-api.js';
import type {
  CoinNodeInfo,
  PoolApiSource,
  PoolInfo,
  WorkerPrimeStats,
} from '../../topology/api/source.js';
import type { NodeStatus } from '../../topology/status.js';
import { COIN, LogBuilder, hashOf, loggedShare, tempDir } from '../actors/ledger/log.js';

// ---- the schema tables (docs/api.md)

type Prim = 'string' | 'number' | 'integer' | 'boolean' | 'iso' | 'sats';
type Spec =
  | Prim
  | { readonly kind: 'object'; readonly fields: Readonly<Record<string, Spec>> }
  | { readonly kind: 'array' | 'map' | 'optional' | 'nullable'; readonly of: Spec }
  | { readonly kind: 'any' };

const obj = (fields: Readonly<Record<string, Spec>>): Spec => ({ kind: 'object', fields });
const arr = (of: Spec): Spec => ({ kind: 'array', of });
const map = (of: Spec): Spec => ({ kind: 'map', of });
/** Absent when unknown (Miningcore's routes omit null values). */
const opt = (of: Spec): Spec => ({ kind: 'optional', of });
/** Always present, null when unknown (Colliery's routes). */
const nul = (of: Spec): Spec => ({ kind: 'nullable', of });
const ANY: Spec = { kind: 'any' };

const MINER_PERFORMANCE = obj({ miner: 'string', hashrate: 'number', sharesPerSecond: 'number' });

const POOL = obj({
  id: 'string',
  coin: obj({
    type: 'string',
    name: 'string',
    symbol: 'string',
    family: 'string',
    algorithm: 'string',
  }),
  ports: map(
    obj({
      listenAddress: 'string',
      name: 'string',
      difficulty: 'number',
      varDiff: opt(obj({ minDiff: 'number', maxDiff: 'number' })),
      tls: 'boolean',
      tlsAuto: 'boolean',
    }),
  ),
  paymentProcessing: obj({
    enabled: 'boolean',
    minimumPayment: 'number',
    minimumPaymentSats: 'sats',
    payoutScheme: 'string',
    payoutSchemeConfig: opt(obj({ factor: 'number' })),
    payouts: 'string',
    payoutIntervalSeconds: 'integer',
  }),
  poolFeePercent: 'number',
  address: 'string',
  poolStats: opt(
    obj({
      connectedMiners: 'integer',
      connectedWorkers: 'integer',
      poolHashrate: 'number',
      sharesPerSecond: 'number',
    }),
  ),
  networkStats: obj({
    networkType: 'string',
    networkHashrate: 'number',
    networkDifficulty: 'number',
    lastNetworkBlockTime: opt('iso'),
    blockHeight: 'integer',
    connectedPeers: 'integer',
  }),
  topMiners: arr(MINER_PERFORMANCE),
  totalPaid: 'number',
  totalPaidSats: 'sats',
  totalBlocks: 'integer',
  lastPoolBlockTime: opt('iso'),
  poolEffort: 'number',
  poolLuck: opt(obj({ blocks: 'integer', averageEffort: 'number', luck: 'number' })),
});

const BLOCK = obj({
  poolId: 'string',
  blockHeight: 'integer',
  networkDifficulty: 'number',
  status: 'string',
  type: 'string',
  confirmationProgress: 'number',
  effort: opt('number'),
  reward: 'number',
  rewardSats: 'sats',
  hash: 'string',
  miner: 'string',
  source: 'string',
  created: opt('iso'),
});

const PAYMENT = obj({
  coin: 'string',
  address: 'string',
  amount: 'number',
  amountSats: 'sats',
  transactionConfirmationData: 'string',
  created: opt('iso'),
  type: 'string',
  blockHash: opt('string'),
  payoutId: opt('string'),
});

const POOL_SAMPLE = obj({ poolHashrate: 'number', validSharesPerSecond: 'number', created: 'iso' });

const WORKER_SAMPLE = obj({
  created: 'iso',
  workers: map(obj({ hashrate: 'number', sharesPerSecond: 'number' })),
});

const MINER_STATS = obj({
  pendingShares: 'number',
  pendingBalance: 'number',
  pendingBalanceSats: 'sats',
  immatureBalance: 'number',
  immatureBalanceSats: 'sats',
  totalPaid: 'number',
  totalPaidSats: 'sats',
  todayPaid: 'number',
  todayPaidSats: 'sats',
  lastPayment: opt('iso'),
  performance: opt(WORKER_SAMPLE),
  performanceSamples: arr(WORKER_SAMPLE),
});

const paged = (of: Spec): Spec =>
  obj({ success: 'boolean', result: arr(of), pageCount: 'integer' });

const WORKER = obj({
  worker: 'string',
  online: 'boolean',
  hashrate: 'number',
  hashrate24h: 'number',
  sharesPerSecond: 'number',
  lastShare: nul('iso'),
  accepted24h: 'integer',
  stale24h: 'integer',
  invalid24h: 'integer',
});

const ACCOUNT = obj({
  pool: 'string',
  account: 'string',
  asOfSeq: 'integer',
  statsAsOfSeq: nul('integer'),
  statistics: 'string',
  scheme: 'string',
  balances: obj({
    immatureSats: 'sats',
    matureSats: 'sats',
    pendingSats: 'sats',
    paidSats: 'sats',
    debtSats: 'sats',
  }),
  hashrate: nul('number'),
  hashrate24h: nul('number'),
  sharesPerSecond: nul('number'),
  accepted24h: nul('integer'),
  stale24h: nul('integer'),
  invalid24h: nul('integer'),
  lastShare: nul('iso'),
  workers: nul(arr(WORKER)),
});

const POSITION = nul(obj({ seq: 'integer', index: 'integer', hash: 'string' }));
const FINDER = obj({ account: 'string', worker: 'string', node: 'string' });
const BLOCK_HEAD: Readonly<Record<string, Spec>> = {
  hash: 'string',
  height: 'integer',
  seq: 'integer',
  status: 'string',
  miningcoreStatus: 'string',
  confirmationProgress: 'number',
  rewardSats: 'sats',
  solo: 'boolean',
  effort: nul('number'),
  foundAt: nul('iso'),
};
const BILL_LINE = obj({
  account: 'string',
  scheme: 'string',
  weight: 'sats',
  shares: 'integer',
  first: POSITION,
  last: POSITION,
  creditSats: 'sats',
  creditedTo: 'string',
});

const PAGE_FIELDS: Readonly<Record<string, Spec>> = {
  total: 'integer',
  page: 'integer',
  pageSize: 'integer',
  pageCount: 'integer',
};

const BILLS = obj({
  pool: 'string',
  account: 'string',
  asOfSeq: 'integer',
  ...PAGE_FIELDS,
  rows: arr(
    obj({
      block: obj({
        ...BLOCK_HEAD,
        method: nul('string'),
        feeSats: nul('sats'),
        splitSats: nul('sats'),
        targetWeight: nul('sats'),
        filledWeight: nul('sats'),
        finder: nul(FINDER),
      }),
      line: nul(BILL_LINE),
    }),
  ),
});

const BLOCK_BILL = obj({
  pool: 'string',
  asOfSeq: 'integer',
  ...BLOCK_HEAD,
  bill: obj({
    hash: 'string',
    height: 'integer',
    coin: 'string',
    seq: 'integer',
    finder: FINDER,
    method: 'string',
    rewardSats: 'sats',
    feeBps: 'integer',
    feeSats: 'sats',
    splitSats: 'sats',
    targetWeight: 'sats',
    filledWeight: 'sats',
    unfilledWeight: 'sats',
    boundaryWeight: nul('sats'),
    from: POSITION,
    to: POSITION,
    lines: arr(BILL_LINE),
    coinbasePaid: arr(obj({ account: 'string', sats: 'sats' })),
  }),
});

const LEADERBOARD = obj({
  pool: 'string',
  period: 'string',
  asOfSeq: 'integer',
  ...PAGE_FIELDS,
  rows: arr(
    obj({
      rank: 'integer',
      account: 'string',
      hashrate: 'number',
      hashrate24h: 'number',
      sharesPerSecond: 'number',
      workersOnline: 'integer',
      lastShare: nul('iso'),
    }),
  ),
});

const PRIME = obj({
  pool: 'string',
  ...PAGE_FIELDS,
  shareWeights: map('number'),
  workers: arr(
    obj({
      worker: 'string',
      shares: 'integer',
      byLength: map('integer'),
      weightByLength: map('integer'),
      byType: map('integer'),
      askedLength: 'integer',
      estimatedLength: nul('integer'),
      continuation: nul('number'),
      evidence: 'number',
      flagged: 'boolean',
    }),
  ),
});

const ERROR = obj({ error: 'string', message: 'string' });

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

/** Asserts `v` matches `spec`: every field present (optional ones may be absent), none extra. */
function check(v: unknown, spec: Spec, path = '$'): void {
  if (typeof spec === 'string') {
    const ok =
      spec === 'string'
        ? typeof v === 'string'
        : spec === 'number'
          ? typeof v === 'number' && Number.isFinite(v)
          : spec === 'integer'
            ? Number.isInteger(v)
            : spec === 'boolean'
              ? typeof v === 'boolean'
              : spec === 'iso'
                ? typeof v === 'string' && ISO.test(v) && !Number.isNaN(Date.parse(v))
                : typeof v === 'string' && /^-?\d+$/.test(v);
    assert.ok(ok, `${path}: expected ${spec}, got ${JSON.stringify(v)}`);
    return;
  }
  switch (spec.kind) {
    case 'any':
      return;
    case 'nullable':
      if (v !== null) check(v, spec.of, path);
      return;
    case 'optional':
      check(v, spec.of, path);
      return;
    case 'array':
      assert.ok(Array.isArray(v), `${path}: expected an array, got ${JSON.stringify(v)}`);
      v.forEach((x, i) => check(x, spec.of, `${path}[${i}]`));
      return;
    case 'map':
      assert.ok(isObject(v), `${path}: expected an object`);
      for (const [k, x] of Object.entries(v)) check(x, spec.of, `${path}.${k}`);
      return;
    case 'object': {
      assert.ok(isObject(v), `${path}: expected an object, got ${JSON.stringify(v)}`);
      for (const [k, s] of Object.entries(spec.fields)) {
        const has = Object.hasOwn(v, k);
        if (typeof s !== 'string' && s.kind === 'optional') {
          if (has) check(v[k], s.of, `${path}.${k}`);
        } else {
          assert.ok(has, `${path}.${k} is missing`);
          check(v[k], s, `${path}.${k}`);
        }
      }
      for (const k of Object.keys(v))
        assert.ok(Object.hasOwn(spec.fields, k), `${path}.${k} is not documented`);
      return;
    }
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

// ---- the log

/** An hour boundary: 2023-11-14T22:00:00Z. */
const T0 = 1_699_999_200_000;
const NOW = T0 + 20 * 60_000;
const MIN = 60_000;
const NET_WEIGHT = 100_000_000n;
const REWARD = 5_000_000_000n;
const BLOCK_A = hashOf('block-a');
const BLOCK_B = hashOf('block-b');
const BLOCK_C = hashOf('block-c');
const PAYOUT_SATS = 100_000_000n;
const COINBASE_SATS = 50_000_000n;
const POOL_ID = 'btc-test';

const share = loggedShare;

/**
 * alice (rig1, rig2): a diff-4 share every 10 s for 20 minutes; bob (cpu): diff 1 every 2 s
 * from minute 15; carol (no worker name): five diff-2 shares in minute 4. Block A (alice) at
 * minute 5 matures; payout P1 (alice) is sent, P2 (carol) fails; block B (carol) at minute 11
 * is orphaned; block C (bob) at minute 19 pays alice a coinbase output and stays immature.
 */
function poolLog(): LogEntry[] {
  const log = new LogBuilder();
  const job = { height: 0, netWeight: NET_WEIGHT, subsidySats: REWARD, rewardSats: REWARD };
  const shares = (list: LoggedShare[], height: number, rejects?: LoggedRejects[]) =>
    log.batch(list, [{ ...job, id: `job-${height}`, height }], rejects);
  const found = (hash: string, height: number, account: string, atMs: number, paid = 0n) =>
    log.push({
      type: 'block.found',
      v: LOG_RECORD_VERSION,
      id: `found-${height}`,
      coin: COIN,
      hash,
      height,
      jobId: `job-${height}`,
      account,
      worker: account === 'carol' ? '' : 'w',
      node: account === 'bob' ? 'node-b' : 'node-a',
      rewardSats: REWARD,
      subsidySats: REWARD,
      netWeight: NET_WEIGHT,
      coinbasePaid: paid > 0n ? [{ account: 'alice', sats: paid }] : [],
      solo: false,
      atMs,
    });
  const status = (hash: string, type: 'block.matured' | 'block.orphaned', atMs: number) =>
    log.push({
      type,
      v: LOG_RECORD_VERSION,
      id: `${type}-${hash}`,
      coin: COIN,
      hash,
      height: 0,
      atMs,
    });
  const payout = (id: string, account: string, sats: bigint, sent: boolean, atMs: number) => {
    log.push({
      type: 'payout.planned',
      v: LOG_RECORD_VERSION,
      id,
      coin: COIN,
      payments: [{ account, sats }],
      atMs,
    });
    log.push({
      type: sent ? 'payout.sent' : 'payout.failed',
      v: LOG_RECORD_VERSION,
      id: `${id}-result`,
      coin: COIN,
      payout: id,
      txid: sent ? hashOf(`tx-${id}`) : null,
      reason: sent ? null : 'wallet refused',
      atMs: atMs + 1_000,
    });
  };
  const alice = Array.from({ length: 120 }, (_, i) =>
    share('alice', i % 2 === 0 ? 'rig1' : 'rig2', 4, T0 + i * 10_000),
  );
  const bob = Array.from({ length: 150 }, (_, i) =>
    share('bob', 'cpu', 1, T0 + 15 * MIN + i * 2_000),
  );
  const carol = Array.from({ length: 5 }, (_, i) =>
    share('carol', '', 2, T0 + 4 * MIN + i * 1_000),
  );
  const before = (list: LoggedShare[], from: number, to: number) =>
    list.filter((s) => s.atMs >= from && s.atMs < to);
  const byTime = (a: LoggedShare, b: LoggedShare) => a.atMs - b.atMs;
  shares([...before(alice, 0, T0 + 5 * MIN), ...carol].sort(byTime), 100);
  found(BLOCK_A, 100, 'alice', T0 + 5 * MIN);
  shares(before(alice, T0 + 5 * MIN, T0 + 10 * MIN), 101, [
    { account: 'alice', worker: 'rig1', stale: 2, invalid: 1, atMs: T0 + 6 * MIN },
  ]);
  status(BLOCK_A, 'block.matured', T0 + 10 * MIN);
  payout('P1', 'alice', PAYOUT_SATS, true, T0 + 10 * MIN + 1_000);
  payout('P2', 'carol', 50_000n, false, T0 + 10 * MIN + 5_000);
  found(BLOCK_B, 101, 'carol', T0 + 11 * MIN);
  status(BLOCK_B, 'block.orphaned', T0 + 12 * MIN);
  shares(
    [...before(alice, T0 + 10 * MIN, T0 + 19 * MIN), ...before(bob, 0, T0 + 19 * MIN)].sort(byTime),
    102,
  );
  found(BLOCK_C, 102, 'bob', T0 + 19 * MIN, COINBASE_SATS);
  shares(
    [...before(alice, T0 + 19 * MIN, NOW + 1), ...before(bob, T0 + 19 * MIN, NOW + 1)].sort(byTime),
    103,
  );
  return log.entries;
}

// ---- the source

function poolInfo(over: Partial<PoolInfo> = {}): PoolInfo {
  return {
    id: POOL_ID,
    coin: POOL_ID,
    symbol: 'tBTC',
    name: 'Bitcoin Test',
    family: 'hash',
    algorithm: 'sha256d',
    network: 'regtest',
    feeBps: 100,
    scheme: 'pplns',
    payouts: 'custodial',
    minPayoutSats: 1_000_000n,
    payoutIntervalSeconds: 600,
    maturity: 100,
    blockTimeSeconds: 600,
    decimals: 8,
    stratum: [
      {
        host: '0.0.0.0',
        port: 3333,
        tls: false,
        difficulty: 1,
        varDiff: { minDiff: 0.01, maxDiff: 1e6 },
      },
      { host: '0.0.0.0', port: 3334, tls: true, difficulty: 16, varDiff: null },
    ],
    poolAddress: 'bcrt1qpooladdress',
    ...over,
  };
}

const COIN_NODE: CoinNodeInfo = {
  networkHashps: 1.5e12,
  connections: 8,
  difficulty: 1526,
  height: 150,
  lastBlockTimeMs: T0 + 18 * MIN,
};

interface SourceOptions {
  readonly stats?: boolean;
  readonly pool?: PoolInfo;
  readonly prime?: readonly WorkerPrimeStats[] | null;
  readonly coinNode?: CoinNodeInfo | null;
  readonly now?: number;
}

function sourceOf(store: LedgerStore, o: SourceOptions = {}): PoolApiSource {
  return {
    pool: o.pool ?? poolInfo(),
    status: () => Promise.resolve({ node: 'n1' } as unknown as NodeStatus),
    ledger: () => store,
    stats: () => (o.stats === false ? null : store.stats()),
    prime: () => Promise.resolve(o.prime === undefined ? null : o.prime),
    coinNode: () => Promise.resolve(o.coinNode === undefined ? COIN_NODE : o.coinNode),
    nowMs: () => o.now ?? NOW,
  };
}

interface Got {
  readonly status: number;
  readonly body: unknown;
  readonly headers: Readonly<Record<string, string>>;
}

/** GET `url` through the router, the body as the server writes it (bigints as strings). */
async function get(source: PoolApiSource, url: string): Promise<Got> {
  const [path = '', query = ''] = url.split('?');
  const a = await apiAnswer(path, new URLSearchParams(query), source);
  const text = JSON.stringify(a.body, (_k, x: unknown) =>
    typeof x === 'bigint' ? x.toString() : x,
  );
  return { status: a.status, body: JSON.parse(text) as unknown, headers: a.headers ?? {} };
}

/**
 * GET and check: the status, CORS, and the body against `spec`. The body is checked against
 * its schema here, so the tests read its fields freely.
 */
async function expect(
  source: PoolApiSource,
  url: string,
  status: number,
  spec: Spec,
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
): Promise<any> {
  const got = await get(source, url);
  assert.equal(got.status, status, `${url}: ${JSON.stringify(got.body)}`);
  assert.equal(got.headers['access-control-allow-origin'], '*', `${url}: CORS`);
  check(got.body, spec, url);
  return got.body;
}

async function withLedger(
  fn: (store: LedgerStore, stats: StatsView) => Promise<void>,
): Promise<void> {
  const { dir, remove } = tempDir();
  const store = openLedger(
    dir,
    { coin: COIN, scheme: 'pplns', feeBps: 100 },
    { stats: { workPerWeight: HASH_WORK_PER_WEIGHT, flushMs: 0 } },
  );
  try {
    store.applyBatch(poolLog());
    const stats = store.stats();
    assert.ok(stats, 'the ledger keeps statistics');
    await fn(store, stats);
  } finally {
    await store.close();
    remove();
  }
}

const iso = (ms: number) => new Date(ms).toISOString();
const near = (a: number, b: number, what: string) =>
  assert.ok(Math.abs(a - b) <= Math.abs(b) * 1e-9, `${what}: ${a} vs ${b}`);

// ---- Miningcore's routes

test('api contract - /api/pools and /api/pools/{id}: Miningcore pool info from the ledger, statistics and coin node', async () => {
  await withLedger(async (store, stats) => {
    const src = sourceOf(store);
    const list = await expect(src, '/api/pools', 200, obj({ pools: arr(POOL) }));
    assert.equal(list.pools.length, 1);
    const one = await expect(src, `/api/pools/${POOL_ID}`, 200, obj({ pool: POOL }));
    assert.deepEqual(one.pool, list.pools[0]);
    const p = one.pool;
    assert.equal(p.id, POOL_ID);
    assert.deepEqual(p.coin, {
      type: 'tBTC',
      name: 'Bitcoin Test',
      symbol: 'tBTC',
      family: 'bitcoin',
      algorithm: 'sha256d',
    });
    assert.deepEqual(Object.keys(p.ports), ['3333', '3334']);
    assert.deepEqual(p.ports['3333'].varDiff, { minDiff: 0.01, maxDiff: 1e6 });
    assert.equal(p.ports['3334'].varDiff, undefined, 'fixed difficulty: no varDiff');
    assert.equal(p.ports['3334'].tls, true);
    assert.equal(p.paymentProcessing.payoutScheme, 'PPLNS');
    assert.deepEqual(p.paymentProcessing.payoutSchemeConfig, { factor: 2 });
    assert.equal(p.paymentProcessing.minimumPayment, 0.01);
    assert.equal(p.paymentProcessing.minimumPaymentSats, '1000000');
    assert.equal(p.poolFeePercent, 1);
    // poolStats are the statistics' pool figures.
    const fig = stats.pool(NOW);
    assert.ok(p.poolStats, 'poolStats present with statistics on');
    assert.equal(p.poolStats.connectedMiners, fig.minersOnline);
    assert.equal(p.poolStats.connectedMiners, 2, 'alice and bob (carol stopped at minute 4)');
    assert.equal(p.poolStats.connectedWorkers, 3);
    near(p.poolStats.poolHashrate, fig.hashrate, 'poolHashrate');
    assert.ok(p.poolStats.poolHashrate > 0);
    assert.equal(p.poolEffort, fig.currentEffort);
    assert.deepEqual(p.poolLuck, fig.luck);
    assert.ok(fig.luck && fig.luck.blocks >= 1, 'the log has blocks');
    // networkStats from the coin node; the tip is its height.
    assert.deepEqual(p.networkStats, {
      networkType: 'regtest',
      networkHashrate: 1.5e12,
      networkDifficulty: 1526,
      lastNetworkBlockTime: iso(T0 + 18 * MIN),
      blockHeight: 150,
      connectedPeers: 8,
    });
    // Ledger totals: three blocks; paid = P1 (sent) + block C's coinbase output to alice.
    assert.equal(p.totalBlocks, 3);
    assert.equal(p.totalPaidSats, String(PAYOUT_SATS + COINBASE_SATS));
    assert.equal(p.totalPaid, 1.5);
    assert.equal(p.lastPoolBlockTime, iso(T0 + 19 * MIN));
    // topMiners: the ranking by current hashrate.
    assert.deepEqual(
      p.topMiners.map((m: { miner: string }) => m.miner),
      stats.ranking(NOW, 'current', 0, 15).rows.map((r) => r.account),
    );
    assert.deepEqual(
      p.topMiners.map((m: { miner: string }) => m.miner),
      ['bob', 'alice', 'carol'],
    );
  });
});

test('api contract - blocks: newest first, Miningcore statuses, confirmation progress, effort, paging and the v2 page count', async () => {
  await withLedger(async (store, stats) => {
    const src = sourceOf(store);
    const url = `/api/pools/${POOL_ID}/blocks`;
    const rows = await expect(src, url, 200, arr(BLOCK));
    assert.deepEqual(
      rows.map((b: { hash: string; status: string }) => [b.hash, b.status]),
      [
        [BLOCK_C, 'pending'],
        [BLOCK_B, 'orphaned'],
        [BLOCK_A, 'confirmed'],
      ],
    );
    const [c, b, a] = rows;
    assert.equal(c.confirmationProgress, (150 - 102 + 1) / 100);
    assert.equal(b.confirmationProgress, 0);
    assert.equal(a.confirmationProgress, 1);
    assert.equal(c.reward, 50);
    assert.equal(c.rewardSats, '5000000000');
    assert.equal(c.miner, 'bob');
    assert.equal(c.source, 'node-b');
    assert.equal(c.blockHeight, 102);
    assert.equal(c.type, 'block');
    assert.equal(c.created, iso(T0 + 19 * MIN));
    assert.equal(c.effort, stats.blockEffort(BLOCK_C)?.effort);
    assert.ok(c.effort > 0);
    // The difficulty from the PPLNS window size: netWeight / 65,536.
    near(c.networkDifficulty, Number(NET_WEIGHT) / WEIGHT_ONE, 'networkDifficulty');
    // Paging, case-insensitive names as frontends send them.
    const p0 = await expect(src, `${url}?page=0&pageSize=2`, 200, arr(BLOCK));
    const p1 = await expect(src, `${url}?page=1&pagesize=2`, 200, arr(BLOCK));
    assert.deepEqual(
      [...p0, ...p1].map((x: { hash: string }) => x.hash),
      [BLOCK_C, BLOCK_B, BLOCK_A],
    );
    assert.deepEqual(await expect(src, `${url}?page=5`, 200, arr(BLOCK)), []);
    // state filter: names or Miningcore's numbers, repeatable.
    const confirmed = await expect(src, `${url}?state=confirmed`, 200, arr(BLOCK));
    assert.deepEqual(
      confirmed.map((x: { hash: string }) => x.hash),
      [BLOCK_A],
    );
    const two = await expect(src, `${url}?state=1&state=Orphaned`, 200, arr(BLOCK));
    assert.deepEqual(
      two.map((x: { hash: string }) => x.hash),
      [BLOCK_C, BLOCK_B],
    );
    // v2: {success, result, pageCount}.
    const v2 = await expect(
      src,
      `/api/v2/pools/${POOL_ID}/blocks?pageSize=2&page=1`,
      200,
      paged(BLOCK),
    );
    assert.equal(v2.success, true);
    assert.equal(v2.pageCount, 2);
    assert.deepEqual(
      v2.result.map((x: { hash: string }) => x.hash),
      [BLOCK_A],
    );
    const big = await expect(
      src,
      `/api/v2/pools/${POOL_ID}/blocks?pageSize=5000`,
      200,
      paged(BLOCK),
    );
    assert.equal(big.pageCount, 1, 'a pageSize above 1,000 is served as 1,000');
    assert.equal(big.result.length, 3);
    // Without a coin node the tip is one below the latest job's height (103).
    const noNode = sourceOf(store, { coinNode: null });
    const [c2] = await expect(noNode, url, 200, arr(BLOCK));
    assert.equal(c2.confirmationProgress, (102 - 102 + 1) / 100);
  });
});

test('api contract - payments: coinbase outputs of blocks not orphaned and custodial payouts sent, newest first, with times from the log', async () => {
  await withLedger(async (store) => {
    const src = sourceOf(store);
    const rows = await expect(src, `/api/pools/${POOL_ID}/payments`, 200, arr(PAYMENT));
    assert.deepEqual(rows, [
      {
        coin: 'tBTC',
        address: 'alice',
        amount: 0.5,
        amountSats: String(COINBASE_SATS),
        transactionConfirmationData: BLOCK_C,
        created: iso(T0 + 19 * MIN),
        type: 'coinbase',
        blockHash: BLOCK_C,
      },
      {
        coin: 'tBTC',
        address: 'alice',
        amount: 1,
        amountSats: String(PAYOUT_SATS),
        transactionConfirmationData: hashOf('tx-P1'),
        created: iso(T0 + 10 * MIN + 2_000),
        type: 'payout',
        payoutId: 'P1',
      },
    ]);
    const v2 = await expect(
      src,
      `/api/v2/pools/${POOL_ID}/payments?pageSize=1&page=1`,
      200,
      paged(PAYMENT),
    );
    assert.equal(v2.pageCount, 2);
    assert.equal(v2.result[0].payoutId, 'P1');
    const mine = await expect(
      src,
      `/api/pools/${POOL_ID}/miners/alice/payments?pageSize=1`,
      200,
      arr(PAYMENT),
    );
    assert.equal(mine.length, 1);
    assert.equal(mine[0].blockHash, BLOCK_C);
    const mineV2 = await expect(
      src,
      `/api/v2/pools/${POOL_ID}/miners/alice/payments`,
      200,
      paged(PAYMENT),
    );
    assert.equal(mineV2.pageCount, 1);
    assert.equal(mineV2.result.length, 2);
    // carol's payout failed: no payment, but she is a known miner.
    assert.deepEqual(
      await expect(src, `/api/pools/${POOL_ID}/miners/carol/payments`, 200, arr(PAYMENT)),
      [],
    );
  });
});

test('api contract - miners and pool performance from the statistics', async () => {
  await withLedger(async (store, stats) => {
    const src = sourceOf(store);
    const miners = await expect(src, `/api/pools/${POOL_ID}/miners`, 200, arr(MINER_PERFORMANCE));
    const ranking = stats.ranking(NOW, 'current', 0, 15).rows;
    assert.deepEqual(
      miners,
      ranking.map((r) => ({
        miner: r.account,
        hashrate: r.hashrate,
        sharesPerSecond: r.sharesPerSecond,
      })),
    );
    assert.equal(miners.length, 3, 'carol mined within 24 h');
    const second = await expect(
      src,
      `/api/pools/${POOL_ID}/miners?page=1&pageSize=1`,
      200,
      arr(MINER_PERFORMANCE),
    );
    assert.deepEqual(
      second.map((m: { miner: string }) => m.miner),
      [ranking[1]?.account],
    );

    // Day range, hourly: the steps from the hour 24 h ago to now, oldest first.
    const day = await expect(
      src,
      `/api/pools/${POOL_ID}/performance`,
      200,
      obj({ stats: arr(POOL_SAMPLE) }),
    );
    assert.equal(day.stats.length, 25);
    assert.equal(day.stats.at(-1).created, iso(T0));
    assert.equal(day.stats[0].created, iso(T0 - 24 * 3_600_000));
    const series = stats.poolSeries(T0 - 24 * 3_600_000, NOW, 3_600_000);
    assert.equal(day.stats.at(-1).poolHashrate, series.at(-1)?.hashrate);
    assert.ok(day.stats.at(-1).poolHashrate > 0);
    assert.equal(day.stats.at(-1).validSharesPerSecond, series.at(-1)?.sharesPerSecond);
    // Month range, daily; Miningcore's enum names in any case and its numbers.
    const month = await expect(
      src,
      `/api/pools/${POOL_ID}/performance?r=Month&i=Day`,
      200,
      obj({ stats: arr(POOL_SAMPLE) }),
    );
    assert.equal(month.stats.length, 31);
    assert.equal(month.stats.at(-1).created, iso(Math.floor(NOW / 86_400_000) * 86_400_000));
    const numbers = await expect(src, `/api/pools/${POOL_ID}/performance?r=2&i=2`, 200, ANY);
    assert.deepEqual(numbers, month);
    // The last hour in 5-minute steps.
    const hour = await expect(
      src,
      `/api/pools/${POOL_ID}/performance?r=hour`,
      200,
      obj({ stats: arr(POOL_SAMPLE) }),
    );
    assert.equal(hour.stats.length, 13);
    assert.equal(hour.stats.at(-1).created, iso(T0 + 20 * MIN));
  });
});

test('api contract - a miner: balances from the ledger, payments, live workers and samples', async () => {
  await withLedger(async (store, stats) => {
    const src = sourceOf(store);
    const alice = await expect(
      src,
      `/api/pools/${POOL_ID}/miners/alice?perfMode=hour`,
      200,
      MINER_STATS,
    );
    const b = store.balance('alice');
    assert.ok(b);
    const pending = (b.matureSats > 0n ? b.matureSats : 0n) + b.pendingSats;
    assert.equal(alice.pendingBalanceSats, String(pending));
    assert.equal(alice.pendingBalance, coins(pending, 8));
    assert.ok(pending > 0n);
    assert.equal(alice.immatureBalanceSats, String(b.immatureSats));
    assert.ok(b.immatureSats > 0n, 'block C credited alice');
    assert.equal(alice.totalPaidSats, String(PAYOUT_SATS + COINBASE_SATS));
    assert.equal(alice.totalPaid, 1.5);
    assert.equal(alice.todayPaid, 1.5, 'both payments after 00:00 UTC');
    assert.equal(alice.lastPayment, iso(T0 + 19 * MIN));
    assert.equal(alice.pendingShares, 0);
    // performance: the online workers now.
    const fig = stats.account('alice', NOW);
    assert.ok(fig);
    assert.ok(alice.performance, 'alice has online workers');
    assert.equal(alice.performance.created, iso(NOW));
    assert.deepEqual(Object.keys(alice.performance.workers), ['rig1', 'rig2']);
    assert.equal(
      alice.performance.workers.rig1.hashrate,
      fig.workers.find((w) => w.worker === 'rig1')?.hashrate,
    );
    // perfMode=hour: 5-minute samples of the last hour with shares in them (minutes 0-20).
    assert.deepEqual(
      alice.performanceSamples.map((x: { created: string }) => x.created),
      [0, 5, 10, 15].map((m) => iso(T0 + m * MIN)),
    );
    assert.deepEqual(Object.keys(alice.performanceSamples[0].workers), ['rig1', 'rig2']);
    // The performance route: the same samples by `mode`; day mode is the 24 full hours before this one.
    const hour = await expect(
      src,
      `/api/pools/${POOL_ID}/miners/alice/performance?mode=hour`,
      200,
      arr(WORKER_SAMPLE),
    );
    assert.deepEqual(hour, alice.performanceSamples);
    const dayRows = await expect(
      src,
      `/api/pools/${POOL_ID}/miners/alice/performance`,
      200,
      arr(WORKER_SAMPLE),
    );
    assert.deepEqual(dayRows, [], 'no share before this hour');
    // Two hours later, the day's samples hold the hour alice mined (minutes 0-20): its rate is
    // over the hour from each rig's first share (each: 60 diff-4 shares; rig1 from minute 0,
    // rig2 from 10 s in).
    const later = sourceOf(store, { now: T0 + 2 * 3_600_000 + 5 * MIN });
    const daySamples = await expect(
      later,
      `/api/pools/${POOL_ID}/miners/alice/performance?mode=Day`,
      200,
      arr(WORKER_SAMPLE),
    );
    assert.deepEqual(
      daySamples.map((x: { created: string }) => x.created),
      [iso(T0)],
    );
    near(daySamples[0].workers.rig1.hashrate, (60 * 4 * 2 ** 32) / 3_600, 'rig1 over the hour');
    near(daySamples[0].workers.rig2.sharesPerSecond, 60 / 3_590, 'rig2 shares per second');
    const month = await expect(
      src,
      `/api/pools/${POOL_ID}/miners/alice/performance?mode=month`,
      200,
      arr(WORKER_SAMPLE),
    );
    assert.deepEqual(month, [], 'no share before today');
    // carol: worker '' (no name), offline now: no performance, a worker '' in her samples.
    const carol = await expect(
      src,
      `/api/pools/${POOL_ID}/miners/carol?perfMode=hour`,
      200,
      MINER_STATS,
    );
    assert.equal(carol.performance, undefined);
    assert.deepEqual(Object.keys(carol.performanceSamples[0].workers), ['']);
    assert.equal(carol.totalPaid, 0);
    assert.equal(carol.lastPayment, undefined);
  });
});

test('api contract - 400 for bad parameters, 404 for unknown pools, miners and paths', async () => {
  await withLedger(async (store) => {
    const src = sourceOf(store);
    const base = `/api/pools/${POOL_ID}`;
    for (const url of [
      `${base}/blocks?page=-1`,
      `${base}/blocks?page=x`,
      `${base}/blocks?pageSize=0`,
      `${base}/blocks?pageSize=1.5`,
      `${base}/blocks?state=lost`,
      `/api/v2${base.slice(4)}/payments?page=abc`,
      `${base}/miners?topMinersRange=0`,
      `${base}/performance?r=year`,
      `${base}/performance?i=minute`,
      `${base}/miners/alice?perfMode=week`,
      `${base}/miners/alice/performance?mode=5`,
      `/api/colliery/pools/${POOL_ID}/leaderboard?period=week`,
      `/api/colliery/pools/${POOL_ID}/miners/alice/bills?pageSize=-3`,
      '/api/pools/%E0%A4%A',
    ]) {
      const body = await expect(src, url, 400, ERROR);
      assert.equal(body.error, 'BAD_REQUEST', url);
      assert.ok(body.message.length > 10, url);
    }
    for (const url of [
      '/api/pools/bitcoin',
      '/api/pools/bitcoin/blocks',
      '/api/v2/pools/bitcoin/payments',
      '/api/colliery/pools/bitcoin/leaderboard',
      `${base}/miners/nobody`,
      `${base}/miners/nobody/payments`,
      `${base}/miners/nobody/performance`,
      `/api/v2/pools/${POOL_ID}/miners/nobody/payments`,
      `${base}/miners/@fee`,
      `/api/colliery/pools/${POOL_ID}/miners/nobody`,
      `/api/colliery/pools/${POOL_ID}/miners/nobody/bills`,
      `/api/colliery/pools/${POOL_ID}/blocks/${hashOf('nothing')}`,
      `/api/colliery/pools/${POOL_ID}/blocks/999`,
      `/api/colliery/pools/${POOL_ID}/prime`,
      `${base}/shares`,
      `${base}/miners/alice/balancechanges`,
      '/api/nothing',
      '/api/v2/pools',
    ]) {
      const body = await expect(src, url, 404, ERROR);
      assert.equal(body.error, 'NOT_FOUND', url);
    }
  });
});

test('api contract - statistics off: the routes that need them answer 503, the rest from the ledger', async () => {
  await withLedger(async (store) => {
    const src = sourceOf(store, { stats: false });
    const base = `/api/pools/${POOL_ID}`;
    for (const url of [
      `${base}/miners`,
      `${base}/performance`,
      `${base}/miners/alice/performance`,
      `/api/colliery/pools/${POOL_ID}/leaderboard`,
    ]) {
      const body = await expect(src, url, 503, ERROR);
      assert.match(body.message, /statistics are off/, url);
    }
    const { pool } = await expect(src, base, 200, obj({ pool: POOL }));
    assert.equal(pool.poolStats, undefined);
    assert.deepEqual(pool.topMiners, []);
    assert.equal(pool.lastPoolBlockTime, undefined);
    assert.equal(pool.totalBlocks, 3);
    const blocks = await expect(src, `${base}/blocks`, 200, arr(BLOCK));
    assert.equal(blocks[0].effort, undefined);
    assert.equal(blocks[0].created, undefined);
    const payments = await expect(src, `${base}/payments`, 200, arr(PAYMENT));
    assert.equal(payments.length, 2);
    assert.equal(payments[0].created, undefined);
    const alice = await expect(src, `${base}/miners/alice`, 200, MINER_STATS);
    assert.equal(alice.totalPaid, 1.5);
    assert.deepEqual(alice.performanceSamples, []);
    assert.equal(alice.performance, undefined);
    const account = await expect(src, `/api/colliery/pools/${POOL_ID}/miners/alice`, 200, ACCOUNT);
    assert.equal(account.statistics, 'off');
    assert.equal(account.workers, null);
    assert.equal(account.hashrate, null);
  });
});

// ---- Colliery's routes

test("api contract - colliery: a miner's exact balances and workers", async () => {
  await withLedger(async (store, stats) => {
    const src = sourceOf(store);
    const a = await expect(src, `/api/colliery/pools/${POOL_ID}/miners/alice`, 200, ACCOUNT);
    const b = store.balance('alice');
    assert.ok(b);
    assert.deepEqual(a.balances, {
      immatureSats: String(b.immatureSats),
      matureSats: String(b.matureSats),
      pendingSats: String(b.pendingSats),
      paidSats: String(b.paidSats),
      debtSats: String(b.debtSats),
    });
    assert.equal(a.asOfSeq, store.lastApplied());
    assert.equal(a.statsAsOfSeq, stats.asOfSeq());
    assert.equal(a.scheme, 'pplns');
    const fig = stats.account('alice', NOW);
    assert.ok(fig);
    assert.equal(a.hashrate, fig.hashrate);
    assert.equal(a.accepted24h, 120);
    assert.equal(a.stale24h, 2);
    assert.equal(a.invalid24h, 1);
    assert.equal(a.lastShare, iso(T0 + 119 * 10_000));
    assert.deepEqual(
      a.workers.map((w: { worker: string; online: boolean }) => [w.worker, w.online]),
      [
        ['rig1', true],
        ['rig2', true],
      ],
    );
    const rig1 = a.workers[0];
    assert.equal(rig1.stale24h, 2);
    assert.equal(rig1.accepted24h, 60);
    const carol = await expect(src, `/api/colliery/pools/${POOL_ID}/miners/carol`, 200, ACCOUNT);
    assert.deepEqual(
      carol.workers.map((w: { worker: string; online: boolean }) => [w.worker, w.online]),
      [['', false]],
    );
  });
});

test("api contract - colliery: a miner's bill lines, newest first, paged, equal to the blocks' bills", async () => {
  await withLedger(async (store) => {
    const src = sourceOf(store);
    const url = `/api/colliery/pools/${POOL_ID}/miners/carol/bills`;
    const all = await expect(src, url, 200, BILLS);
    assert.equal(all.total, 3, 'carol has lines in blocks A, B and C');
    assert.equal(all.pageCount, 1);
    assert.deepEqual(
      all.rows.map((r: { block: { hash: string; status: string } }) => [
        r.block.hash,
        r.block.status,
      ]),
      [
        [BLOCK_C, 'immature'],
        [BLOCK_B, 'orphaned'],
        [BLOCK_A, 'matured'],
      ],
    );
    // Each line is the bill's own line for carol.
    for (const row of all.rows) {
      const bill = store.bill(row.block.hash);
      assert.ok(bill);
      const line = bill.lines.find((l) => l.account === 'carol');
      assert.ok(line);
      assert.equal(row.line.creditSats, String(line.creditSats));
      assert.equal(row.line.weight, String(line.weight));
      assert.equal(row.line.shares, 5);
      assert.deepEqual(row.line.first, line.first);
      assert.equal(row.block.splitSats, String(bill.splitSats));
    }
    const second = await expect(src, `${url}?page=1&pageSize=2`, 200, BILLS);
    assert.equal(second.pageCount, 2);
    assert.deepEqual(
      second.rows.map((r: { block: { hash: string } }) => r.block.hash),
      [BLOCK_A],
    );
    assert.equal(second.pageSize, 2);
    const capped = await expect(src, `${url}?pageSize=500`, 200, BILLS);
    assert.equal(capped.pageSize, 100, 'bill pages hold at most 100 rows');
    // bob mined from minute 15: only block C has a line for him.
    const bob = await expect(src, `/api/colliery/pools/${POOL_ID}/miners/bob/bills`, 200, BILLS);
    assert.deepEqual(
      bob.rows.map((r: { block: { hash: string } }) => r.block.hash),
      [BLOCK_C],
    );
  });
});

test("api contract - colliery: a block's whole bill by hash or height, with its effort", async () => {
  await withLedger(async (store, stats) => {
    const src = sourceOf(store);
    const byHash = await expect(
      src,
      `/api/colliery/pools/${POOL_ID}/blocks/${BLOCK_A.toUpperCase()}`,
      200,
      BLOCK_BILL,
    );
    const byHeight = await expect(
      src,
      `/api/colliery/pools/${POOL_ID}/blocks/100`,
      200,
      BLOCK_BILL,
    );
    assert.deepEqual(byHeight, byHash);
    assert.equal(byHash.hash, BLOCK_A);
    assert.equal(byHash.status, 'matured');
    assert.equal(byHash.miningcoreStatus, 'confirmed');
    assert.equal(byHash.effort, stats.blockEffort(BLOCK_A)?.effort);
    assert.equal(byHash.foundAt, iso(T0 + 5 * MIN));
    const bill = store.bill(BLOCK_A);
    assert.ok(bill);
    assert.equal(byHash.bill.lines.length, bill.lines.length);
    assert.equal(byHash.bill.feeSats, String(bill.feeSats));
    const sum = byHash.bill.lines.reduce(
      (s: bigint, l: { creditSats: string }) => s + BigInt(l.creditSats),
      0n,
    );
    assert.equal(sum, REWARD, 'the lines add up to the reward');
  });
});

test('api contract - colliery: the leaderboard by 24 h or current hashrate, paged', async () => {
  await withLedger(async (store, stats) => {
    const src = sourceOf(store);
    const url = `/api/colliery/pools/${POOL_ID}/leaderboard`;
    const day = await expect(src, url, 200, LEADERBOARD);
    assert.equal(day.period, '24h');
    assert.equal(day.total, 3);
    assert.deepEqual(
      day.rows.map((r: { account: string; rank: number }) => [r.rank, r.account]),
      stats.ranking(NOW, '24h', 0, 15).rows.map((r, i) => [i + 1, r.account]),
    );
    const current = await expect(src, `${url}?period=current&page=1&pageSize=1`, 200, LEADERBOARD);
    assert.equal(current.pageCount, 3);
    assert.deepEqual(
      current.rows.map((r: { account: string; rank: number }) => [r.rank, r.account]),
      [[2, 'alice']],
    );
    assert.equal(current.rows[0].workersOnline, 2);
  });
});

test('api contract - colliery: prime chain statistics for prime pools, flagged first; 404 for hash pools, 503 unanswered', async () => {
  await withLedger(async (store) => {
    const worker = (name: string, shares: number, flagged: boolean): WorkerPrimeStats => ({
      worker: name,
      shares,
      byLength: { 7: shares - 1, 8: 1 },
      weightByLength: { 7: (shares - 1) * 65_536, 8: 4 * 65_536 },
      byType: { '1CC': shares },
      askedLength: 9,
      estimatedLength: flagged ? 7 : null,
      continuation: flagged ? 0.05 : null,
      evidence: flagged ? 4.2 : 0,
      flagged,
    });
    const pool = poolInfo({ family: 'prime', algorithm: 'primechain' });
    const src = sourceOf(store, {
      pool,
      prime: [worker('a.1', 40, false), worker('b.1', 3, true), worker('c.1', 40, false)],
    });
    const url = `/api/colliery/pools/${POOL_ID}/prime`;
    const all = await expect(src, url, 200, PRIME);
    assert.deepEqual(
      all.workers.map((w: { worker: string }) => w.worker),
      ['b.1', 'a.1', 'c.1'],
    );
    assert.equal(all.total, 3);
    assert.deepEqual(all.workers[1].byLength, { 7: 39, 8: 1 });
    // Length 7 earned one diff-1 share each; length 8 four (1 share of each worker, 4 each).
    assert.deepEqual(all.shareWeights, { 7: 1, 8: 4 });
    const page = await expect(src, `${url}?page=1&pageSize=2`, 200, PRIME);
    assert.deepEqual(
      page.workers.map((w: { worker: string }) => w.worker),
      ['c.1'],
    );
    assert.equal(page.pageCount, 2);
    const { pool: info } = await expect(src, `/api/pools/${POOL_ID}`, 200, obj({ pool: POOL }));
    assert.equal(info.coin.family, 'primecoin');
    assert.equal(info.coin.algorithm, 'primechain');
    await expect(sourceOf(store, { pool }), url, 503, ERROR);
    await expect(sourceOf(store), url, 404, ERROR);
  });
});

// ---- the first routes

test('api contract - /api/status, /api/blocks, /api/blocks/<ref> and /api/accounts/<a> still answer, through the router and alone', async () => {
  await withLedger(async (store) => {
    const src = sourceOf(store);
    const status = await expect(src, '/api/status', 200, ANY);
    assert.equal(status.node, 'n1');
    const blocks = await expect(
      src,
      '/api/blocks?limit=2',
      200,
      obj({ asOfSeq: 'integer', blocks: arr(ANY) }),
    );
    assert.deepEqual(
      blocks.blocks.map((b: { hash: string }) => b.hash),
      [BLOCK_C, BLOCK_B],
    );
    const bill = await expect(
      src,
      `/api/blocks/${BLOCK_A}`,
      200,
      obj({ asOfSeq: 'integer', bill: ANY }),
    );
    assert.equal(bill.bill.hash, BLOCK_A);
    const account = await expect(
      src,
      '/api/accounts/alice',
      200,
      obj({ asOfSeq: 'integer', balance: ANY }),
    );
    assert.equal(account.balance.account, 'alice');
    await expect(src, '/api/accounts/nobody', 404, ERROR);
    // metrics-api.ts alone, for a server without a PoolApiSource.
    const alone = await legacyApiAnswer('/api/blocks/100', new URLSearchParams(), src);
    assert.equal(alone.status, 200);
    assert.equal(
      (await legacyApiAnswer(`/api/pools/${POOL_ID}`, new URLSearchParams(), src)).status,
      404,
    );
  });
});

test('api contract - amounts: base units to coin units exactly as decimals', () => {
  assert.equal(coinText(123_456_789n, 8), '1.23456789');
  assert.equal(coinText(5_000_000_000n, 8), '50');
  assert.equal(coinText(1n, 8), '0.00000001');
  assert.equal(coinText(-150_000_000n, 8), '-1.5');
  assert.equal(coinText(0n, 8), '0');
  assert.equal(coins(2_099_999_997_690_000n, 8), 20_999_999.9769);
  assert.equal(coins(10n, 0), 10);
});
