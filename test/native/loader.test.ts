// The loader and the install step, in child processes: COLLIERY_NATIVE=off forces the twin; an
// unbuilt or unloadable addon falls back to the twin with exactly one warning; and the install
// script exits 0 without a working compiler. Uses a temporary copy of native/ and dist/native/.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
  mkdirSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { repoRoot } from '../helpers/paths.js';

const GENESIS =
  '0100000000000000000000000000000000000000000000000000000000000000000000003ba3edfd7a7b12b27ac72c3e67768f617fc81bc3888a51323a9fb8aa4b1e5e4a29ab5f49ffff001d1dac2b7c';

// Loads the native module, imports it twice, runs one pool task, prints what it found.
const probe = (indexUrl: string): string => `
  const m = await import(${JSON.stringify(indexUrl)});
  await import(${JSON.stringify(indexUrl)});
  const hash = Buffer.from(m.sha256d(Buffer.from('${GENESIS}', 'hex'))).reverse().toString('hex');
  const pool = m.createVerifierPool({ threads: 2 });
  const r = await pool.hashHeaders(Buffer.from('${GENESIS}', 'hex'));
  await pool.destroy();
  console.log(JSON.stringify({ backend: m.backend, sha: m.shaFeature, reason: m.nativeUnavailableReason,
    hash, pooled: Buffer.from(r.value).reverse().toString('hex'), poolBackend: pool.backend }));`;

function run(cwd: string, script: string, env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    cwd,
    env: { ...process.env, ...env },
    encoding: 'utf8',
  });
  return {
    status: r.status,
    stdout: r.stdout,
    stderr: r.stderr,
    warnings: r.stderr.split('COLLIERY_NATIVE_TWIN').length - 1,
  };
}

const GENESIS_HASH = '000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f';
const distIndex = new URL('../../native/index.js', import.meta.url).href;

describe('native loader', () => {
  const temp = mkdtempSync(join(tmpdir(), 'colliery-native-'));
  after(() => rmSync(temp, { recursive: true, force: true }));
  // A copy of the install layout: package.json, node_modules, native/ sources, dist/native/.
  writeFileSync(join(temp, 'package.json'), JSON.stringify({ name: 'copy', type: 'module' }));
  symlinkSync(join(repoRoot, 'node_modules'), join(temp, 'node_modules'));
  mkdirSync(join(temp, 'native'));
  for (const f of ['binding.gyp', 'build.mjs', 'src'])
    cpSync(join(repoRoot, 'native', f), join(temp, 'native', f), { recursive: true });
  mkdirSync(join(temp, 'dist', 'native'), { recursive: true });
  for (const f of readdirSync(join(repoRoot, 'dist', 'native')).filter((x) => /\.c?js$/.test(x))) {
    cpSync(join(repoRoot, 'dist', 'native', f), join(temp, 'dist', 'native', f));
  }
  const copyIndex = new URL(`file://${join(temp, 'dist', 'native', 'index.js')}`).href;

  it(
    'uses the addon when built, without a warning',
    { skip: process.env.COLLIERY_NATIVE === 'off' },
    () => {
      const r = run(repoRoot, probe(distIndex));
      assert.equal(r.status, 0, r.stderr);
      const out = JSON.parse(r.stdout);
      assert.deepEqual([out.backend, out.poolBackend, out.reason], ['native', 'native', null]);
      assert.ok(out.sha === 'sha-ni' || out.sha === 'portable');
      assert.equal(out.hash, GENESIS_HASH);
      assert.equal(r.warnings, 0, r.stderr);
    },
  );

  it('COLLIERY_NATIVE=off forces the twin (workers too) with one warning', () => {
    const r = run(repoRoot, probe(distIndex), { COLLIERY_NATIVE: 'off' });
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.deepEqual([out.backend, out.sha, out.poolBackend], ['twin', 'typescript', 'twin']);
    assert.match(out.reason, /COLLIERY_NATIVE=off/);
    assert.equal(out.hash, GENESIS_HASH);
    assert.equal(out.pooled, GENESIS_HASH);
    assert.equal(r.warnings, 1, r.stderr);
  });

  it('the install step exits 0 without a compiler, and the twin then runs with one warning', () => {
    const build = spawnSync(process.execPath, [join(temp, 'native', 'build.mjs')], {
      cwd: temp,
      env: { ...process.env, CXX: '/bin/false', CC: '/bin/false', LINK: '/bin/false' },
      encoding: 'utf8',
    });
    assert.equal(build.status, 0, build.stderr);
    assert.match(build.stderr + build.stdout, /did not build/);
    assert.equal(
      existsSync(join(temp, 'native', 'build', 'Release', 'colliery_native.node')),
      false,
    );
    const r = run(temp, probe(copyIndex), { COLLIERY_NATIVE: '' }); // the copy's own fallback, not the switch
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.deepEqual([out.backend, out.poolBackend], ['twin', 'twin']);
    assert.match(out.reason, /not built/);
    assert.equal(out.hash, GENESIS_HASH);
    assert.equal(r.warnings, 1, r.stderr);
  });

  it('an addon file that does not load falls back to the twin with one warning', () => {
    mkdirSync(join(temp, 'native', 'build', 'Release'), { recursive: true });
    writeFileSync(
      join(temp, 'native', 'build', 'Release', 'colliery_native.node'),
      'not a shared object',
    );
    const r = run(temp, probe(copyIndex), { COLLIERY_NATIVE: '' }); // the copy's own fallback, not the switch
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.deepEqual([out.backend, out.poolBackend], ['twin', 'twin']);
    assert.match(out.reason, /did not load/);
    assert.equal(out.pooled, GENESIS_HASH);
    assert.equal(r.warnings, 1, r.stderr);
  });
});
