// The load harness (test/bench/load-harness.cc: many Stratum miners in one small C++ process)
// from TypeScript: compiled once per process with g++ into a temp dir (./cc-child.ts, as the
// notify reader), run as a child, its stdin/stdout protocol turned into promises. One process
// holds at most the open-file hard limit of sockets (`ulimit -Hn`, 20,000 here); a fleet
// (startLoadFleet) splits a larger run over several, with disjoint connection indices.
//   const h = await startLoadHarness({ targets: [{ host, port }], n: 200, userPrefix: `${ADDR}.w`,
//                                      sources: ['127.0.0.1', '127.0.0.2'] });
//   await h.ready();               // { connected, authorized, ms }
//   await h.setRate(2_000);        // shares/s from this process, spread over its connections
//   (await h.stats()).accepted;
//   const { receipts } = await h.arm();   // armed: trigger now
//   const t0 = process.hrtime.bigint(); trigger(); const ns = await receipts;   // ns[i] - t0
//   await h.close();
// Receipts are CLOCK_MONOTONIC ns (the clock of process.hrtime.bigint()), one per connection in
// index order, null for one that was not ready at arm, lost its socket or timed out. The
// children and the temp dir go when the test process exits, however it exits.
import { compileCc, quitCc, spawnCc } from './cc-child.js';

export interface HarnessTarget {
  /** An IPv4 address (or `localhost`). */
  readonly host: string;
  readonly port: number;
}

export interface LoadHarnessOptions {
  /** Pool nodes; connection g starts on targets[g % length]. */
  readonly targets: readonly HarnessTarget[];
  /** Connections to hold (at most the open-file hard limit less a few). */
  readonly n: number;
  /** Connection g authorizes as `${userPrefix}${g}`: an address and `.w`, say. */
  readonly userPrefix: string;
  /** Source addresses (127.0.0.N) used round-robin, so N sockets do not exhaust one's ports. */
  readonly sources: readonly string[];
  /** Shares/s this process submits from the start, spread over its ready connections (default 0). */
  readonly submitRate?: number;
  /** The first connection's global index g (default 0): a fleet's processes take disjoint ranges. */
  readonly firstIndex?: number;
  /** `ready` comes when all are authorized with a job, or after this long (default 120 s). */
  readonly setupSeconds?: number;
  /** A stats line this often, handed to onStats (default: only when asked). */
  readonly statsEveryMs?: number;
  readonly onStats?: (s: HarnessStats) => void;
}

/** Totals since the harness started, and its connections now. */
export interface HarnessStats {
  /** CLOCK_MONOTONIC ns when the line was written (rates: Δcount / Δt). */
  readonly atNs: bigint;
  readonly accepted: number;
  readonly rejected: number;
  /** Rejections by Stratum error code (21 stale, 22 duplicate, 23 low difficulty, …). */
  readonly rejects: Readonly<Record<string, number>>;
  readonly sent: number;
  readonly inflight: number;
  /** Submits in flight on a socket that closed (never answered). */
  readonly lost: number;
  readonly connected: number;
  readonly authorized: number;
  /** Authorized and holding a job (submitting when the rate is above 0). */
  readonly ready: number;
  readonly notifies: number;
  /** TCP connects that succeeded, first ones included. */
  readonly connects: number;
  /** client.reconnect notifications followed. */
  readonly reconnects: number;
  /** Connections the pool closed (or that failed) other than after client.reconnect. */
  readonly drops: number;
  readonly connectFailures: number;
  readonly authFailures: number;
  readonly rssKb: number;
  /** Authorized connections by target `host:port` (given, or named by client.reconnect). */
  readonly byTarget: Readonly<Record<string, number>>;
}

export interface HarnessReady {
  readonly connected: number;
  readonly authorized: number;
  /** From the child's start to all authorized with a job (or to its setup deadline). */
  readonly ms: number;
}

export interface LoadHarness {
  readonly pids: readonly number[];
  /** Connections (a fleet: of all its processes). */
  readonly n: number;
  /** Resolves once all are authorized with a job, or the setup time passed (check the counts). */
  ready(): Promise<HarnessReady>;
  stats(): Promise<HarnessStats>;
  /** Sets the shares/s submitted (a fleet: in total); resolves once the harness took it. */
  setRate(sharesPerSecond: number): Promise<void>;
  /**
   * Starts a receipt round over the connections ready now; resolves once armed, so a trigger
   * after this cannot be missed. `receipts` resolves, per connection in index order, with the
   * CLOCK_MONOTONIC ns of the read that completed its first mining.notify since arming, or null;
   * once every armed connection has one or lost its socket, or after `timeoutMs` (20 s).
   */
  arm(timeoutMs?: number): Promise<{ receipts: Promise<(bigint | null)[]> }>;
  /** Closes every socket and waits for the child to exit; resolves with its last stats. */
  close(): Promise<HarnessStats | null>;
}

type Waiter<T> = { resolve: (v: T) => void; reject: (e: Error) => void };

const num = (v: string | undefined): number => (v === undefined ? NaN : Number(v));

/** A `stats` line's fields (after the word), as HarnessStats. */
export function parseStats(rest: string): HarnessStats {
  const kv = new Map<string, string>();
  for (const part of rest.split(' ')) {
    const eq = part.indexOf('=');
    if (eq > 0) kv.set(part.slice(0, eq), part.slice(eq + 1));
  }
  const pairs = (v: string | undefined, sep: string): Record<string, number> => {
    const out: Record<string, number> = {};
    if (v === undefined || v === '-' || v === '') return out;
    for (const item of v.split(',')) {
      const at = item.lastIndexOf(sep);
      out[item.slice(0, at)] = Number(item.slice(at + 1));
    }
    return out;
  };
  return {
    atNs: BigInt(kv.get('t') ?? '0'),
    accepted: num(kv.get('accepted')),
    rejected: num(kv.get('rejected')),
    rejects: pairs(kv.get('rejects'), ':'),
    sent: num(kv.get('sent')),
    inflight: num(kv.get('inflight')),
    lost: num(kv.get('lost')),
    connected: num(kv.get('connected')),
    authorized: num(kv.get('authorized')),
    ready: num(kv.get('ready')),
    notifies: num(kv.get('notifies')),
    connects: num(kv.get('connects')),
    reconnects: num(kv.get('reconnects')),
    drops: num(kv.get('drops')),
    connectFailures: num(kv.get('connectFailures')),
    authFailures: num(kv.get('authFailures')),
    rssKb: num(kv.get('rssKb')),
    byTarget: pairs(kv.get('targets'), '/'),
  };
}

/** A `receipts` line's fields: GOT BASE D_0 … (D_i in ns from BASE, or `-`). */
function parseReceipts(rest: string): (bigint | null)[] {
  const parts = rest.split(' ');
  const base = BigInt(parts[1] ?? '0');
  return parts.slice(2).map((d) => (d === '-' ? null : base + BigInt(d)));
}

/** One harness process. */
export async function startLoadHarness(o: LoadHarnessOptions): Promise<LoadHarness> {
  if (o.targets.length === 0) throw new Error('load harness: no targets');
  const exe = await compileCc('load-harness');
  const args = ['-n', String(o.n), '-u', o.userPrefix];
  for (const t of o.targets) args.push('-t', `${t.host}:${t.port}`);
  for (const s of o.sources) args.push('-s', s);
  if (o.firstIndex !== undefined) args.push('-b', String(o.firstIndex));
  if (o.submitRate !== undefined) args.push('-r', String(o.submitRate));
  if (o.setupSeconds !== undefined) args.push('-w', String(o.setupSeconds));
  if (o.statsEveryMs !== undefined) args.push('-i', String(o.statsEveryMs));

  let failure: Error | null = null; // once set, every pending and later call rejects with it
  let readyResult: HarnessReady | null = null;
  let lastStats: HarnessStats | null = null;
  const readyWaiters: Waiter<HarnessReady>[] = [];
  const statsWaiters: Waiter<HarnessStats>[] = [];
  const rateWaiters: Waiter<void>[] = [];
  let armed: Waiter<void> | null = null;
  let receipts: Waiter<(bigint | null)[]> | null = null;

  const fail = (e: Error): void => {
    failure ??= e;
    const all: (Waiter<never> | null)[] = [
      ...readyWaiters,
      ...statsWaiters,
      ...rateWaiters,
      armed,
      receipts,
    ];
    for (const w of all) w?.reject(failure);
    readyWaiters.length = statsWaiters.length = rateWaiters.length = 0;
    armed = receipts = null;
  };
  const onLine = (line: string): void => {
    const space = line.indexOf(' ');
    const word = space < 0 ? line : line.slice(0, space);
    const rest = space < 0 ? '' : line.slice(space + 1);
    switch (word) {
      case 'ready': {
        const [connected, authorized, ms] = rest.split(' ').map(Number);
        readyResult = { connected: connected ?? NaN, authorized: authorized ?? NaN, ms: ms ?? NaN };
        for (const w of readyWaiters.splice(0)) w.resolve(readyResult);
        return;
      }
      case 'stats': {
        const s = (lastStats = parseStats(rest));
        for (const w of statsWaiters.splice(0)) w.resolve(s);
        return o.onStats?.(s);
      }
      case 'rate':
        return rateWaiters.shift()?.resolve();
      case 'armed':
        armed?.resolve();
        armed = null;
        return;
      case 'receipts':
        receipts?.resolve(parseReceipts(rest));
        receipts = null;
        return;
      case 'error': // the harness exits after this line
        return fail(new Error(`load harness: ${rest}`));
      default:
        return fail(new Error(`load harness: unexpected output: ${line.slice(0, 200)}`));
    }
  };

  const cc = spawnCc(exe, args, onLine);
  const { child } = cc;
  child.once('error', (e) => fail(e)); // a failed spawn (no pid; 'close' follows)
  child.once('close', (code, signal) => {
    const stderr = cc.stderr();
    fail(new Error(`load harness exited (${signal ?? `code ${code}`})${stderr && `: ${stderr}`}`));
  });
  const ask = <T>(waiters: Waiter<T>[], command: string | null): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      if (failure) return reject(failure);
      waiters.push({ resolve, reject });
      if (command !== null) child.stdin.write(`${command}\n`);
    });

  return {
    pids: [child.pid as number],
    n: o.n,
    ready: () => (readyResult ? Promise.resolve(readyResult) : ask(readyWaiters, null)),
    stats: () => ask(statsWaiters, 'stats'),
    setRate: (r) => {
      if (!(r >= 0) || !Number.isFinite(r)) throw new Error(`load harness: bad rate ${r}`);
      return ask(rateWaiters, `submit ${r}`);
    },
    async arm(timeoutMs) {
      if (failure) throw failure;
      if (armed || receipts) throw new Error('load harness: already armed');
      const got = new Promise<(bigint | null)[]>(
        (resolve, reject) => (receipts = { resolve, reject }),
      );
      got.catch(() => undefined); // a caller that never awaits it gets no unhandled rejection
      await new Promise<void>((resolve, reject) => {
        armed = { resolve, reject };
        child.stdin.write(timeoutMs === undefined ? 'arm\n' : `arm ${Math.ceil(timeoutMs)}\n`);
      });
      return { receipts: got };
    },
    async close() {
      await quitCc(cc);
      return lastStats;
    },
  };
}

/**
 * `n` connections over as many harness processes as needed (at most `perProcess` each, default
 * 19,000: under the 20,000 open files a process may hold here), with disjoint connection
 * indices, so they spread over targets and sources as one process would. The same API: counts
 * are summed, the rate is split by connections, receipts are concatenated in index order.
 */
export async function startLoadFleet(
  o: LoadHarnessOptions & { readonly perProcess?: number },
): Promise<LoadHarness> {
  const per = o.perProcess ?? 19_000;
  const parts: LoadHarness[] = [];
  const first = o.firstIndex ?? 0;
  try {
    for (let at = 0; at < o.n; at += per) {
      const n = Math.min(per, o.n - at);
      parts.push(
        await startLoadHarness({
          ...o,
          n,
          firstIndex: first + at,
          ...(o.submitRate !== undefined ? { submitRate: (o.submitRate * n) / o.n } : {}),
        }),
      );
    }
  } catch (err) {
    await Promise.all(parts.map((p) => p.close()));
    throw err;
  }
  return fleetOf(parts);
}

/** Several harnesses (disjoint connection ranges) driven as one; the rate is dealt by size. */
export function fleetOf(parts: readonly LoadHarness[]): LoadHarness {
  const n = parts.reduce((t, p) => t + p.n, 0);
  return {
    pids: parts.flatMap((p) => p.pids),
    n,
    async ready() {
      const all = await Promise.all(parts.map((p) => p.ready()));
      return {
        connected: all.reduce((a, r) => a + r.connected, 0),
        authorized: all.reduce((a, r) => a + r.authorized, 0),
        ms: Math.max(...all.map((r) => r.ms)),
      };
    },
    async stats() {
      return sumStats(await Promise.all(parts.map((p) => p.stats())));
    },
    async setRate(r) {
      await Promise.all(parts.map((p) => p.setRate((r * p.n) / n)));
    },
    async arm(timeoutMs) {
      const rounds = await Promise.all(parts.map((p) => p.arm(timeoutMs)));
      return { receipts: Promise.all(rounds.map((x) => x.receipts)).then((rs) => rs.flat()) };
    },
    async close() {
      const last = await Promise.all(parts.map((p) => p.close()));
      return last.every((s) => s !== null) ? sumStats(last as HarnessStats[]) : null;
    },
  };
}

/** Several processes' stats as one (atNs: the latest). */
export function sumStats(all: readonly HarnessStats[]): HarnessStats {
  const add = (pick: (s: HarnessStats) => Readonly<Record<string, number>>) => {
    const out: Record<string, number> = {};
    for (const s of all) for (const [k, v] of Object.entries(pick(s))) out[k] = (out[k] ?? 0) + v;
    return out;
  };
  const sum = (k: keyof HarnessStats): number => all.reduce((a, s) => a + (s[k] as number), 0);
  return {
    atNs: all.reduce((a, s) => (s.atNs > a ? s.atNs : a), 0n),
    accepted: sum('accepted'),
    rejected: sum('rejected'),
    rejects: add((s) => s.rejects),
    sent: sum('sent'),
    inflight: sum('inflight'),
    lost: sum('lost'),
    connected: sum('connected'),
    authorized: sum('authorized'),
    ready: sum('ready'),
    notifies: sum('notifies'),
    connects: sum('connects'),
    reconnects: sum('reconnects'),
    drops: sum('drops'),
    connectFailures: sum('connectFailures'),
    authFailures: sum('authFailures'),
    rssKb: sum('rssKb'),
    byTarget: add((s) => s.byTarget),
  };
}
