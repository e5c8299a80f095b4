// template - getblocktemplate replies become typed Templates; malformed ones are refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseTemplate } from '../../../actors/job/template.js';
import {
  TEMPLATE_INVALID,
  TEMPLATE_TX_MISMATCH,
  TEMPLATE_UNSUPPORTED_RULE,
} from '../../../actors/job/errors.js';
import { hasCode } from '../../../actors/shared/errors.js';
import { bitcoin, gbtBcoinRegtest } from '../vectors.js';

test('template - a real bcoin regtest segwit template parses into typed fields', () => {
  const raw = gbtBcoinRegtest.result;
  const t = parseTemplate(raw);
  assert.equal(t.version, 0x20000000);
  assert.equal(t.height, 102);
  assert.equal(t.bits, 0x207fffff);
  assert.equal(t.coinbaseValueSats, 5000020000n);
  assert.equal(t.curtime, raw.curtime);
  assert.equal(t.mintime, raw.mintime);
  assert.equal(t.maxtime, 1795435012);
  assert.equal(t.segwit, true);
  assert.deepEqual(t.rules, ['!segwit']);
  assert.equal(t.previousBlockHash, raw.previousblockhash);
  assert.equal(t.transactions.length, 2);
  assert.equal(t.transactions[0]?.feeSats, 10000n);
  assert.equal(t.transactions[1]?.weight, 438);
  assert.equal(t.defaultWitnessCommitment, raw.default_witness_commitment);
  assert.equal(t.longpollId, raw['longpollid']);
});

test('template - the public-pool testnet template parses; fees plus subsidy make coinbasevalue', () => {
  const t = parseTemplate(bitcoin.stratum_publicpool_testnet3.getblocktemplate);
  const fees = t.transactions.reduce((s, x) => s + x.feeSats, 0n);
  assert.equal(fees + (5_000_000_000n >> 11n), t.coinbaseValueSats);
  assert.deepEqual(t.rules, ['csv', '!segwit', 'taproot']);
});

test('template - missing or mistyped fields are refused with TEMPLATE_INVALID naming the field', () => {
  const base = gbtBcoinRegtest.result;
  const cases: [string, Record<string, unknown>][] = [
    ['previousblockhash', { previousblockhash: 'xyz' }],
    ['coinbasevalue', { coinbasevalue: 50.5 }],
    ['coinbasevalue', { coinbasevalue: -1 }],
    ['coinbasevalue', { coinbasevalue: '5000020000' }],
    ['bits', { bits: '207fff' }],
    ['bits', { bits: '04923456' }],
    ['target', { target: '7fffff00000000000000000000000000000000000000000000000000000000ff' }],
    ['height', { height: -1 }],
    ['curtime', { curtime: undefined }],
    ['transactions', { transactions: {} }],
    ['transactions[0].txid', { transactions: [{ ...base.transactions[0], txid: 'ab' }] }],
    ['transactions[0].data', { transactions: [{ ...base.transactions[0], data: '' }] }],
    ['default_witness_commitment', { default_witness_commitment: '6a24aa21a9ed00' }],
  ];
  for (const [field, patch] of cases) {
    assert.throws(
      () => parseTemplate({ ...base, ...patch }),
      (e) => hasCode(e, TEMPLATE_INVALID) && (e as Error).message.includes(`'${field}'`),
      field,
    );
  }
  assert.throws(
    () => parseTemplate(null),
    (e) => hasCode(e, TEMPLATE_INVALID),
  );
  assert.throws(
    () => parseTemplate([]),
    (e) => hasCode(e, TEMPLATE_INVALID),
  );
});

test('template - a transaction whose data does not hash to its txid or wtxid is refused', () => {
  const base = gbtBcoinRegtest.result;
  const [a, b] = base.transactions;
  assert.ok(a && b);
  const swapped = [{ ...a, txid: b.txid }, b];
  assert.throws(
    () => parseTemplate({ ...base, transactions: swapped }),
    (e) => hasCode(e, TEMPLATE_TX_MISMATCH),
  );
  const wrongHash = [{ ...a, hash: a.txid }, b];
  assert.throws(
    () => parseTemplate({ ...base, transactions: wrongHash }),
    (e) => hasCode(e, TEMPLATE_TX_MISMATCH),
  );
  assert.doesNotThrow(() =>
    parseTemplate({ ...base, transactions: swapped }, { verifyTransactions: false }),
  );
});

test('template - rules we do not understand with a ! prefix are refused, others ignored', () => {
  const base = gbtBcoinRegtest.result;
  assert.throws(
    () => parseTemplate({ ...base, rules: ['!segwit', '!frobnicate'] }),
    (e) => hasCode(e, TEMPLATE_UNSUPPORTED_RULE),
  );
  assert.equal(parseTemplate({ ...base, rules: ['segwit', 'frobnicate'] }).segwit, true);
  assert.equal(parseTemplate({ ...base, rules: ['csv'], transactions: [] }).segwit, false);
});
