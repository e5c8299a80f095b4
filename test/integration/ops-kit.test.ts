// The operations kit (deploy/grafana/colliery.json, deploy/prometheus/colliery-alerts.yml and
// prometheus.yml) against a real node: every metric name the dashboard's and the alerts'
// expressions read is on its /metrics (a missing one is named), counters are what rate() and
// increase() are given; the dashboard is importable JSON on ${DS_PROMETHEUS}; each rule has
// what Prometheus and Alertmanager need. And the metrics added for the alerts (job age, coin
// nodes answering, the log's head and the ledger's lag, spool limits) say what happened.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { httpGet as get, metricSample as sample } from '../helpers/http-get.js';
import { pino } from 'pino';
import { NodeHealth } from '../../topology/health.js';
import { Scraper } from '../../topology/metrics-scrape.js';
import { gatherStatus, type StatusParts } from '../../topology/status.js';
import {
  dashboardExprs,
  exposed,
  offers,
  parseYaml,
  promqlNames,
  typeOf,
  type Exposed,
  type Yaml,
} from '../helpers/ops-kit.js';
import { repoRoot } from '../helpers/paths.js';
import { startMeteredPool } from '../helpers/pool.js';
import { until } from '../helpers/until.js';

const DASHBOARD = join(repoRoot, 'deploy', 'grafana', 'colliery.json');
const ALERTS = join(repoRoot, 'deploy', 'prometheus', 'colliery-alerts.yml');
const PROMETHEUS = join(repoRoot, 'deploy', 'prometheus', 'prometheus.yml');

interface Rule {
  readonly alert: string;
  readonly expr: string;
  readonly for: string;
  readonly labels: { readonly severity: string };
  readonly annotations: { readonly summary: string; readonly description: string };
}

/** The alert rules file, every rule checked for the fields Prometheus and Alertmanager use. */
function alertRules(): Rule[] {
  const doc = parseYaml(readFileSync(ALERTS, 'utf8')) as { groups?: Yaml };
  assert.ok(Array.isArray(doc.groups) && doc.groups.length > 0, 'groups: a non-empty list');
  const groupNames = new Set<string>();
  const rules: Rule[] = [];
  for (const g of doc.groups as { name?: Yaml; rules?: Yaml }[]) {
    assert.ok(typeof g.name === 'string' && g.name !== '', 'every group has a name');
    assert.ok(!groupNames.has(g.name), `group ${g.name} named once`);
    groupNames.add(g.name);
    assert.ok(Array.isArray(g.rules) && g.rules.length > 0, `group ${g.name} has rules`);
    for (const r of g.rules as Record<string, Yaml>[]) {
      const name = String(r.alert);
      assert.match(name, /^[A-Z][A-Za-z0-9]+$/, `an alert rule's name: ${JSON.stringify(r)}`);
      assert.ok(typeof r.expr === 'string' && r.expr.trim() !== '', `${name}: expr`);
      assert.ok(typeof r.for === 'string', `${name}: for`);
      // The rule's text: Prometheus's duration syntax (`for: 2m`), not a time this test measures.
      assert.match(r.for, /^\d+(ms|s|m|h|d|w|y)$/, `${name}: for is a duration`);
      const labels = r.labels as Record<string, Yaml> | null;
      assert.ok(
        labels?.severity === 'critical' || labels?.severity === 'warning',
        `${name}: labels.severity is critical or warning`,
      );
      const notes = r.annotations as Record<string, Yaml> | null;
      for (const k of ['summary', 'description'])
        assert.ok(typeof notes?.[k] === 'string' && notes[k] !== '', `${name}: annotations.${k}`);
      const unknown = Object.keys(r).filter(
        (k) => !['alert', 'expr', 'for', 'labels', 'annotations', 'keep_firing_for'].includes(k),
      );
      assert.deepEqual(unknown, [], `${name}: no key Prometheus does not know`);
      rules.push(r as unknown as Rule);
    }
  }
  const names = rules.map((r) => r.alert);
  assert.deepEqual(
    names.filter((n, i) => names.indexOf(n) !== i),
    [],
    'every alert named once',
  );
  return rules;
}

/** Where each metric name is read: `name → [where…]`, from the dashboard and the alerts. */
function kitReferences(): Map<string, string[]> {
  const refs = new Map<string, string[]>();
  const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as unknown;
  const exprs = [
    ...dashboardExprs(dashboard).map((e) => ({ ...e, where: `dashboard ${e.where}` })),
    ...alertRules().map((r) => ({ where: `alert ${r.alert}`, expr: r.expr })),
  ];
  for (const { where, expr } of exprs)
    for (const name of promqlNames(expr).metrics) {
      const seen = refs.get(name) ?? [];
      if (!seen.includes(where)) refs.set(name, [...seen, where]);
    }
  return refs;
}

/** What the kit reads that `e` does not offer, each with where it is read. */
function missingFrom(e: Exposed, refs: Map<string, string[]>): string[] {
  return [...refs]
    .filter(([name]) => !offers(e, name))
    .map(([name, where]) => `${name} (read by ${where.join(', ')})`);
}

/** Names rate(), irate() and increase() are given that are not counters, and the like. */
function misusedTypes(e: Exposed, exprs: readonly string[]): string[] {
  const out: string[] = [];
  for (const expr of exprs)
    for (const [name, fns] of promqlNames(expr).appliedTo) {
      const type = typeOf(e, name);
      for (const fn of fns) {
        if (['rate', 'irate', 'increase', 'resets'].includes(fn) && type !== 'counter')
          out.push(`${fn}(${name}) on a ${type}`);
        if (['delta', 'deriv', 'idelta', 'predict_linear'].includes(fn) && type !== 'gauge')
          out.push(`${fn}(${name}) on a ${type}`);
      }
    }
  return out;
}

test('ops kit - the dashboard is importable JSON on ${DS_PROMETHEUS}, every expression PromQL', () => {
  const d = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as {
    uid?: string;
    title?: string;
    schemaVersion?: number;
    __inputs?: { name: string; type: string; pluginId: string }[];
    templating: { list: { name: string; type: string; query?: unknown }[] };
    panels: {
      id: number;
      type: string;
      title: string;
      gridPos: { x: number; y: number; w: number; h: number };
      datasource?: { type: string; uid: string };
      targets?: { expr?: string; datasource?: { uid: string } }[];
      panels?: unknown[];
    }[];
  };
  assert.ok(d.uid && d.title, 'uid and title');
  assert.ok((d.schemaVersion ?? 0) >= 36, 'a Grafana 9/10+ schema');
  assert.deepEqual(
    d.__inputs?.map((i) => [i.name, i.type, i.pluginId]),
    [['DS_PROMETHEUS', 'datasource', 'prometheus']],
    'imports ask for one Prometheus data source',
  );
  const ds = d.templating.list.find((v) => v.name === 'DS_PROMETHEUS');
  assert.equal(ds?.type, 'datasource', 'a provisioned copy picks its Prometheus by variable');
  assert.equal(ds?.query, 'prometheus');
  const ids = new Set<number>();
  const titles = new Set<string>();
  let queries = 0;
  for (const p of d.panels) {
    assert.ok(!ids.has(p.id), `panel id ${p.id} used once`);
    ids.add(p.id);
    assert.ok(!titles.has(p.title), `panel title "${p.title}" used once`);
    titles.add(p.title);
    const g = p.gridPos;
    assert.ok(g.x >= 0 && g.w > 0 && g.x + g.w <= 24 && g.h > 0, `"${p.title}" fits the grid`);
    assert.equal(p.panels?.length ?? 0, 0, 'rows are open: their panels follow them');
    if (p.type === 'row') continue;
    assert.equal(p.datasource?.uid, '${DS_PROMETHEUS}', `"${p.title}" reads \${DS_PROMETHEUS}`);
    assert.ok((p.targets?.length ?? 0) > 0, `"${p.title}" has a query`);
    for (const t of p.targets ?? []) {
      assert.equal(t.datasource?.uid, '${DS_PROMETHEUS}', `a query of "${p.title}"`);
      assert.ok(typeof t.expr === 'string' && t.expr !== '', `a query of "${p.title}" has expr`);
      assert.doesNotThrow(() => promqlNames(t.expr!), `"${p.title}": ${t.expr}`);
      queries++;
    }
  }
  assert.ok(queries >= 40, `${queries} queries`);
  assert.ok(dashboardExprs(d).length > queries, 'the variables are read too');
});

test('ops kit - every alert rule has expr, for, severity, summary and description', () => {
  const rules = alertRules();
  assert.ok(rules.length >= 15, `${rules.length} rules`);
  for (const r of rules) assert.doesNotThrow(() => promqlNames(r.expr), `${r.alert}: ${r.expr}`);
  // What the brief asks to be watched, each by some rule.
  const reads = (metric: string) => rules.some((r) => promqlNames(r.expr).metrics.has(metric));
  for (const m of [
    'colliery_job_age_seconds',
    'colliery_shares_total',
    'colliery_ledger_lag_seq',
    'colliery_bus_up',
    'colliery_share_spool_records',
    'colliery_share_spool_max_records',
    'colliery_coin_nodes_answering',
    'colliery_ledger_quarantined_total',
  ])
    assert.ok(reads(m), `some rule reads ${m}`);
  assert.ok(
    rules.some((r) => /\bup\{job="colliery"\} == 0/.test(r.expr)),
    'a node-down rule on up',
  );
  // The sample prometheus.yml loads these rules and names its job as the rules expect.
  const prom = parseYaml(readFileSync(PROMETHEUS, 'utf8')) as {
    rule_files?: Yaml;
    scrape_configs?: { job_name?: Yaml; metrics_path?: Yaml }[];
  };
  assert.deepEqual(prom.rule_files, ['colliery-alerts.yml']);
  const job = prom.scrape_configs?.find((s) => s.job_name === 'colliery');
  assert.ok(job, 'a scrape job "colliery"');
  assert.equal(job.metrics_path, '/metrics');
});

/** Prometheus's own checker, where it is installed (`apt-get install prometheus`). */
const promtool = (() => {
  const r = spawnSync('promtool', ['--version'], { encoding: 'utf8' });
  return r.status === 0 ? 'promtool' : null;
})();

test(
  'ops kit - promtool checks the config and the rules and runs their unit tests',
  { skip: promtool === null ? 'promtool is not installed' : false },
  () => {
    const dir = join(repoRoot, 'deploy', 'prometheus');
    for (const args of [
      ['check', 'config', 'prometheus.yml'],
      ['check', 'rules', 'colliery-alerts.yml'],
      ['test', 'rules', 'colliery-alerts.test.yml'],
    ]) {
      const r = spawnSync(promtool!, args, { cwd: dir, encoding: 'utf8' });
      assert.equal(r.status, 0, `promtool ${args.join(' ')}:\n${r.stdout}${r.stderr}`);
    }
  },
);

test('ops kit - the check names what /metrics lacks, and reads PromQL as Prometheus does', () => {
  const e = exposed(
    [
      '# HELP colliery_a_total A.',
      '# TYPE colliery_a_total counter',
      'colliery_a_total{verdict="accepted"} 3',
      '# TYPE colliery_b gauge',
      '# TYPE colliery_h histogram',
      'colliery_h_bucket{le="+Inf"} 1',
    ].join('\n'),
  );
  const tricky =
    'sum by (instance, verdict) (rate(colliery_a_total{verdict!="accepted", instance=~"$instance", x="rate(y)"}[$__rate_interval]))' +
    ' / on (job, instance) group_left colliery_b > 1e3 and up{job="colliery"} == 0' +
    ' or histogram_quantile(0.99, sum by (le) (rate(colliery_h_bucket[5m]))) offset 5m';
  assert.deepEqual([...promqlNames(tricky).metrics].sort(), [
    'colliery_a_total',
    'colliery_b',
    'colliery_h_bucket',
  ]);
  assert.deepEqual(missingFrom(e, new Map([['colliery_h_count', ['x']]])), []);
  assert.deepEqual(
    missingFrom(
      e,
      new Map([
        ['colliery_a_total', ['alert A']],
        ['colliery_b', ['panel "B"']],
        ['colliery_nope_total', ['alert CollieryNope', 'panel "Nope"']],
      ]),
    ),
    ['colliery_nope_total (read by alert CollieryNope, panel "Nope")'],
  );
  assert.deepEqual(misusedTypes(e, ['rate(colliery_b[5m]) + increase(colliery_a_total[1h])']), [
    'rate(colliery_b) on a gauge',
  ]);
  assert.throws(() => promqlNames('rat(colliery_a_total[5m])'), /unknown PromQL function rat\(\)/);
  assert.throws(() => parseYaml('a: 1\n  b: 2\n'), /YAML line 2/);
  assert.deepEqual(
    parseYaml("x:\n  - a: '1 ''q'''\n    b: |\n      l1\n      l2\n  - \"s\\\"t\" # c\ny:\n- z\n"),
    { x: [{ a: "1 'q'", b: 'l1\nl2\n' }, 's"t'], y: ['z'] },
  );
});

test('ops kit - the ledger lag, job age, coin nodes and spool limits on /metrics', async () => {
  const health = new NodeHealth(pino({ level: 'silent' }), () => false);
  health.coinNodes('leader', ['127.0.0.1:1'], false);
  let head: number | null = 120;
  const parts: StatusParts = {
    fixed: {
      node: 'n1',
      cluster: 'c',
      coin: 'bitcoin-regtest',
      version: '0',
      startedAtMs: 1_000_000,
      stratumPort: 3333,
      spoolLimits: { records: 100, bytes: 4096 },
    },
    metricsPort: () => 9464,
    draining: () => false,
    health: () => health.health,
    bus: () => health.bus,
    connections: () => 0,
    stratumStats: () => ({ refused: {}, closed: {}, bans: {}, load: null }),
    shareStats: () => Promise.reject(new Error('not asked')),
    blocks: () => Promise.resolve([]),
    logStats: () => ({
      records: 0,
      shares: 0,
      retries: 0,
      failed: 0,
      duplicates: 0,
      spoolDepth: 7,
      spoolBytes: 700,
      spooled: 7,
      drained: 0,
      spoolFull: 0,
      rejects: 0,
    }),
    submitterStats: () => ({ journaled: 0, pending: 0, withoutLease: 0, recovered: 0 }),
    ledger: () => ({ lastApplied: 100, shares: 5, quarantined: 1 }),
    logLastSeq: () =>
      head === null ? Promise.reject(new Error('bus away')) : Promise.resolve(head),
    jobs: () => ({ received: 3, newestAtMs: 1_030_000, height: 812 }),
    coinNodes: () => ({
      configured: 3,
      answering: { leader: health.coinNodesAnswering('leader', 3) },
    }),
  };
  const scraper = new Scraper();
  try {
    const st = await gatherStatus(parts);
    assert.deepEqual(st.ledger, {
      lastApplied: 100,
      shares: 5,
      quarantined: 1,
      logLastSeq: 120,
      lag: 20,
    });
    const text = scraper.text(st, [], 1_045_500);
    assert.equal(sample(text, 'colliery_ledger_lag_seq'), 20);
    assert.equal(sample(text, 'colliery_share_log_last_seq'), 120);
    assert.equal(sample(text, 'colliery_job_age_seconds'), 15.5);
    assert.equal(sample(text, 'colliery_job_height'), 812);
    assert.equal(sample(text, 'colliery_jobs_received_total'), 3);
    assert.equal(sample(text, 'colliery_coin_nodes'), 3);
    assert.equal(sample(text, 'colliery_coin_nodes_answering', 'source="leader"'), 2);
    assert.equal(sample(text, 'colliery_share_spool_max_records'), 100);
    assert.equal(sample(text, 'colliery_share_spool_max_bytes'), 4096);
    assert.equal(sample(text, 'colliery_node_start_time_seconds'), 1000);
    assert.equal(sample(text, 'colliery_health', 'state="degraded"'), 1);

    // A head read before the replica applied more is never behind it; the bus away, no head.
    head = 90;
    assert.equal((await gatherStatus(parts)).ledger?.lag, 0);
    head = null;
    health.coinNodes('leader', ['a', 'b', 'c'], true);
    const away = await gatherStatus(parts);
    assert.deepEqual([away.ledger?.logLastSeq, away.ledger?.lag], [null, null]);
    const text2 = scraper.text(
      { ...away, jobs: { ...away.jobs, newestAtMs: null } },
      [],
      1_002_000,
    );
    assert.equal(sample(text2, 'colliery_ledger_lag_seq'), undefined);
    assert.match(text2, /^# TYPE colliery_ledger_lag_seq gauge$/m, 'the family stays declared');
    assert.equal(sample(text2, 'colliery_job_age_seconds'), 2, 'before a job: since the start');
    assert.equal(sample(text2, 'colliery_coin_nodes_answering', 'source="leader"'), 0);
    health.coinNodes('leader', [], false); // the actor stopped, or every node is back
    assert.equal(health.coinNodesAnswering('leader', 3), 3);
  } finally {
    scraper.close();
  }
});

test('ops kit - every metric the dashboard and the alerts read is on a real node', async () => {
  const refs = kitReferences();
  assert.ok(refs.size >= 40, `${refs.size} metric names read by the kit`);
  const { pool, miner, port } = await startMeteredPool('ops1', 'opskit');
  await miner.start();
  await until('the ledger applies 3 shares', () =>
    pool.node.ledger.store.counters().shares >= 3 ? true : undefined,
  );
  await miner.stop();

  // Families the node leaves out of a scrape (an actor that did not answer in time) come back
  // in the next: wait for one that has everything, then say what is missing if none does.
  let text = '';
  let missing: string[] = [];
  try {
    text = await until(
      'a scrape with every metric the kit reads',
      async () => {
        const r = await get(port, '/metrics');
        missing = missingFrom(exposed(r.body), refs);
        return missing.length === 0 ? r.body : undefined;
      },
      20_000,
      250,
    );
  } catch {
    // reported below, by name
  }
  assert.deepEqual(missing, [], `not on /metrics:\n  ${missing.join('\n  ')}`);
  const e = exposed(text);
  const exprs = [
    ...dashboardExprs(JSON.parse(readFileSync(DASHBOARD, 'utf8'))).map((x) => x.expr),
    ...alertRules().map((r) => r.expr),
  ];
  assert.deepEqual(misusedTypes(e, exprs), [], 'rate() and increase() read counters');
  for (const name of refs.keys())
    if (typeOf(e, name) === 'counter')
      assert.match(name, /_total$/, `counter ${name} ends in _total`);

  // deploy/README.md's table lists every family the node serves.
  const readme = readFileSync(join(repoRoot, 'deploy', 'README.md'), 'utf8');
  const unlisted = [...e.types.keys()].filter(
    (name) => !readme.includes(`\`${name}\``) && !readme.includes(`\`${name}{`),
  );
  assert.deepEqual(unlisted, [], 'every metric is in deploy/README.md ("The metrics")');

  // What the new metrics say on a node that leads the Job actor and has mined.
  assert.ok((sample(text, 'colliery_jobs_received_total') ?? 0) >= 1, 'it heard a job');
  assert.ok((sample(text, 'colliery_job_height') ?? 0) >= 1);
  assert.ok((sample(text, 'colliery_job_age_seconds') ?? -1) >= 0);
  assert.equal(sample(text, 'colliery_coin_nodes'), 1);
  assert.equal(sample(text, 'colliery_coin_nodes_answering', 'source="leader"'), 1);
  assert.equal(sample(text, 'colliery_share_spool_max_records'), 100_000);
  assert.equal(sample(text, 'colliery_share_spool_max_bytes'), 1024 * 1024 * 1024);
  assert.equal(sample(text, 'colliery_share_spool_records'), 0);
  assert.ok((sample(text, 'process_cpu_seconds_total') ?? 0) > 0);
  const applied = sample(text, 'colliery_ledger_applied_seq') ?? 0;
  assert.ok(applied >= 1, 'the ledger applied the log');
  assert.ok((sample(text, 'colliery_share_log_last_seq') ?? 0) >= applied);
  await until('the ledger caught up with the log', async () => {
    const t = (await get(port, '/metrics')).body;
    const head = sample(t, 'colliery_share_log_last_seq') ?? 0;
    return sample(t, 'colliery_ledger_lag_seq') === 0 &&
      head === sample(t, 'colliery_ledger_applied_seq') &&
      head === pool.node.ledger.lastApplied()
      ? true
      : undefined;
  });
  const api = JSON.parse((await get(port, '/api/status')).body) as {
    jobs: { received: number };
    coinNodes: { configured: number; answering: Record<string, number> };
  };
  assert.ok(api.jobs.received >= 1);
  assert.deepEqual(api.coinNodes, { configured: 1, answering: { leader: 1 } });

  // The coin node goes: the Job actor's calls fail, and the node says no coin node answers.
  await pool.devnet.close();
  await until('no coin node answers', async () => {
    const t = (await get(port, '/metrics')).body;
    return sample(t, 'colliery_coin_nodes_answering', 'source="leader"') === 0 &&
      sample(t, 'colliery_health', 'state="degraded"') === 1
      ? true
      : undefined;
  });
});
