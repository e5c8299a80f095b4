// `--metrics HOST:PORT`: a node mining through a real miner answers GET /metrics in Prometheus
// text format with numbers that match what happened (connections, accepted shares, the share
// log, the ledger, actors by kind), GET /health 200 while serving and 503 once it drains.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig } from '../../topology/config.js';
import { until } from '../helpers/until.js';
import { httpGet as get, metricSample as sample } from '../helpers/http-get.js';
import { startMeteredPool, TEST_ADDRESS } from '../helpers/pool.js';

test('metrics - /metrics counts what the node did, /health turns 503 on drain', async () => {
  const { pool, miner, port } = await startMeteredPool('m1', 'metrics');
  assert.equal((await get(port, '/health')).status, 200);
  assert.equal((await get(port, '/nope')).status, 404);

  await miner.start();
  await until('the ledger applies 5 shares', () =>
    pool.node.ledger.store.counters().shares >= 5 ? true : undefined,
  );
  await miner.stop();
  // The counts settle: every share the node accepted is in the share log and the ledger. (Shares
  // still waiting for the log when the miner left are accepted too; the miner heard of the rest.)
  // A share the verifier still held when the miner left may be accepted between two reads: the
  // counts are compared once /metrics, the log, the ledger and the Share actor all agree.
  let accepted = 0;
  const m = await until('metrics whose counts agree', async () => {
    const r = await get(port, '/metrics');
    accepted = sample(r.body, 'colliery_shares_total', 'verdict="accepted"') ?? -1;
    const actor = (await pool.node.shareStats()).verdicts.accepted;
    return sample(r.body, 'colliery_share_log_shares_total') === accepted &&
      sample(r.body, 'colliery_ledger_shares_total') === accepted &&
      actor === accepted &&
      (sample((await get(port, '/metrics')).body, 'colliery_shares_total', 'verdict="accepted"') ??
        -1) === accepted
      ? r
      : undefined;
  });
  assert.ok(miner.stats.accepted <= accepted, 'the node counts every share its miner heard of');
  assert.match(m.type, /^text\/plain; version=0\.0\.4/);
  assert.ok(accepted >= 5);
  const text = m.body;
  assert.match(text, /^# TYPE colliery_shares_total counter$/m);
  assert.equal(
    sample(
      text,
      'colliery_node_info',
      'node="m1",cluster="metrics",coin="bitcoin-regtest",version="0.1.0"',
    ),
    1,
  );
  assert.equal(sample(text, 'colliery_draining'), 0);
  assert.equal(sample(text, 'colliery_health', 'state="ok"'), 1);
  assert.equal(sample(text, 'colliery_health', 'state="degraded"'), 0);
  assert.equal(sample(text, 'colliery_bus_up'), 1);
  assert.equal(sample(text, 'colliery_bus_outages_total'), 0);
  assert.ok((sample(text, 'colliery_share_log_records_total') ?? 0) >= 1);
  assert.equal(sample(text, 'colliery_share_log_failed_total'), 0);
  assert.ok((sample(text, 'colliery_ledger_applied_seq') ?? 0) >= 1);
  assert.equal(sample(text, 'colliery_actors', 'kind="share"'), 1);
  assert.equal(sample(text, 'colliery_actors', 'kind="job"'), 1, 'this node leads the Job actor');
  const util = sample(text, 'colliery_event_loop_utilization') ?? -1;
  assert.ok(util >= 0 && util <= 1, `utilisation ${util}`);
  assert.ok((sample(text, 'process_resident_memory_bytes') ?? 0) > 1e6);
  // Every sample line is `name{labels} number`.
  for (const line of text.split('\n').filter((l) => l !== '' && !l.startsWith('#')))
    assert.match(line, /^[a-z_]+(\{[a-z_]+="[^"]*"(,[a-z_]+="[^"]*")*\})? -?[\d.e+-]+$/, line);

  // The miner disconnected: its Connection actor is gone.
  await until('the connection closed', async () =>
    sample((await get(port, '/metrics')).body, 'colliery_stratum_connections') === 0
      ? true
      : undefined,
  );
  const draining = pool.node.runtime.drain({ timeoutMs: 5_000 });
  const health = await get(port, '/health');
  assert.equal(health.status, 503);
  assert.equal(health.body, 'draining\n');
  await draining;
});

test('metrics - a malformed --metrics stops the start naming the option', () => {
  assert.throws(
    () =>
      loadConfig([{ metrics: 'localhost' }], {
        coin: 'bitcoin-regtest',
        rpc: [{ url: 'http://127.0.0.1:1' }],
        poolAddress: TEST_ADDRESS,
      }),
    (err: Error & { code?: string }) =>
      err.code === 'CONFIG_INVALID' &&
      /--metrics/.test(err.message) &&
      /HOST:PORT/.test(err.message),
  );
});
