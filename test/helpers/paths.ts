// Where things are, from any compiled test file: the repository root (the folder holding
// package.json) and the test vectors inside it (test/vectors, copied unchanged; see its README).
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function findRoot(start: string): string {
  let dir = start;
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error(`no package.json above ${start}`);
    dir = up;
  }
  return dir;
}

export const repoRoot = findRoot(dirname(fileURLToPath(import.meta.url)));
export const vectorsDir = join(repoRoot, 'test', 'vectors');
export const vectorPath = (name: string): string => join(vectorsDir, name);

const dataDirs: string[] = [];
process.once('exit', () => {
  for (const d of dataDirs) rmSync(d, { recursive: true, force: true });
});

/**
 * A fresh data directory for a node a test starts (its LMDB ledger replica lives there), so
 * no test writes into the checkout's ./data; removed when the test process exits.
 */
export function testDataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'colliery-node-'));
  dataDirs.push(dir);
  return dir;
}
