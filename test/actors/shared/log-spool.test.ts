// The share spool on real LMDB in a temp dir: entries read back in the order they were added
// (also after a reopen), removal, the record and byte bounds, and a writer killed with SIGKILL
// in the middle of its writes (every add it saw resolve is there, intact and in order).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LogSpool, SHARE_SPOOL_FULL, type SpoolEntry } from '../../../actors/shared/log-spool.js';
import { hasCode } from '../../../actors/shared/errors.js';

const root = mkdtempSync(join(tmpdir(), 'colliery-spool-'));
after(() => rmSync(root, { recursive: true, force: true }));
let dirs = 0;
const freshDir = (): string => join(root, `s${++dirs}`);

function entry(n: number, size = 100): SpoolEntry {
  return {
    kind: 'shares',
    id: `n1:boot:${n}`,
    shares: n,
    data: new Uint8Array(size).fill(n % 256),
  };
}

const unlimited = { maxRecords: 1_000_000, maxBytes: 1e12 };

test('spool - entries read back in the order they were added, also after a reopen', async () => {
  const dir = freshDir();
  const spool = LogSpool.open(dir, unlimited);
  await Promise.all(Array.from({ length: 50 }, (_, i) => spool.add(entry(i + 1))));
  assert.equal(spool.depth, 50);
  assert.equal(spool.bytes, 5_000);
  const all = spool.peek(100);
  assert.deepEqual(
    all.map((s) => s.entry.id),
    Array.from({ length: 50 }, (_, i) => `n1:boot:${i + 1}`),
  );
  assert.equal(all[9]?.entry.data[0], 10);
  assert.deepEqual(
    spool.peek(3, all[4]?.key).map((s) => s.entry.shares),
    [6, 7, 8],
  );
  await spool.remove(all.slice(0, 20).map((s) => s.key));
  assert.equal(spool.depth, 30);
  await spool.close();

  const again = LogSpool.open(dir, unlimited);
  assert.equal(again.depth, 30);
  assert.equal(again.bytes, 3_000);
  assert.deepEqual(
    again.peek(2).map((s) => s.entry.id),
    ['n1:boot:21', 'n1:boot:22'],
  );
  await again.add(entry(51));
  assert.equal(again.peek(100).at(-1)?.entry.id, 'n1:boot:51', 'a new entry goes behind the old');
  await again.close();
});

test('spool - bounded by records and by bytes; room comes back as entries leave', async () => {
  const byRecords = LogSpool.open(freshDir(), { maxRecords: 3, maxBytes: 1e9 });
  for (let n = 1; n <= 3; n++) await byRecords.add(entry(n));
  await assert.rejects(byRecords.add(entry(4)), (e: unknown) => {
    assert.ok(hasCode(e, SHARE_SPOOL_FULL));
    assert.match((e as Error).message, /share spool full/);
    assert.equal((e as { retryable?: boolean }).retryable, true);
    return true;
  });
  assert.equal(byRecords.depth, 3);
  await byRecords.remove([byRecords.peek(1)[0]?.key as number]);
  await byRecords.add(entry(4));
  assert.deepEqual(
    byRecords.peek(10).map((s) => s.entry.shares),
    [2, 3, 4],
  );
  await byRecords.close();

  const byBytes = LogSpool.open(freshDir(), { maxRecords: 1_000, maxBytes: 250 });
  await byBytes.add(entry(1));
  await byBytes.add(entry(2));
  await assert.rejects(byBytes.add(entry(3)), (e: unknown) => hasCode(e, SHARE_SPOOL_FULL));
  assert.equal(byBytes.bytes, 200);
  await byBytes.close();
});

test('spool - a writer killed with SIGKILL mid-write loses no add it saw resolve', async () => {
  const dir = freshDir();
  const writer = join(dirname(fileURLToPath(import.meta.url)), 'spool-writer.js');
  const child = spawn(process.execPath, [writer, dir], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  let acked = 0;
  await new Promise<void>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`writer exited early (${code})`)));
    child.stdout.on('data', (b: Buffer) => {
      out += b.toString();
      const lines = out.split('\n');
      out = lines.pop() ?? '';
      if (lines.length > 0) acked = Number(lines.at(-1));
      if (acked >= 300) resolve();
    });
  });
  child.removeAllListeners('exit');
  const gone = new Promise((r) => child.once('exit', r));
  child.kill('SIGKILL');
  await gone;
  const spool = LogSpool.open(dir, unlimited);
  const all = spool.peek(1_000_000);
  assert.ok(all.length >= acked, `${all.length} entries, ${acked} acknowledged`);
  all.forEach(({ entry: e }, i) => {
    const n = i + 1;
    assert.equal(e.id, `w:${n}`, 'no gap, in order');
    assert.equal(e.shares, n);
    assert.equal(e.data.byteLength, 1_000 + (n % 7) * 500);
    assert.ok(
      e.data.every((b) => b === n % 251),
      `entry ${n} intact`,
    );
  });
  assert.equal(spool.depth, all.length);
  await spool.close();
});
