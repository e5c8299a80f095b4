// submitblock's lane: the response parser on real byte layouts, the lane on a real socket
// (busy, not yet connected, closed without an answer, timed out), and CoinRpc sending
// submitblock on it against a real HTTP server.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createServer as createHttpServer, type IncomingMessage } from 'node:http';
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { HttpLane, LaneError, parseResponse } from '../../../actors/job/http-lane.js';
import { CoinRpc } from '../../../actors/job/rpc-client.js';

const b = (s: string): Buffer => Buffer.from(s, 'latin1');

test('http lane - parses Content-Length and chunked answers, waits for the rest, refuses garbage', () => {
  const cl = 'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 13\r\n\r\n';
  assert.equal(parseResponse(b(`${cl}{"result":1`)), null);
  assert.deepEqual(parseResponse(b(`${cl}{"result":1}\n`)), {
    response: { status: 200, text: '{"result":1}\n' },
    close: false,
  });
  const chunked =
    'HTTP/1.1 500 Internal\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n';
  const body = '5\r\n{"res\r\n8;ext=1\r\nult":nul\r\n2\r\nl}\r\n0\r\n\r\n';
  for (let cut = 0; cut < body.length; cut++)
    assert.equal(parseResponse(b(chunked + body.slice(0, cut))), null, `cut at ${cut}`);
  assert.deepEqual(parseResponse(b(chunked + body)), {
    response: { status: 500, text: '{"result":null}' },
    close: true,
  });
  assert.equal(parseResponse(b('HTTP/1.0 401 No\r\nContent-Length: 0\r\n\r\n'))?.close, true);
  assert.throws(() => parseResponse(b('SSH-2.0-OpenSSH\r\n\r\n')), /status line/);
  assert.throws(() => parseResponse(b('HTTP/1.1 200 OK\r\n\r\n')), /Content-Length/);
});

/** A raw TCP server whose answer to each request the test decides. */
async function rawServer(
  answer: (socket: Socket, request: string) => void,
): Promise<{ server: Server; port: number; sockets: Socket[] }> {
  const sockets: Socket[] = [];
  const server = createServer((s) => {
    sockets.push(s);
    s.on('data', (d) => answer(s, d.toString('latin1')));
    s.on('error', () => undefined);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, port: (server.address() as AddressInfo).port, sockets };
}

const ok = (text: string): string =>
  `HTTP/1.1 200 OK\r\nContent-Length: ${Buffer.byteLength(text)}\r\n\r\n${text}`;

test('http lane - connects first, takes one request at a time, and says what went wrong', async () => {
  let mode: 'answer' | 'close' | 'silent' = 'answer';
  const { server, port, sockets } = await rawServer((s, req) => {
    if (!req.includes('submitblock')) return void s.write(ok('{"result":1}')); // a ping
    if (mode === 'answer') setTimeout(() => s.write(ok('{"result":null}')), 20);
    else if (mode === 'close') s.destroy();
  });
  const lane = new HttpLane({
    host: '127.0.0.1',
    port,
    path: '/',
    auth: () => 'Basic dTpw',
    keepAliveMs: 60_000,
  });
  try {
    const body = '{"method":"submitblock","params":["00"]}';
    assert.equal(lane.post(body, 1_000), null, 'not connected yet: the caller goes another way');
    while (sockets.length === 0) await sleep(5);
    await sleep(20);
    const first = lane.post(body, 1_000);
    assert.ok(first);
    assert.equal(lane.post(body, 1_000), null, 'busy: one request at a time');
    assert.deepEqual(await first, { status: 200, text: '{"result":null}' });

    mode = 'close';
    await assert.rejects(lane.post(body, 1_000) ?? Promise.resolve(), (err: unknown) => {
      assert.ok(err instanceof LaneError);
      return !err.answered && !err.timedOut;
    });
    // The lane reconnects on its own; a ping (answered) shows it is back.
    const ping = '{"method":"getblockcount","params":[]}';
    let back: Promise<unknown> | null;
    while ((back = lane.post(ping, 1_000)) === null) await sleep(5);
    assert.equal(((await back) as { status: number }).status, 200);
    mode = 'silent';
    await assert.rejects(lane.post(body, 100) ?? Promise.resolve(), (err: unknown) => {
      assert.ok(err instanceof LaneError);
      return err.timedOut;
    });
  } finally {
    lane.close();
    server.close();
    for (const s of sockets) s.destroy();
  }
});

test('http lane - CoinRpc sends submitblock on its warm lane, and on node:http when it is busy', async () => {
  const seen: { method: string; socket: unknown; auth: string | undefined }[] = [];
  const connections: unknown[] = [];
  const server = createHttpServer((req: IncomingMessage, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      const { method, id } = JSON.parse(body) as { method: string; id: unknown };
      seen.push({ method, socket: req.socket, auth: req.headers.authorization });
      const result = method === 'submitblock' ? 'high-hash' : 7;
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ result, error: null, id }));
    });
  });
  server.on('connection', (s) => connections.push(s));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const rpc = new CoinRpc({ url: `http://user:pa%3Ass@127.0.0.1:${port}` });
  try {
    rpc.warmSubmitLane();
    while (connections.length === 0) await sleep(5);
    await sleep(20);
    assert.equal(await rpc.call('submitblock', ['00']), 'high-hash');
    assert.equal(seen.length, 1);
    assert.equal(seen[0]!.socket, connections[0], 'it came on the lane opened by warmSubmitLane');
    assert.equal(seen[0]!.auth, `Basic ${Buffer.from('user:pa:ss').toString('base64')}`);
    // Two at once: the second finds the lane busy and goes by node:http.
    const both = await Promise.all([
      rpc.call('submitblock', ['01']),
      rpc.call('submitblock', ['02']),
    ]);
    assert.deepEqual(both, ['high-hash', 'high-hash']);
    assert.equal(seen.length, 3);
    assert.notEqual(seen[1]!.socket, seen[2]!.socket);
  } finally {
    rpc.close();
    server.closeAllConnections();
    server.close();
  }
});
