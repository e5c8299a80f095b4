// Install step for the native core: builds the N-API addon with npm's bundled node-gyp.
// A machine without a compiler still installs: the pure-TypeScript twin runs instead,
// and the loader says so once at start.
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
if (!existsSync(join(here, 'binding.gyp'))) process.exit(0);

const args = ['rebuild', `--directory=${here}`];
// Build against the headers that ship with this Node (no download) when npm was not told.
const prefix = join(dirname(process.execPath), '..');
if (!process.env.npm_config_nodedir && existsSync(join(prefix, 'include', 'node', 'node_api.h'))) {
  args.push(`--nodedir=${prefix}`);
}
// npm tells lifecycle scripts where its bundled node-gyp lives; run by hand, look beside npm.
const bundled = join(
  prefix,
  'lib',
  'node_modules',
  'npm',
  'node_modules',
  'node-gyp',
  'bin',
  'node-gyp.js',
);
const gyp = process.env.npm_config_node_gyp ?? (existsSync(bundled) ? bundled : null);
const r = gyp
  ? spawnSync(process.execPath, [gyp, ...args], { stdio: 'inherit' })
  : spawnSync('node-gyp', args, { stdio: 'inherit', shell: process.platform === 'win32' });
if (r.status !== 0) {
  console.warn(
    '\ncolliery: the native core did not build (' +
      (r.error ? r.error.message : `node-gyp exited ${r.status}`) +
      '); the pure-TypeScript twin will verify shares, much more slowly. ' +
      'Install g++, make and python3, then run `npm rebuild colliery` or `node native/build.mjs`.\n',
  );
}
