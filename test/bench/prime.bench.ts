// Benchmark of the prime share path: verifications/s through the verifier pool (one worker
// thread = one core), addon against the TypeScript twin in the same run, plus the main
// thread's per-share work (header building, classification, weight). Inputs are the real
// mainnet 7-chains of primecoin-vectors.tsv (1CC07 #1304, TWN07 #13731, 2CC07 #31098;
// origins 288-356 bits) judged as pool shares at 07.000000:
//   share: block target above the chain (the common case: ELL chain test + normalization);
//   block: block target = the block's own nBits (adds the Fermat double check).
// Target (issue #6): ≥ 5,000 share verifications/s per core at length 7-8, judged on the rate
// per CPU-second of the process (worker + main thread): on a shared machine the wall-clock
// rate, printed first, also counts the time other processes held the cores. Never fails.
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { classifyPrimeShare } from '../../actors/share/prime-verdict.js';
import { primeShareWeight } from '../../actors/shared/prime-share-value.js';
import { backend, createVerifierPool, nativeImpl } from '../../native/index.js';
import type { PrimeShareItem } from '../../native/index.js';
import { vectorPath } from '../helpers/paths.js';

/**
 * Operations per wall-clock second, and per CPU-second of this process (main thread and worker
 * together, user + system): on a shared machine the second is what one core does, the first
 * also counts the time other processes held the cores.
 */
async function rateAsync(
  fn: () => Promise<void>,
  per: number,
  ms: number,
): Promise<{ wall: number; cpu: number }> {
  await fn();
  let ops = 0;
  const start = performance.now();
  const cpu0 = process.cpuUsage();
  let now = start;
  while (now - start < ms) {
    await fn();
    ops += per;
    now = performance.now();
  }
  const cpu = process.cpuUsage(cpu0);
  return { wall: (ops * 1000) / (now - start), cpu: (ops * 1e6) / (cpu.user + cpu.system) };
}
const fmt = (x: number): string => (x >= 1e3 ? `${(x / 1e3).toFixed(2)} k` : x.toFixed(1));
const line = (label: string, value: string, note = ''): void =>
  console.log(`${label.padEnd(52)} ${value.padStart(12)}  ${note}`);

console.log(`node ${process.version}  cpu ${cpus()[0]?.model ?? 'unknown'} x${cpus().length}`);
console.log(
  `load average ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
console.log(`backend ${backend}${nativeImpl === null ? '  (addon not loaded: twin only)' : ''}`);

const tsv = readFileSync(vectorPath('primecoin-vectors.tsv'), 'utf8')
  .split('\n')
  .filter((l) => l && !l.startsWith('#'));
const cols = tsv[0]!.split('\t');
const col = (row: string[], name: string): string => row[cols.indexOf(name)] ?? '';
const sevens = tsv
  .slice(1)
  .map((l) => l.split('\t'))
  .filter(
    (r) =>
      col(r, 'category').startsWith('real-xpm-main-') &&
      col(r, 'pow_ok') === '1' &&
      parseInt(col(r, 'nbits'), 16) >>> 24 === 7,
  )
  .map((r) => ({
    id: col(r, 'category').replace('real-xpm-main-', '#'),
    header: Uint8Array.from(Buffer.from(col(r, 'header80_hex'), 'hex')),
    multiplier: BigInt('0x' + col(r, 'multiplier_hex')),
    nBits: parseInt(col(r, 'nbits'), 16),
    originBits: BigInt('0x' + col(r, 'origin_hex')).toString(2).length,
  }));
console.log(
  `inputs: ${sevens.map((s) => `${s.id} (${s.originBits}-bit origin)`).join(', ')}; shares at 07.000000\n`,
);

const batch = (mode: 'share' | 'block'): PrimeShareItem[] =>
  Array.from({ length: 96 }, (_, i) => {
    const s = sevens[i % sevens.length]!;
    return {
      header: s.header,
      multiplier: s.multiplier,
      shareNBits: 0x07000000,
      blockNBits: mode === 'share' ? 0x0a000000 : s.nBits,
    };
  });

const model = { stepRatio: 32, baseLength: 6 };
const results: Record<string, number> = {};
const cpuRates: Record<string, number> = {};
for (const which of nativeImpl ? (['native', 'twin'] as const) : (['twin'] as const)) {
  const pool = createVerifierPool({ threads: 1, backend: which });
  for (const mode of ['share', 'block'] as const) {
    const items = batch(mode);
    const r = await rateAsync(
      async () => {
        // Two batches in flight, as the Share actor's flushes overlap: the worker never waits
        // for the main thread's classification.
        const outs = await Promise.all([pool.primeShares(items), pool.primeShares(items)]);
        for (const out of outs)
          out.forEach((o, i) => {
            const v = classifyPrimeShare(o.value!, {
              freshness: 'current',
              shareTarget: 0x07000000,
              blockTarget: items[i]!.blockNBits,
              claim: null,
              seen: () => false,
            });
            if (v.kind !== 'accepted') throw new Error(`${which} ${mode}: ${v.kind}`);
            primeShareWeight(v.length, 0x07000000, items[i]!.blockNBits, model);
          });
      },
      2 * items.length,
      which === 'twin' ? 2500 : 2000,
    );
    results[`${which}-${mode}`] = r.wall;
    cpuRates[`${which}-${mode}`] = r.cpu;
    const target = mode === 'share' && which === 'native';
    line(
      `pool ${which}, 1 thread: prime ${mode}s (length 7)`,
      `${fmt(r.wall)}/s`,
      `${fmt(r.cpu)}/CPU-s` +
        (target
          ? r.cpu >= 5000
            ? '  PASS (>= 5 k/s per core)'
            : '  MISS (< 5 k/s per core)'
          : ''),
    );
  }
  await pool.destroy();
}
if (results['native-share'] && results['twin-share']) {
  const ratio = results['native-share'] / results['twin-share'];
  line('addon / twin (shares)', `${ratio.toFixed(1)}x`);
  const ratioB = (results['native-block'] ?? 0) / (results['twin-block'] ?? 1);
  line('addon / twin (block candidates)', `${ratioB.toFixed(1)}x`);
}
