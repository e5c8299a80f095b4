// The pool API with 100,000 workers in the ledger: a replica's LMDB (ledger and statistics) built
// from a synthetic log of 100,000 workers (20,000 accounts of 5) that all mined in the last
// few minutes, 200 blocks and their bills, then the node's HTTP server (the real one, in this
// process) asked every route a dashboard or a Miningcore frontend asks, one request at a time
// on a kept-alive connection. Prints p50/p99 per route beside GET /health on the same server
// (the floor: HTTP and the event loop alone), and what the statistics hold in memory per worker.
// Target: every route's p99 ≤ 50 ms. Never fails.
import { Agent, request } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import {
  HASH_WORK_PER_WEIGHT,
  LOG_RECORD_VERSION,
  WEIGHT_ONE,
  openLedger,
  type LogEntry,
  type LoggedShare,
} from '../../actors/ledger/index.js';
import { loadConfig } from '../../topology/config.js';
import { startMetricsServer } from '../../topology/metrics.js';
import { ledgerConfigOf } from '../../topology/wire/ledger.js';
import { poolApiSource } from '../../topology/wire/http.js';
import { hashOf } from '../actors/ledger/log.js';

const ACCOUNTS = Number(process.env['COLLIERY_BENCH_API_ACCOUNTS'] ?? 20_000);
const WORKERS_PER_ACCOUNT = 5;
const SHARES_PER_WORKER = 3;
const BLOCKS = 200;
const REQUESTS = Number(process.env['COLLIERY_BENCH_API_REQUESTS'] ?? 300);
const P99_TARGET_MS = 50;
const COIN = 'bitcoin-regtest';
const ADDRESS = 'bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080';

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
const row = (name: string, measured: string, target = '', pass?: boolean): void =>
  console.log(
    `  ${name.padEnd(58)} ${measured.padEnd(30)} ${target.padEnd(10)} ${pass === undefined ? '' : pass ? 'PASS' : 'MISS'}`,
  );

const account = (i: number): string => `acct${String(i).padStart(6, '0')}`;

/** The synthetic log: every worker's shares in the last few minutes, a block every so often. */
function buildLog(nowMs: number): LogEntry[] {
  const entries: LogEntry[] = [];
  let seq = 0;
  const shares: LoggedShare[] = [];
  for (let round = 0; round < SHARES_PER_WORKER; round++) {
    for (let a = 0; a < ACCOUNTS; a++) {
      for (let w = 0; w < WORKERS_PER_ACCOUNT; w++) {
        const i = shares.length;
        shares.push({
          job: 0,
          account: account(a),
          worker: `rig${w}`,
          weight: WEIGHT_ONE * (1 + (a % 7)),
          hash: hashOf(`s${i}`),
          atMs:
            nowMs -
            240_000 +
            Math.floor((i * 200_000) / (ACCOUNTS * WORKERS_PER_ACCOUNT * SHARES_PER_WORKER)),
        });
      }
    }
  }
  const perRecord = 2_000;
  const records = Math.ceil(shares.length / perRecord);
  const blockEvery = Math.max(1, Math.floor(records / BLOCKS));
  for (let r = 0; r < records; r++) {
    entries.push({
      seq: ++seq,
      record: {
        type: 'shares',
        v: LOG_RECORD_VERSION,
        id: `bench:boot:${r}`,
        coin: COIN,
        node: 'bench',
        jobs: [
          {
            id: `job-${r}`,
            height: 1000 + r,
            netWeight: 5_000_000_000n,
            subsidySats: 5_000_000_000n,
            rewardSats: 5_000_000_000n,
          },
        ],
        shares: shares.slice(r * perRecord, (r + 1) * perRecord),
      },
    });
    if (r % blockEvery === blockEvery - 1) {
      entries.push({
        seq: ++seq,
        record: {
          type: 'block.found',
          v: LOG_RECORD_VERSION,
          id: `found-${r}`,
          coin: COIN,
          hash: hashOf(`block-${r}`),
          height: 1000 + r,
          jobId: `job-${r}`,
          account: account(r % ACCOUNTS),
          worker: 'rig0',
          node: 'bench',
          rewardSats: 5_000_000_000n,
          subsidySats: 5_000_000_000n,
          netWeight: 5_000_000_000n,
          coinbasePaid: [],
          solo: false,
          atMs: nowMs - 60_000,
        },
      });
    }
  }
  return entries;
}

async function main(): Promise<void> {
  console.log(
    `node ${process.version} · ${cpus()[0]?.model ?? 'unknown CPU'} · ${cpus().length} cores`,
  );
  const dir = mkdtempSync(join(tmpdir(), 'colliery-api-bench-'));
  const cfg = loadConfig([], {
    dataDir: dir,
    coin: COIN,
    rpc: [{ url: 'http://127.0.0.1:1' }],
    poolAddress: ADDRESS,
    stratumHost: '127.0.0.1',
    stratumPort: 3333,
  });
  const nowMs = Date.now();
  const entries = buildLog(nowMs);
  // Baseline: the same log into a ledger without statistics.
  const bare = openLedger(join(dir, 'bare'), ledgerConfigOf(cfg));
  const b0 = performance.now();
  for (let i = 0; i < entries.length; i += 20) bare.applyBatch(entries.slice(i, i + 20));
  const bareS = (performance.now() - b0) / 1000;
  await bare.close();
  global.gc?.();
  const heapBefore = process.memoryUsage().heapUsed;
  const store = openLedger(join(dir, 'ledger'), ledgerConfigOf(cfg), {
    stats: { workPerWeight: HASH_WORK_PER_WEIGHT },
  });
  const t0 = performance.now();
  for (let i = 0; i < entries.length; i += 20) store.applyBatch(entries.slice(i, i + 20));
  const applyS = (performance.now() - t0) / 1000;
  global.gc?.();
  const heapAfter = process.memoryUsage().heapUsed;
  const workers = ACCOUNTS * WORKERS_PER_ACCOUNT;
  const shares = workers * SHARES_PER_WORKER;
  console.log(
    `\nledger with statistics: ${fmt(workers)} workers in ${fmt(ACCOUNTS)} accounts, ` +
      `${fmt(shares)} shares, ${store.blocks().length} blocks`,
  );
  row('applied without statistics (shares/s) — baseline', fmt(shares / bareS));
  row(
    'applied with statistics (shares/s)',
    `${fmt(shares / applyS)} (${((bareS / applyS) * 100).toFixed(0)} % of baseline)`,
  );
  row(
    'heap held by the ledger and statistics per worker',
    global.gc ? `${fmt((heapAfter - heapBefore) / workers)} B` : 'run with --expose-gc',
  );
  const source = poolApiSource({
    cfg,
    stratumPort: () => 3333,
    status: () => Promise.reject(new Error('no node status in this bench')),
    store,
    shareStats: () => Promise.reject(new Error('no Share actor in this bench')),
    coinNode: undefined,
  });
  const server = await startMetricsServer(
    {
      api: source,
      status: () => source.status(),
      actors: () => [],
      health: () => ({ state: 'ok', reasons: [] }),
    },
    '127.0.0.1',
    0,
    (err) => pino().warn({ err }, 'request failed'),
    { metrics: false, pages: true },
  );
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const get = (path: string): Promise<{ status: number; ms: number; bytes: number }> =>
    new Promise((resolve, reject) => {
      const t = performance.now();
      const req = request({ host: '127.0.0.1', port: server.port, path, agent }, (res) => {
        let bytes = 0;
        res.on('data', (d: Buffer) => (bytes += d.length));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, ms: performance.now() - t, bytes }),
        );
      });
      req.on('error', reject);
      req.end();
    });
  const top = account(6); // a heavy account (weight 7): on the first page of every ranking
  const routes: [string, string][] = [
    ['GET /health (floor)', '/health'],
    ['pools', '/api/pools'],
    ['pool', `/api/pools/${COIN}`],
    ['pool blocks (page 0, 20)', `/api/pools/${COIN}/blocks?page=0&pageSize=20`],
    ['pool performance (24 h)', `/api/pools/${COIN}/performance`],
    ['pool miners (page 0, 20)', `/api/pools/${COIN}/miners?page=0&pageSize=20`],
    ['pool payments', `/api/pools/${COIN}/payments`],
    ['miner', `/api/pools/${COIN}/miners/${top}`],
    ['miner performance', `/api/pools/${COIN}/miners/${top}/performance`],
    ['miner payments', `/api/pools/${COIN}/miners/${top}/payments`],
    ['colliery leaderboard (24 h, page 0)', `/api/colliery/pools/${COIN}/leaderboard?period=24h`],
    ['colliery miner', `/api/colliery/pools/${COIN}/miners/${top}`],
    ['colliery miner bills', `/api/colliery/pools/${COIN}/miners/${top}/bills`],
    [
      'colliery block bill',
      `/api/colliery/pools/${COIN}/blocks/${hashOf(`block-${Math.max(0, Math.floor(shares / 2_000 / BLOCKS) - 1)}`)}`,
    ],
  ];
  console.log(`\nAPI latency, ${REQUESTS} requests per route, one at a time (ms)`);
  let floor = NaN;
  try {
    for (const [name, path] of routes) {
      const times: number[] = [];
      let status = 0;
      let bytes = 0;
      for (let i = 0; i < REQUESTS; i++) {
        const r = await get(path);
        times.push(r.ms);
        status = r.status;
        bytes = r.bytes;
      }
      times.sort((a, b) => a - b);
      const p50 = times[Math.floor(times.length * 0.5)] as number;
      const p99 = times[Math.min(times.length - 1, Math.floor(times.length * 0.99))] as number;
      if (Number.isNaN(floor)) floor = p99;
      const measured = `p50 ${p50.toFixed(2)} · p99 ${p99.toFixed(2)} (${(p99 / floor).toFixed(1)}× floor)`;
      row(
        `${name} [${status}, ${fmt(bytes)} B]`,
        measured,
        `≤ ${P99_TARGET_MS}`,
        p99 <= P99_TARGET_MS && status === 200,
      );
    }
  } finally {
    agent.destroy();
    await server.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
