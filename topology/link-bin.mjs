// Run by `npm install` (the prepare script, after the build): links node_modules/.bin/colliery
// to this checkout's CLI so `npx colliery …` inside the clone starts at once. Without the link
// npx treats the project as a package to install and rebuilds it first (tens of seconds of
// silence). `npm link` (or `npm install -g .`) puts `colliery` on PATH for use elsewhere.
import { chmodSync, existsSync, lstatSync, mkdirSync, symlinkSync, unlinkSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(root, 'dist', 'topology', 'cli.js');
const bin = join(root, 'node_modules', '.bin');
const link = join(bin, 'colliery');
if (!existsSync(cli)) {
  console.warn(`colliery: ${relative(root, cli)} is missing (did the build fail?); not linking`);
} else {
  mkdirSync(bin, { recursive: true });
  try {
    if (lstatSync(link)) unlinkSync(link);
  } catch {
    // no link yet
  }
  symlinkSync(relative(bin, cli), link);
  chmodSync(cli, 0o755);
}
