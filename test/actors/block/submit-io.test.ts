// submitToAll: every node's submitblock is written at once; the answers settle at the first
// node that took the block (a stalled node is listed as not answered yet) or once all answered.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { submitToAll } from '../../../actors/block/submit-io.js';
import type { CoinRpc } from '../../../actors/job/index.js';

const rpc = (name: string, answer: () => Promise<unknown>): Pick<CoinRpc, 'name' | 'call'> =>
  ({ name, call: answer }) as unknown as Pick<CoinRpc, 'name' | 'call'>;

test('submit to all - the first node that took the block settles it; a stalled one is not waited for', async () => {
  let asked = 0;
  const stalled = rpc('stalled', () => {
    asked++;
    return new Promise(() => undefined);
  });
  const killed = rpc('killed', () => {
    asked++;
    return Promise.reject(Object.assign(new Error('refused'), { code: 'RPC_UNREACHABLE' }));
  });
  const good = rpc('good', () => {
    asked++;
    return Promise.resolve(null);
  });
  const answers = submitToAll([stalled, killed, good], '00', 1_000);
  assert.equal(asked, 3, 'every request written before it returns');
  assert.deepEqual(await answers, [
    ['stalled', 'no answer yet', true],
    ['killed', 'error: refused', true],
    ['good', null, false],
  ]);
});

test('submit to all - refusals wait for every node', async () => {
  let late: (v: unknown) => void = () => undefined;
  const slow = rpc('slow', () => new Promise((r) => (late = r)));
  const no = rpc('no', () => Promise.resolve('bad-txnmrklroot'));
  let settled = false;
  const answers = submitToAll([slow, no], '00', 1_000).then((a) => {
    settled = true;
    return a;
  });
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(settled, false, 'a refusal does not settle while another node may take it');
  late('duplicate');
  assert.deepEqual(await answers, [
    ['slow', 'duplicate', false],
    ['no', 'bad-txnmrklroot', false],
  ]);
  assert.deepEqual(await submitToAll([], '00', 1_000), []);
});
