// Bad input gets a typed error with the same code from both backends, and the process lives on
// (the raw addon, called without the TypeScript checks, throws too rather than crashing).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { ADDON_CANDIDATES } from '../../native/loader.js';
import type { NativeImpl, SubmitRequest } from '../../native/index.js';
import { codeOf, impls } from './support.js';

const header = new Uint8Array(80);
const hash = new Uint8Array(32);
const submit: SubmitRequest = {
  coinbase1: new Uint8Array(10),
  extranonce1: new Uint8Array(4),
  extranonce2: new Uint8Array(4),
  coinbase2: new Uint8Array(10),
  merkleBranches: new Uint8Array(64),
  version: 0x20000000,
  prevHash: new Uint8Array(32),
  ntime: 1,
  nbits: 0x1d00ffff,
  nonce: 2,
};
const any = (x: unknown): never => x as never;

const CASES: readonly [string, string, (impl: NativeImpl) => unknown][] = [
  ['sha256d of a string', 'NATIVE_BAD_INPUT', (i) => i.sha256d(any('abc'))],
  ['sha256d of a number array', 'NATIVE_BAD_INPUT', (i) => i.sha256d(any([1, 2, 3]))],
  ['sha256d of an Int8Array', 'NATIVE_BAD_INPUT', (i) => i.sha256d(any(new Int8Array(4)))],
  ['hashHeaders of 81 bytes', 'NATIVE_BAD_INPUT', (i) => i.hashHeaders(new Uint8Array(81))],
  ['hashHeaders of null', 'NATIVE_BAD_INPUT', (i) => i.hashHeaders(any(null))],
  ['primeHeaderHash of 79 bytes', 'NATIVE_BAD_INPUT', (i) => i.primeHeaderHash(new Uint8Array(79))],
  ['hashSubmit without an object', 'NATIVE_BAD_INPUT', (i) => i.hashSubmit(any(undefined))],
  [
    'hashSubmit with a 31-byte prevHash',
    'NATIVE_BAD_INPUT',
    (i) => i.hashSubmit({ ...submit, prevHash: new Uint8Array(31) }),
  ],
  [
    'hashSubmit with 33 branch bytes',
    'NATIVE_BAD_INPUT',
    (i) => i.hashSubmit({ ...submit, merkleBranches: new Uint8Array(33) }),
  ],
  [
    'hashSubmit with a hex coinbase',
    'NATIVE_BAD_INPUT',
    (i) => i.hashSubmit({ ...submit, coinbase1: any('00ff') }),
  ],
  [
    'hashSubmit with a negative nonce',
    'NATIVE_BAD_INPUT',
    (i) => i.hashSubmit({ ...submit, nonce: -1 }),
  ],
  [
    'hashSubmit with a 2^32 ntime',
    'NATIVE_BAD_INPUT',
    (i) => i.hashSubmit({ ...submit, ntime: 2 ** 32 }),
  ],
  [
    'hashSubmit with a float version',
    'NATIVE_BAD_INPUT',
    (i) => i.hashSubmit({ ...submit, version: 1.5 }),
  ],
  ['hashSubmits of a non-array', 'NATIVE_BAD_INPUT', (i) => i.hashSubmits(any(submit))],
  ['hashSubmits with one bad item', 'NATIVE_BAD_INPUT', (i) => i.hashSubmits([submit, any({})])],
  ['primeChain of a number', 'NATIVE_BAD_INPUT', (i) => i.primeChain(any(7))],
  ['primeChain of origin 1', 'NATIVE_OUT_OF_RANGE', (i) => i.primeChain(1n)],
  ['primeChain of a negative origin', 'NATIVE_OUT_OF_RANGE', (i) => i.primeChain(-5n)],
  ['primeChain of 2^2048', 'NATIVE_OUT_OF_RANGE', (i) => i.primeChain(1n << 2048n)],
  ['fermatTest of 0', 'NATIVE_OUT_OF_RANGE', (i) => i.fermatTest(0n)],
  ['fermatTest of 2^2048', 'NATIVE_OUT_OF_RANGE', (i) => i.fermatTest(1n << 2048n)],
  [
    'checkPrimeProofOfWork with a 31-byte hash',
    'NATIVE_BAD_INPUT',
    (i) => i.checkPrimeProofOfWork(new Uint8Array(31), 1n, 0x06000000),
  ],
  [
    'checkPrimeProofOfWork with a number multiplier',
    'NATIVE_BAD_INPUT',
    (i) => i.checkPrimeProofOfWork(hash, any(3), 0x06000000),
  ],
  [
    'checkPrimeProofOfWork with nBits 2^32',
    'NATIVE_BAD_INPUT',
    (i) => i.checkPrimeProofOfWork(hash, 1n, 2 ** 32),
  ],
  [
    'checkPrimeProofOfWork with minLength 0',
    'NATIVE_OUT_OF_RANGE',
    (i) => i.checkPrimeProofOfWork(hash, 1n, 0x06000000, 0),
  ],
  [
    'checkPrimeProofOfWork with minLength 100',
    'NATIVE_OUT_OF_RANGE',
    (i) => i.checkPrimeProofOfWork(hash, 1n, 0x06000000, 100),
  ],
  [
    'checkPrimeShare with a 32-byte header',
    'NATIVE_BAD_INPUT',
    (i) => i.checkPrimeShare(hash, 1n, 0x07000000, 0x08000000),
  ],
  [
    'checkPrimeShare with a string multiplier',
    'NATIVE_BAD_INPUT',
    (i) => i.checkPrimeShare(header, any('1'), 0x07000000, 0x08000000),
  ],
  [
    'checkPrimeShare with a negative share target',
    'NATIVE_BAD_INPUT',
    (i) => i.checkPrimeShare(header, 1n, -1, 0x08000000),
  ],
];

for (const impl of impls) {
  describe(`bad input (${impl.backend})`, () => {
    for (const [name, code, run] of CASES) {
      it(`${name} throws ${code}`, () => {
        assert.equal(
          codeOf(() => run(impl)),
          code,
        );
      });
    }

    it('errors are Error subclasses with a stable code and not retryable', () => {
      try {
        impl.sha256d(any(42));
        assert.fail('did not throw');
      } catch (err) {
        assert.ok(err instanceof Error);
        assert.equal((err as { code?: string }).code, 'NATIVE_BAD_INPUT');
        assert.equal((err as { retryable?: boolean }).retryable, false);
      }
    });
  });
}

describe(
  'bad input (raw addon, below the TypeScript checks)',
  { skip: process.env.COLLIERY_NATIVE === 'off' },
  () => {
    it('throws coded errors instead of crashing the process', () => {
      const path = ADDON_CANDIDATES.find((p) => existsSync(p));
      assert.ok(path, 'the addon is built');
      const raw = createRequire(import.meta.url)(path) as Record<
        string,
        (...a: unknown[]) => unknown
      >;
      const calls: [string, unknown[]][] = [
        ['sha256d', ['x']],
        ['sha256d', []],
        ['hashHeaders', [new Uint8Array(7)]],
        ['hashSubmits', [new Uint8Array(10), new Uint32Array(9)]],
        ['hashSubmits', [new Uint8Array(64), new Uint32Array([0, 0, 0, 0, 31, 0, 0, 0, 0])]],
        ['hashSubmits', [new Uint8Array(1), new Uint32Array(8)]],
        ['hashSubmits', [new Uint8Array(1), new Uint8Array(9)]],
        ['primeChain', [1n, false]],
        ['primeChain', [-(1n << 100n), false]],
        ['primeChain', [1n << 3000n, false]],
        ['primeChain', ['12', false]],
        ['fermatTest', [0n]],
        ['fermatTest', [1n << 5000n]],
        ['checkPow', [new Uint8Array(32), 1n, -1, 6]],
        ['checkPow', [new Uint8Array(32), 1n, 6, 1.5]],
        ['checkPow', [new Uint8Array(31), 1n, 6, 6]],
        ['checkShare', [new Uint8Array(80), 1n, 1, 1, Number.NaN]],
        ['selectSha', ['avx9000']],
      ];
      for (const [fn, args] of calls) {
        const code = codeOf(() => raw[fn]!(...args));
        assert.ok(code === 'NATIVE_BAD_INPUT' || code === 'NATIVE_OUT_OF_RANGE', `${fn}: ${code}`);
      }
      // huge multipliers are judged, not refused: origin too big / too small
      const top = new Uint8Array(32).fill(0xff);
      assert.deepEqual(raw.checkPow!(top, 1n << 5000n, 0x06000000, 6), [4, 0, 0]);
      assert.deepEqual(raw.checkPow!(top, -(1n << 5000n), 0x06000000, 6), [3, 0, 0]);
    });
  },
);
