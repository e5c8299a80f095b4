// CoinNodes: a killed coin node is skipped at once, a stalled one after the hedge delay (never
// its full timeout), the node that answered is asked first next time, and an outage of every
// node is one error; each state change is logged once.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pino } from 'pino';
import { CoinNodes, type CoinNode } from '../../../actors/job/coin-nodes.js';

function node(name: string, behave: () => Promise<unknown>): CoinNode & { calls: number } {
  const n = {
    name,
    calls: 0,
    call<T>(): Promise<T> {
      n.calls++;
      return behave() as Promise<T>;
    },
  };
  return n;
}

const refused = () =>
  Promise.reject(
    Object.assign(new Error('ECONNREFUSED'), { code: 'RPC_UNREACHABLE', retryable: true }),
  );

function logged() {
  const lines: string[] = [];
  const log = pino(
    { level: 'warn' },
    { write: (l: string) => void lines.push((JSON.parse(l) as { msg: string }).msg) },
  );
  return { log, lines };
}

test('coin nodes - killed and stalled nodes do not hold a call up; the answering node is preferred', async () => {
  let stalledPending = 0;
  const stalled = node('stalled', () => {
    stalledPending++;
    return new Promise(() => undefined); // never answers within the 60 s timeout
  });
  const killed = node('killed', refused);
  const good = node('good', () => Promise.resolve('tip'));
  const { log, lines } = logged();
  const nodes = new CoinNodes([stalled, killed, good], log);
  // Resolves only because the stalled node is not waited for (the timeout is 60 s).
  assert.equal(await nodes.call('getbestblockhash', [], 60_000, 20), 'tip');
  assert.equal(stalledPending, 1, 'the stalled node was asked first and still hangs');
  assert.equal(killed.calls, 1);
  // Next time the node that answered is asked first, and alone.
  assert.equal(await nodes.call('getbestblockhash', [], 60_000, 20), 'tip');
  assert.equal(good.calls, 2);
  assert.equal(stalled.calls, 1);
  assert.equal(killed.calls, 1);
  assert.deepEqual(lines, ['coin node away (asking the others)']);
});

test('coin nodes - every node failing is one error, logged once until one answers again', async () => {
  let up = false;
  const a = node('a', refused);
  const b = node('b', () => (up ? Promise.resolve(7) : refused()));
  const { log, lines } = logged();
  const nodes = new CoinNodes([a, b], log);
  for (let i = 0; i < 3; i++)
    await assert.rejects(nodes.call('getblocktemplate', [], 1_000, 10), /ECONNREFUSED/);
  assert.equal(nodes.allAway, true);
  up = true;
  assert.equal(await nodes.call('getblocktemplate', [], 1_000, 10), 7);
  assert.equal(nodes.allAway, false);
  assert.deepEqual(lines, [
    'coin node away (asking the others)',
    'coin node away (asking the others)',
    'no coin node answers: miners keep the last job',
    'coin node answers again',
    'a coin node answers again after 0.0 s',
  ]);
});

test('coin nodes - no hedging when the hedge delay is the timeout (a longpoll waits)', async () => {
  let release: (v: unknown) => void = () => undefined;
  const slow = node('slow', () => new Promise((r) => (release = r)));
  const other = node('other', () => Promise.resolve('no'));
  const nodes = new CoinNodes([slow, other], pino({ level: 'silent' }));
  const answer = nodes.call('getblocktemplate', [{ longpollid: 'x' }], 50, 50);
  await new Promise((r) => setTimeout(r, 120));
  assert.equal(other.calls, 0, 'the longpoll is not hedged');
  release('template');
  assert.equal(await answer, 'template');
});

test('coin nodes - a node away is probed until it answers again; every change is told', async () => {
  let back = false;
  const flaky = node('flaky', () => (back ? Promise.resolve('tip') : refused()));
  const good = node('good', () => Promise.resolve('tip'));
  const told: [string[], boolean][] = [];
  const nodes = new CoinNodes([flaky, good], logged().log, Date.now, (away, all) =>
    told.push([[...away], all]),
  );
  assert.equal(await nodes.call('getbestblockhash', [], 1_000, 20), 'tip');
  assert.deepEqual(told, [[['flaky'], false]]);
  // Calls now go to the good node alone: only a probe notices flaky is back.
  await nodes.call('getbestblockhash', [], 1_000, 20);
  await nodes.probeAway(1_000);
  assert.equal(flaky.calls, 2, 'probed while away');
  back = true;
  await nodes.probeAway(1_000);
  assert.deepEqual(told.at(-1), [[], false]);
  await nodes.probeAway(1_000);
  assert.equal(flaky.calls, 3, 'not probed once back');
});
