// The operator's account list: btcpool's {"err_no":0,"data":{name: id}} shape, or an object per
// name with its payout address; anything else is refused whole (the last good list stays).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NETWORKS } from '../../actors/shared/network.js';
import { parseAccounts } from '../../topology/accounts.js';

const regtest = NETWORKS.regtest;
const ADDRESS = 'bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080';

test('accounts - the user list: ids, and addresses to pay', () => {
  const got = parseAccounts(
    { err_no: 0, data: { jack: 1, mary: { id: 2, address: ADDRESS } } },
    regtest,
  );
  assert.deepEqual(
    [...got],
    [
      ['jack', { id: 1, address: null }],
      ['mary', { id: 2, address: ADDRESS }],
    ],
  );
});

test('accounts - a list of another shape, a bad name, id or address is refused', () => {
  const bad: unknown[] = [
    null,
    { err_no: 1, data: {} },
    { err_no: 0, data: [] },
    { err_no: 0, data: { 'bad name': 1 } },
    { err_no: 0, data: { jack: 'one' } },
    { err_no: 0, data: { jack: { id: 1, address: '1BoatSLRHtKNngkdXEeobR76b53LETtpyT' } } },
  ];
  for (const b of bad) assert.throws(() => parseAccounts(b, regtest), JSON.stringify(b));
});
