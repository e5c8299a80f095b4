// hex - strict hex <-> bytes, reversal, uint32 big-endian hex, and the endianness vectors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  bytesToHex,
  hexToBytes,
  reverseHex,
  u32FromHex,
  u32ToHex,
  writeHex,
  HEX_INVALID,
} from '../../../actors/shared/hex.js';
import { hasCode } from '../../../actors/shared/errors.js';
import { prevHashFromStratum, prevHashToStratum } from '../../../actors/job/notify.js';
import { bitcoin } from '../vectors.js';

test('hex - bytes survive a round trip through hex (property)', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
      assert.deepEqual(hexToBytes(bytesToHex(bytes)), bytes);
    }),
  );
});

test('hex - upper and lower case decode alike, output is lowercase', () => {
  assert.deepEqual(hexToBytes('ABcd'), Uint8Array.of(0xab, 0xcd));
  assert.equal(bytesToHex(Uint8Array.of(0xab, 0xcd)), 'abcd');
});

test('hex - odd length, non-hex digits and wrong sizes are refused with HEX_INVALID', () => {
  for (const bad of ['abc', 'zz', '0x00', ' 00', '00 ']) {
    assert.throws(
      () => hexToBytes(bad),
      (e) => hasCode(e, HEX_INVALID),
      bad,
    );
  }
  assert.throws(
    () => hexToBytes('0011', 3),
    (e) => hasCode(e, HEX_INVALID),
  );
  assert.throws(
    () => u32FromHex('2000000'),
    (e) => hasCode(e, HEX_INVALID),
  );
  assert.throws(
    () => u32ToHex(2 ** 32),
    (e) => hasCode(e, HEX_INVALID),
  );
});

test('endianness - display, internal and stratum prevhash forms convert as recorded', () => {
  const rows = bitcoin.endianness.filter(
    (r): r is { what: string; display: string; internal: string; stratum: string } =>
      'stratum' in r && 'display' in r,
  );
  assert.equal(rows.length, 2);
  for (const r of rows) {
    assert.equal(reverseHex(r.display), r.internal, r.what);
    assert.equal(reverseHex(r.internal), r.display, r.what);
    assert.equal(prevHashToStratum(r.display), r.stratum, r.what);
    assert.equal(prevHashFromStratum(r.stratum), r.display, r.what);
  }
});

test('endianness - uint32 fields are big-endian hex on the wire and little-endian in the header', () => {
  const row = bitcoin.endianness.find((r) => 'examples' in r);
  assert.ok(row && 'examples' in row);
  for (const ex of row.examples) {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, u32FromHex(ex.stratum), true);
    assert.equal(bytesToHex(b), ex.header_bytes);
    assert.equal(u32ToHex(u32FromHex(ex.stratum)), ex.stratum);
  }
});

test('endianness - merkle branch entries are GBT txids byte-reversed', () => {
  const row = bitcoin.endianness.find((r) => 'gbt_txid' in r);
  assert.ok(row && 'gbt_txid' in row);
  assert.equal(reverseHex(row.gbt_txid), row.branch_entry);
});

test('hex - writeHex decodes either case in place and refuses what is not hex', () => {
  const out = new Uint8Array(8).fill(0xee);
  assert.equal(writeHex(out, 1, '00Ff7a'), 3);
  assert.deepEqual([...out], [0xee, 0x00, 0xff, 0x7a, 0xee, 0xee, 0xee, 0xee]);
  assert.equal(writeHex(out, 0, ''), 0);
  for (let c = 0; c < 128; c++) {
    const ch = String.fromCharCode(c);
    const ok = /[0-9a-fA-F]/.test(ch);
    const probe = new Uint8Array(1);
    if (ok) assert.equal(writeHex(probe, 0, `0${ch}`), 1);
    else assert.throws(() => writeHex(probe, 0, `${ch}0`), { code: 'HEX_INVALID' }, ch);
    if (ok) assert.equal(probe[0], Number.parseInt(ch, 16));
  }
  assert.throws(() => writeHex(out, 0, 'abc'), { code: 'HEX_INVALID' });
});
