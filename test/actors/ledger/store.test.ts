// ledger store - LMDB replicas: exactly-once apply across restarts, overlapping and differently
// batched deliveries, failed writes, crashes, config fingerprint, readers and verify.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { open } from 'lmdb';
import type { LedgerConfig } from '../../../actors/ledger/config.js';
import {
  LEDGER_BUSY,
  LEDGER_CONFIG_MISMATCH,
  LEDGER_RECORD_VERSION,
  LEDGER_WRITE_FAILED,
} from '../../../actors/ledger/errors.js';
import type { LogEntry, LogRecord } from '../../../actors/shared/log-records.js';
import { openLedger } from '../../../actors/ledger/store.js';
import type { LedgerStore } from '../../../actors/ledger/store.js';
import { verifyLedger } from '../../../actors/ledger/verify.js';
import { hasCode } from '../../../actors/shared/errors.js';
import { crashConfig, crashLog } from './crash-log.js';
import { COIN, LogBuilder, batches, hashOf, tempDir } from './log.js';
import { buildLog, logArb, mixedConfig } from './random-log.js';

async function withStore<T>(
  config: LedgerConfig,
  fn: (store: LedgerStore, dir: string) => Promise<T> | T,
): Promise<T> {
  const { dir, remove } = tempDir();
  const store = openLedger(dir, config);
  try {
    return await fn(store, dir);
  } finally {
    await store.close();
    remove();
  }
}

/** The digest of applying `entries` in one batch to a fresh replica. */
async function onePass(config: LedgerConfig, entries: readonly LogEntry[]): Promise<string> {
  return withStore(config, (s) => {
    s.applyBatch(entries);
    return s.digest();
  });
}

const configArb = fc
  .tuple(fc.constantFrom('pplns', 'prop', 'pps', 'fpps' as const), fc.integer({ min: 0, max: 500 }))
  .map(([scheme, fee]) => mixedConfig(scheme, fee));

test('store - replicas fed the same log in different, overlapping batches hold identical digests (property)', async () => {
  await fc.assert(
    fc.asyncProperty(
      logArb,
      configArb,
      fc.array(fc.nat({ max: 60 }), { maxLength: 6 }),
      fc.nat({ max: 5 }),
      async (ops, config, cuts, overlap) => {
        const entries = buildLog(ops);
        const reference = await onePass(config, entries);
        await withStore(config, async (s) => {
          for (const b of batches(entries, cuts)) {
            const start = Math.max(0, entries.indexOf(b[0] as LogEntry) - overlap);
            s.applyBatch(entries.slice(start, start + overlap + b.length));
          }
          assert.equal(s.lastApplied(), entries.at(-1)?.seq);
          assert.equal(s.digest(), reference);
          assert.deepEqual(await verifyLedger(s, entries), []);
        });
      },
    ),
    { numRuns: 25 },
  );
});

test('store - closing midway and re-applying from any earlier point gives the one-pass digest (property)', async () => {
  await fc.assert(
    fc.asyncProperty(logArb, configArb, fc.nat(), fc.nat(), async (ops, config, a, b) => {
      const entries = buildLog(ops);
      const stop = a % (entries.length + 1);
      const resume = stop === 0 ? 0 : b % (stop + 1);
      const reference = await onePass(config, entries);
      const { dir, remove } = tempDir();
      try {
        const first = openLedger(dir, config);
        first.applyBatch(entries.slice(0, stop));
        await first.close();
        const second = openLedger(dir, config);
        const r = second.applyBatch(entries.slice(resume));
        assert.equal(r.applied, entries.length - stop);
        assert.equal(second.digest(), reference);
        await second.close();
      } finally {
        remove();
      }
    }),
    { numRuns: 20 },
  );
});

/** A store in a temp dir whose Nth row write (counted once armed) throws. */
function storeFailingAt(
  config: LedgerConfig,
  failAt: number,
): { store: LedgerStore; remove: () => void; arm: (on: boolean) => void } {
  const { dir, remove } = tempDir();
  let writes = 0;
  let armed = false;
  const store = openLedger(dir, config, {
    onWrite: () => {
      if (armed && ++writes === failAt) throw new Error(`injected failure at write ${failAt}`);
    },
  });
  return { store, remove, arm: (on) => void (armed = on) };
}

test('store - applyBatchAsync commits on the write thread all or nothing, one batch at a time', async () => {
  const config = crashConfig;
  const entries = crashLog().slice(0, 120);
  const half = Math.floor(entries.length / 2);
  const reference = await onePass(config, entries);
  for (const failAt of [1, 5, 60]) {
    const { store, remove, arm } = storeFailingAt(config, failAt);
    try {
      const first = store.applyBatchAsync(entries.slice(0, half));
      // A second batch before the first settles would fold into half-committed state: refused.
      assert.throws(
        () => store.applyBatch(entries.slice(half)),
        (e: unknown) => hasCode(e, LEDGER_BUSY),
      );
      await assert.rejects(store.applyBatchAsync(entries.slice(half)), (e: unknown) =>
        hasCode(e, LEDGER_BUSY),
      );
      await first;
      const before = store.digest();
      const lastBefore = store.lastApplied();
      arm(true);
      // The rows written before the injected throw must not be committed (a child transaction).
      await assert.rejects(store.applyBatchAsync(entries.slice(half)), (e: unknown) =>
        hasCode(e, LEDGER_WRITE_FAILED),
      );
      assert.equal(store.lastApplied(), lastBefore);
      assert.equal(store.digest(), before, `failAt ${failAt}: a partial batch was committed`);
      arm(false);
      const r = await store.applyBatchAsync(entries.slice(half));
      assert.equal(r.lastApplied, entries.at(-1)?.seq);
      assert.equal(store.digest(), reference, `failAt ${failAt}`);
    } finally {
      await store.close();
      remove();
    }
  }
});

test('store - while a batch commits, every block it lists has its bill readable', async () => {
  const entries = crashLog().slice(0, 120);
  const { dir, remove } = tempDir();
  const store = openLedger(dir, crashConfig);
  try {
    const committing = store.applyBatchAsync(entries);
    assert.ok(store.blocks().length > 0, 'the batch holds blocks');
    for (const b of store.blocks()) assert.ok(store.bill(b.hash), `bill of ${b.hash} mid-commit`);
    await committing;
    for (const b of store.blocks()) assert.ok(store.bill(b.hash), `bill of ${b.hash} committed`);
  } finally {
    await store.close();
    remove();
  }
});

test('store - a write failing on the Nth row leaves the previous state, and a retry completes it', async () => {
  const config = crashConfig;
  const entries = crashLog().slice(0, 120);
  const half = Math.floor(entries.length / 2);
  const reference = await onePass(config, entries);
  for (const failAt of [1, 2, 5, 17, 60]) {
    const { store, remove, arm } = storeFailingAt(config, failAt);
    try {
      store.applyBatch(entries.slice(0, half));
      const before = store.digest();
      const lastBefore = store.lastApplied();
      arm(true);
      assert.throws(
        () => store.applyBatch(entries.slice(half)),
        (e: unknown) => hasCode(e, LEDGER_WRITE_FAILED),
      );
      assert.equal(store.lastApplied(), lastBefore);
      assert.equal(store.digest(), before);
      arm(false);
      store.applyBatch(entries.slice(half));
      assert.equal(store.digest(), reference, `failAt ${failAt}`);
    } finally {
      await store.close();
      remove();
    }
  }
});

test('store - a batch with a record from a newer version is refused whole', async () => {
  const log = new LogBuilder();
  log.shares([{ account: 'alice', weight: 100 }]);
  const ok = log.shares([{ account: 'bob', weight: 100 }]);
  await withStore(mixedConfig('pplns', 0), (s) => {
    s.applyBatch(log.entries.slice(0, 1));
    const before = s.digest();
    const future = { seq: ok.seq + 1, record: { ...ok.record, v: 2 } };
    assert.throws(
      () => s.applyBatch([ok, future]),
      (e: unknown) => hasCode(e, LEDGER_RECORD_VERSION),
    );
    assert.equal(s.digest(), before);
    assert.equal(s.balance('bob'), undefined);
  });
});

test('store - survives being killed mid-apply and finishes with the one-pass digest', async () => {
  const entries = crashLog();
  const reference = await onePass(crashConfig, entries);
  const { dir, remove } = tempDir();
  try {
    const child = spawn(process.execPath, [
      fileURLToPath(new URL('./kill-child.js', import.meta.url)),
      dir,
    ]);
    const exited = new Promise((resolve) => child.on('exit', resolve));
    let lines = 0;
    for await (const line of createInterface({ input: child.stdout })) {
      assert.notEqual(line, 'done', 'the child finished before it was killed');
      if (++lines === 60) {
        child.kill('SIGKILL');
        break;
      }
    }
    await exited;
    const store = openLedger(dir, crashConfig);
    try {
      const resumed = store.lastApplied();
      assert.ok(resumed >= 60 && resumed < (entries.at(-1)?.seq ?? 0), `resumed at ${resumed}`);
      store.applyBatch(entries);
      assert.equal(store.digest(), reference);
      assert.deepEqual(await verifyLedger(store, entries), []);
    } finally {
      await store.close();
    }
  } finally {
    remove();
  }
});

test('verify - lists the differences of a store whose LMDB rows were tampered with', async () => {
  const config = mixedConfig('pplns', 100);
  const log = new LogBuilder();
  log.shares([{ account: 'alice', weight: 100 }], [{ netWeight: 100n }]);
  log.found(hashOf('B'), { netWeight: 100n, rewardSats: 1000n });
  const { dir, remove } = tempDir();
  try {
    const store = openLedger(dir, config);
    store.applyBatch(log.entries);
    await store.close();
    const raw = open({ path: dir });
    const accounts = raw.openDB<Record<string, unknown>, string>({
      name: 'accounts',
      encoder: { useBigIntExtension: true },
    } as { name: string });
    const row = accounts.get('alice') as Record<string, unknown>;
    await accounts.put('alice', { ...row, immature: 1_000_000n });
    await raw.close();
    const again = openLedger(dir, config);
    const progress: number[] = [];
    const diffs = await verifyLedger(again, log.entries, (seq) => progress.push(seq));
    assert.deepEqual(
      diffs.map((d) => d.path),
      ['accounts/alice'],
    );
    assert.match(diffs[0]?.actual ?? '', /1000000n/);
    assert.deepEqual(progress, [log.entries.at(-1)?.seq]);
    await again.close();
  } finally {
    remove();
  }
});

test('store - refuses a directory built under another payout config', async () => {
  const { dir, remove } = tempDir();
  try {
    await openLedger(dir, mixedConfig('pplns', 100)).close();
    assert.throws(
      () => openLedger(dir, mixedConfig('pplns', 200)),
      (e: unknown) => hasCode(e, LEDGER_CONFIG_MISMATCH),
    );
    await openLedger(dir, mixedConfig('pplns', 100)).close();
  } finally {
    remove();
  }
});

test('store - readers: balances, bills by hash and height, blocks, payout plans', async () => {
  const log = new LogBuilder();
  log.shares(
    [
      { account: 'bob', weight: 200 },
      { account: 'alice', weight: 200 },
      { account: 'carol', weight: 100 },
    ],
    [{ netWeight: 250n }],
  );
  log.found(hashOf('B'), { netWeight: 250n, rewardSats: 10_000n, height: 321 });
  log.status(hashOf('B'), 'block.matured');
  await withStore({ coin: COIN, scheme: 'pplns', feeBps: 0 }, (s) => {
    s.applyBatch(log.entries);
    // N = 500: 4000 / 4000 / 2000.
    assert.deepEqual(
      s.balances().map((b) => [b.account, b.matureSats]),
      [
        ['alice', 4000n],
        ['bob', 4000n],
        ['carol', 2000n],
      ],
    );
    assert.equal(s.bill(321)?.hash, hashOf('B'));
    assert.equal(s.bill(hashOf('B'))?.lines.length, 4);
    assert.equal(s.bill(999), undefined);
    assert.deepEqual(
      s.blocks().map((b) => [b.height, b.status]),
      [[321, 'matured']],
    );
    assert.deepEqual(s.coinbaseOutputs({ maxOutputs: 2, minPayoutSats: 1000n }), [
      { account: 'alice', sats: 4000n },
      { account: 'bob', sats: 4000n },
    ]);
    assert.deepEqual(s.planPayout({ thresholdSats: 3000n, maxPayments: 10 }), [
      { account: 'alice', sats: 4000n },
      { account: 'bob', sats: 4000n },
    ]);
  });
});

test('store - a share record appended twice (a lost ack, spooled, appended after the duplicate window) is applied once, across a restart', async () => {
  const log = new LogBuilder();
  const first = log.shares([{ account: 'alice', weight: 300 }], [{ netWeight: 250n }]);
  log.shares([{ account: 'bob', weight: 100 }], [{ netWeight: 250n }]);
  // The same record again, at a later sequence: another node's records in between.
  const copy = log.push(first.record as LogRecord);
  log.found(hashOf('B'), { netWeight: 250n, rewardSats: 10_000n, height: 7 });
  const { dir, remove } = tempDir();
  const config: LedgerConfig = { coin: COIN, scheme: 'pplns', feeBps: 0 };
  try {
    let s = openLedger(dir, config);
    s.applyBatch(log.entries.filter((e) => e.seq < copy.seq));
    await s.close();
    s = openLedger(dir, config); // the copy arrives after a restart: the ids are on disk
    s.applyBatch(log.entries.filter((e) => e.seq >= copy.seq));
    // N = 500 over 400 of share weight: 300 alice, 100 bob, 100 unfilled (@pool).
    const bill = s.bill(hashOf('B'));
    assert.deepEqual(
      bill?.lines.map((l) => [l.account, l.weight]),
      [
        ['@fee', 0n],
        ['@pool', 100n],
        ['alice', 300n],
        ['bob', 100n],
      ],
    );
    const snapshot = s.snapshot();
    assert.equal(snapshot.counters.duplicateRecords, 1);
    assert.equal(snapshot.counters.shares, 2);
    assert.deepEqual(await verifyLedger(s, log.entries), []);
    await s.close();
  } finally {
    remove();
  }
});
