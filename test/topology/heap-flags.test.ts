// The pool node's V8 flags (topology/heap-flags.ts) reach every way a node starts: the
// `colliery` command's first line, and the supervisor's forks (which keep the operator's own).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { NODE_HEAP_FLAGS, withHeapFlags } from '../../topology/heap-flags.js';
import { repoRoot } from '../helpers/paths.js';

test('heap flags - the colliery command starts node with them', () => {
  const cli = join(repoRoot, 'dist', 'topology', 'cli.js');
  const first = readFileSync(cli, 'utf8').split('\n')[0] as string;
  assert.equal(first, `#!/usr/bin/env -S node ${NODE_HEAP_FLAGS.join(' ')}`);
  // The file as the kernel runs it (the bin npm links): env -S splits the line, node takes the flags.
  assert.match(execFileSync(cli, ['help'], { encoding: 'utf8' }), /start +start a pool node/); // node refuses a bad flag before any of this
});

test('heap flags - forks add the missing ones and keep what the operator gave', () => {
  assert.deepEqual(withHeapFlags([]), NODE_HEAP_FLAGS);
  assert.deepEqual(withHeapFlags(['--cpu-prof']), ['--cpu-prof', ...NODE_HEAP_FLAGS]);
  assert.deepEqual(withHeapFlags(['--max-semi-space-size=8']), ['--max-semi-space-size=8']);
});
