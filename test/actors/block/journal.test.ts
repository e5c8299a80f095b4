// The block journal on a real LMDB in a temp dir: a job's transactions are kept once (an async
// commit when the job arrives) and an entry names them; the whole block comes back from the
// entry and the job's row, after a reopen too; rows of jobs no longer kept and named by no
// entry are pruned; an entry with its block inline (as before) still reads.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { open } from 'lmdb';
import { BlockJournal, type JournalEntry } from '../../../actors/block/journal.js';
import type { FoundBlock } from '../../../actors/block/messages.js';

const block = (hash: string): FoundBlock => ({ hash, foundAtMs: 1 }) as unknown as FoundBlock;
const until = async (ok: () => boolean): Promise<void> => {
  for (let i = 0; i < 200 && !ok(); i++) await new Promise((r) => setTimeout(r, 5));
  assert.ok(ok());
};

test('block journal - an entry names its job; the block comes back whole, after a reopen too', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'colliery-journal-'));
  try {
    let j = BlockJournal.open(dir);
    const txs = 'cd'.repeat(100_000);
    assert.equal(j.holdsJob('j1'), false);
    j.keepJob('j1', txs);
    j.keepJob('j0', ''); // no transactions: no row
    await until(() => j.holdsJob('j1'));
    assert.equal(j.holdsJob('j0'), false);
    const named: JournalEntry = { block: block('aa'), head: 'ff00', txsOf: 'j1', answered: false };
    const inline: JournalEntry = { block: block('bb'), head: 'ff11', txsOf: null, answered: false };
    j.write(named);
    j.write(inline);
    assert.equal(j.blockHex(named), `ff00${txs}`);
    assert.equal(j.blockHex(inline), 'ff11');
    await j.close();

    j = BlockJournal.open(dir);
    assert.ok(j.holdsJob('j1'), 'the row survives a reopen');
    const pending = j.pending();
    assert.deepEqual(
      pending.map((e) => [e.block.hash, e.txsOf]),
      [
        ['aa', 'j1'],
        ['bb', null],
      ],
    );
    assert.equal(j.blockHex(pending[0]!), `ff00${txs}`);
    assert.equal(j.size, 2);
    // j1 is no longer among the kept jobs, but an entry names it: kept.
    j.pruneJobs(new Set(['j2']));
    assert.ok(j.holdsJob('j1'));
    j.remove('aa');
    j.pruneJobs(new Set(['j2']));
    assert.equal(j.holdsJob('j1'), false, 'pruned once nothing names it');
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(j.blockHex({ ...named }), null, 'its row is gone');
    await j.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('block journal - an entry an earlier version wrote (the block inline) still reads', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'colliery-journal-'));
  try {
    const db = open({ path: dir, encoder: { useBigIntExtension: true } });
    await db.put('cc', { block: block('cc'), blockHex: 'ff22aa', answered: true });
    await db.close();
    const j = BlockJournal.open(dir);
    const [e] = j.pending();
    assert.equal(e?.block.hash, 'cc');
    assert.equal(j.blockHex(e!), 'ff22aa');
    await j.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
