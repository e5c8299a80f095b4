// `colliery miner`: the pool's own hash and prime miners as a command a miner can run against
// any Colliery pool (or any Stratum V1 pool, for the hash family). The Stratum connection lives
// in this thread, the search in N worker threads; one report line per --interval, reconnects
// with backoff when the pool cannot be reached or goes away; Ctrl-C / SIGTERM stops and exits 0.
import { availableParallelism } from 'node:os';
import { stderr, stdout } from 'node:process';
import { CodedError, hasCode } from '../../actors/shared/errors.js';
import { backend, hashHeaders, shaFeature } from '../../native/index.js';
import { COINS, type CoinId } from '../config.js';
import type { MinerClient, SubmitStats } from '../miner/miner-client.js';
import { PrimeStratumMiner } from '../miner/prime-miner.js';
import {
  formatAnswers,
  formatLengths,
  hashLine,
  markOf,
  primeLine,
  withPrefix,
  type Mark,
} from '../miner/report.js';
import { StratumMiner } from '../miner/stratum-miner.js';

export const MINER_HELP = `usage: colliery miner --url stratum+tcp://HOST:PORT --user ADDRESS.WORKER [options]

Mines on a Stratum V1 pool with the pool's own miners: SHA256d for bitcoin-style coins, the
prime chain search (sieve + Fermat tests, docs/primecoin-stratum.md) for primecoin-style coins.
Prints one line per period (hashrate, or chains/s — chain tests a second — for prime coins;
the pool's answers by reason; the share target; blocks found) and reconnects when the pool
goes away. Ctrl-C stops.

options:
  --url URL          stratum+tcp://HOST:PORT, or HOST:PORT
  --user NAME        the pool's username, usually ADDRESS.WORKER
  --password TEXT    passed to the pool as is (default x; e.g. d=0.01 asks for a difficulty)
  --coin NAME        ${Object.keys(COINS).join(', ')} (default bitcoin)
  --threads N        worker threads searching (default: this machine's ${availableParallelism()})
  --interval S       seconds between report lines (default 5)
`;

export interface MinerArgs {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  readonly coin: CoinId;
  readonly family: 'hash' | 'prime';
  readonly threads: number;
  readonly intervalSec: number;
}

const FLAGS = ['--url', '--user', '--password', '--coin', '--threads', '--interval'] as const;

/** A bad command line (code USAGE): one line for the user, exit 2. */
const usage = (message: string): never => {
  throw new CodedError('USAGE', message);
};

/** stratum+tcp://host:port or host:port (IPv6 in brackets). */
export function parsePoolUrl(text: string): { host: string; port: number } {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `stratum+tcp://${text}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    return usage(`--url '${text}' is not stratum+tcp://HOST:PORT or HOST:PORT`);
  }
  if (url.protocol !== 'stratum+tcp:')
    usage(
      `--url '${text}': only stratum+tcp:// is supported (no TLS), e.g. stratum+tcp://HOST:PORT`,
    );
  if (url.port === '' || url.hostname === '')
    usage(`--url '${text}' needs a host and a port, e.g. stratum+tcp://127.0.0.1:3333`);
  if ((url.pathname !== '' && url.pathname !== '/') || url.username !== '')
    usage(`--url '${text}': only a host and a port, e.g. stratum+tcp://127.0.0.1:3333`);
  return { host: url.hostname.replace(/^\[(.*)\]$/, '$1'), port: Number(url.port) };
}

/** The options of `colliery miner`; a USAGE error names what is wrong. */
export function parseMinerArgs(args: readonly string[]): MinerArgs {
  const values = new Map<string, string>();
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const eq = arg.indexOf('=');
    const flag = eq > 0 ? arg.slice(0, eq) : arg;
    if (!(FLAGS as readonly string[]).includes(flag))
      usage(arg.startsWith('-') ? `unknown option ${flag}` : `unexpected argument '${arg}'`);
    const value = eq > 0 ? arg.slice(eq + 1) : args[++i];
    if (value === undefined || (eq < 0 && value.startsWith('--'))) usage(`${flag} needs a value`);
    values.set(flag, value as string);
  }
  const url = values.get('--url') ?? usage('--url is required (stratum+tcp://HOST:PORT)');
  const user = values.get('--user') ?? usage('--user is required (ADDRESS.WORKER)');
  if (user.trim() === '') usage('--user must not be empty');
  const coin = values.get('--coin') ?? 'bitcoin';
  if (!(coin in COINS))
    usage(`unknown --coin '${coin}'; use one of ${Object.keys(COINS).join(', ')}`);
  const threadsText = values.get('--threads');
  const threads = threadsText === undefined ? availableParallelism() : Number(threadsText);
  if (!Number.isInteger(threads) || threads < 1 || threads > 1024)
    usage(`--threads needs a whole number from 1 to 1024, got '${threadsText}'`);
  const intervalText = values.get('--interval') ?? '5';
  const intervalSec = Number(intervalText);
  if (!Number.isFinite(intervalSec) || intervalSec < 0.1)
    usage(`--interval needs a number of seconds, at least 0.1, got '${intervalText}'`);
  return {
    ...parsePoolUrl(url),
    user,
    password: values.get('--password') ?? 'x',
    coin: coin as CoinId,
    family: COINS[coin as CoinId].family,
    threads,
    intervalSec,
  };
}

export async function runMiner(args: string[]): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    stdout.write(MINER_HELP);
    return 0;
  }
  let a: MinerArgs;
  try {
    a = parseMinerArgs(args);
  } catch (err) {
    if (!hasCode(err, 'USAGE')) throw err;
    stderr.write(`colliery miner: ${(err as Error).message} (colliery miner --help)\n`);
    return 2;
  }
  const rig = rigFor(a);
  const { miner } = rig;
  const say = (line: string) => stderr.write(`colliery miner: ${line}\n`);
  return new Promise<number>((resolve) => {
    const startedAt = Date.now();
    let mark = rig.mark(startedAt);
    const ticker = setInterval(() => {
      const now = Date.now();
      const state = miner.connected ? '' : ` | connecting to ${miner.pool}`;
      stdout.write(`${rig.line(mark, now)}${state}\n`);
      mark = rig.mark(now);
    }, a.intervalSec * 1000);
    let finished = false;
    const finish = (code: number, last?: () => string) => {
      if (finished) return;
      finished = true;
      clearInterval(ticker);
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      // Exit only once the search threads have ended (the process must not exit under them).
      void miner.stop().then(() => {
        if (last !== undefined) stdout.write(`${last()}\n`);
        resolve(code);
      });
    };
    const onSignal = () =>
      finish(0, () => {
        const secs = Math.max(1e-3, (Date.now() - startedAt) / 1000);
        return (
          `colliery miner: stopped after ${secs.toFixed(0)} s on ${a.coin} | ${rig.totals(secs)} | ` +
          `${formatAnswers(rig.stats)} | blocks ${rig.stats.blocks}`
        );
      });
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    narrate(miner, a, say, () => finished);
    miner.on('search-error', (err: unknown) => {
      say(`a search thread failed: ${reason(err)}`);
      finish(1);
    });
    miner.start().catch((err: unknown) => {
      const refused = (err as { code?: string }).code === 'AUTH_REFUSED';
      say(refused ? `the pool at ${miner.pool} refused '${a.user}': ${reason(err)}` : reason(err));
      finish(1);
    });
  });
}

/** What the miner says about its connection to the pool, as it happens. */
function narrate(
  miner: MinerClient,
  a: MinerArgs,
  say: (line: string) => void,
  finished: () => boolean,
): void {
  let authorizations = 0;
  let live = false; // authorized since the last disconnect
  miner.on('authorized', () => {
    live = true;
    if (authorizations++ > 0) {
      say(`reconnected to ${miner.pool}`);
      return;
    }
    const threads = `${a.threads} thread${a.threads === 1 ? '' : 's'}`;
    const core = `${backend}${a.family === 'hash' ? ` ${shaFeature}` : ''}`;
    stdout.write(
      `colliery miner: mining ${a.coin} at ${miner.pool} as ${a.user}, ${threads}, ${core}. Ctrl-C to stop.\n`,
    );
  });
  miner.on('connect-failed', (err: unknown, retryMs: number) =>
    say(
      `cannot reach the pool at ${miner.pool} (${reason(err)}); retrying in ${(retryMs / 1000).toFixed(1)} s`,
    ),
  );
  miner.on('disconnected', () => {
    if (live && !finished()) say(`lost the pool at ${miner.pool}; reconnecting`);
    live = false;
  });
  miner.on('reconnect-requested', (to: string | null) => {
    live = false; // not "lost": it asked
    say(`the pool asked us to reconnect${to === null ? '' : ` to ${to}`}`);
  });
  miner.on('protocol-error', (err: unknown) =>
    say(`unusable message from the pool: ${reason(err)}`),
  );
}

/** One miner of either family, seen the way the command reports it. */
interface Rig {
  readonly miner: MinerClient;
  readonly stats: SubmitStats;
  mark(nowMs: number): Mark;
  /** The period's line, from `from` to now. */
  line(from: Mark, nowMs: number): string;
  /** The work done since the start, for the last line. */
  totals(secs: number): string;
}

function rigFor(a: MinerArgs): Rig {
  const common = {
    host: a.host,
    port: a.port,
    username: a.user,
    password: a.password,
    threads: a.threads,
    persistent: true,
  };
  if (a.family === 'hash') {
    const m = new StratumMiner({ ...common, hashHeaders });
    return {
      miner: m,
      stats: m.stats,
      mark: (now) => markOf(m.stats, now),
      line: (from, now) => hashLine(m.stats, m.difficulty, from, now),
      totals: (secs) =>
        `${withPrefix(m.stats.hashes)} hashes, ${withPrefix(m.stats.hashes / secs, 'H/s')}`,
    };
  }
  const m = new PrimeStratumMiner(common);
  return {
    miner: m,
    stats: m.stats,
    mark: (now) => markOf(m.stats, now),
    line: (from, now) => primeLine(m.stats, m.shareTarget, from, now),
    totals: () =>
      `${withPrefix(m.stats.candidates)} chains tested, found by length ${formatLengths(m.stats) || 'none'}`,
  };
}

/** A socket error's code (ECONNREFUSED), or the message. */
function reason(err: unknown): string {
  const e = err as { code?: unknown; message?: unknown };
  if (typeof e?.code === 'string' && /^E[A-Z]+$/.test(e.code)) return e.code;
  return typeof e?.message === 'string' ? e.message : String(err);
}
