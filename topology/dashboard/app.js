// The dashboard's shell: finds the pool (the first of /api/pools), routes by the URL's hash
// (#/, #/miner/<account>, #/blocks, #/block/<hash|height>, #/leaderboard, #/prime), and
// refreshes the page on view every 10 s while the tab is visible, and at once when it becomes
// visible again. A refresh that fails keeps the page as it was and says so in the status line.
import { ApiError, getJson, routes } from './api.js';
import { h, note } from './dom.js';
import { dateTime } from './format.js';
import { poolPage } from './pages/pool.js';
import { minerPage } from './pages/miner.js';
import { blocksPage } from './pages/blocks.js';
import { blockPage } from './pages/block.js';
import { leaderboardPage } from './pages/leaderboard.js';
import { primePage } from './pages/prime.js';
import { isPrime, poolName } from './pool-info.js';

const REFRESH_MS = 10_000;

const pages = {
  '': poolPage,
  miner: minerPage,
  blocks: blocksPage,
  block: blockPage,
  leaderboard: leaderboardPage,
  prime: primePage,
};

const main = document.getElementById('main');
const status = document.querySelector('[data-testid="status"]');
const ctx = { poolId: null, pool: null, prime: false, api: null };

let current = null;
let generation = 0;
let refreshing = null;
let lastRefresh = 0;

/** '#/miner/abc?page=2' → { name: 'miner', args: ['abc'], query } */
function parseHash(hash) {
  const [path, search = ''] = hash.replace(/^#\/?/, '').split('?');
  const [name = '', ...args] = path.split('/').filter((p) => p !== '');
  let decoded;
  try {
    decoded = args.map(decodeURIComponent);
  } catch {
    decoded = args;
  }
  return { name, args: decoded, query: new URLSearchParams(search) };
}

function say(text, kind = 'ok') {
  status.textContent = text;
  status.dataset.state = kind;
}

/** Loads the pool's description (id, coin, fee, ports …), once at start and on each refresh. */
async function loadPool() {
  const body = await getJson('/api/pools');
  const pools = body?.pools ?? [];
  if (pools.length === 0) throw new ApiError(503, 'the node serves no pool yet');
  const pool = pools.find((p) => p.id === ctx.poolId) ?? pools[0];
  ctx.poolId = pool.id;
  ctx.pool = pool;
  ctx.prime = isPrime(pool);
  ctx.api = routes(pool.id);
  document.querySelector('[data-testid="pool-name"]').textContent = poolName(pool);
  document.title = `${poolName(pool)} — Colliery`;
  for (const el of document.querySelectorAll('[data-prime-only]')) el.hidden = !ctx.prime;
}

function markNav(name) {
  for (const a of document.querySelectorAll('nav a')) {
    const target = parseHash(a.getAttribute('href')).name;
    if (target === name) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
}

async function show() {
  // An in-page anchor (the skip link's #main) keeps the page; on load it means the pool page.
  const anchor = location.hash !== '' && !location.hash.startsWith('#/');
  if (anchor && current !== null) return;
  const { name, args, query } = parseHash(anchor ? '' : location.hash);
  const gen = ++generation;
  current?.destroy?.();
  current = null;
  main.replaceChildren();
  main.removeAttribute('data-loaded');
  markNav(name);
  const make = pages[name];
  if (!make) {
    main.append(h('h1', {}, 'Not found'), note(`No page ${location.hash}.`, 'not-found'));
    return;
  }
  try {
    if (ctx.pool === null) await loadPool();
  } catch (err) {
    say(`Cannot reach the pool: ${err.message}`, 'error');
    main.append(note('The pool is not answering; retrying every 10 s.', 'unavailable'));
    return;
  }
  if (gen !== generation) return;
  current = make(main, ctx, args, query);
  current.hash = location.hash;
  main.dataset.page = name || 'pool';
  await refresh(true);
  main.focus({ preventScroll: true });
}

async function refresh(first = false) {
  if (current === null) {
    if (ctx.pool === null) return show();
    return;
  }
  // One refresh at a time per page; a new page does not wait for the old page's.
  if (refreshing !== null && refreshing.gen === generation) return refreshing.done;
  const gen = generation;
  const page = current;
  const done = (async () => {
    try {
      if (!first) await loadPool();
      await page.refresh();
      if (gen !== generation) return;
      lastRefresh = Date.now();
      // The route whose data is on the page (tests wait for it to equal location.hash).
      main.dataset.loaded = page.hash;
      say(`Updated ${dateTime(lastRefresh)}`);
    } catch (err) {
      if (gen !== generation) return;
      say(`Update failed: ${err.message}`, 'error');
    }
  })().finally(() => {
    if (refreshing?.gen === gen) refreshing = null;
  });
  refreshing = { gen, done };
  return done;
}

document.querySelector('[data-testid="search-form"]').addEventListener('submit', (e) => {
  e.preventDefault();
  const input = document.getElementById('search');
  const q = input.value.trim();
  if (q === '') return;
  // A block hash (64 hex digits) opens the block; anything else is a miner's address or name.
  location.hash = /^[0-9a-fA-F]{64}$/.test(q)
    ? `#/block/${q.toLowerCase()}`
    : `#/miner/${encodeURIComponent(q)}`;
  input.value = '';
});

window.addEventListener('hashchange', () => void show());
document.addEventListener('visibilitychange', () => {
  if (document.visibilityState === 'visible' && Date.now() - lastRefresh > 2_000) void refresh();
});
setInterval(() => {
  if (document.visibilityState === 'visible') void refresh();
}, REFRESH_MS);

void show();
