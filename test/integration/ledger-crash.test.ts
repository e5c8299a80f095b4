// Kill -9 ledger processes at seeded random points while shares and blocks flow into the log:
// two `colliery ledger run` replicas (leader + hot standby), 20 kills, the leader killed on
// every other round (a standby must take over the Ledger lease). Afterwards both replicas have
// applied the whole log, `colliery ledger verify` passes on each, every share was applied once,
// and the two replicas hold byte-identical ledgers.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { startNatsServer } from '../helpers/nats-server.js';
import { repoRoot } from '../helpers/paths.js';
import { seededRandom } from '../helpers/random.js';
import { until } from '../helpers/until.js';
import { runCli } from '../helpers/cli.js';
import { Runtime, connectNats } from '../../runtime/index.js';
import { LogAppender } from '../../actors/shared/log-appender.js';
import { DEFAULT_APPENDER } from '../../actors/shared/log-appender-options.js';
import { RecordSigner } from '../../actors/shared/log-sign.js';
import { openNodeKeys } from '../../topology/node-keys.js';
import { generateKeyPairSync } from 'node:crypto';
import {
  DEFAULT_LOG_OPTIONS,
  ensureLogStream,
  lastLogSeq,
} from '../../actors/shared/log-stream.js';
import type { LedgerStatus } from '../../actors/ledger/actor.js';
import type { LoggedJob } from '../../actors/shared/log-records.js';
import type { AcceptedShare } from '../../actors/share/actor.js';

const cli = join(repoRoot, 'dist', 'topology', 'cli.js');
const COIN = 'bitcoin-regtest';
const CLUSTER = 'lcrash';
const KILLS = 20;
/**
 * The replicas' lease TTL (default 5 s): each takeover waits it out, so 2 s, as the in-process
 * test pools use, keeps the 20 rounds short; the standby must still take the lease over.
 */
const LEASE_TTL = ['--lease-ttl-seconds', '2'];

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

test(
  'ledger crash - 20 kill -9s of leader and standby: verify passes, nothing lost or doubled',
  { timeout: 300_000 },
  async () => {
    const random = seededRandom(424242);
    const nats = await startNatsServer('lcrash');
    const data = mkdtempSync(join(tmpdir(), 'colliery-lcrash-'));
    const nc = await connectNats(nats.url, 'producer');
    // The producer signs as node 'pool', a key the cluster trusts (the ledgers check it).
    const signer = new RecordSigner('pool', generateKeyPairSync('ed25519').privateKey);
    await (await openNodeKeys(nc, CLUSTER)).put('pool', signer.publicKey);
    await ensureLogStream(nc, { ...DEFAULT_LOG_OPTIONS, cluster: CLUSTER });
    const log = pino({ level: 'silent' });
    const client = new Runtime({
      cluster: CLUSTER,
      node: 'probe',
      log,
      nc: await connectNats(nats.url, 'probe'),
    });
    const common = [
      '--data',
      data,
      '--nats',
      nats.url,
      '--cluster',
      CLUSTER,
      '--coin',
      COIN,
      '--fee-bps',
      '200',
    ];
    const procs = new Map<string, ChildProcess>();
    const start = (id: string): void => {
      const child = spawn(
        process.execPath,
        [cli, 'ledger', 'run', ...common, ...LEASE_TTL, '--node-id', id, '--log-level', 'error'],
        {
          stdio: ['ignore', 'ignore', 'inherit'],
        },
      );
      procs.set(id, child);
    };
    const kill = async (id: string): Promise<void> => {
      const child = procs.get(id);
      if (!child || child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGKILL');
      await exited;
    };
    after(async () => {
      for (const id of procs.keys()) await kill(id);
      await client.drain();
      await nc.close();
      await nats.stop();
      rmSync(data, { recursive: true, force: true });
    });

    // The producer: share batches and a block's life, appended as the pool would.
    const appender = new LogAppender(
      nc,
      { ...DEFAULT_APPENDER, cluster: CLUSTER, coin: COIN, node: 'pool', lingerMs: 2, signer },
      log,
    );
    const job: LoggedJob = {
      id: 'j',
      height: 200,
      netWeight: 3_000_000n,
      subsidySats: 5_000_000_000n,
      rewardSats: 5_000_123_456n,
    };
    let produced = 0;
    let running = true;
    const open: string[] = [];
    const producer = (async () => {
      for (let n = 0; running; n++) {
        const shares: AcceptedShare[] = Array.from(
          { length: 1 + Math.floor(random() * 40) },
          (_, i) => ({
            job,
            account: `acct${Math.floor(random() * 12)}`,
            worker: 'w',
            weight: 65_536 * (1 + Math.floor(random() * 64)),
            hash: `${n.toString(16).padStart(8, '0')}${i.toString(16).padStart(56, '0')}`,
            atMs: 1_700_000_000_000 + n,
          }),
        );
        await appender.append(shares);
        produced += shares.length;
        if (n % 25 === 24) {
          const hash = `b${n.toString(16)}`.padEnd(64, '0');
          await appender.appendRecord('blocks', {
            type: 'block.found',
            v: 1,
            id: `${hash}:found`,
            coin: COIN,
            hash,
            height: 200 + n,
            jobId: 'j',
            account: 'acct1',
            worker: 'w',
            node: 'pool',
            rewardSats: job.rewardSats,
            subsidySats: job.subsidySats,
            netWeight: job.netWeight,
            coinbasePaid: [],
            solo: false,
            atMs: 1,
          });
          open.push(hash);
        }
        if (open.length > 2 && random() < 0.1) {
          const hash = open.shift() as string;
          const type = random() < 0.8 ? 'block.matured' : 'block.orphaned';
          await appender.appendRecord('blocks', {
            type,
            v: 1,
            id: `${hash}:${type}`,
            coin: COIN,
            hash,
            height: 0,
            atMs: 2,
          });
        }
        await sleep(3);
      }
    })();

    const leader = async (): Promise<string | undefined> =>
      client
        .ask<LedgerStatus>(
          client.address('ledger', COIN),
          { type: 'ledger.status' },
          { timeoutMs: 1_000 },
        )
        .then(
          (s) => s.node,
          () => undefined,
        );

    start('L1');
    start('L2');
    await until('a ledger leader answers', leader, 60_000, 200);
    let takeovers = 0;
    for (let round = 0; round < KILLS; round++) {
      await sleep(200 + Math.floor(random() * 800));
      const current = await leader();
      const victim = round % 2 === 0 && current ? current : random() < 0.5 ? 'L1' : 'L2';
      await kill(victim);
      if (victim === current) {
        // The standby takes the lease while the old leader is still down.
        const next = await until(
          'the standby takes over',
          async () => {
            const n = await leader();
            return n && n !== victim ? n : undefined;
          },
          30_000,
          100,
        );
        assert.notEqual(next, victim);
        takeovers++;
      } else {
        await sleep(Math.floor(random() * 300));
      }
      start(victim);
    }
    running = false;
    await producer;
    await appender.close();
    const logEnd = await lastLogSeq(nc, CLUSTER);

    const report = async (
      id: string,
    ): Promise<{ ok: boolean; lastApplied: number; digest: string; shares: number }> => {
      const r = await runCli(['ledger', 'verify', '--json', ...common, '--node-id', id]);
      assert.ok(r.status === 0 || r.status === 1, `verify ${id}: ${r.stderr}`);
      return JSON.parse(r.stdout) as {
        ok: boolean;
        lastApplied: number;
        digest: string;
        shares: number;
      };
    };
    const applied = async (id: string): Promise<number> => {
      const r = await runCli(['ledger', 'balances', '--json', ...common, '--node-id', id]);
      return r.status === 0 ? (JSON.parse(r.stdout) as { lastApplied: number }).lastApplied : 0;
    };
    await until(
      'both replicas applied the whole log',
      async () =>
        (await applied('L1')) >= logEnd && (await applied('L2')) >= logEnd ? true : undefined,
      60_000,
      500,
    );
    for (const id of procs.keys()) await kill(id);
    const [r1, r2] = [await report('L1'), await report('L2')];
    assert.equal(r1.ok, true, `L1 verify: ${JSON.stringify(r1)}`);
    assert.equal(r2.ok, true, `L2 verify: ${JSON.stringify(r2)}`);
    assert.equal(r1.shares, produced, 'L1 applied every share once');
    assert.equal(r2.shares, produced, 'L2 applied every share once');
    assert.equal(r1.digest, r2.digest, 'the two replicas hold identical ledgers');
    assert.ok(takeovers >= 5, `standbys took over ${takeovers} times`);
  },
);
