// The dashboard in a real browser: headless Chromium (Debian's `chromium`, /usr/bin/chromium,
// or COLLIERY_CHROMIUM) driven by puppeteer-core against a running `colliery demo`. The pool
// page shows a hashrate above zero and a block the ledger knows; a miner's page, reached from
// the search box, shows exactly the balances `colliery ledger balances --json` gives for that
// account (read before and after the page, so a block landing meanwhile is retried, never
// excused) and, for each block that credited them, their bill line equal to `colliery ledger
// bill <hash> --json`; the block's page shows that whole bill. Both widths (1280 px and a
// phone's 390 px) lay out without a page-wide horizontal scroll, and no page throws.
// Only a missing chromium skips the browser part (with the reason); the amount and hashrate
// formatting checks run without it.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findChromium } from '../helpers/chromium.js';
import { pathToFileURL } from 'node:url';
import type { Browser, Page } from 'puppeteer-core';
import { CLI, runCli } from '../helpers/cli.js';
import { repoRoot } from '../helpers/paths.js';
import { until } from '../helpers/until.js';
import { coins } from '../../topology/commands/ledger.js';

const chromium = findChromium();
const skip =
  chromium === null
    ? 'chromium is not installed (Debian: apt-get install chromium; or set COLLIERY_CHROMIUM to its binary)'
    : false;

interface Format {
  amount(units: string): string;
  hashrate(value: number, prime?: boolean): string;
}

const formatModule = (): Promise<Format> =>
  import(
    pathToFileURL(join(repoRoot, 'topology', 'dashboard', 'format.js')).href
  ) as Promise<Format>;

test('dashboard - amounts are exact to the base unit (string arithmetic), hashrates carry units', async () => {
  const f = await formatModule();
  for (const sats of [
    '0',
    '1',
    '99999999',
    '100000000',
    '5000000000',
    '2100000000000000',
    '-150',
  ]) {
    assert.equal(f.amount(sats), coins(BigInt(sats)), sats);
  }
  // Past 2^53, where a float would round: every digit stays.
  assert.equal(f.amount('123456789012345678901'), '1234567890123.45678901');
  assert.equal(f.amount('000042'), '0.00000042');
  assert.equal(f.amount('1.5'), '—', 'not an integer of base units: never rounded');
  assert.equal(f.hashrate(0), '0 H/s');
  assert.equal(f.hashrate(999), '999 H/s');
  assert.equal(f.hashrate(1_234_567), '1.23 MH/s');
  assert.equal(f.hashrate(45_600_000_000_000), '45.6 TH/s');
  assert.equal(f.hashrate(1234.5, true), '1.23 k chain work/s');
});

const demoDirs: string[] = [];
const children: ChildProcess[] = [];
let browser: Browser | undefined;
after(async () => {
  await browser?.close().catch(() => undefined);
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  for (const d of demoDirs) rmSync(d, { recursive: true, force: true });
});

interface Demo {
  readonly cwd: string;
  out(): string;
  until(done: RegExp, timeoutMs?: number): Promise<boolean>;
  interrupt(): Promise<number>;
}

function startDemo(args: string[]): Demo {
  const cwd = mkdtempSync(join(tmpdir(), 'colliery-dashboard-'));
  demoDirs.push(cwd);
  const child = spawn(process.execPath, [CLI, 'demo', ...args], {
    cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let out = '';
  child.stdout.on('data', (d: Buffer) => void (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => void (out += d.toString()));
  const exited = new Promise<number>((r) => child.once('exit', (code) => r(code ?? -1)));
  return {
    cwd,
    out: () => out,
    until: async (done, timeoutMs = 120_000) => {
      const deadline = Date.now() + timeoutMs;
      while (!done.test(out) && child.exitCode === null && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 100));
      return done.test(out);
    },
    interrupt: () => {
      child.kill('SIGINT');
      return exited;
    },
  };
}

/** The dashboard's URL from the demo's banner (`  dashboard http://127.0.0.1:PORT/  …`). */
function dashboardUrl(banner: string): string {
  const url = /^ {2}dashboard +(https?:\/\/[^/\s]+)\/?(?:\s|$)/m.exec(banner)?.[1];
  assert.ok(url, `no dashboard URL in the banner:\n${banner}`);
  return `${url}/`;
}

async function getJson<T>(url: string): Promise<T> {
  const res = await fetch(url);
  assert.equal(res.status, 200, `${url}: ${res.status}`);
  return (await res.json()) as T;
}

interface BalanceRow {
  account: string;
  matureSats: string;
  immatureSats: string;
  pendingSats: string;
  paidSats: string;
}

interface CliBill {
  hash: string;
  height: number;
  rewardSats: string;
  feeSats: string;
  lines: { account: string; shares: number; weight: string; creditSats: string }[];
}

async function cliJson<T>(cwd: string, args: string[]): Promise<T> {
  const r = await runCli(['ledger', ...args, '--json'], 60_000, cwd);
  assert.equal(r.status, 0, `colliery ledger ${args.join(' ')}: ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

async function cliBalance(cwd: string, account: string): Promise<BalanceRow | undefined> {
  const b = await cliJson<{ accounts: BalanceRow[] }>(cwd, ['balances']);
  return b.accounts.find((a) => a.account === account);
}

/** Waits until the page shows the data of the route in the address bar (main[data-loaded]). */
async function loaded(page: Page): Promise<void> {
  // Functions given to the page as source text: tsconfig has no DOM library.
  await page.waitForFunction(
    `document.querySelector('main')?.getAttribute('data-loaded') === location.hash`,
    { timeout: 60_000 },
  );
}

/** Waits for the address bar's hash to be `hash` (a navigation the page made). */
async function routeIs(page: Page, hash: string): Promise<void> {
  await page.waitForFunction(`location.hash === ${JSON.stringify(hash)}`, { timeout: 30_000 });
}

async function go(page: Page, url: string): Promise<void> {
  await page.goto(url, { waitUntil: 'domcontentloaded' });
  await loaded(page);
}

const attr = (page: Page, selector: string, name: string): Promise<string | null> =>
  page.$eval(selector, (el, n) => el.getAttribute(n), name);
const text = (page: Page, selector: string): Promise<string> =>
  page.$eval(selector, (el) => (el.textContent ?? '').trim());

/** No page-wide horizontal scroll at this width (tables scroll inside their own region). */
async function fitsWidth(page: Page, width: number, what: string): Promise<void> {
  await page.setViewport({ width, height: 900 });
  // Two frames: the resize has been laid out and painted.
  await page.evaluate('new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))');
  const scroll = (await page.evaluate('document.documentElement.scrollWidth')) as number;
  assert.ok(scroll <= width, `${what} at ${width} px: the page is ${scroll} px wide`);
}

test(
  'dashboard - in Chromium against colliery demo: pool hashrate and a found block; a miner page with the ledger balances and bills; the whole bill',
  { skip },
  async () => {
    const demo = startDemo([
      '--stratum',
      '127.0.0.1:0',
      '--http',
      '127.0.0.1:0',
      '--metrics',
      '127.0.0.1:0',
      '--block-seconds',
      '4',
      '--data',
      'data',
    ]);
    assert.ok(await demo.until(/Ctrl-C to stop\./), demo.out());
    const base = dashboardUrl(demo.out());
    const { pools } = await getJson<{ pools: { id: string }[] }>(`${base}api/pools`);
    const poolId = pools[0]?.id;
    assert.ok(poolId, 'a pool in /api/pools');
    // A block the ledger has applied (the dashboard reads the same replica).
    await until(
      'a block in the ledger',
      async () => {
        const rows = await getJson<{ hash: string }[]>(
          `${base}api/pools/${poolId}/blocks?page=0&pageSize=5`,
        );
        return rows.length > 0 ? rows : undefined;
      },
      120_000,
      500,
    );

    const { default: puppeteer } = await import('puppeteer-core');
    browser = await puppeteer.launch({
      executablePath: chromium as string,
      headless: true,
      // As root (CI containers) Chromium needs --no-sandbox.
      args: process.getuid?.() === 0 ? ['--no-sandbox'] : [],
    });
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (err) => errors.push(String(err)));
    await page.setViewport({ width: 1280, height: 900 });

    // The pool page: hashrate above zero, and a block the ledger knows.
    await go(page, base);
    const rate = Number(await attr(page, '[data-testid="pool-hashrate"]', 'data-value'));
    assert.ok(rate > 0, `pool hashrate ${rate}`);
    assert.match(await text(page, '[data-testid="pool-hashrate"]'), /^\d+(\.\d+)? [kMGTPEZ]?H\/s$/);
    await page.waitForSelector('[data-testid="pool-blocks"] [data-testid="block-row"]');
    const shownHash = await attr(
      page,
      '[data-testid="pool-blocks"] [data-testid="block-row"]',
      'data-hash',
    );
    assert.ok(shownHash, 'the block row names its hash');
    // The ledger has the block the page shows (the CLI reads the node's LMDB replica directly).
    const shownBill = await cliJson<CliBill>(demo.cwd, ['bill', shownHash]);
    assert.equal(shownBill.hash, shownHash);
    assert.match(await text(page, '[data-testid="stratum-urls"]'), /stratum\+tcp:\/\/\S+:\d+/);
    await fitsWidth(page, 390, 'the pool page');
    await fitsWidth(page, 1280, 'the pool page');

    // The miner: the demo's account, looked up with the search box.
    const account = shownBill.lines.find((l) => !l.account.startsWith('@'))?.account;
    assert.ok(account, `a miner in the bill of ${shownHash}`);
    await page.type('[data-testid="search-input"]', account);
    await page.keyboard.press('Enter');
    await routeIs(page, `#/miner/${encodeURIComponent(account)}`);
    await loaded(page);
    assert.equal(await text(page, '[data-testid="miner-account"]'), account);

    // Balances: equal to the CLI's, read before and after the page (a block between is retried).
    const kinds = ['immature', 'mature', 'pending', 'paid'] as const;
    const key = (b: BalanceRow | undefined) =>
      b ? kinds.map((k) => b[`${k}Sats`]).join(' ') : 'none';
    let compared = false;
    for (let attempt = 0; attempt < 20 && !compared; attempt++) {
      const before = await cliBalance(demo.cwd, account);
      await page.reload({ waitUntil: 'domcontentloaded' });
      await loaded(page);
      const shown: Record<string, { value: string | null; text: string }> = {};
      for (const k of kinds) {
        shown[k] = {
          value: await attr(page, `[data-testid="balance-${k}"]`, 'data-value'),
          text: await text(page, `[data-testid="balance-${k}"]`),
        };
      }
      const afterRow = await cliBalance(demo.cwd, account);
      if (key(before) !== key(afterRow)) continue; // the ledger moved while the page loaded
      assert.ok(before, `colliery ledger balances has ${account}`);
      for (const k of kinds) {
        const sats: string = before[`${k}Sats`];
        assert.equal(shown[k]?.value, sats, `${k} balance in base units`);
        assert.equal(shown[k]?.text, coins(BigInt(sats)), `${k} balance as shown`);
      }
      compared = true;
    }
    assert.ok(compared, 'the ledger held still across one page load in 20 tries');

    // Bills: each block on the miner's page equals its line in `colliery ledger bill`.
    await page.waitForSelector('[data-testid="miner-bills"] [data-testid="bill-row"]');
    const rows = await page.$$eval('[data-testid="miner-bills"] [data-testid="bill-row"]', (trs) =>
      trs.map((tr) => ({
        hash: tr.getAttribute('data-hash') ?? '',
        shares: tr.getAttribute('data-shares') ?? '',
        weight: tr.getAttribute('data-weight') ?? '',
        credit: tr.getAttribute('data-credit') ?? '',
        creditText: (tr.querySelector('[data-testid="bill-credit"]')?.textContent ?? '').trim(),
        sharesText: (tr.querySelector('[data-testid="bill-shares"]')?.textContent ?? '').trim(),
      })),
    );
    assert.ok(rows.length > 0);
    for (const r of rows.slice(0, 5)) {
      const bill = await cliJson<CliBill>(demo.cwd, ['bill', r.hash]);
      const line: CliBill['lines'][number] | undefined = bill.lines.find(
        (l) => l.account === account,
      );
      assert.ok(line, `${account} has a line in the bill of ${r.hash}`);
      assert.deepEqual(
        { shares: r.shares, weight: r.weight, credit: r.credit },
        { shares: String(line.shares), weight: line.weight, credit: line.creditSats },
        `bill line of ${r.hash}`,
      );
      assert.equal(r.creditText, coins(BigInt(line.creditSats)));
      assert.equal(r.sharesText.replace(/,/g, ''), String(line.shares));
    }

    // The block's whole bill, from the miner's row: every line as the CLI has it.
    const first = rows[0] as (typeof rows)[number];
    await page.click(
      `[data-testid="bill-row"][data-hash="${first.hash}"] [data-testid="bill-link"]`,
    );
    await routeIs(page, `#/block/${first.hash}?account=${encodeURIComponent(account)}`);
    await loaded(page);
    await page.waitForSelector('[data-testid="bill-lines"]');
    const bill = await cliJson<CliBill>(demo.cwd, ['bill', first.hash]);
    assert.equal(await attr(page, '[data-testid="block-hash"]', 'data-value'), bill.hash);
    assert.equal(await attr(page, '[data-testid="block-reward"]', 'data-value'), bill.rewardSats);
    assert.equal(await attr(page, '[data-testid="block-fee"]', 'data-value'), bill.feeSats);
    const lines = await page.$$eval('[data-testid="bill-line"]', (trs) =>
      trs.map((tr) => ({
        account: tr.getAttribute('data-account') ?? '',
        shares: Number(tr.getAttribute('data-shares')),
        weight: tr.getAttribute('data-weight') ?? '',
        creditSats: tr.getAttribute('data-credit') ?? '',
        marked: tr.classList.contains('marked'),
      })),
    );
    assert.deepEqual(
      lines.map(({ marked: _m, ...l }) => l),
      bill.lines.map((l) => ({
        account: l.account,
        shares: l.shares,
        weight: l.weight,
        creditSats: l.creditSats,
      })),
    );
    assert.deepEqual(
      lines.filter((l) => l.marked).map((l) => l.account),
      [account],
      "the miner's own line is marked",
    );
    await fitsWidth(page, 390, 'the block page');

    // The leaderboard lists the miner.
    await go(page, `${base}#/leaderboard`);
    await page.waitForSelector(`[data-testid="leader-row"][data-account="${account}"]`);

    assert.deepEqual(errors, [], 'no uncaught error in the pages');
    await browser.close();
    browser = undefined;
    assert.equal(await demo.interrupt(), 0, demo.out().slice(-2_000));
  },
);
