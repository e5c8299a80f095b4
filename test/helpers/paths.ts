// Where things are, from any compiled test file: the repository root (the folder holding
// package.json) and the shared test vectors beside it (../shared/vectors).
import { existsSync } from 'node:fs';
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
export const vectorsDir = join(repoRoot, '..', 'shared', 'vectors');
export const vectorPath = (name: string): string => join(vectorsDir, name);
