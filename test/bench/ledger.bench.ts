// Benchmark of the ledger's hot paths, measured in one run: applying share records from the
// log to LMDB (shares/s, against a raw LMDB batched-put baseline of the same page bytes) and a
// PPLNS split over a 1,000,000-share window. Reports PASS/MISS against the targets
// (≥ 200,000 shares/s applied; PPLNS 1M < 100 ms); never fails.
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { open } from 'lmdb';
import { applyEntries } from '../../actors/ledger/apply.js';
import type { LedgerConfig } from '../../actors/ledger/config.js';
import { resolveConfig } from '../../actors/ledger/config.js';
import type { LogEntry } from '../../actors/shared/log-records.js';
import { tallyWindow, windowTarget } from '../../actors/ledger/schemes/pplns.js';
import { splitOverWeights } from '../../actors/ledger/schemes/split.js';
import { createState } from '../../actors/ledger/state.js';
import { openLedger } from '../../actors/ledger/store.js';
import { PageBuilder } from '../../actors/ledger/window.js';
import type { WindowPage } from '../../actors/ledger/window.js';
import { splitFee } from '../../actors/shared/amounts.js';
import { COIN, hashOf } from '../actors/ledger/log.js';
import { syntheticLog } from '../actors/ledger/synthetic-log.js';

const fmt = (x: number): string =>
  x >= 1e6 ? `${(x / 1e6).toFixed(2)} M` : x >= 1e3 ? `${(x / 1e3).toFixed(1)} k` : x.toFixed(1);
const line = (label: string, value: string, note = ''): void =>
  console.log(`${label.padEnd(52)} ${value.padStart(14)}  ${note}`);
const verdict = (ok: boolean): string => (ok ? 'PASS' : 'MISS');
const median = (xs: number[]): number =>
  [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

console.log(`node ${process.version}  cpu ${cpus()[0]?.model ?? 'unknown'} x${cpus().length}`);

const SHARES_PER_RECORD = 200;
const RECORDS = 2_000;
const BATCH = 20; // records per applyBatch (one LMDB transaction)
const entries = syntheticLog({
  records: RECORDS,
  sharesPerRecord: SHARES_PER_RECORD,
  accounts: 5_000,
  blockEvery: 250,
  netWeight: 65_536n * 20_000n,
});
const shareRecords = entries.filter((e) => e.record.type === 'shares').length;
const totalShares = shareRecords * SHARES_PER_RECORD;

function inTemp<T>(fn: (dir: string) => T): T {
  const root = mkdtempSync(join(tmpdir(), 'colliery-ledger-bench-'));
  try {
    return fn(join(root, 'db'));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

function chunks<T>(xs: readonly T[], n: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += n) out.push(xs.slice(i, i + n));
  return out;
}

// --- baseline: raw LMDB, the same page bytes, same batching ---------------------------------
console.log(
  `\nlog → LMDB (${RECORDS} records × ${SHARES_PER_RECORD} shares, 5,000 accounts, batches of ${BATCH})`,
);
const pageBytes = new PageBuilder(0, SHARES_PER_RECORD);
for (let i = 0; i < SHARES_PER_RECORD; i++) pageBytes.add(i, 65_536, hashOf(`x${i}`));
const bytes = pageBytes.finish().bytes;
const rawRate = median(
  [0, 1, 2].map(() =>
    inTemp((dir) => {
      const root = open({ path: dir });
      const db = root.openDB<Uint8Array, number>({ name: 'pages', encoding: 'binary' });
      const t0 = performance.now();
      for (let b = 0; b < RECORDS; b += BATCH) {
        root.transactionSync(() => {
          for (let r = b; r < b + BATCH; r++) db.putSync(r, bytes);
          root.putSync('lastApplied', b);
        });
      }
      const ms = performance.now() - t0;
      void root.close();
      return (RECORDS * SHARES_PER_RECORD * 1000) / ms;
    }),
  ),
);
line('raw LMDB: one page row per record, in shares/s', `${fmt(rawRate)}/s`, 'baseline');

function applyRate(config: LedgerConfig): number {
  return median(
    [0, 1, 2].map(() =>
      inTemp((dir) => {
        const store = openLedger(dir, config);
        const t0 = performance.now();
        for (const batch of chunks(entries, BATCH)) store.applyBatch(batch);
        const ms = performance.now() - t0;
        void store.close();
        return (totalShares * 1000) / ms;
      }),
    ),
  );
}

const pplnsCfg: LedgerConfig = { coin: COIN, scheme: 'pplns', feeBps: 100 };
const mixedCfg: LedgerConfig = {
  coin: COIN,
  scheme: 'pps',
  feeBps: 200,
  accountSchemes: Object.fromEntries(
    Array.from({ length: 2_500 }, (_, i) => [`acct${i * 2}`, 'pplns' as const]),
  ),
};
const propCfg: LedgerConfig = { coin: COIN, scheme: 'prop', feeBps: 100 };

const pure = median(
  [0, 1, 2].map(() => {
    const s = createState(resolveConfig(pplnsCfg), false);
    const t0 = performance.now();
    applyEntries(s, entries as readonly LogEntry[]);
    return (totalShares * 1000) / (performance.now() - t0);
  }),
);
line('apply in memory (no LMDB), PPLNS', `${fmt(pure)}/s`, `${(pure / rawRate).toFixed(2)}x raw`);
for (const [label, cfg] of [
  ['ledger.applyBatch → LMDB, PPLNS', pplnsCfg],
  ['ledger.applyBatch → LMDB, PPS pool, half accounts PPLNS', mixedCfg],
  ['ledger.applyBatch → LMDB, PROP', propCfg],
] as const) {
  const r = applyRate(cfg);
  line(
    label,
    `${fmt(r)}/s`,
    `${(r / rawRate).toFixed(2)}x raw  target >= 200 k/s  ${verdict(r >= 200_000)}`,
  );
}

// --- PPLNS over a 1,000,000-share window ---------------------------------------------------
console.log('\nPPLNS split over a 1,000,000-share window (5,000 pages × 200, 10,000 accounts)');
const ACCOUNTS = 10_000;
const pages: WindowPage[] = [];
let seed = 7;
for (let p = 0; p < 5_000; p++) {
  const b = new PageBuilder(p + 1, 200);
  for (let i = 0; i < 200; i++) {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    b.add(seed % ACCOUNTS, 65_536 * (1 + (seed % 32)), '00'.repeat(32));
  }
  pages.push(b.finish());
}
const windowWeight = pages.reduce((s, p) => s + p.total, 0n);
const target = windowTarget(windowWeight / 2n, 20_000); // N = the whole window
const names = Array.from({ length: ACCOUNTS }, (_, i) => `acct${i}`);
const times: number[] = [];
let windowShares = 0;
for (let run = 0; run < 7; run++) {
  const t0 = performance.now();
  const tally = tallyWindow(pages, target, ACCOUNTS);
  const { restSats } = splitFee(312_500_000n, 100);
  const split = splitOverWeights(
    restSats,
    tally.lines.map((l) => ({ key: names[l.account] as string, weight: l.weight })),
    target - tally.filled,
  );
  times.push(performance.now() - t0);
  windowShares = tally.lines.reduce((s, l) => s + l.shares, 0);
  if (split.size === 0) throw new Error('empty split');
}
const ms = median(times);
line(
  `tally + split (${fmt(windowShares)} shares), median of 7`,
  `${ms.toFixed(1)} ms`,
  `target < 100 ms  ${verdict(ms < 100)}`,
);
