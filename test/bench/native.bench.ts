// Benchmark of the native core's hot paths against its TypeScript twin and node:crypto,
// measured in one run: SHA256d headers/s, one base-2 Fermat test, prime-chain verifications,
// the Piscina verifier pool, and socket sends by io_uring against one send(2) each. Reports PASS/MISS against the targets; never fails.
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { connect, createServer, type Socket } from 'node:net';
import { cpus } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  backend,
  createVerifierPool,
  nativeImpl,
  sendBackend,
  sendToMany,
  shaFeature,
  twinImpl,
} from '../../native/index.js';
import type { NativeImpl, PrimeShareItem, SendBackend, SubmitRequest } from '../../native/index.js';
import { vectorPath } from '../helpers/paths.js';

/** Runs fn (which does `per` operations) repeatedly for about ms milliseconds; operations/s. */
function rate(fn: () => void, per = 1, ms = 700): number {
  fn();
  let ops = 0;
  const start = performance.now();
  let now = start;
  while (now - start < ms) {
    fn();
    ops += per;
    now = performance.now();
  }
  return (ops * 1000) / (now - start);
}

async function rateAsync(fn: () => Promise<void>, per: number, ms = 1500): Promise<number> {
  await fn();
  let ops = 0;
  const start = performance.now();
  let now = start;
  while (now - start < ms) {
    await fn();
    ops += per;
    now = performance.now();
  }
  return (ops * 1000) / (now - start);
}

const fmt = (x: number): string =>
  x >= 1e6 ? `${(x / 1e6).toFixed(2)} M` : x >= 1e3 ? `${(x / 1e3).toFixed(1)} k` : x.toFixed(1);
const line = (label: string, value: string, note = ''): void =>
  console.log(`${label.padEnd(46)} ${value.padStart(14)}  ${note}`);
const verdict = (ok: boolean): string => (ok ? 'PASS' : 'MISS');

console.log(`node ${process.version}  cpu ${cpus()[0]?.model ?? 'unknown'} x${cpus().length}`);
console.log(
  `backend ${backend}  sha ${shaFeature}${nativeImpl === null ? '  (addon not loaded: native rows skipped)' : ''}`,
);
const native: NativeImpl | null = nativeImpl;

// --- SHA256d of 80-byte headers ---------------------------------------------------------
console.log('\nSHA256d of 80-byte headers');
const N = 4096;
const headers = randomBytes(80 * N);
const one = headers.subarray(0, 80);
const viaCrypto = rate(() => {
  for (let i = 0; i < N; i++) {
    const h = headers.subarray(80 * i, 80 * i + 80);
    createHash('sha256').update(createHash('sha256').update(h).digest()).digest();
  }
}, N);
line('node:crypto (createHash twice per header)', `${fmt(viaCrypto)}/s`, 'baseline');
const twinSha = rate(() => twinImpl.sha256d(one), 1, 400);
line('twin (TypeScript), per call', `${fmt(twinSha)}/s`);
if (native) {
  const perCall = rate(() => {
    for (let i = 0; i < 256; i++) native.sha256d(one);
  }, 256);
  line('addon, per call', `${fmt(perCall)}/s`);
  const batched = rate(() => native.hashHeaders(headers), N);
  line('addon, batched (hashHeaders, 4096 per call)', `${fmt(batched)}/s`);
  const ratio = batched / viaCrypto;
  line(
    'ratio addon batched / node:crypto',
    `${ratio.toFixed(1)}x`,
    `target >= 30x  ${verdict(ratio >= 30)}`,
  );
}

// --- one base-2 Fermat test on ~300-bit numbers ------------------------------------------
console.log('\nBase-2 Fermat test, 300-bit odd numbers');
const odd300 = Array.from(
  { length: 64 },
  () => BigInt('0x' + randomBytes(38).toString('hex')) | (1n << 299n) | 1n,
).map((n) => n & ((1n << 300n) - 1n));
const fermatUs = (impl: NativeImpl, ms: number): number =>
  1e6 / rate(() => odd300.forEach((n) => impl.fermatTest(n)), odd300.length, ms);
const twinFermat = fermatUs(twinImpl, 600);
line('twin (BigInt)', `${twinFermat.toFixed(1)} us`);
let nativeFermat = 0;
if (native) {
  nativeFermat = fermatUs(native, 700);
  line(
    'addon (Montgomery, 5 limbs)',
    `${nativeFermat.toFixed(2)} us`,
    `target <= 15 us  ${verdict(nativeFermat <= 15)}`,
  );
  line('ratio twin / addon', `${(twinFermat / nativeFermat).toFixed(1)}x`);
}

// --- prime-chain verification --------------------------------------------------------------
// Real inputs only (chains cannot be scaled): the mainnet blocks of primecoin-vectors.tsv
// (TWN06 genesis, 1CC07 #1304, TWN07 #13731, 2CC07 #31098, DTC TWN06; origins 300-380 bits)
// through the full CheckPrimeProofOfWork (ELL + Fermat double check), and block 368051's
// 13-chain origin (1CC 0d, 360 bits) through primeChain (primecoin.md section 7).
console.log('\nPrime-chain verification (real chains)');
const tsv = readFileSync(vectorPath('primecoin-vectors.tsv'), 'utf8')
  .split('\n')
  .filter((l) => l && !l.startsWith('#'));
const cols = tsv[0]!.split('\t');
const col = (row: string[], name: string): string => row[cols.indexOf(name)] ?? '';
const rows = tsv.slice(1).map((l) => l.split('\t'));
const blocks = rows
  .filter(
    (r) =>
      col(r, 'category').startsWith('real-') &&
      col(r, 'pow_ok') === '1' &&
      col(r, 'net') === 'main',
  )
  .map((r) => ({
    id: col(r, 'category'),
    hash: Uint8Array.from(Buffer.from(col(r, 'header_hash'), 'hex').reverse()),
    multiplier: BigInt('0x' + col(r, 'multiplier_hex')),
    nBits: parseInt(col(r, 'nbits'), 16),
    header: Uint8Array.from(Buffer.from(col(r, 'header80_hex'), 'hex')),
  }));
const origin368051 = BigInt(
  '0x' +
    col(
      rows.find((r) => col(r, 'category') === 'real-xpm-main-368051-origin')!,
      'origin_hex',
    ),
);
console.log(
  `inputs: ${blocks.map((b) => b.id.replace('real-', '')).join(', ')}; 368051 origin (${origin368051.toString(2).length} bits)`,
);
const verify = (impl: NativeImpl): void => {
  for (const b of blocks)
    if (!impl.checkPrimeProofOfWork(b.hash, b.multiplier, b.nBits).ok) throw new Error(b.id);
};
const twinPow = rate(() => verify(twinImpl), blocks.length, 1500);
line('twin: CheckPrimeProofOfWork on real blocks', `${fmt(twinPow)}/s`);
const twin13 = rate(() => twinImpl.primeChain(origin368051), 1, 800);
line('twin: primeChain of the 368051 13-chain', `${fmt(twin13)}/s`);
if (native) {
  const nativePow = rate(() => verify(native), blocks.length, 1000);
  line('addon: CheckPrimeProofOfWork on real blocks', `${fmt(nativePow)}/s`);
  line(
    'ratio addon / twin (blocks)',
    `${(nativePow / twinPow).toFixed(1)}x`,
    `target >= 8x  ${verdict(nativePow / twinPow >= 8)}`,
  );
  const native13 = rate(() => native.primeChain(origin368051), 1, 800);
  line('addon: primeChain of the 368051 13-chain', `${fmt(native13)}/s`);
  line(
    'ratio addon / twin (13-chain)',
    `${(native13 / twin13).toFixed(1)}x`,
    `target >= 8x  ${verdict(native13 / twin13 >= 8)}`,
  );
}

// --- the Piscina verifier pool -----------------------------------------------------------
const threads = Math.min(2, cpus().length);
console.log(
  `\nVerifier pool (Piscina, ${threads} threads, batches of 256 submits / 64 shares, 4 in flight)`,
);
const submits: SubmitRequest[] = Array.from({ length: 256 }, (_, i) => ({
  coinbase1: randomBytes(60),
  extranonce1: randomBytes(4),
  extranonce2: randomBytes(8),
  coinbase2: randomBytes(120),
  merkleBranches: randomBytes(32 * 12),
  version: 0x20000000,
  prevHash: randomBytes(32),
  ntime: 0x66221bdf,
  nbits: 0x17034219,
  nonce: i,
}));
const shares: PrimeShareItem[] = Array.from({ length: 64 }, (_, i) => {
  const b = blocks[i % blocks.length]!;
  return {
    header: b.header,
    multiplier: b.multiplier,
    shareNBits: 0x05000000,
    blockNBits: b.nBits,
  };
});
for (const which of native ? (['native', 'twin'] as const) : (['twin'] as const)) {
  const pool = createVerifierPool({ threads, backend: which });
  const submitRate = await rateAsync(async () => {
    await Promise.all([0, 1, 2, 3].map(() => pool.hashSubmits(submits)));
  }, 4 * submits.length);
  line(`pool ${which}: hash-submit items`, `${fmt(submitRate)}/s`);
  const shareRate = await rateAsync(
    async () => {
      await Promise.all([0, 1, 2, 3].map(() => pool.primeShares(shares)));
    },
    4 * shares.length,
    which === 'twin' ? 2500 : 1500,
  );
  line(`pool ${which}: prime shares (real blocks, full check)`, `${fmt(shareRate)}/s`);
  await pool.destroy();
}

// --- socket sends ---------------------------------------------------------------------------
// sendToMany on one thread, a 585-byte notify to 2,000 loopback sockets read by this process,
// by io_uring and by one send(2) each, in alternating rounds (the host drifts): the wall time of
// the call, which on loopback includes the receiving side's kernel work.
if (sendToMany !== null && sendBackend() !== null) {
  const was = sendBackend()!;
  const uring = sendBackend('io_uring') === 'io_uring';
  const PAIRS = 2_000;
  console.log(`\nSocket sends (sendToMany, one thread, ${PAIRS} loopback sockets, 585 bytes each)`);
  const server = createServer();
  const accepted: Socket[] = [];
  server.on('connection', (s) => void accepted.push(s));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as { port: number }).port;
  const clients: Socket[] = [];
  let received = 0;
  for (let i = 0; i < PAIRS; i++) {
    const c = connect(port, '127.0.0.1');
    c.on('data', (d: Buffer) => void (received += d.length));
    clients.push(c);
    await once(c, 'connect');
  }
  while (accepted.length < PAIRS) await sleep(5);
  const fds = new Int32Array(
    accepted.map((s) => (s as unknown as { _handle: { fd: number } })._handle.fd),
  );
  const notify = Buffer.alloc(585, 0x61);
  const perSocket: Record<SendBackend, number[]> = { io_uring: [], send: [] };
  for (let round = 0; round < 8; round++) {
    for (const b of uring ? (['io_uring', 'send'] as const) : (['send'] as const)) {
      sendBackend(b);
      const want = received + PAIRS * notify.length;
      const t0 = performance.now();
      sendToMany(fds, notify, 1);
      perSocket[b].push(((performance.now() - t0) * 1000) / PAIRS);
      while (received < want) await sleep(1);
    }
  }
  const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1] ?? NaN;
  line('one send(2) each, per socket', `${median(perSocket.send).toFixed(2)} us`, 'baseline');
  if (uring) {
    line('io_uring (1,024 per enter), per socket', `${median(perSocket.io_uring).toFixed(2)} us`);
    line(
      'ratio send(2) / io_uring',
      `${(median(perSocket.send) / median(perSocket.io_uring)).toFixed(2)}x`,
      'medians of 8 alternating rounds',
    );
  } else line('io_uring', 'refused by this kernel');
  sendBackend(was);
  for (const s of [...accepted, ...clients]) s.destroy();
  server.close();
}
