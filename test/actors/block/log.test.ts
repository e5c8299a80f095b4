// The block log: which Block actor event writes what, and what a new Block leader rebuilds from
// it — found blocks to keep following, and the intents (block.submitted) a leader that died left
// unresolved. A real nats-server and JetStream stream; the ledger credits only block.found.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import type { BlockEvent, FoundBlock } from '../../../actors/block/messages.js';
import { resolveConfig } from '../../../actors/ledger/config.js';
import type { LogEntry, LogRecord } from '../../../actors/shared/log-records.js';
import { applyEntries } from '../../../actors/ledger/apply.js';
import { createState } from '../../../actors/ledger/state.js';
import { validateLogEntry } from '../../../actors/ledger/validate.js';
import { LogAppender } from '../../../actors/shared/log-appender.js';
import { DEFAULT_APPENDER } from '../../../actors/shared/log-appender-options.js';
import { BlockLog, blockRecord, openBlocks } from '../../../actors/block/log.js';
import { readLog } from '../../../actors/shared/log-reader.js';
import { ensureLogStream, DEFAULT_LOG_OPTIONS } from '../../../actors/shared/log-stream.js';
import { startNatsServer, type NatsServer } from '../../helpers/nats-server.js';

const log = pino({ level: 'silent' });
const COIN = 'bitcoin-regtest';
let server: NatsServer;
let nc: NatsConnection;

before(async () => {
  server = await startNatsServer('block-log');
  nc = await connect({ servers: server.url });
});
after(async () => {
  await nc.close();
  await server.stop();
});

function block(tag: string): FoundBlock {
  return {
    hash: tag.repeat(64 / tag.length),
    height: 7,
    jobId: '1x2',
    worker: 'acct.rig',
    account: 'acct',
    workerName: 'rig',
    netWeight: 4096n,
    subsidySats: 5_000_000_000n,
    coinbasePaid: [],
    solo: false,
    node: 'n1',
    coinbaseValueSats: 5_000_010_000n,
    foundAtMs: 1_700_000_000_000,
    submittedAtMs: 1_700_000_000_001,
    results: {},
    status: 'submitted',
    confirmations: 0,
  };
}

test('block log - each event kind writes its own record, with an id from the block hash', () => {
  const b = block('ab');
  const kinds: [BlockEvent['kind'], string, string][] = [
    ['submitted', 'block.submitted', 'submitted'],
    ['found', 'block.found', 'found'],
    ['rejected', 'block.rejected', 'rejected'],
    ['confirmed', 'block.matured', 'matured'],
    ['orphaned', 'block.orphaned', 'orphaned'],
  ];
  for (const [kind, type, suffix] of kinds) {
    const r = blockRecord(kind, b, COIN, 5);
    assert.equal(r.type, type);
    assert.equal(r.id, `${COIN}:${b.hash}:${suffix}`);
  }
  const intent = blockRecord('submitted', b, COIN, 5);
  const found = blockRecord('found', b, COIN, 5);
  assert.deepEqual({ ...intent, type: 'x', id: 'x' }, { ...found, type: 'x', id: 'x' });
});

test('block log - a new leader follows found blocks and resolves the intents left open', async () => {
  const cluster = 'blocklog';
  await ensureLogStream(nc, { cluster, ...DEFAULT_LOG_OPTIONS });
  const appender = new LogAppender(
    nc,
    { ...DEFAULT_APPENDER, cluster, coin: COIN, node: 'n1' },
    log,
  );
  const blocks = new BlockLog(appender, COIN, log);
  const events: [BlockEvent['kind'], string][] = [
    ['submitted', 'a1'], // found: followed
    ['found', 'a1'],
    ['submitted', 'b2'], // the leader died here: unresolved
    ['submitted', 'c3'], // no node took it: resolved, nothing to follow
    ['rejected', 'c3'],
    ['submitted', 'd4'], // found and matured: done
    ['found', 'd4'],
    ['confirmed', 'd4'],
    ['submitted', 'e5'], // found, then the same intent again (a retry): still found, not unresolved
    ['found', 'e5'],
    ['submitted', 'e5'],
  ];
  for (const [kind, tag] of events) blocks.record({ kind, block: block(tag) });
  await blocks.settled();
  const open = await openBlocks(nc, cluster, COIN, null);
  assert.deepEqual(open.map((b) => [b.hash.slice(0, 2), b.status]).sort(), [
    ['a1', 'submitted'],
    ['b2', 'unresolved'],
    ['e5', 'submitted'],
  ]);
  const b2 = open.find((b) => b.status === 'unresolved');
  assert.equal(b2?.worker, 'acct.rig');
  assert.equal(b2?.netWeight, 4096n);

  // The ledger validates every one of these records and credits the found blocks only.
  const entries: LogEntry[] = [];
  for await (const batch of readLog(nc, {
    cluster,
    coin: COIN,
    kind: 'blocks',
    fromSeq: 1,
    until: 'end',
    maxBatch: 100,
  }))
    for (const e of batch) entries.push(validateLogEntry(e.seq, e.record));
  const types = entries.map((e) => (e.record as LogRecord).type);
  assert.equal(types.filter((t) => t === 'block.submitted').length, 5);
  const state = createState(
    resolveConfig({ coin: COIN, scheme: 'pplns', feeBps: 0, pplnsFactorBps: 10_000 }),
  );
  applyEntries(state, entries);
  assert.deepEqual([...state.blocks.keys()].map((h) => h.slice(0, 2)).sort(), ['a1', 'd4', 'e5']);
  await appender.close();
});
