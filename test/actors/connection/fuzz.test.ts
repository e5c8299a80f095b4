// The Stratum edge under abuse (#17), property-based: the codec (parseLine, frameBytes, the
// encoders) and the session logic (decide, hash and prime dialects) fed arbitrary and hostile
// input never throw and keep their invariants. Seeds are printed by fast-check on failure;
// COLLIERY_FUZZ_RUNS scales the number of runs (default ~300 per property).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  encodeError,
  encodeNotification,
  encodeResult,
  frameBytes,
  parseLine,
  u32Hex,
  type ParseResult,
  type RequestId,
} from '../../../actors/connection/codec.js';
import { hashDialect, type Dialect } from '../../../actors/connection/dialect.js';
import { REJECTIONS, type Rejection } from '../../../actors/connection/errors.js';
import type {
  ConnectionEvent,
  Effect,
  JobAnnouncement,
} from '../../../actors/connection/messages.js';
import { primeDialect } from '../../../actors/connection/prime-dialect.js';
import {
  decide,
  initSession,
  type RateLimits,
  type SessionConfig,
  type SessionContext,
} from '../../../actors/connection/session.js';
import { DEFAULT_VARDIFF } from '../../../actors/connection/vardiff.js';
import { chainWork, wordOfLength } from '../../../actors/shared/prime-share-value.js';
import { config as baseConfig } from './session-harness.js';

const RUNS = Number(process.env['COLLIERY_FUZZ_RUNS'] ?? 300);
const runs = (n = RUNS): fc.Parameters<unknown> => ({ numRuns: n });

// --- shared arbitraries -------------------------------------------------------------------

const METHODS = [
  'mining.subscribe',
  'mining.authorize',
  'mining.configure',
  'mining.suggest_difficulty',
  'mining.extranonce.subscribe',
  'mining.submit',
] as const;

const hexOf = (minBytes: number, maxBytes: number): fc.Arbitrary<string> =>
  fc
    .uint8Array({ minLength: minBytes, maxLength: maxBytes })
    .map((b) => Buffer.from(b).toString('hex'));
const upperOrLower = (a: fc.Arbitrary<string>): fc.Arbitrary<string> =>
  fc.tuple(a, fc.boolean()).map(([s, up]) => (up ? s.toUpperCase() : s));
const hex8 = upperOrLower(hexOf(4, 4));

/** Numbers a parser may choke on: huge, tiny, negative zero, non-finite via strings. */
const oddNumber = fc.oneof(
  fc.double(),
  fc.integer(),
  fc.constantFrom(0, -0, 1e308, -1e308, 5e-324, 2 ** 53 + 1, 2 ** 32, -1, 0xffffffff),
);
/** Literal number texts JSON.parse turns into Infinity, -0 or precision loss. */
const oddNumberText = fc.constantFrom(
  '1e400',
  '-1e400',
  '123456789012345678901234567890',
  '0.000000000000000000000000000000000001',
  '-0',
  '1E+2',
  '0e0',
);

/** Anything JSON can hold, a little deeper than fc.jsonValue's default. */
const jsonish: fc.Arbitrary<unknown> = fc.jsonValue({ maxDepth: 4 });

/** Deeply nested arrays or objects (as text: too deep for fast-check to build as values). */
const deepText = fc
  .tuple(fc.integer({ min: 1, max: 16_000 }), fc.boolean(), fc.boolean())
  .map(([depth, obj, closed]) => {
    const open = obj ? '{"a":'.repeat(depth) : '['.repeat(depth);
    const close = closed ? (obj ? '}' : ']').repeat(depth) : '';
    return `${open}1${close}`;
  });

/** A plausible value for each param position, or something else entirely. */
const paramValue = fc.oneof(
  { arbitrary: hex8, weight: 4 },
  { arbitrary: hexOf(0, 12), weight: 2 },
  {
    arbitrary: fc.constantFrom('acct', 'acct.rig', 'bad', 'a', 'b', 'a.1', '', 'x'.repeat(600)),
    weight: 1,
  },
  { arbitrary: fc.string({ unit: 'grapheme', maxLength: 20 }), weight: 1 },
  { arbitrary: fc.string({ unit: 'binary', maxLength: 20 }), weight: 1 },
  { arbitrary: oddNumber, weight: 1 },
  { arbitrary: jsonish, weight: 1 },
  {
    arbitrary: fc.constantFrom(null, true, false, [], {}, 'version-rolling', '1CC', 'twn'),
    weight: 1,
  },
);

const idValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.integer(),
  fc.string({ maxLength: 70 }),
  fc.constant(null),
  oddNumber,
  jsonish,
);

/** A JSON-RPC request object of any method with mutated params (some methods made up). */
const requestObject = fc
  .record(
    {
      id: idValue,
      method: fc.oneof(
        { arbitrary: fc.constantFrom(...METHODS), weight: 8 },
        {
          arbitrary: fc.constantFrom('mining.get_transactions', 'client.get_version', ''),
          weight: 1,
        },
        { arbitrary: fc.string({ maxLength: 100 }), weight: 1 },
        { arbitrary: jsonish, weight: 1 },
      ),
      params: fc.oneof(
        { arbitrary: fc.array(paramValue, { maxLength: 8 }), weight: 8 },
        { arbitrary: jsonish, weight: 1 },
      ),
      result: jsonish,
      error: jsonish,
    },
    { requiredKeys: [] },
  )
  .map((o) => o as Record<string, unknown>);

/** Lines of every shape: requests, any JSON, unicode and binary text, odd numbers, deep nests. */
const anyLine: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: requestObject.map((o) => JSON.stringify(o)), weight: 6 },
  { arbitrary: fc.json({ maxDepth: 4 }), weight: 1 },
  { arbitrary: fc.string({ unit: 'grapheme', maxLength: 200 }), weight: 1 },
  { arbitrary: fc.string({ unit: 'binary', maxLength: 200 }), weight: 1 },
  { arbitrary: fc.string({ unit: 'binary-ascii', maxLength: 200 }), weight: 1 },
  {
    arbitrary: fc
      .tuple(fc.constantFrom(...METHODS), oddNumberText, oddNumberText)
      .map(([m, a, b]) => `{"id":${a},"method":"${m}","params":[${b},"${b}"]}`),
    weight: 1,
  },
  { arbitrary: deepText, weight: 1 },
  {
    // at and around a typical length cap (parseLine itself has none: the framer enforces it)
    arbitrary: fc
      .tuple(fc.constantFrom(...METHODS), fc.integer({ min: 16_000, max: 17_000 }))
      .map(([m, n]) => `{"id":1,"method":"${m}","params":["${'x'.repeat(n)}"]}`),
    weight: 1,
  },
);

// --- codec: parseLine ---------------------------------------------------------------------

const REJECTION_NAMES = new Set(Object.keys(REJECTIONS));
const LOWER_HEX = /^[0-9a-f]*$/;

function isWellFormedId(id: unknown): id is RequestId {
  return id === null || typeof id === 'number' || (typeof id === 'string' && id.length <= 64);
}

/** Asserts the shape every ParseResult promises (what decide relies on without checking). */
function assertWellFormed(r: ParseResult): void {
  assert.equal(typeof r, 'object');
  if (!r.ok) {
    assert.ok(isWellFormedId(r.id), `bad id ${String(r.id)}`);
    assert.ok(REJECTION_NAMES.has(r.rejection), `unknown rejection ${r.rejection}`);
    assert.equal(typeof r.detail, 'string');
    assert.ok(r.detail.length <= 200, 'details stay short (they are echoed to the miner)');
    assert.equal(typeof r.fatal, 'boolean');
    return;
  }
  const q = r.request;
  assert.ok(isWellFormedId(q.id), `bad id ${String(q.id)}`);
  const str = (v: unknown, max = 512): boolean => typeof v === 'string' && v.length <= max;
  switch (q.method) {
    case 'reply':
    case 'mining.extranonce.subscribe':
      return;
    case 'mining.subscribe':
      assert.ok(q.userAgent === null || str(q.userAgent));
      return;
    case 'mining.authorize':
      assert.ok(str(q.username) && q.username.length > 0);
      assert.ok(str(q.password));
      return;
    case 'mining.configure':
      assert.ok(Array.isArray(q.extensions) && q.extensions.length <= 16);
      assert.ok(q.extensions.every((e) => str(e)));
      assert.ok(typeof q.options === 'object' && q.options !== null && !Array.isArray(q.options));
      return;
    case 'mining.suggest_difficulty':
      assert.ok(Number.isFinite(q.difficulty) && q.difficulty > 0, `difficulty ${q.difficulty}`);
      return;
    case 'mining.submit': {
      const p = q.submit;
      assert.ok(str(p.worker));
      assert.ok(str(p.jobId, 64) && p.jobId.length > 0);
      assert.ok(LOWER_HEX.test(p.extranonce2) && p.extranonce2.length % 2 === 0);
      assert.ok(p.extranonce2.length <= 512);
      for (const n of [p.ntime, p.nonce])
        assert.ok(Number.isInteger(n) && n >= 0 && n <= 0xffffffff, `u32 ${n}`);
      assert.ok(p.extra === null || (LOWER_HEX.test(p.extra) && p.extra.length <= 512));
      assert.ok(p.claim === null || str(p.claim, 16));
      return;
    }
    default:
      assert.fail(`unexpected method ${(q as { method: unknown }).method as string}`);
  }
}

/** One line of JSON, newline-terminated, nothing else: what every Stratum write must be. */
function assertWireLine(line: string): unknown {
  assert.equal(typeof line, 'string');
  assert.ok(line.endsWith('\n'), 'ends with a newline');
  const body = line.slice(0, -1);
  assert.ok(!body.includes('\n') && !body.includes('\r'), `embedded line break in ${body}`);
  const v: unknown = JSON.parse(body);
  assert.ok(typeof v === 'object' && v !== null && !Array.isArray(v), 'a JSON object');
  return v;
}

test('fuzz codec - parseLine never throws and returns a well-formed result for any line', () => {
  fc.assert(
    fc.property(anyLine, (line) => {
      const r = parseLine(line);
      assertWellFormed(r);
      assert.deepEqual(parseLine(line), r, 'deterministic');
      // The session answers a failed parse with encodeError: it must be a wire line too.
      if (!r.ok) assertWireLine(encodeError(r.id, r.rejection, r.detail));
    }),
    runs(RUNS * 4),
  );
});

test('fuzz codec - well-formed requests of every method with random valid params parse ok', () => {
  const submitParams = fc.tuple(
    fc.string({ minLength: 0, maxLength: 40 }),
    fc.string({ minLength: 1, maxLength: 64 }),
    upperOrLower(hexOf(0, 16)),
    hex8,
    hex8,
    fc.option(upperOrLower(hexOf(0, 32)), { nil: undefined }),
    fc.option(fc.string({ maxLength: 16 }), { nil: undefined }),
  );
  const valid = fc.oneof(
    fc
      .option(fc.string({ maxLength: 64 }))
      .map((ua) => ['mining.subscribe', ua === null ? [] : [ua]]),
    fc
      .tuple(fc.string({ minLength: 1, maxLength: 64 }), fc.option(fc.string({ maxLength: 64 })))
      .map(([u, p]) => ['mining.authorize', [u, p]]),
    fc
      .tuple(
        fc.array(fc.string({ maxLength: 30 }), { maxLength: 16 }),
        fc.dictionary(fc.string(), jsonish),
      )
      .map(([e, o]) => ['mining.configure', [e, o]]),
    fc
      .oneof(
        fc.double({ min: 5e-324, noNaN: true, noDefaultInfinity: true }),
        fc.double({ min: 5e-324, noNaN: true, noDefaultInfinity: true }).map(String),
      )
      .map((d) => ['mining.suggest_difficulty', [d]]),
    fc.constant(['mining.extranonce.subscribe', []]),
    submitParams.map((p) => {
      const params: unknown[] = p.slice(0, 5);
      if (p[5] !== undefined) params.push(p[5]);
      if (p[5] !== undefined && p[6] !== undefined) params.push(p[6]);
      return ['mining.submit', params];
    }),
  );
  fc.assert(
    fc.property(
      valid,
      fc.oneof(fc.integer(), fc.string({ maxLength: 64 }), fc.constant(null)),
      ([method, params], id) => {
        const r = parseLine(JSON.stringify({ id, method, params }));
        assertWellFormed(r);
        assert.ok(r.ok, `refused ${JSON.stringify({ method, params })}: ${r.ok ? '' : r.detail}`);
        assert.equal(r.request.method, method);
        assert.equal(r.request.id, id);
      },
    ),
    runs(),
  );
});

test('fuzz codec - encoders write one JSON line for any id, result, rejection and detail', () => {
  const rejection = fc.constantFrom(...(Object.keys(REJECTIONS) as Rejection[]));
  const anyId = fc.oneof(
    fc.integer(),
    fc.double(), // NaN, ±Infinity, -0: what a parsed `1e400` id becomes
    fc.string({ unit: 'binary', maxLength: 64 }),
    fc.constant(null),
  );
  fc.assert(
    fc.property(
      anyId,
      jsonish,
      rejection,
      fc.string({ unit: 'binary', maxLength: 300 }),
      fc.string({ unit: 'binary', maxLength: 40 }),
      fc.array(jsonish, { maxLength: 10 }),
      (id, result, rej, detail, method, params) => {
        const ok = assertWireLine(encodeResult(id, result)) as Record<string, unknown>;
        assert.ok('id' in ok && 'result' in ok && ok['error'] === null);
        if (typeof id === 'string' || id === null) assert.equal(ok['id'], id);
        else if (Number.isFinite(id)) assert.equal(ok['id'], id === 0 ? 0 : id);
        else assert.equal(ok['id'], null);
        if (result === true && typeof id === 'number' && Number.isFinite(id))
          assert.equal(
            encodeResult(id, true),
            `${JSON.stringify({ id, result: true, error: null })}\n`,
          );
        const err = assertWireLine(encodeError(id, rej, detail)) as Record<string, unknown>;
        assert.equal(err['result'], null);
        const e = err['error'] as unknown[];
        assert.ok(Array.isArray(e) && e.length === 3 && typeof e[0] === 'number' && e[2] === null);
        const n = assertWireLine(encodeNotification(method, params)) as Record<string, unknown>;
        assert.equal(n['method'], method);
        assert.equal(n['id'], null);
      },
    ),
    runs(),
  );
  fc.assert(
    fc.property(oddNumber, (n) => {
      const h = u32Hex(n);
      assert.match(h, /^[0-9a-f]{8}$/);
      assert.equal(Number.parseInt(h, 16), n >>> 0);
    }),
    runs(),
  );
});

// --- codec: frameBytes --------------------------------------------------------------------

/** A byte stream of lines (some CRLF, some blank, some at or over the cap) and a chunking of it. */
interface Stream {
  readonly bytes: Buffer;
  readonly cuts: number[];
  readonly max: number;
}

const lineBytes = (max: number): fc.Arbitrary<Buffer> =>
  fc.oneof(
    {
      arbitrary: fc.string({ unit: 'grapheme', maxLength: 60 }).map((s) => Buffer.from(s)),
      weight: 4,
    },
    {
      // arbitrary bytes but the newline: invalid UTF-8, NULs, lone CRs
      arbitrary: fc
        .uint8Array({ maxLength: 60 })
        .map((b) => Buffer.from(b.filter((x) => x !== 10))),
      weight: 3,
    },
    {
      arbitrary: fc.constantFrom('', ' ', '\t', '\r', '\u00a0').map((s) => Buffer.from(s)),
      weight: 1,
    },
    {
      // at, just under and just over the cap, counting the CR of a CRLF ending
      arbitrary: fc
        .tuple(fc.integer({ min: -2, max: 2 }), fc.constantFrom(0x78, 0xe2))
        .map(([d, byte]) => Buffer.alloc(Math.max(0, max + d), byte)),
      weight: 1,
    },
  );

function streamOf(allowOverlong: boolean): fc.Arbitrary<Stream> {
  return fc.integer({ min: 8, max: 120 }).chain((max) =>
    fc
      .record({
        lines: fc.array(
          fc.tuple(
            allowOverlong
              ? lineBytes(max)
              : lineBytes(max).map((b) => b.subarray(0, Math.max(0, max - 1))),
            fc.constantFrom('\n', '\r\n', '\n', '\n'),
          ),
          { maxLength: 20 },
        ),
        last: allowOverlong
          ? lineBytes(max)
          : lineBytes(max).map((b) => b.subarray(0, Math.max(0, max - 1))),
        cuts: fc.array(fc.nat(), { maxLength: 12 }),
      })
      .map(({ lines, last, cuts }) => {
        const bytes = Buffer.concat([...lines.flatMap(([b, end]) => [b, Buffer.from(end)]), last]);
        const positions = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort(
          (a, b) => a - b,
        );
        return { bytes, cuts: positions, max };
      }),
  );
}

/**
 * The reference: split the whole stream at newline bytes, drop one CR before each, decode,
 * skip blank lines; the first segment (complete, or the unterminated rest) longer than the cap
 * is an overflow and ends the stream.
 */
function model(bytes: Buffer, max: number): { lines: string[]; overflow: boolean; rest: Buffer } {
  const lines: string[] = [];
  let start = 0;
  for (let nl = bytes.indexOf(10); nl >= 0; nl = bytes.indexOf(10, start)) {
    if (nl - start > max) return { lines, overflow: true, rest: Buffer.alloc(0) };
    const end = nl > start && bytes[nl - 1] === 13 ? nl - 1 : nl;
    const line = bytes.toString('utf8', start, end);
    if (line.trim() !== '') lines.push(line);
    start = nl + 1;
  }
  const rest = bytes.subarray(start);
  return rest.length > max
    ? { lines, overflow: true, rest: Buffer.alloc(0) }
    : { lines, overflow: false, rest };
}

/** Feeds the stream in its chunks as the Connection does (tail carried; stop at overflow). */
function feed(s: Stream): {
  lines: string[];
  overflow: boolean;
  tail: Buffer | null;
  calls: number;
} {
  const lines: string[] = [];
  let tail: Buffer | null = null;
  const bounds = [0, ...s.cuts, s.bytes.length];
  let calls = 0;
  for (let i = 0; i + 1 < bounds.length; i++) {
    const chunk = s.bytes.subarray(bounds[i], bounds[i + 1]);
    const r = frameBytes(tail, chunk, s.max);
    calls++;
    for (const line of r.lines) {
      assert.equal(typeof line, 'string');
      assert.ok(line.length <= s.max, `a line of ${line.length} > ${s.max}`);
      assert.ok(!line.includes('\n'), 'no newline inside a line');
      assert.ok(line.trim() !== '', 'no blank line');
    }
    lines.push(...r.lines);
    if (r.overflow) {
      assert.equal(r.tail, null, 'nothing kept after an overflow');
      return { lines, overflow: true, tail: null, calls };
    }
    if (r.tail !== null) {
      assert.ok(r.tail.length > 0 && r.tail.length <= s.max, `tail of ${r.tail.length} bytes`);
      assert.ok(!r.tail.includes(10), 'no newline in the tail');
    }
    tail = r.tail;
  }
  return { lines, overflow: false, tail, calls };
}

test('fuzz codec - frameBytes: any chunking of lines within the cap gives exactly the lines, once each', () => {
  fc.assert(
    fc.property(streamOf(false), (s) => {
      const want = model(s.bytes, s.max);
      assert.equal(want.overflow, false);
      const got = feed(s);
      assert.equal(got.overflow, false);
      assert.deepEqual(got.lines, want.lines, 'the same lines in the same order');
      assert.deepEqual(
        got.tail ?? Buffer.alloc(0),
        want.rest,
        'the unterminated rest is kept whole',
      );
      // Concatenate and compare: the bytes of the complete lines, rebuilt from what came out.
      const whole = feed({ ...s, cuts: [] });
      assert.deepEqual(whole.lines, got.lines, 'chunking changes nothing');
      const oneByOne = feed({ ...s, cuts: Array.from({ length: s.bytes.length }, (_, i) => i) });
      assert.deepEqual(oneByOne.lines, got.lines, 'byte-at-a-time reads change nothing');
    }),
    runs(),
  );
});

test('fuzz codec - frameBytes: valid UTF-8 lines come out byte-for-byte across any chunking', () => {
  fc.assert(
    fc.property(
      fc.array(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 40 }), { maxLength: 20 }),
      fc.array(fc.nat(), { maxLength: 16 }),
      (texts, cuts) => {
        const lines = texts.map((t) => t.replace(/[\r\n]/g, '')).filter((t) => t.trim() !== '');
        const bytes = Buffer.from(lines.map((l) => `${l}\n`).join(''));
        const positions = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort(
          (a, b) => a - b,
        );
        const max = Math.max(1, ...lines.map((l) => Buffer.byteLength(l)));
        const got = feed({ bytes, cuts: positions, max });
        assert.equal(got.overflow, false);
        assert.equal(got.tail, null);
        assert.ok(Buffer.from(got.lines.map((l) => `${l}\n`).join('')).equals(bytes));
      },
    ),
    runs(),
  );
});

test('fuzz codec - frameBytes: a line over the cap is an overflow, and nothing after it comes out', () => {
  fc.assert(
    fc.property(streamOf(true), (s) => {
      const want = model(s.bytes, s.max);
      const got = feed(s);
      assert.equal(got.overflow, want.overflow, 'overflow exactly when a line passes the cap');
      if (!want.overflow) {
        assert.deepEqual(got.lines, want.lines);
        return;
      }
      // Every complete line before the over-long one is delivered (answered before the cut),
      // in order, and none after it.
      assert.deepEqual(got.lines, want.lines);
    }),
    runs(),
  );
});

// --- session: decide() in both dialects ---------------------------------------------------

const PRIME_MODEL = { stepRatio: 10, baseLength: 2 }; // the prime devnet's
const primeWork = (length: number): number => chainWork(wordOfLength(length), PRIME_MODEL);

interface Flavour {
  readonly name: string;
  readonly dialect: Dialect;
  readonly config: Partial<SessionConfig>;
  readonly job: (id: string, clean: boolean, net: number) => JobAnnouncement;
  readonly extra: fc.Arbitrary<string | undefined>;
  readonly networkDifficulty: fc.Arbitrary<number>;
}

const HASH: Flavour = {
  name: 'hash',
  dialect: hashDialect,
  config: {},
  job: (id, clean, net) => ({
    jobId: id,
    family: 'hash',
    notify: [id, '00'.repeat(32), '01', '02', [], '20000000', '207fffff', '5cb6dd9e', clean],
    clean,
    networkDifficulty: net,
  }),
  extra: fc.option(upperOrLower(hexOf(0, 6)), { nil: undefined }),
  networkDifficulty: fc.constantFrom(1e12, 1, 0.001, 0, 2 ** -20),
};

const PRIME: Flavour = {
  name: 'prime',
  dialect: primeDialect(PRIME_MODEL),
  config: {
    startDifficulty: primeWork(3),
    vardiff: { ...DEFAULT_VARDIFF, minDifficulty: primeWork(2), maxDifficulty: primeWork(99) },
  },
  job: (id, clean, net) => ({
    jobId: id,
    family: 'prime',
    notify: [id, '00'.repeat(32), '01', '02', [], '00000002', '06000000', '5cb6dd9e', clean],
    clean,
    networkDifficulty: net,
  }),
  // multipliers: minimal encodings, non-minimal, negative, odd-length, over 219 bytes, absent
  extra: fc.oneof(
    { arbitrary: fc.constantFrom('01', '0b', 'ff00', '7f', '8000', '2a'), weight: 10 },
    { arbitrary: fc.constantFrom('00', '', '0080', '80'), weight: 1 },
    { arbitrary: hexOf(1, 8), weight: 2 },
    { arbitrary: fc.constantFrom('abc', '01'.repeat(219), '01'.repeat(220)), weight: 1 },
    { arbitrary: fc.constant(undefined), weight: 2 },
  ),
  networkDifficulty: fc.constantFrom(primeWork(6), primeWork(2.5), primeWork(120), 0),
};

/** How a request's id is made: `fresh` ids are unique per run (their replies are counted). */
type IdKind = 'fresh' | 'fresh-string' | 'null' | 'absent' | 'reused' | 'weird';

type Step =
  | { kind: 'request'; method: string; params: unknown; idKind: IdKind; weird: unknown }
  | { kind: 'raw'; line: string }
  | { kind: 'too-long' }
  | { kind: 'job'; id: string; clean: boolean; net: number }
  /** `requestId` 'oldest' / 'newest': of the submits sent to verify so far (else made up). */
  | { kind: 'verdict'; requestId: number | 'oldest' | 'newest'; verdict: string }
  | { kind: 'tick'; advanceMs: number }
  | { kind: 'drain' };

const JOB_IDS = ['a', 'b', 'c', 'd'];
/** Stands for an extranonce2 of the run's configured size (the steps are drawn before the config). */
const EN2 = '@en2@';
/** Stands for the job id of the latest mining.notify the session sent (what a miner works on). */
const LATEST_JOB = '@job@';
/** Job ids a submit names: announced ones, their re-issues (`id.n`), unknown ones. */
const submitJobId = fc.oneof(
  { arbitrary: fc.constant(LATEST_JOB), weight: 12 },
  { arbitrary: fc.constantFrom(...JOB_IDS), weight: 4 },
  {
    arbitrary: fc
      .tuple(fc.constantFrom(...JOB_IDS), fc.integer({ min: 1, max: 12 }))
      .map(([j, n]) => `${j}.${n.toString(16)}`),
    weight: 3,
  },
  { arbitrary: fc.constantFrom('zz', '', 'x'.repeat(65)), weight: 1 },
  { arbitrary: paramValue, weight: 1 },
);
const workerName = fc.oneof(
  { arbitrary: fc.constant('acct.rig'), weight: 8 },
  {
    arbitrary: fc.constantFrom(
      'acct',
      'acct.rig2',
      'other',
      'bad',
      'acct.',
      '.rig',
      '',
      'a'.repeat(600),
    ),
    weight: 2,
  },
);

function requestParams(f: Flavour, method: string): fc.Arbitrary<unknown> {
  const mutate = (a: fc.Arbitrary<unknown[]>): fc.Arbitrary<unknown> =>
    fc.oneof(
      { arbitrary: a, weight: 16 },
      // one param replaced, one dropped, one appended, or the params not an array at all
      {
        arbitrary: fc.tuple(a, fc.nat(), paramValue).map(([p, i, v]) => {
          const q = [...p];
          q[p.length === 0 ? 0 : i % p.length] = v;
          return q;
        }),
        weight: 2,
      },
      {
        arbitrary: fc
          .tuple(a, fc.nat())
          .map(([p, i]) => p.filter((_, k) => k !== i % Math.max(1, p.length))),
        weight: 1,
      },
      { arbitrary: fc.tuple(a, paramValue).map(([p, v]) => [...p, v]), weight: 1 },
      { arbitrary: fc.oneof(jsonish, fc.constant(null)), weight: 1 },
    );
  switch (method) {
    case 'mining.subscribe':
      return mutate(
        fc.oneof(
          fc.constant<unknown[]>([]),
          fc.string({ maxLength: 30 }).map((s): unknown[] => [s]),
        ),
      );
    case 'mining.authorize':
      return mutate(
        fc
          .tuple(workerName, fc.constantFrom('x', '', 'd=0.01', 'd=1e9', 'd=-1', 'd=abc', 'd=3.5'))
          .map((t) => [...t]),
      );
    case 'mining.configure':
      return mutate(
        fc
          .tuple(
            fc.subarray(['version-rolling', 'minimum-difficulty', 'subscribe-extranonce', 'x']),
            fc.constantFrom('1fffe000', 'ffffffff', '0', 'zz', '123456789'),
          )
          .map(([e, mask]) => [e, { 'version-rolling.mask': mask }]),
      );
    case 'mining.suggest_difficulty':
      return mutate(
        fc
          .oneof(
            oddNumber,
            fc.constantFrom('1', '0.5', '1e400', 'abc', '3.5'),
            fc.double({ min: 1e-9, max: 1e9, noNaN: true }),
          )
          .map((d) => [d]),
      );
    case 'mining.extranonce.subscribe':
      return mutate(fc.constant([]));
    default:
      return mutate(
        fc
          .tuple(
            workerName,
            submitJobId,
            fc.oneof(
              { arbitrary: fc.constant(EN2), weight: 12 },
              { arbitrary: hexOf(0, 6), weight: 1 },
              { arbitrary: fc.constantFrom('abc', 'zzzzzzzz'), weight: 1 },
            ),
            fc.oneof(
              { arbitrary: hex8, weight: 4 },
              { arbitrary: fc.constantFrom('5cb6dd9e', '5CB6DD9E'), weight: 4 },
              { arbitrary: fc.constantFrom('1234567', 'x', '5cb6dd9e0'), weight: 1 },
            ),
            fc.oneof(
              { arbitrary: hex8, weight: 4 },
              { arbitrary: fc.constantFrom('00000000', 'ffffffff'), weight: 1 },
            ),
            f.extra,
            fc.oneof(
              { arbitrary: fc.constant(undefined), weight: 6 },
              { arbitrary: fc.constantFrom('1CC', '2cc', 'TWN', 'bad', 'x'.repeat(17)), weight: 1 },
            ),
          )
          .map(([w, j, en2, ntime, nonce, extra, claim]) => {
            const p: unknown[] = [w, j, en2, ntime, nonce];
            if (extra !== undefined) p.push(extra);
            if (claim !== undefined) {
              if (extra === undefined) p.push(null); // a 7th param needs a 6th
              p.push(claim);
            }
            return p;
          }),
      );
  }
}

function stepOf(f: Flavour): fc.Arbitrary<Step> {
  const request = fc
    .constantFrom(...METHODS, 'mining.submit', 'mining.submit', 'mining.submit')
    .chain((method) =>
      fc.record({
        kind: fc.constant('request' as const),
        method: fc.oneof(
          { arbitrary: fc.constant(method), weight: 20 },
          fc.constantFrom('mining.nope', ''),
        ),
        params: requestParams(f, method),
        idKind: fc.oneof(
          { arbitrary: fc.constant<IdKind>('fresh'), weight: 12 },
          { arbitrary: fc.constantFrom<IdKind>('fresh-string', 'null', 'reused'), weight: 3 },
          { arbitrary: fc.constantFrom<IdKind>('absent', 'weird'), weight: 1 },
        ),
        weird: idValue,
      }),
    );
  return fc.oneof(
    { arbitrary: request, weight: 180 },
    {
      arbitrary: fc
        .oneof(
          anyLine,
          fc.constantFrom('{"id":9,"result":true,"error":null}', '{"id":null,"result":["x"]}'),
        )
        .map((line) => ({ kind: 'raw' as const, line })),
      weight: 4,
    },
    { arbitrary: fc.constant({ kind: 'too-long' as const }), weight: 1 },
    {
      arbitrary: fc.record({
        kind: fc.constant('job' as const),
        id: fc.constantFrom(...JOB_IDS),
        clean: fc.boolean(),
        net: f.networkDifficulty,
      }),
      weight: 24,
    },
    {
      arbitrary: fc.record({
        kind: fc.constant('verdict' as const),
        requestId: fc.oneof(
          { arbitrary: fc.constantFrom<'oldest' | 'newest'>('oldest', 'newest'), weight: 6 },
          { arbitrary: fc.integer({ min: 1, max: 12 }), weight: 3 },
          { arbitrary: fc.oneof(fc.integer(), fc.constant(0)), weight: 1 },
        ),
        verdict: fc.oneof(
          { arbitrary: fc.constant('accepted'), weight: 6 },
          {
            arbitrary: fc.constantFrom(
              'low-difficulty',
              'stale',
              'duplicate',
              'bad-ntime',
              'bad-version-bits',
              'bad-multiplier',
              'invalid',
              'server-busy',
            ),
            weight: 5,
          },
        ),
      }),
      weight: 72,
    },
    {
      arbitrary: fc.record({
        kind: fc.constant('tick' as const),
        advanceMs: fc.oneof(
          fc.integer({ min: 0, max: 2_000 }),
          fc.integer({ min: 0, max: 40_000 }),
        ),
      }),
      weight: 18,
    },
    { arbitrary: fc.constant({ kind: 'drain' as const }), weight: 1 },
  );
}

/** Some steps that make a session ready first, so most runs get past the handshake. */
function opening(f: Flavour): Step[] {
  return [
    { kind: 'request', method: 'mining.subscribe', params: [], idKind: 'fresh', weird: null },
    {
      kind: 'request',
      method: 'mining.authorize',
      params: ['acct.rig', 'x'],
      idKind: 'fresh',
      weird: null,
    },
    { kind: 'job', id: 'a', clean: true, net: f.name === 'prime' ? primeWork(6) : 1e12 },
  ];
}

const RATE_KINDS = Object.keys(baseConfig.rates) as (keyof RateLimits)[];

const configArb = fc.record({
  extranonce2Size: fc.integer({ min: 1, max: 8 }),
  versionMask: fc.constantFrom(0, 0x1fffe000),
  maxJobs: fc.integer({ min: 1, max: 8 }),
  maxDedupEntries: fc.integer({ min: 1, max: 40 }),
  maxPendingSubmits: fc.oneof(
    { arbitrary: fc.integer({ min: 1, max: 2 }), weight: 2 },
    { arbitrary: fc.integer({ min: 1, max: 6 }), weight: 1 },
  ),
  verdictTimeoutMs: fc.integer({ min: 1_000, max: 20_000 }),
  maxWorkers: fc.integer({ min: 1, max: 4 }),
  handshakeMs: fc.integer({ min: 1_000, max: 60_000 }),
  drainGraceMs: fc.integer({ min: 0, max: 5_000 }),
  banWindow: fc.integer({ min: 4, max: 30 }),
  banInvalidFraction: fc.oneof(
    { arbitrary: fc.double({ min: 0.5, max: 1, noNaN: true }), weight: 4 },
    { arbitrary: fc.double({ min: 0.05, max: 1, noNaN: true }), weight: 1 },
  ),
  maxBadRequests: fc.integer({ min: 1, max: 6 }),
  // per-kind rate limits: the node's defaults, or tight enough to trip within a run
  rates: fc.oneof(
    { arbitrary: fc.constant(baseConfig.rates), weight: 2 },
    {
      arbitrary: fc
        .array(fc.tuple(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 100, max: 60_000 })), {
          minLength: RATE_KINDS.length,
          maxLength: RATE_KINDS.length,
        })
        .map(
          (limits) =>
            Object.fromEntries(RATE_KINDS.map((k, i) => [k, limits[i]])) as unknown as RateLimits,
        ),
      weight: 1,
    },
  ),
  idleShareMs: fc.oneof(
    fc.constant(baseConfig.idleShareMs),
    fc.integer({ min: 1_000, max: 120_000 }),
  ),
});

/** How deep the generated sessions got (checked after each dialect's runs: no vacuous pass). */
const NO_REACH = {
  steps: 0,
  closed: 0,
  verified: 0,
  accepted: 0,
  full: 0,
  bans: 0,
  difficulty: 0,
  maxPending: 0,
};
const reach = {
  full: 0,
  steps: 0,
  closed: 0,
  verified: 0,
  accepted: 0,
  bans: 0,
  difficulty: 0,
  maxPending: 0,
};

/** Runs the steps through one session, checking the invariants after each. */
function runSession(f: Flavour, cfg: SessionConfig, steps: Step[]): void {
  let now = 1_000_000;
  const ctx = (): SessionContext => ({
    nowMs: now,
    config: cfg,
    dialect: f.dialect,
    resolveAccount: (a) => (a === 'bad' ? { ok: false, reason: 'not an address' } : { ok: true }),
  });
  const s = initSession('0000000a', ctx());
  let nextId = 2 ** 40; // far from the ids a miner reuses (1, 2, …) and from 32-bit integers
  /** Replies seen per fresh id; ids of requests sent so far. */
  const replies = new Map<string | number, number>();
  const fresh = new Set<string | number>();
  /** Fresh ids of submits sent for verification and not answered yet. */
  const verifying = new Set<string | number>();
  const requestIds = new Set<number>();
  let closed = false;
  let en2Counter = 0;
  let latestJob = 'none';
  for (const [i, step] of steps.entries()) {
    let event: ConnectionEvent;
    switch (step.kind) {
      case 'request': {
        const msg: Record<string, unknown> = { method: step.method, params: step.params };
        let id: unknown;
        if (step.idKind === 'fresh') id = nextId++;
        else if (step.idKind === 'fresh-string') id = `fresh-${nextId++}`;
        else if (step.idKind === 'null') id = null;
        else if (step.idKind === 'reused') id = [1, 2, 1, 'x'][i % 4];
        else if (step.idKind === 'weird') id = step.weird;
        if (step.idKind !== 'absent') msg['id'] = id;
        if (step.idKind === 'fresh' || step.idKind === 'fresh-string')
          fresh.add(id as string | number);
        else if (fresh.has(id as string | number)) fresh.delete(id as string | number); // a weird id hit one
        const en2 = (++en2Counter)
          .toString(16)
          .padStart(16, '0')
          .slice(-cfg.extranonce2Size * 2);
        event = {
          type: 'line',
          line: JSON.stringify(msg)
            .replaceAll(`"${EN2}"`, `"${en2}"`)
            .replaceAll(`"${LATEST_JOB}"`, JSON.stringify(latestJob)),
        };
        break;
      }
      case 'raw':
        event = { type: 'line', line: step.line };
        break;
      case 'too-long':
        event = { type: 'line-too-long' };
        break;
      case 'job':
        event = { type: 'job', job: f.job(step.id, step.clean, step.net) };
        break;
      case 'verdict': {
        const sent = [...requestIds];
        const requestId =
          typeof step.requestId === 'number'
            ? step.requestId
            : ((step.requestId === 'oldest' ? sent.find((r) => s.pending.has(r)) : sent.pop()) ??
              0);
        event = { type: 'verdict', verdict: { requestId, verdict: step.verdict as 'accepted' } };
        break;
      }
      case 'tick':
        now += step.advanceMs;
        event = { type: 'tick' };
        break;
      case 'drain':
        event = { type: 'drain' };
        break;
    }
    const effects: Effect[] = decide(s, event, ctx());
    const where: string = `step ${i} (${JSON.stringify(event).slice(0, 300)})`;
    assert.ok(Array.isArray(effects), where);
    if (closed) assert.deepEqual(effects, [], `nothing after close: ${where}`);
    for (const [k, e] of effects.entries()) {
      if (e.kind === 'close') {
        assert.equal(closed, false, `one close: ${where}`);
        assert.equal(k, effects.length - 1, `close is the last effect: ${where}`);
        assert.equal(typeof e.reason, 'string');
        assert.equal(typeof e.ban, 'boolean');
        closed = true;
      } else if (e.kind === 'send') {
        const v = assertWireLine(e.line) as Record<string, unknown>;
        if ('method' in v) {
          assert.equal(v['id'], null, `notifications carry id null: ${where}`);
          assert.ok(Array.isArray(v['params']), where);
          if (v['method'] === 'mining.notify') latestJob = String((v['params'] as unknown[])[0]);
          continue;
        }
        assert.ok('result' in v && 'error' in v, `a reply: ${e.line}`);
        const id = v['id'] as string | number;
        if (fresh.has(id)) {
          const n = (replies.get(id) ?? 0) + 1;
          replies.set(id, n);
          assert.equal(n, 1, `request ${id} answered ${n} times: ${where}`);
          verifying.delete(id);
        }
      } else if (e.kind === 'verify') {
        assert.ok(!requestIds.has(e.share.requestId), `request id ${e.share.requestId} reused`);
        requestIds.add(e.share.requestId);
        assert.ok(Number.isFinite(e.share.difficulty) && e.share.difficulty > 0, where);
        assert.equal(e.share.extranonce2.length, cfg.extranonce2Size * 2, where);
        if (fresh.has(e.id as string | number)) verifying.add(e.id as string | number);
      }
    }
    assert.equal(s.closed, closed, `state and effects agree on close: ${where}`);
    reach.steps++;
    if (closed) reach.closed++;
    reach.maxPending = Math.max(reach.maxPending, s.pending.size);
    for (const e of effects) {
      if (e.kind === 'verify') reach.verified++;
      else if (e.kind === 'rejected' && e.rejection === 'too-many-pending') reach.full++;
      else if (e.kind === 'close' && e.ban) reach.bans++;
      else if (e.kind === 'send' && e.line.includes('"mining.set_difficulty"')) reach.difficulty++;
      else if (event.type === 'verdict' && e.kind === 'send' && e.line.includes('"result":true'))
        reach.accepted++;
    }
    assert.ok(
      s.pending.size <= cfg.maxPendingSubmits,
      `${s.pending.size} pending > ${cfg.maxPendingSubmits}: ${where}`,
    );
    assert.ok(verifying.size <= cfg.maxPendingSubmits, `unanswered submits: ${where}`);
    assert.ok(s.jobs.length <= cfg.maxJobs, where);
    assert.ok(s.recent.length <= cfg.banWindow, where);
  }
}

for (const f of [HASH, PRIME]) {
  test(`fuzz session (${f.name}) - random event sequences never throw and keep the invariants`, () => {
    fc.assert(
      fc.property(
        configArb,
        fc.oneof(
          { arbitrary: fc.constant(true), weight: 4 },
          { arbitrary: fc.constant(false), weight: 1 },
        ),
        fc.array(stepOf(f), { minLength: 1, maxLength: 80, size: 'max' }),
        (cfg, ready, steps) => {
          const config: SessionConfig = { ...baseConfig, ...f.config, ...cfg };
          runSession(f, config, ready ? [...opening(f), ...steps] : steps);
        },
      ),
      runs(),
    );
    // The generator must reach the deep states, not just closes on the first bad line.
    const r = { ...reach };
    Object.assign(reach, NO_REACH);
    const why = JSON.stringify(r);
    assert.ok(r.verified >= RUNS / 2, `few submits were sent to verify: ${why}`);
    assert.ok(r.accepted > 0 && r.bans > 0 && r.difficulty > 0, why);
    assert.ok(r.full > 0 && r.maxPending >= 2, `pending submits never filled up: ${why}`);
    assert.ok(r.closed < r.steps * 0.6, `most steps ran on closed sessions: ${why}`);
    if (process.env['COLLIERY_FUZZ_VERBOSE']) console.log(f.name, r);
  });
}
