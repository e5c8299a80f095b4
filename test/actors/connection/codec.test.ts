// Stratum codec - framing and edge validation of real and hostile lines.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  frameBytes,
  parseLine,
  encodeError,
  encodeResult,
  type Framed,
} from '../../../actors/connection/codec.js';

/** frameBytes with its tail kept between reads, as the Connection actor keeps it. */
function framer(maxLineBytes: number): (chunk: string | Buffer) => Framed {
  let tail: Buffer | null = null;
  return (chunk) => {
    const r = frameBytes(tail, Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk), maxLineBytes);
    tail = r.tail;
    return r;
  };
}

test('codec - framer splits several messages per chunk and joins split ones, tolerating CRLF', () => {
  const push = framer(1024);
  assert.deepEqual(push('{"a":1}\r\n{"b"').lines, ['{"a":1}']);
  const last = push(':2}\n\n{"c":3}\n');
  assert.deepEqual(last.lines, ['{"b":2}', '{"c":3}']);
  assert.equal(last.tail, null);
});

test('codec - framer reports overflow for a line over the cap and drops its bytes', () => {
  const push = framer(100);
  assert.equal(push('x'.repeat(60)).overflow, false);
  const r = push('y'.repeat(60));
  assert.equal(r.overflow, true);
  assert.equal(r.tail, null);
  assert.equal(framer(100)(`${'z'.repeat(200)}\n`).overflow, true);
  // The complete lines before the over-long one in the same read are still delivered.
  const mixed = framer(100)(`{"id":1}\n{"id":2}\n${'z'.repeat(200)}\n{"id":3}\n`);
  assert.deepEqual([mixed.lines, mixed.overflow], [['{"id":1}', '{"id":2}'], true]);
});

test('codec - framer keeps a UTF-8 character split across reads whole', () => {
  const push = framer(1024);
  const euro = Buffer.from('{"u":"€"}\n', 'utf8'); // the € is three bytes: split it between two reads
  assert.deepEqual(push(euro.subarray(0, 7)).lines, []);
  assert.deepEqual(push(euro.subarray(7)).lines, ['{"u":"€"}']);
});

test('codec - parses the public-pool bitaxe submit with version bits', () => {
  const r = parseLine(
    '{"id":5,"method":"mining.submit","params":["tb1q.bitaxe3","1","C7080000","64b3f3ec","ed460d91","00002000"]}',
  );
  assert.ok(r.ok);
  assert.equal(r.request.method, 'mining.submit');
  if (r.request.method !== 'mining.submit') return;
  assert.deepEqual(r.request.submit, {
    worker: 'tb1q.bitaxe3',
    jobId: '1',
    extranonce2: 'c7080000',
    ntime: 0x64b3f3ec,
    nonce: 0xed460d91,
    extra: '00002000',
    claim: null,
  });
});

test('codec - string ids are echoed (btcpool sends "id":"2fe65ed2f")', () => {
  const r = parseLine(
    '{"id":"2fe65ed2f","method":"mining.submit","params":["w","2","0000000000000001","5cb6dd9e","fe65ed2f"]}',
  );
  assert.ok(r.ok);
  assert.equal(r.request.id, '2fe65ed2f');
  assert.equal(encodeResult('2fe65ed2f', true), '{"id":"2fe65ed2f","result":true,"error":null}\n');
});

test('codec - hostile lines give typed rejections, never throw', () => {
  const cases: [string, string, boolean][] = [
    ['not json at all', 'bad-request', true],
    ['[1,2,3]', 'bad-request', true],
    ['{"id":1}', 'bad-request', true],
    ['{"id":{"x":1},"method":"mining.subscribe"}', 'bad-request', true],
    ['{"id":1,"method":"mining.frobnicate","params":[]}', 'unknown-method', false],
    ['{"id":1,"method":"mining.submit","params":"nope"}', 'bad-params', false],
    [
      '{"id":1,"method":"mining.submit","params":["w","j","00","xyz","00000000"]}',
      'bad-params',
      false,
    ],
    [
      '{"id":1,"method":"mining.submit","params":["w","j","0","00000000","00000000"]}',
      'bad-extranonce2',
      false,
    ],
    ['{"id":1,"method":"mining.submit","params":[1,2,3,4,5]}', 'bad-params', false],
    ['{"id":1,"method":"mining.authorize","params":[]}', 'bad-params', false],
    ['{"id":1,"method":"mining.suggest_difficulty","params":[-5]}', 'bad-params', false],
    ['{"id":1,"method":"mining.configure","params":["version-rolling",{}]}', 'bad-params', false],
  ];
  for (const [line, rejection, fatal] of cases) {
    const r = parseLine(line);
    assert.equal(r.ok, false, line);
    if (r.ok) continue;
    assert.equal(r.rejection, rejection, line);
    assert.equal(r.fatal, fatal, line);
  }
});

test('codec - errors go out as [code, message, null] arrays', () => {
  assert.equal(
    encodeError(7, 'duplicate'),
    '{"id":7,"result":null,"error":[22,"Duplicate share",null]}\n',
  );
  assert.equal(
    encodeError(8, 'low-difficulty', 'share 0.5 < 1'),
    '{"id":8,"result":null,"error":[23,"Low difficulty share: share 0.5 < 1",null]}\n',
  );
});

test('codec - the accepted-share reply is byte for byte what JSON.stringify writes', () => {
  for (const id of [0, -0, 1, 7, 123_456_789, 1.5, -3, 1e21, 2 ** 53, 1e-7, 'a"b', null]) {
    assert.equal(encodeResult(id, true), `${JSON.stringify({ id, result: true, error: null })}\n`);
  }
});
