// The vectors are copied unchanged and never edited to make a test pass: each file's SHA-256
// must match the checksum recorded in test/vectors/README.md when it was copied.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { vectorPath, vectorsDir } from './helpers/paths.js';

test('vectors - every vector file matches the checksum recorded when it was copied', () => {
  const readme = readFileSync(vectorPath('README.md'), 'utf8');
  const recorded = new Map(
    [...readme.matchAll(/^([0-9a-f]{64}) {2}(\S+)$/gm)].map((m) => [m[2] ?? '', m[1] ?? '']),
  );
  const files = readdirSync(vectorsDir).filter((f) => f !== 'README.md');
  assert.ok(files.length >= 4, `vector files in ${vectorsDir}: ${files.join(', ')}`);
  assert.deepEqual([...recorded.keys()].sort(), files.sort(), 'one checksum per vector file');
  for (const f of files) {
    const sum = createHash('sha256')
      .update(readFileSync(vectorPath(f)))
      .digest('hex');
    assert.equal(sum, recorded.get(f), `${f} differs from the copy recorded in README.md`);
  }
});
