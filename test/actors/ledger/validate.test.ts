// ledger validate - records from the wire become typed records or LEDGER_BAD_RECORD.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pack, unpack } from 'msgpackr';
import { LEDGER_BAD_RECORD, LEDGER_RECORD_VERSION } from '../../../actors/ledger/errors.js';
import { validateLogEntry, validateLogRecord } from '../../../actors/ledger/validate.js';
import { hasCode } from '../../../actors/shared/errors.js';
import { LogBuilder, hashOf } from './log.js';

function sample(): LogBuilder {
  const log = new LogBuilder();
  log.shares([{ account: 'alice', weight: 65_536 }]);
  log.found(hashOf('B'), { coinbasePaid: [{ account: 'alice', sats: 5n }] });
  log.status(hashOf('B'), 'block.orphaned');
  log.planned('p', [{ account: 'alice', sats: 7n }]);
  log.result('p', 'payout.sent');
  log.result('p', 'payout.failed');
  return log;
}

const isBad = (e: unknown): boolean => hasCode(e, LEDGER_BAD_RECORD);

test('validate - every record type survives msgpack and comes back equal', () => {
  for (const e of sample().entries) {
    assert.deepEqual(validateLogRecord(unpack(pack(e.record))), e.record, e.record.type);
  }
});

test('validate - amounts may arrive as safe integers or decimal strings', () => {
  const rec = sample().entries[1]?.record as unknown as Record<string, unknown>;
  const wire = {
    ...rec,
    rewardSats: '5012345678',
    subsidySats: 5_000_000_000,
    netWeight: '1000000',
  };
  const v = validateLogRecord(wire);
  assert.equal(v.type === 'block.found' && v.rewardSats, 5_012_345_678n);
  assert.equal(v.type === 'block.found' && v.subsidySats, 5_000_000_000n);
});

test('validate - malformed records are refused naming the field', () => {
  const [shares, found] = sample().entries.map(
    (e) => e.record as unknown as Record<string, unknown>,
  );
  const s = shares as Record<string, unknown> & { shares: Record<string, unknown>[] };
  const share0 = s.shares[0] as Record<string, unknown>;
  const cases: [unknown, RegExp][] = [
    [null, /record/],
    [{ ...s, type: 'nope' }, /type/],
    [{ ...s, shares: [{ ...share0, job: 3 }] }, /shares\[0\]\.job/],
    [{ ...s, shares: [{ ...share0, weight: 0 }] }, /weight/],
    [{ ...s, shares: [{ ...share0, weight: 1.5 }] }, /weight/],
    [{ ...s, shares: [{ ...share0, hash: 'XYZ' }] }, /hash/],
    // 64 characters, one of them not a lowercase hex digit (each edge of the ranges).
    ...['A', 'g', '/', ':', '`', ' '].map((c): [unknown, RegExp] => [
      { ...s, shares: [{ ...share0, hash: `${'0'.repeat(63)}${c}` }] },
      /hash/,
    ]),
    [{ ...s, shares: [{ ...share0, hash: 'a'.repeat(63) }] }, /hash/],
    [{ ...s, shares: [{ ...share0, account: '@fee' }] }, /account/],
    [{ ...found, rewardSats: -1n }, /rewardSats/],
    [{ ...found, rewardSats: 1.5 }, /rewardSats/],
    [{ ...found, solo: 'yes' }, /solo/],
    [{ ...found, coinbasePaid: [{ account: 'a', sats: 10n ** 18n }] }, /coinbasePaid\[0\]\.sats/],
  ];
  for (const [value, field] of cases) {
    assert.throws(
      () => validateLogRecord(value),
      (e: unknown) => isBad(e) && field.test((e as Error).message),
      String(field),
    );
  }
  assert.throws(() => validateLogEntry(0, shares), isBad);
});

test('validate - a record from a newer version is LEDGER_RECORD_VERSION, not a bad record', () => {
  const rec = sample().entries[2]?.record;
  assert.throws(
    () => validateLogRecord({ ...rec, v: 2 }),
    (e: unknown) => hasCode(e, LEDGER_RECORD_VERSION),
  );
});
