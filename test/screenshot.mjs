// `npm run screenshot`: starts `colliery demo` in a temporary folder (its own nats-server,
// devnet and miners, the dashboard on a free port), waits until the ledger holds a few blocks,
// and writes a screenshot of the dashboard's pool page with headless Chromium to
// docs/dashboard.png (README shows it). Needs a build (npm run screenshot builds first) and
// chromium (Debian: apt-get install chromium; or COLLIERY_CHROMIUM=/path/to/chrome).
//   node test/screenshot.mjs [--route '#/leaderboard'] [--out FILE] [--width 1280] [--blocks 3]
/* global fetch -- Node 20 has it; the lint config lists only the globals older code uses */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import puppeteer from 'puppeteer-core';

const root = fileURLToPath(new URL('..', import.meta.url));
const cli = join(root, 'dist', 'topology', 'cli.js');
// Built from test/helpers/chromium.ts (npm run screenshot builds first).
const { findChromium } = await import(join(root, 'dist', 'test', 'helpers', 'chromium.js'));

function option(name, fallback) {
  const i = process.argv.indexOf(name);
  return i > 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1] : fallback;
}
const route = option('--route', '#/');
const out = join(root, option('--out', join('docs', 'dashboard.png')));
const width = Number(option('--width', '1280'));
const wantBlocks = Number(option('--blocks', '3'));

const chromium = findChromium();
if (chromium === null) {
  console.error(
    'screenshot: chromium is not installed (Debian: apt-get install chromium; or set COLLIERY_CHROMIUM)',
  );
  process.exit(2);
}

const cwd = mkdtempSync(join(tmpdir(), 'colliery-screenshot-'));
const demo = spawn(
  process.execPath,
  [
    cli,
    'demo',
    ...['--stratum', '127.0.0.1:0', '--http', '127.0.0.1:0', '--metrics', '127.0.0.1:0'],
    ...['--block-seconds', '4'],
  ],
  { cwd, stdio: ['ignore', 'pipe', 'pipe'] },
);
let text = '';
demo.stdout.on('data', (d) => (text += d.toString()));
demo.stderr.on('data', (d) => (text += d.toString()));
const exited = new Promise((r) => demo.once('exit', (code) => r(code)));

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
async function waitFor(what, fn, timeoutMs = 120_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v) return v;
    if (demo.exitCode !== null)
      throw new Error(`the demo exited while waiting for ${what}:\n${text}`);
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}:\n${text.slice(-2000)}`);
    await sleep(250);
  }
}

let browser;
let code = 0;
try {
  const base = await waitFor('the dashboard URL in the banner', async () => {
    const m = /^ {2}dashboard +(https?:\/\/[^/\s]+)/m.exec(text);
    return m ? `${m[1]}/` : undefined;
  });
  const poolId = await waitFor('the pool', async () => {
    const body = await (await fetch(`${base}api/pools`)).json();
    return body.pools?.[0]?.id;
  });
  await waitFor(
    `${wantBlocks} blocks in the ledger, and the API's chain tip past them`,
    async () => {
      const rows = await (await fetch(`${base}api/pools/${poolId}/blocks?pageSize=50`)).json();
      if (!Array.isArray(rows) || rows.length < wantBlocks) return false;
      // The API asks the coin node for the tip every few seconds: wait until it has the blocks.
      const { pool } = await (await fetch(`${base}api/pools/${poolId}`)).json();
      return pool.networkStats.blockHeight >= rows[0].blockHeight;
    },
  );
  browser = await puppeteer.launch({
    executablePath: chromium,
    headless: true,
    args: process.getuid?.() === 0 ? ['--no-sandbox'] : [],
  });
  const page = await browser.newPage();
  await page.emulateMediaFeatures([{ name: 'prefers-color-scheme', value: 'light' }]);
  await page.setViewport({ width, height: 900, deviceScaleFactor: 1 });
  await page.goto(`${base}${route}`, { waitUntil: 'networkidle0' });
  await page.waitForFunction(
    `document.querySelector('main')?.getAttribute('data-loaded') === location.hash`,
    { timeout: 60_000 },
  );
  await page.screenshot({ path: out, fullPage: true });
  console.log(`screenshot: ${relative(root, out)} (${route} at ${width} px, pool ${poolId})`);
} catch (err) {
  console.error(`screenshot: ${err.message}`);
  code = 1;
} finally {
  await browser?.close().catch(() => undefined);
  demo.kill('SIGINT');
  await exited;
  rmSync(cwd, { recursive: true, force: true });
}
process.exit(code);
