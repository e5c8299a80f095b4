// Test and benchmark launcher. Node 20's `node --test` neither expands globs nor finds
// compiled files by our naming alone, so this lists them and passes them explicitly:
//   node test/run.mjs            every dist/test/**/*.test.js (after `npm run build`)
//   node test/run.mjs FILTER...  only files whose path contains one of the filters
//   node test/run.mjs --bench    every dist/test/bench/*.bench.js, one after another
import { readdirSync, statSync, existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const dist = join(root, 'dist', 'test');
const args = process.argv.slice(2);
const bench = args.includes('--bench');
const filters = args.filter((a) => !a.startsWith('--'));

function walk(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}

const suffix = bench ? '.bench.js' : '.test.js';
// Only compiled files whose source still exists: tsc leaves the output of a moved or deleted
// test behind in dist/.
const hasSource = (f) =>
  existsSync(join(root, relative(join(root, 'dist'), f)).replace(/\.js$/, '.ts'));
const files = walk(dist)
  .filter((f) => f.endsWith(suffix) && hasSource(f))
  .filter((f) => filters.length === 0 || filters.some((x) => relative(root, f).includes(x)))
  .sort();

if (files.length === 0) {
  console.error(
    `no ${bench ? 'benchmark' : 'test'} files found under ${relative(root, dist)} (did the build run?)`,
  );
  process.exit(1);
}

if (bench) {
  let failed = 0;
  for (const f of files) {
    console.log(`\n=== ${relative(dist, f)} ===`);
    const r = spawnSync(process.execPath, ['--expose-gc', f], { stdio: 'inherit', cwd: root });
    if (r.status !== 0) failed++;
  }
  process.exit(failed ? 1 : 0);
}

const concurrency = process.env.COLLIERY_TEST_CONCURRENCY ?? '2';
const r = spawnSync(
  process.execPath,
  ['--test', `--test-concurrency=${concurrency}`, '--test-reporter=spec', ...files],
  // Tests check every handed-off message against its wire copy (runtime/envelope.ts handOff).
  {
    stdio: 'inherit',
    cwd: root,
    env: { ...process.env, COLLIERY_CHECK_HANDOFF: process.env.COLLIERY_CHECK_HANDOFF ?? '1' },
  },
);
process.exit(r.status ?? 1);
