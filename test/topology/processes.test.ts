// `--processes N` (topology/processes.ts): what each process of a machine's node runs, and the
// option's bounds. The processes themselves run in test/integration/processes.test.ts.
import assert from 'node:assert/strict';
import { availableParallelism } from 'node:os';
import { test } from 'node:test';
import { loadConfig, parseFlags } from '../../topology/config.js';
import {
  numericHost,
  PORTS_ENV,
  PROCESS_ENV,
  processConfig,
  processCount,
  processIndex,
  severalProcesses,
} from '../../topology/processes.js';

const BASE = {
  coin: 'bitcoin-regtest',
  rpc: ['http://u:p@127.0.0.1:18443'],
  poolAddress: 'bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080',
  nodeId: 'pool-a',
};
const cfgOf = (flags: string[]) => loadConfig([BASE, parseFlags(flags).raw]);

test('processes - process 0 is the node as configured; process k is <id>-p<k> without ledger or --http, /metrics on port + k; each drains at its share of the pace', () => {
  const cfg = cfgOf([
    ...['--processes', '3', '--metrics', '127.0.0.1:9464', '--http', '0.0.0.0:8080'],
  ]);
  assert.equal(processCount(cfg), 3);
  const [p0, p1, p2] = [0, 1, 2].map((k) => processConfig(cfg, k));
  assert.deepEqual(
    [p0, p1, p2].map((c) => [c!.nodeId, c!.ledger, c!.http?.port ?? null, c!.metrics?.port]),
    [
      ['pool-a', 'on', 8080, 9464],
      ['pool-a-p1', 'off', null, 9465],
      ['pool-a-p2', 'off', null, 9466],
    ],
  );
  // Everything else is the node's own: the same Stratum address, data, cluster.
  for (const c of [p1, p2]) {
    assert.equal(c!.stratumPort, cfg.stratumPort);
    assert.equal(c!.dataDir, cfg.dataDir);
    assert.equal(c!.cluster, cfg.cluster);
  }
  // The node's drain pace is shared: three processes each tell a third of --drain-rate a second.
  assert.deepEqual(
    [p0, p1, p2].map((c) => c!.tuning.drainRate * 3),
    [1, 2, 3].map(() => cfg.tuning.drainRate),
  );
  assert.equal(
    processConfig(cfgOf(['--processes', '2', '--drain-rate', '0']), 1).tuning.drainRate,
    0,
  );
  // A random metrics port stays random (each process listens on its own).
  assert.equal(
    processConfig(cfgOf(['--processes', '2', '--metrics', '127.0.0.1:0']), 1).metrics?.port,
    0,
  );
});

test('processes - verifier threads by default share the cores the event loops leave; a set count is kept', () => {
  const cores = availableParallelism();
  const many = cfgOf(['--processes', String(cores)]);
  assert.equal(processConfig(many, 0).verifierThreads, 1);
  const one = cfgOf(['--processes', '1']);
  assert.equal(processConfig(one, 0).verifierThreads, Math.max(1, cores - 1));
  assert.equal(
    processConfig(cfgOf(['--processes', '2', '--verifier-threads', '3']), 1).verifierThreads,
    3,
  );
  assert.equal(processCount(cfgOf(['--processes', '0'])), cores);
  // The supervisor and the SO_REUSEPORT listeners go together: one core with --processes 0 has
  // neither (its one process listens as a node of one would).
  assert.equal(severalProcesses(cfgOf(['--processes', '1'])), false);
  assert.equal(severalProcesses(cfgOf(['--processes', '2'])), true);
  assert.equal(severalProcesses(cfgOf(['--processes', '0'])), cores > 1);
});

test('processes - the option is 0-64, and the node id leaves room for -p<k>', () => {
  assert.throws(() => cfgOf(['--processes', '65']), /--processes/);
  assert.throws(() => cfgOf(['--processes', '-1']), /--processes/);
  const long = 'n'.repeat(61);
  assert.throws(
    () => loadConfig([{ ...BASE, nodeId: long }, parseFlags(['--processes', '2']).raw]),
    /--node-id: must be at most 60 characters with --processes/,
  );
  assert.equal(loadConfig([{ ...BASE, nodeId: long }]).nodeId, long);
});

test('processes - a Stratum port configured as 0 is the one the supervisor chose; only forked processes have an index', () => {
  const cfg = cfgOf(['--processes', '2', '--stratum', '127.0.0.1:0']);
  const env = { [PROCESS_ENV]: '1', [PORTS_ENV]: '34567,0' };
  assert.equal(processConfig(cfg, 0, env).stratumPort, 34567);
  assert.equal(processConfig(cfg, 1, env).stratumPort, 34567);
  // A configured port is kept whatever the variable says.
  const fixed = cfgOf(['--processes', '2', '--stratum', '127.0.0.1:3334']);
  assert.equal(processConfig(fixed, 1, env).stratumPort, 3334);
  const tls = cfgOf([
    ...['--processes', '2', '--stratum', '127.0.0.1:0', '--stratum-tls', '127.0.0.1:0'],
    ...['--tls-cert', 'cert.pem', '--tls-key', 'key.pem'],
  ]);
  const both = processConfig(tls, 1, { ...env, [PORTS_ENV]: '34567,34568' });
  assert.deepEqual([both.stratumPort, both.stratumTls?.port], [34567, 34568]);
  assert.equal(processIndex(env, true), 1);
  assert.equal(processIndex(env, false), null, 'no IPC channel: not a forked process');
  assert.equal(processIndex({}, true), null);
  assert.equal(numericHost('0.0.0.0'), '0.0.0.0');
  assert.equal(numericHost('::'), '::');
  assert.equal(numericHost('localhost'), '127.0.0.1');
  assert.throws(() => numericHost('pool.example.com'), /numeric Stratum listen address/);
});
