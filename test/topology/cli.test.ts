// colliery CLI - the entry point answers unknown commands with help, never a stack trace.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from '../helpers/paths.js';

const cli = join(repoRoot, 'dist', 'topology', 'cli.js');
const run = (...args: string[]) =>
  spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8' });

test('cli - unknown command prints help and exits 2 without a stack trace', () => {
  const r = run('frobnicate');
  assert.equal(r.status, 2);
  assert.match(r.stderr, /unknown command 'frobnicate'/);
  assert.match(r.stderr, /usage: colliery <command>/);
  assert.doesNotMatch(r.stderr, /\n\s+at /);
});

test('cli - no command prints help to stdout and exits 2', () => {
  const r = run();
  assert.equal(r.status, 2);
  assert.match(r.stdout, /usage: colliery <command>/);
});

test('cli - help exits 0', () => {
  const r = run('help');
  assert.equal(r.status, 0);
  assert.match(r.stdout, /commands:/);
});
