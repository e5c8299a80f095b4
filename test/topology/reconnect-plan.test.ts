// Where a draining node sends its miners: siblings chosen by room (capacity − connections), in
// proportion to it and interleaved, never past a sibling's room; miners over TLS only to a
// sibling's TLS address. And the registry's pieces around it: which entries are siblings, a
// node's public address, entries read from the bus, the --public-stratum option.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ReconnectPlan, type Sibling } from '../../topology/reconnect-plan.js';
import {
  hostPortText,
  parseEntry,
  publicAddresses,
  siblingsOf,
  type RegistryEntry,
} from '../../topology/registry.js';
import { ConfigError, loadConfig, parseFlags } from '../../topology/config.js';

const sib = (node: string, room: number, tlsPort: number | null = null): Sibling => ({
  node,
  stratum: { host: `${node}.pool.example`, port: 3333 },
  stratumTls: tlsPort === null ? null : { host: `${node}.pool.example`, port: tlsPort },
  room,
});

/** The nodes of `n` picks, in order. */
function picks(plan: ReconnectPlan, n: number, tls = false): (string | null)[] {
  return Array.from({ length: n }, () => plan.next(tls)?.node ?? null);
}

const tally = (nodes: (string | null)[]): Record<string, number> => {
  const t: Record<string, number> = {};
  for (const n of nodes) t[String(n)] = (t[String(n)] ?? 0) + 1;
  return t;
};

test('reconnect plan - miners are spread in proportion to room, interleaved', () => {
  const plan = new ReconnectPlan([sib('b', 300), sib('c', 100), sib('d', 600)]);
  const order = picks(plan, 100);
  assert.deepEqual(tally(order), { b: 30, c: 10, d: 60 });
  // Every prefix of the sequence is within one miner of its share: no sibling gets a run.
  for (let n = 1; n <= order.length; n++) {
    const t = tally(order.slice(0, n));
    for (const [node, room] of [
      ['b', 300],
      ['c', 100],
      ['d', 600],
    ] as const)
      assert.ok(Math.abs((t[node] ?? 0) - (n * room) / 1000) < 1, `after ${n}: ${node}`);
  }
});

test('reconnect plan - 20,000 miners over three siblings: each gets its share, none past its room', () => {
  const plan = new ReconnectPlan([sib('b', 10_000), sib('c', 5_000), sib('d', 15_000)]);
  const t = tally(picks(plan, 20_000));
  assert.ok(Math.abs(t['b']! - 20_000 / 3) <= 1, String(t['b']));
  assert.ok(Math.abs(t['c']! - 20_000 / 6) <= 1, String(t['c']));
  assert.ok(Math.abs(t['d']! - 10_000) <= 1, String(t['d']));
});

test('reconnect plan - a sibling is given at most its room; then no sibling (null)', () => {
  const plan = new ReconnectPlan([sib('b', 2), sib('c', 1)]);
  assert.deepEqual(picks(plan, 5), ['b', 'c', 'b', null, null]);
  assert.equal(new ReconnectPlan([]).next(false), null, 'no sibling known');
  assert.equal(new ReconnectPlan([sib('b', 0)]).size, 0, 'a full sibling is not one');
});

test('reconnect plan - the same siblings in any order pick alike', () => {
  const a = picks(new ReconnectPlan([sib('b', 5), sib('c', 5), sib('d', 3)]), 13);
  const b = picks(new ReconnectPlan([sib('d', 3), sib('c', 5), sib('b', 5)]), 13);
  assert.deepEqual(a, b);
  assert.deepEqual(tally(a), { b: 5, c: 5, d: 3 });
});

test("reconnect plan - a miner over TLS goes to a sibling's TLS port, never to a plain one", () => {
  const plan = new ReconnectPlan([sib('b', 10, 3334), sib('c', 10)]);
  const tls = plan.next(true);
  assert.deepEqual(tls, { node: 'b', to: { host: 'b.pool.example', port: 3334 } });
  assert.deepEqual(tally(picks(plan, 9, true)), { b: 9 });
  assert.equal(plan.next(true), null, 'b is full; c has no TLS');
  assert.deepEqual(plan.next(false), { node: 'c', to: { host: 'c.pool.example', port: 3333 } });
});

const entry = (over: Partial<RegistryEntry>): RegistryEntry => ({
  node: 'b',
  coin: 'bitcoin',
  stratum: { host: 'b.pool.example', port: 3333 },
  stratumTls: null,
  connections: 10,
  capacity: 100,
  draining: false,
  ...over,
});

test('registry - siblings are the other live nodes of the coin, not draining, with room', () => {
  const entries = [
    entry({ node: 'a' }), // this node
    entry({ node: 'b', connections: 40 }),
    entry({ node: 'c', coin: 'bitcoin-testnet' }),
    entry({ node: 'd', draining: true }),
    entry({ node: 'e', connections: 100 }), // full
    entry({ node: 'f', connections: 120, capacity: 100 }), // over (its cap came down)
    entry({ node: 'g', stratumTls: { host: 'g.pool.example', port: 3334 } }),
  ];
  assert.deepEqual(
    siblingsOf(entries, { node: 'a', coin: 'bitcoin' }).map((s) => [s.node, s.room]),
    [
      ['b', 60],
      ['g', 90],
    ],
  );
  // Another process of this machine's node (--processes) shares its address: never a sibling.
  const here = { host: 'a.pool.example', port: 3333 };
  const process1 = entry({ node: 'a-p1', stratum: here });
  assert.deepEqual(
    siblingsOf([...entries, process1], { node: 'a', coin: 'bitcoin', stratum: here }).map(
      (s) => s.node,
    ),
    ['b', 'g'],
  );
  assert.deepEqual(
    siblingsOf([...entries, process1], { node: 'a', coin: 'bitcoin' }).map((s) => s.node),
    ['b', 'g', 'a-p1'],
  );
});

test("registry - a node's public address: the option, else the listen address, else the host name", () => {
  const cfg = { stratumHost: '0.0.0.0', publicStratum: null, publicStratumTls: null };
  const listening = { port: 3333, tlsPort: null };
  assert.deepEqual(publicAddresses(cfg, listening, 'pool-a'), {
    stratum: { host: 'pool-a', port: 3333 },
    stratumTls: null,
  });
  assert.deepEqual(
    publicAddresses({ ...cfg, stratumHost: '::' }, listening, 'pool-a').stratum.host,
    'pool-a',
  );
  assert.deepEqual(
    publicAddresses({ ...cfg, stratumHost: '10.0.0.5' }, { port: 3333, tlsPort: 3334 }, 'x'),
    { stratum: { host: '10.0.0.5', port: 3333 }, stratumTls: { host: '10.0.0.5', port: 3334 } },
  );
  const named = {
    ...cfg,
    publicStratum: { host: 'a.pool.example', port: 443 },
  };
  assert.deepEqual(publicAddresses(named, { port: 3333, tlsPort: 3334 }, 'x'), {
    stratum: { host: 'a.pool.example', port: 443 },
    stratumTls: { host: 'a.pool.example', port: 3334 },
  });
  assert.deepEqual(
    publicAddresses(
      { ...named, publicStratumTls: { host: 'tls.pool.example', port: 8443 } },
      { port: 3333, tlsPort: 3334 },
      'x',
    ).stratumTls,
    { host: 'tls.pool.example', port: 8443 },
  );
  assert.equal(hostPortText({ host: '2001:db8::1', port: 3333 }), '[2001:db8::1]:3333');
  assert.equal(hostPortText({ host: 'a.pool.example', port: 3333 }), 'a.pool.example:3333');
});

test('registry - entries from the bus are checked; anything else is left out', () => {
  const good = entry({ stratumTls: { host: 'b', port: 3334 } });
  assert.deepEqual(parseEntry(JSON.parse(JSON.stringify(good))), good);
  for (const bad of [
    null,
    'b',
    { ...good, stratum: { host: '', port: 3333 } },
    { ...good, stratum: { host: 'b', port: 70_000 } },
    { ...good, stratumTls: { host: 'b' } },
    { ...good, connections: -1 },
    { ...good, capacity: 1.5 },
    { ...good, draining: 'no' },
    { ...good, node: 7 },
  ])
    assert.equal(parseEntry(bad), null, JSON.stringify(bad));
});

test('config - --public-stratum and --public-stratum-tls take HOST:PORT as miners reach it', () => {
  const base = {
    coin: 'bitcoin-regtest',
    rpc: ['http://u:p@127.0.0.1:18443'],
    poolAddress: 'bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080',
  };
  const flags = (...args: string[]) => loadConfig([base, parseFlags(args).raw]);
  const cfg = flags(
    '--public-stratum',
    'pool-a.example.com:3333',
    '--public-stratum-tls',
    '[2001:db8::1]:3334',
  );
  assert.deepEqual(cfg.publicStratum, { host: 'pool-a.example.com', port: 3333 });
  assert.deepEqual(cfg.publicStratumTls, { host: '2001:db8::1', port: 3334 });
  assert.equal(flags().publicStratum, null, 'default: from the listen address');
  assert.deepEqual(
    loadConfig([{ ...base, publicStratum: { host: 'b.pool.example', port: 3333 } }]).publicStratum,
    { host: 'b.pool.example', port: 3333 },
    'a file may give { host, port }',
  );
  for (const bad of ['pool-a.example.com', ':3333', 'pool-a:0', 'pool-a:99999', 'a b:3333'])
    assert.throws(
      () => flags('--public-stratum', bad),
      (e: unknown) => e instanceof ConfigError && e.option === '--public-stratum',
      bad,
    );
});
