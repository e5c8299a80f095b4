// The config's sources (defaults < file < COLLIERY_* < flags) for the tunables, and the docs:
// every option `colliery start` takes is in docs/configuration.md.
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  DEFAULTS,
  TUNING,
  envRaw,
  loadConfig,
  optionHelp,
  parseFlags,
} from '../../topology/config.js';
import { repoRoot } from '../helpers/paths.js';
import { warnIfSecretsShown } from '../../topology/commands/start.js';

const BASE = {
  coin: 'bitcoin-regtest',
  rpc: ['http://u:p@127.0.0.1:18443'],
  poolAddress: 'bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080',
};

test('config - every option of colliery start is documented in docs/configuration.md', () => {
  const doc = readFileSync(join(repoRoot, 'docs', 'configuration.md'), 'utf8');
  const flags = optionHelp()
    .split('\n')
    .map((l) => l.trim());
  assert.ok(flags.length > Object.keys(TUNING).length + 20, flags.join(' '));
  const missing = flags.filter((f) => !doc.includes(`\`${f}`));
  assert.deepEqual(missing, []);
});

test('config - tunables: defaults, then the file per key, then COLLIERY_*, then flags', () => {
  assert.equal(DEFAULTS.tuning.keepJobs, 64);
  const file = { ...BASE, tuning: { keepJobs: 32, banSeconds: 60 } };
  const env = envRaw({ COLLIERY_BAN_SECONDS: '120', COLLIERY_DRAIN_SECONDS: '5' });
  const flags = parseFlags(['--drain-seconds', '7', '--max-line-bytes=4096']).raw;
  const cfg = loadConfig([file, env, flags]);
  assert.equal(cfg.tuning.keepJobs, 32, 'from the file');
  assert.equal(cfg.tuning.banSeconds, 120, 'the variable over the file');
  assert.equal(cfg.tuning.drainSeconds, 7, 'the flag over the variable');
  assert.equal(cfg.tuning.maxLineBytes, 4096);
  assert.equal(cfg.tuning.shareMailbox, DEFAULTS.tuning.shareMailbox, 'the rest keep defaults');
});

test('config - a bad or unknown tunable is refused, naming it and its range', () => {
  assert.throws(
    () => loadConfig([BASE, parseFlags(['--keep-jobs', '0']).raw]),
    /--keep-jobs: must be an integer from 1 to 4096, got 0/,
  );
  assert.throws(
    () => loadConfig([BASE, parseFlags(['--ban-invalid-fraction', 'lots']).raw]),
    /--ban-invalid-fraction: must be a number from 0\.01 to 1, got lots/,
  );
  assert.throws(
    () => loadConfig([{ ...BASE, tuning: { keepJobz: 3 } }]),
    /tuning\.keepJobz: unknown tunable; known: keepJobs,/,
  );
});

test('config - a bare --metrics port listens on loopback only', () => {
  const cfg = loadConfig([BASE, parseFlags(['--metrics', '9464']).raw]);
  assert.deepEqual(cfg.metrics, { host: '127.0.0.1', port: 9464 });
});

test('config - NATS credentials from the URL, options and files; Stratum TLS needs its certificate and key', () => {
  const cfg = loadConfig([
    BASE,
    parseFlags(['--nats-user', 'pool', '--nats-ca', '/ca.pem', '--nats-nkey', '/u.nk']).raw,
  ]);
  assert.deepEqual(cfg.natsAuth, {
    user: 'pool',
    nkeySeedFile: '/u.nk',
    tls: { caFile: '/ca.pem' },
  });
  assert.throws(
    () =>
      loadConfig([BASE, parseFlags(['--stratum-tls', '0.0.0.0:3334', '--tls-cert', '/c.pem']).raw]),
    /--tls-key/,
  );
  const tls = loadConfig([
    BASE,
    parseFlags(['--stratum-tls', '0.0.0.0:3334', '--tls-cert', '/c.pem', '--tls-key', '/k.pem'])
      .raw,
  ]);
  assert.deepEqual(tls.stratumTls, {
    host: '0.0.0.0',
    port: 3334,
    certFile: '/c.pem',
    keyFile: '/k.pem',
  });
});

test('config - a config file with secrets that others may read draws a warning', () => {
  const dir = mkdtempSync(join(tmpdir(), 'colliery-cfg-'));
  try {
    const file = join(dir, 'pool.json');
    writeFileSync(file, JSON.stringify({ rpc: ['http://u:hunter2@127.0.0.1:8332'] }), {
      mode: 0o644,
    });
    const warned: string[] = [];
    const log = { warn: (_o: object, m: string) => void warned.push(m) };
    warnIfSecretsShown(file, log);
    assert.equal(warned.length, 1);
    chmodSync(file, 0o600);
    warnIfSecretsShown(file, log);
    assert.equal(warned.length, 1, 'not once it is private');
    writeFileSync(join(dir, 'plain.json'), '{"coin":"bitcoin"}', { mode: 0o644 });
    warnIfSecretsShown(join(dir, 'plain.json'), log);
    assert.equal(warned.length, 1, 'nothing secret in it');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
