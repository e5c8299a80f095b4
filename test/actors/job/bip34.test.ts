// bip34 - the coinbase height push is Core's `CScript() << height`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { bip34HeightPush, readBip34Height } from '../../../actors/job/bip34.js';
import { BIP34_INVALID } from '../../../actors/job/errors.js';
import { hasCode } from '../../../actors/shared/errors.js';
import { bytesToHex, hexToBytes } from '../../../actors/shared/hex.js';
import { bitcoin } from '../vectors.js';

const v = bitcoin.bip34_height_push;

test('bip34 - height pushes match every recorded encoding (OP_n for 1..16, sign byte when needed)', () => {
  assert.equal(v.encodings.length, 19);
  for (const e of v.encodings)
    assert.equal(bytesToHex(bip34HeightPush(e.height)), e.push_hex, String(e.height));
});

test('bip34 - height pushes match real coinbases', () => {
  assert.equal(v.observed_in_real_coinbases.length, 7);
  for (const o of v.observed_in_real_coinbases) {
    assert.equal(bytesToHex(bip34HeightPush(o.height)), o.prefix, String(o.height));
    assert.equal(readBip34Height(hexToBytes(`${o.prefix}ffff`)), o.height);
  }
});

test('bip34 - the slush coinbase carries height 25096', () => {
  const coinbase = String(bitcoin.stratum_slush_testnet3.expected['coinbase_hex']);
  assert.equal(
    readBip34Height(hexToBytes(coinbase.slice(84))),
    bitcoin.stratum_slush_testnet3.expected['bip34_height_in_coinbase'],
  );
});

test('bip34 - reading back any encoded height gives the height; non-minimal pushes do not count (property)', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 0x7fffffff }), (h) => {
      assert.equal(readBip34Height(bip34HeightPush(h)), h);
    }),
  );
  assert.equal(readBip34Height(hexToBytes('0102')), undefined);
  assert.equal(readBip34Height(hexToBytes('02660000')), undefined);
});

test('bip34 - negative or fractional heights are refused', () => {
  for (const bad of [-1, 1.5, 2 ** 31])
    assert.throws(
      () => bip34HeightPush(bad),
      (e) => hasCode(e, BIP34_INVALID),
    );
});
