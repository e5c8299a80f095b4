// Bad prime submits over a real socket to a prime pool node (real NATS, real devnet): malformed,
// negative and non-canonical multipliers, origins out of range, a wrong chain-type claim, a
// share on a superseded template. Each gets its error from the one Stratum table and the node
// keeps serving (a valid share is accepted afterwards).
import { testDataDir } from '../helpers/paths.js';
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { pino } from 'pino';
import { parseNotifyParams, prevHashFromStratum } from '../../actors/job/notify.js';
import { scriptToAddress } from '../../actors/shared/address.js';
import { bytesToHex, concatBytes, hexToBytes, reverseBytes } from '../../actors/shared/hex.js';
import { merkleRootFromBranch } from '../../actors/shared/merkle.js';
import { PRIME_NETWORKS } from '../../actors/shared/network.js';
import { sha256d } from '../../actors/shared/sha256d.js';
import { encodeMultiplier, primeChain } from '../../native/index.js';
import { loadConfig } from '../../topology/config.js';
import { startDevnet } from '../../topology/devnet/index.js';
import { primorial, sieveCandidates } from '../../topology/miner/prime-sieve.js';
import { startNode } from '../../topology/node.js';
import { createPoolHasher } from '../../topology/verifier.js';
import { startNatsServer } from '../helpers/nats-server.js';
import { until } from '../helpers/until.js';

const ADDRESS = scriptToAddress(
  Uint8Array.of(0x76, 0xa9, 0x14, ...new Uint8Array(20).fill(0x22), 0x88, 0xac),
  PRIME_NETWORKS['primecoin-devnet'],
) as string;

/** A line-oriented Stratum client that keeps every reply by id. */
async function client(port: number) {
  const socket = connect({ host: '127.0.0.1', port });
  socket.setEncoding('utf8');
  await new Promise((r) => socket.once('connect', r));
  const replies = new Map<number, { result: unknown; error: [number, string, null] | null }>();
  const notifies: unknown[][] = [];
  let buffer = '';
  socket.on('data', (chunk: string) => {
    buffer += chunk;
    let nl;
    while ((nl = buffer.indexOf('\n')) >= 0) {
      const m = JSON.parse(buffer.slice(0, nl)) as Record<string, unknown>;
      buffer = buffer.slice(nl + 1);
      if (m.method === 'mining.notify') notifies.push(m.params as unknown[]);
      else if (typeof m.id === 'number') replies.set(m.id, m as never);
    }
  });
  let id = 0;
  const call = async (method: string, params: unknown[]) => {
    const n = ++id;
    socket.write(`${JSON.stringify({ id: n, method, params })}\n`);
    return until(`reply ${n} to ${method}`, () => replies.get(n));
  };
  return { socket, call, notifies };
}

test('prime pool - bad submits get clear Stratum errors and nothing crashes', async () => {
  const nats = await startNatsServer();
  const devnet = await startDevnet({ family: 'prime', bits: 0x04000000 });
  const cfg = loadConfig([], {
    nodeId: 'h1',
    cluster: 'primehostile',
    natsUrls: [nats.url],
    dataDir: testDataDir(),
    coin: 'primecoin-devnet',
    rpc: [{ url: devnet.url }],
    poolAddress: ADDRESS,
    stratumHost: '127.0.0.1',
    stratumPort: 0,
    startDifficulty: 2,
    minDifficulty: 2,
    logLevel: 'silent',
  });
  const node = await startNode(cfg, {
    hasher: createPoolHasher(1),
    log: pino({ level: 'silent' }),
    sink: { append: async () => undefined },
    leaseTtlMs: 2_000,
  });
  const c = await client(node.stratumPort);
  after(async () => {
    c.socket.destroy();
    await node.stop();
    await devnet.close();
    await nats.stop();
  });
  const sub = await c.call('mining.subscribe', ['hostile']);
  const [, en1, en2Size] = sub.result as [unknown, string, number];
  assert.equal((await c.call('mining.authorize', [`${ADDRESS}.h`, 'x'])).result, true);
  const params = await until('a notify', () => c.notifies[c.notifies.length - 1]);
  assert.equal(params.length, 10, 'prime notify: 9 Stratum params + the share target');
  assert.equal(params[9], '02000000');
  const job = parseNotifyParams(params);
  const en2 = '00'.repeat(en2Size);
  const ntime = job.ntime.toString(16).padStart(8, '0');

  // A header with H >= 2^255 and a real chain of length >= 2 on it (the share target).
  const coinbase = concatBytes(
    hexToBytes(job.coinb1),
    hexToBytes(en1),
    hexToBytes(en2),
    hexToBytes(job.coinb2),
  );
  const root = merkleRootFromBranch(
    sha256d(coinbase),
    job.merkleBranch.map((b) => hexToBytes(b)),
  );
  const header = new Uint8Array(80);
  const view = new DataView(header.buffer);
  view.setUint32(0, job.version, true);
  header.set(reverseBytes(hexToBytes(prevHashFromStratum(job.prevHashStratum))), 4);
  header.set(root, 36);
  view.setUint32(68, job.ntime, true);
  view.setUint32(72, parseInt(job.bits, 16), true);
  let nonce = 0;
  let hash = 0n;
  let lowNonce = -1;
  for (; ; nonce++) {
    view.setUint32(76, nonce, true);
    hash = BigInt(`0x${bytesToHex(reverseBytes(sha256d(header)))}`);
    if (hash < 1n << 255n && lowNonce < 0) lowNonce = nonce;
    if (hash >= 1n << 255n && hash % 2n === 1n && lowNonce >= 0) break;
  }
  const fixed = primorial(9);
  const found: { multiplier: bigint; type: string }[] = [];
  for (const k of sieveCandidates(hash, {
    primorialPrimes: 9,
    sievePrimes: 1000,
    depth: 2,
    size: 60_000,
  })) {
    if (k % 2 === 0) continue; // H and k odd: O = H·p#·k is 2 mod 4, the normalization rule cannot apply
    const w = primeChain(hash * fixed * BigInt(k));
    const best = Math.max(w.cunningham1, w.cunningham2, w.biTwin);
    if (best >= 0x02000000) {
      const type = best === w.cunningham1 ? '1CC' : best === w.cunningham2 ? '2CC' : 'TWN';
      found.push({ multiplier: fixed * BigInt(k), type });
      if (found.length === 2) break;
    }
  }
  assert.equal(found.length, 2, 'found two length-2 chains');
  const mult = bytesToHex(encodeMultiplier(found[0]!.multiplier));
  const type = found[0]!.type;
  const other = bytesToHex(encodeMultiplier(found[1]!.multiplier));
  const hex8 = (n: number) => n.toString(16).padStart(8, '0');
  const submit = (m: string | null, claim?: string, n = nonce, jobId = job.jobId) =>
    c.call('mining.submit', [
      `${ADDRESS}.h`,
      jobId,
      en2,
      ntime,
      hex8(n),
      ...(m === null ? [] : [m]),
      ...(claim ? [claim] : []),
    ]);
  const error = async (p: Promise<{ error: [number, string, null] | null }>) => (await p).error;

  assert.deepEqual((await error(submit(null)))?.slice(0, 2), [
    20,
    'Invalid multiplier: the multiplier (6th param) is required',
  ]);
  assert.match((await error(submit('abc')))![1], /Invalid multiplier: odd number/);
  assert.match((await error(submit('zz')))![1], /Invalid params|Malformed/);
  assert.match((await error(submit('ff')))![1], /Invalid multiplier: multiplier is negative/);
  assert.match((await error(submit(`${mult}00`)))![1], /Invalid multiplier: .*not minimal/);
  assert.match(
    (await error(submit('')))![1],
    /Invalid multiplier: origin out of range \(below 2\^255\)/,
  );
  assert.match(
    (await error(submit('7f'.repeat(219))))![1],
    /Invalid multiplier: origin out of range \(above/,
  );
  assert.match(
    (await error(submit('7f'.repeat(220))))![1],
    /Invalid multiplier: longer than 219 bytes/,
  );
  assert.match((await error(submit('01', undefined, lowNonce)))![1], /header hash below 2\^255/);
  assert.match((await error(submit(mult, 'XYZ')))![1], /chain type must be 1CC, 2CC or TWN/);
  const wrong = found[1]!.type === 'TWN' ? '1CC' : 'TWN';
  const claimed = await error(submit(other, wrong));
  assert.equal(claimed?.[0], 20);
  assert.match(claimed![1], new RegExp(`Invalid share: claimed ${wrong}, found ${found[1]!.type}`));
  // The same share with the right claim: accepted once, then a duplicate.
  assert.equal((await submit(mult, type)).result, true);
  assert.equal((await error(submit(mult, type)))?.[0], 22);
  // A new block supersedes the template: the old job id is stale (21).
  // A job id this node never issued (or has forgotten): stale, 21.
  assert.equal((await error(submit(mult, type, nonce, 'nope')))?.[0], 21);
  const stats = await node.shareStats();
  assert.ok((stats.verdicts['bad-multiplier'] ?? 0) >= 2);
  assert.equal(stats.verdicts.accepted, 1);
});
