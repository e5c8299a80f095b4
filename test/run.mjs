// Test and benchmark launcher. Node 20's `node --test` neither expands globs nor finds
// compiled files by our naming alone, so this lists them and passes them explicitly:
//   node test/run.mjs            every dist/test/**/*.test.js (after `npm run build`), with
//                                coverage checked against test/coverage-floor.json
//   node test/run.mjs FILTER...  only files whose path contains one of the filters
//   node test/run.mjs --bench    every dist/test/bench/*.bench.js, one after another
//   node test/run.mjs --drill    every dist/test/drill/*.drill.js (failure drills), likewise
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, relative, sep } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const dist = join(root, 'dist', 'test');
const args = process.argv.slice(2);
const bench = args.includes('--bench');
const drill = args.includes('--drill');
const filters = args.filter((a) => !a.startsWith('--'));

function walk(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}

const suffix = bench ? '.bench.js' : drill ? '.drill.js' : '.test.js';
// Only compiled files whose source still exists: tsc leaves the output of a moved or deleted
// test behind in dist/.
const hasSource = (f) =>
  existsSync(join(root, relative(join(root, 'dist'), f)).replace(/\.js$/, '.ts'));
/**
 * Tests: a filter picks every file whose path contains it. Benches and drills are picked by
 * name (`npm run bench -- edge` runs edge.bench, not ledger.bench), or by a path with a '/'.
 */
const picks = (filter, rel) =>
  bench || drill
    ? filter.includes('/')
      ? rel.includes(filter)
      : basename(rel, suffix) === filter
    : rel.includes(filter);
/**
 * node --test starts files in the order given, two at a time: the end-to-end tests (nodes,
 * devnets and child processes, up to a minute or so a file) go first, so the short unit tests
 * fill in the ends of both lanes instead of a long file running alone at the end. By name within
 * each group.
 */
const LONG_FIRST = ['integration', 'topology'].map((d) => join(dist, d) + sep);
const group = (f) => (LONG_FIRST.some((d) => f.startsWith(d)) ? 0 : 1);
const files = walk(dist)
  .filter((f) => f.endsWith(suffix) && hasSource(f))
  .filter((f) => filters.length === 0 || filters.some((x) => picks(x, relative(root, f))))
  .sort((a, b) => group(a) - group(b) || (a < b ? -1 : a > b ? 1 : 0));

if (files.length === 0) {
  console.error(
    `no ${bench ? 'benchmark' : drill ? 'drill' : 'test'} files found under ${relative(root, dist)} (did the build run?)`,
  );
  process.exit(1);
}

if (bench || drill) {
  let failed = 0;
  for (const f of files) {
    console.log(`\n=== ${relative(dist, f)} ===`);
    const r = spawnSync(process.execPath, ['--expose-gc', f], { stdio: 'inherit', cwd: root });
    if (r.status !== 0) failed++;
  }
  process.exit(failed ? 1 : 0);
}

const concurrency = process.env.COLLIERY_TEST_CONCURRENCY ?? '2';
// Coverage of the whole run (every Node process the tests start writes V8 coverage here),
// unless COLLIERY_COVERAGE=off or only some files run.
const coverage =
  filters.length === 0 && process.env.COLLIERY_COVERAGE !== 'off'
    ? mkdtempSync(join(tmpdir(), 'colliery-coverage-'))
    : null;
const r = spawnSync(
  process.execPath,
  ['--test', `--test-concurrency=${concurrency}`, '--test-reporter=spec', ...files],
  // Tests check every handed-off message against its wire copy (runtime/envelope.ts handOff).
  {
    stdio: 'inherit',
    cwd: root,
    env: {
      ...process.env,
      COLLIERY_CHECK_HANDOFF: process.env.COLLIERY_CHECK_HANDOFF ?? '1',
      ...(coverage ? { NODE_V8_COVERAGE: coverage } : {}),
    },
  },
);
const status = r.status ?? 1;
process.exit(coverage ? Math.max(status, checkCoverage(coverage)) : status);

/**
 * Prints line, branch and function coverage of actors/, runtime/, native/ and topology/ (c8,
 * mapped back to the TypeScript) and fails the run when lines or branches fall below the floor
 * in test/coverage-floor.json; a run well above it says to raise the floor (it only goes up).
 */
function checkCoverage(dir) {
  const reportDir = join(dir, 'report');
  const c8 = spawnSync(
    process.execPath,
    [
      join(root, 'node_modules', 'c8', 'bin', 'c8.js'),
      'report',
      '--temp-directory',
      dir,
      '--report-dir',
      reportDir,
      '--reporter=json-summary',
      '--reporter=text-summary',
      '--exclude-after-remap',
      ...['actors', 'runtime', 'native', 'topology'].flatMap((d) => ['--include', `${d}/**`]),
    ],
    { stdio: 'inherit', cwd: root },
  );
  if (c8.status !== 0) {
    console.error('coverage: c8 report failed');
    return 1;
  }
  const total = JSON.parse(readFileSync(join(reportDir, 'coverage-summary.json'), 'utf8')).total;
  const floor = JSON.parse(readFileSync(join(root, 'test', 'coverage-floor.json'), 'utf8'));
  rmSync(dir, { recursive: true, force: true });
  let failed = 0;
  for (const k of ['lines', 'branches', 'functions']) {
    const pct = total[k].pct;
    const min = floor[k];
    const verdict = pct < min ? 'BELOW THE FLOOR' : pct >= min + 1 ? 'raise the floor' : 'ok';
    console.log(`coverage: ${k} ${pct.toFixed(2)} % (floor ${min} %): ${verdict}`);
    if (pct < min) failed = 1;
  }
  return failed;
}
