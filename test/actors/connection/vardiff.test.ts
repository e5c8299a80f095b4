// vardiff - converges and stays stable under constant hashrate; comes down fast when idle.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { VardiffState } from '../../../actors/connection/vardiff.js';
import {
  DEFAULT_VARDIFF,
  initVardiff,
  onShare,
  onTick,
  setMinerDifficulty,
  snapPow2,
} from '../../../actors/connection/vardiff.js';

const cfg = DEFAULT_VARDIFF;

/** Simulates a miner of `hashesPerSec` with a seeded exponential share process. */
function simulate(
  hashesPerSec: number,
  startDiff: number,
  seconds: number,
  seed = 1,
): VardiffState[] {
  let x = seed;
  const rand = () => {
    x = (x * 1103515245 + 12345) % 2147483648;
    return (x + 0.5) / 2147483648;
  };
  let s = initVardiff(cfg, startDiff, 0);
  const history: VardiffState[] = [];
  let t = 0;
  let nextTick = 1000;
  while (t < seconds * 1000) {
    const meanMs = (s.difficulty * 2 ** 32 * 1000) / hashesPerSec;
    const wait = -Math.log(rand()) * meanMs;
    if (t + wait > nextTick) {
      t = nextTick;
      nextTick += 1000;
      s = onTick(cfg, s, t);
    } else {
      t += wait;
      s = onShare(cfg, s, s.difficulty, t);
    }
    history.push(s);
  }
  return history;
}

test('vardiff - converges under constant hashrate to about one share per target interval', () => {
  const hashrate = 500e12; // 500 TH/s: D* = 500e12 * 10 / 2^32 ≈ 1.16M → 2^20
  const h = simulate(hashrate, 512, 3600);
  const final = h[h.length - 1]!.difficulty;
  const ideal = (hashrate * cfg.targetShareMs) / 1000 / 2 ** 32;
  assert.ok(final / ideal > 0.5 && final / ideal < 2, `final ${final} vs ideal ${ideal}`);
});

test('vardiff - stable for large miners once converged (few changes in an hour)', () => {
  const h = simulate(100e12, 2 ** 17, 7200, 7);
  const second = h.slice(Math.floor(h.length / 2));
  let changes = 0;
  for (let i = 1; i < second.length; i++)
    if (second[i]!.difficulty !== second[i - 1]!.difficulty) changes++;
  assert.ok(changes <= 3, `changes in the second hour: ${changes}`);
});

test('vardiff - a tiny device on a high start difficulty comes down within minutes', () => {
  const hashrate = 500e9 / 1000; // 500 MH/s: ideal ≈ 1.16
  const h = simulate(hashrate, 65536, 600, 3);
  const final = h[h.length - 1]!.difficulty;
  assert.ok(final <= 4, `after 10 min: ${final}`);
});

test('vardiff - d= / suggest_difficulty set the difficulty at once, up or down, and hold it as the floor', () => {
  let s = initVardiff(cfg, 1, 0);
  s = setMinerDifficulty(cfg, s, 512, 0);
  assert.equal(s.difficulty, 512, 'raised at once');
  for (let t = 0; t < 10; t++) s = onTick(cfg, s, 600_000 * (t + 1));
  assert.equal(s.difficulty, 512, 'idle never goes below the floor');
  let u = s;
  for (let i = 1; i <= 8; i++) u = onShare(cfg, u, u.difficulty, 6_000_000 + i * 100);
  assert.ok(u.difficulty > 512, 'a fast miner is raised above its floor');

  let low = setMinerDifficulty(cfg, initVardiff(cfg, 1, 0), 0.001, 0);
  assert.deepEqual(
    [low.difficulty, low.floor],
    [0.001, 0.001],
    'lowered at once, not only a floor under the start difficulty',
  );
  for (let t = 1; t <= 10; t++) low = onTick(cfg, low, 600_000 * t);
  assert.equal(low.difficulty, 0.001, 'an idle miner stays at what it asked for');
});

test('vardiff - d= / suggest_difficulty are clamped to [min, max]; the same ask keeps the window', () => {
  const bounded = { ...cfg, minDifficulty: 0.5, maxDifficulty: 1024 };
  const s = initVardiff(bounded, 1, 0);
  const low = setMinerDifficulty(bounded, s, 0.001, 0);
  assert.deepEqual([low.difficulty, low.floor], [0.5, 0.5]);
  assert.equal(setMinerDifficulty(bounded, s, 1e9, 0).difficulty, 1024);
  const counted = onShare(bounded, setMinerDifficulty(bounded, s, 4, 0), 4, 1_000);
  assert.equal(setMinerDifficulty(bounded, counted, 4, 2_000), counted, 'nothing changes');
});

test('vardiff - snaps to powers of two', () => {
  assert.equal(snapPow2(1000), 1024);
  assert.equal(snapPow2(0.3), 0.25);
  assert.equal(snapPow2(2 ** 40), 2 ** 40);
});
