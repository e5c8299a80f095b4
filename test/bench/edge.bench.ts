// The Stratum edge under abuse (#17): `colliery start` children with their own nats-server and
// devnet.
//   1. node RSS before, at its peak during, 10 s after (and after a full GC) one client that
//      never reads: a raw socket with a small receive buffer (python3, SO_RCVBUF 4096) that
//      subscribes, authorizes, then writes ~20 rising mining.suggest_difficulty per ~1 ms for 20 s
//      without ever reading. Twice: against the main node (defaults: the suggest_difficulty rate
//      limit cuts it), and against a second, unpinned node whose limit is lifted
//      (COLLIERY_SUGGEST_DIFFICULTY_PER_MINUTE, ignored where the option does not exist) so each
//      line asks for a set_difficulty and a re-issued notify and the flood meets the output limit;
//   2. honest hashing miners' accepted shares/s (difficulty pinned, so no vardiff steps) alone,
//      then beside a TCP fuzz run of COLLIERY_EDGE_LINES generated lines (default 1,000,000;
//      seeded: valid submits for unknown jobs, garbage JSON, binary, over-long lines,
//      subscribe/authorize/suggest_difficulty floods, …) over COLLIERY_EDGE_CONNECTIONS
//      connections (default 200) from loopback addresses 127.0.x.y, reconnecting when cut (from a
//      fresh address when one is refused, as a botnet would); the fuzz runs in a worker thread,
//      so the miners' event loop stays their own; goal ≥ 90 %;
//   3. connections closed, bans and refusals by reason, from the node's /metrics (printed as
//      exposed; absent metrics are said to be absent);
//   4. whether a node crashed (exited before its SIGTERM, or non-zero after it): goal 0.
// Prints results; never asserts. Sized for two cores: about two minutes. Run it alone with
// `npm run bench -- bench/edge` (a bare `edge` also matches ledger.bench).
import { spawn, type ChildProcess } from 'node:child_process';
import { connect, type Socket } from 'node:net';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { backend, hashHeaders, shaFeature } from '../../native/index.js';
import { startDevnet, type Devnet } from '../../topology/devnet/index.js';
import { StratumMiner } from '../../topology/miner/stratum-miner.js';
import { startWhenListening } from '../helpers/miners.js';
import { freePort, startNatsServer, type NatsServer } from '../helpers/nats-server.js';
import { repoRoot, testDataDir } from '../helpers/paths.js';
import { seededRandom } from '../helpers/random.js';
import { LoadClient, newLoadStats } from '../helpers/stratum-load.js';

const ADDRESS = 'bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080';
const CLI = join(repoRoot, 'dist', 'topology', 'cli.js');
const env = (name: string, fallback: number): number => {
  const v = Number(process.env[name]);
  return Number.isFinite(v) && v > 0 ? v : fallback;
};
/** Lines the fuzz run writes (COLLIERY_EDGE_LINES). */
const FUZZ_LINES = env('COLLIERY_EDGE_LINES', 1_000_000);
const FUZZ_CONNECTIONS = env('COLLIERY_EDGE_CONNECTIONS', 200);
const FUZZ_SEED = env('COLLIERY_EDGE_SEED', 17);
/** The fuzz run stops here even if it has not written all its lines (then says so). */
const FUZZ_MAX_SECONDS = env('COLLIERY_EDGE_FUZZ_SECONDS', 150);
/** …and goes on past its lines for at least this long, so the honest count has a window. */
const FUZZ_MIN_SECONDS = env('COLLIERY_EDGE_FUZZ_MIN_SECONDS', 20);
/** Fuzz connections that start on one source address (strikes add up, as behind a NAT). */
const PER_ADDRESS = 4;
const MAX_LINE_BYTES = 16_384; // the node's default --max-line-bytes
const HONEST_MINERS = 6;
const HONEST_HASHES_PER_SEC = 50_000; // each; a few % of a core in all
/**
 * The main node's difficulty, pinned (start = min = max): ~12 shares/s per honest miner, and
 * no vardiff steps (powers of two) in the count. The non-reader's own node is not pinned.
 */
const HONEST_DIFFICULTY = 2 ** -20;
const WARMUP_MS = 8_000;
const HONEST_WINDOW_MS = 20_000;
const NONREADER_SECONDS = 20;
const AFTER_MS = 10_000;
/** 127.0.0.1 is the honest miners', 127.0.0.200 the non-reader's; the fuzz takes 127.0.1.1 on. */
const NONREADER_ADDRESS = '127.0.0.200';

// --- printing -------------------------------------------------------------------------------
const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
const mb = (kb: number): string => `${(kb / 1024).toFixed(1)} MB`;
const row = (name: string, measured: string, target = '', pass?: boolean): void =>
  console.log(
    `  ${name.padEnd(60)} ${measured.padEnd(46)} ${target.padEnd(10)} ${pass === undefined ? '' : pass ? 'PASS' : 'MISS'}`,
  );
const note = (text: string): void => console.log(`    · ${text}`);
const section = (title: string): void => console.log(`\n${title}`);

// --- the fuzz worker ------------------------------------------------------------------------

interface FuzzPlan {
  readonly host: string;
  readonly port: number;
  readonly lines: number;
  readonly connections: number;
  readonly seed: number;
  readonly maxSeconds: number;
  readonly minSeconds: number;
  readonly maxLineBytes: number;
}

interface FuzzStats {
  lines: number;
  bytesOut: number;
  bytesIn: number;
  connects: number;
  /** Closed by the node (or the network) while we were still writing. */
  cut: number;
  /** Closed before answering the opening: refused at accept (banned, limits). */
  refused: number;
  /** A line that must close the connection (not JSON, over-long, …) and the node kept it open 2 s. */
  fatalKeptOpen: number;
  connectErrors: number;
  addresses: number;
  byKind: Record<string, number>;
  seconds: number;
  done: boolean;
}

type Kind =
  | 'submit-unknown-job'
  | 'submit-mutated'
  | 'suggest-difficulty'
  | 'subscribe'
  | 'authorize'
  | 'configure'
  | 'extranonce-subscribe'
  | 'unknown-method'
  | 'bad-params'
  | 'unicode'
  | 'huge-numbers'
  | 'nested-arrays'
  | 'reply'
  | 'blank'
  | 'at-max-length'
  | 'not-json'
  | 'binary'
  | 'not-an-object'
  | 'bad-id'
  | 'over-long';

/** Relative weights (about per 10,000 lines); the last five close the connection (a batch ends with one). */
const MIX: readonly [Kind, number][] = [
  ['submit-unknown-job', 2600],
  ['submit-mutated', 600],
  ['suggest-difficulty', 900],
  ['subscribe', 500],
  ['authorize', 500],
  ['configure', 300],
  ['extranonce-subscribe', 200],
  ['unknown-method', 300],
  ['bad-params', 600],
  ['unicode', 400],
  ['huge-numbers', 300],
  ['nested-arrays', 300],
  ['reply', 200],
  ['blank', 200],
  ['at-max-length', 20],
  ['not-json', 60],
  ['binary', 30],
  ['not-an-object', 20],
  ['bad-id', 10],
  ['over-long', 8],
];
const FATAL = new Set<Kind>(['not-json', 'binary', 'not-an-object', 'bad-id', 'over-long']);
const TOTAL_WEIGHT = MIX.reduce((n, [, w]) => n + w, 0);

/** The line generator: a seeded PRNG (mulberry32), so every run writes the same lines. */
class LineMaker {
  readonly #r: () => number;
  #id = 1;
  #difficulty = 2 ** -20;
  readonly #maxLineBytes: number;

  constructor(seed: number, maxLineBytes: number) {
    this.#r = seededRandom(seed);
    this.#maxLineBytes = maxLineBytes;
  }

  int(n: number): number {
    return Math.floor(this.#r() * n);
  }
  chance(p: number): boolean {
    return this.#r() < p;
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)] as T;
  }
  hex(chars: number): string {
    let s = '';
    while (s.length < chars) s += this.int(0x10000).toString(16).padStart(4, '0');
    return s.slice(0, chars);
  }

  kind(): Kind {
    let x = this.int(TOTAL_WEIGHT);
    for (const [k, w] of MIX) if ((x -= w) < 0) return k;
    return 'blank';
  }

  #anyValue(depth = 0): unknown {
    switch (this.int(depth > 2 ? 5 : 8)) {
      case 0:
        return this.int(1e9) - 5e8;
      case 1:
        return this.hex(this.int(20));
      case 2:
        return null;
      case 3:
        return this.chance(0.5);
      case 4:
        return this.pick(['', 'x', 'mining.submit', '\u0000', '💥', 'd=1']);
      case 5:
        return Array.from({ length: this.int(4) }, () => this.#anyValue(depth + 1));
      case 6:
        return { [this.hex(4)]: this.#anyValue(depth + 1) };
      default:
        return this.#r() * 10 ** (this.int(40) - 20);
    }
  }

  #request(method: string, params: unknown, id: unknown = this.#id++): string {
    return JSON.stringify({ id, method, params });
  }

  /** One line without its newline: text (written as UTF-8), or raw bytes for 'binary'. */
  line(kind: Kind, user: string): string | Buffer {
    const en2 = this.chance(0.9) ? this.hex(8) : this.hex(this.int(12));
    switch (kind) {
      case 'submit-unknown-job':
        return this.#request('mining.submit', [
          user,
          this.hex(1 + this.int(8)),
          en2,
          this.hex(8),
          this.hex(8),
        ]);
      case 'submit-mutated': {
        const p: unknown[] = [user, this.hex(2), en2, this.hex(8), this.hex(8), this.hex(8)];
        p.length = 3 + this.int(6);
        p[this.int(p.length)] = this.#anyValue();
        return this.#request('mining.submit', p);
      }
      case 'suggest-difficulty': {
        this.#difficulty *= 1.001; // rising: each one asks for a new difficulty
        const d = this.chance(0.8)
          ? this.#difficulty
          : this.pick<unknown>([-1, 0, 1e308, '1e400', 'abc', String(this.#difficulty)]);
        return this.#request('mining.suggest_difficulty', [d]);
      }
      case 'subscribe':
        return this.#request('mining.subscribe', this.chance(0.5) ? [] : [`fuzz/${this.hex(4)}`]);
      case 'authorize': {
        const name = this.pick([
          `${ADDRESS}.w${this.int(100)}`,
          `${ADDRESS}`,
          `notanaddress.${this.hex(4)}`,
          '',
          `${ADDRESS}.${'w'.repeat(this.int(300))}`,
        ]);
        return this.#request('mining.authorize', [name, this.pick(['x', 'd=0.001', 'd=-5', ''])]);
      }
      case 'configure':
        return this.#request('mining.configure', [
          this.pick([['version-rolling'], ['minimum-difficulty', 'x'], [], 'nope']),
          { 'version-rolling.mask': this.pick(['1fffe000', 'ffffffff', 'zz', 5]) },
        ]);
      case 'extranonce-subscribe':
        return this.#request('mining.extranonce.subscribe', []);
      case 'unknown-method':
        return this.#request(
          this.pick(['mining.get_transactions', 'eth_submitWork', this.hex(6)]),
          [],
        );
      case 'bad-params':
        return this.#request(
          this.pick([
            'mining.submit',
            'mining.authorize',
            'mining.configure',
            'mining.suggest_difficulty',
          ]),
          this.chance(0.5)
            ? this.#anyValue()
            : [this.#anyValue(), this.#anyValue(), this.#anyValue()],
        );
      case 'unicode':
        return this.#request(this.pick(['mining.authorize', 'mining.subscribe', 'mining.submit']), [
          this.pick(['矿工', 'ünïcødé', '👷‍♀️⛏️', '\u202e\u2028\u2029', 'a\u0000b', '\ud800']),
          this.pick(['x', '🔑']),
        ]);
      case 'huge-numbers':
        return this.pick([
          `{"id":1e400,"method":"mining.suggest_difficulty","params":[1e400]}`,
          `{"id":123456789012345678901234567890,"method":"mining.subscribe","params":[]}`,
          `{"id":${this.#id++},"method":"mining.submit","params":["${user}","1","${en2}",4294967296,-1]}`,
          `{"id":-0,"method":"mining.suggest_difficulty","params":[-0]}`,
        ]);
      case 'nested-arrays': {
        const depth = 1 + this.int(500);
        return `{"id":${this.#id++},"method":"mining.submit","params":${'['.repeat(depth)}${']'.repeat(depth)}}`;
      }
      case 'reply':
        return this.pick([
          '{"id":5,"result":true,"error":null}',
          '{"id":null,"result":["x"],"error":null}',
        ]);
      case 'blank':
        return this.pick(['', '   ', '\r', '\t']);
      case 'at-max-length': {
        // exactly the cap in bytes: still a line (a subscribe whose user agent is too long)
        const head = `{"id":${this.#id++},"method":"mining.subscribe","params":["`;
        return `${head}${'u'.repeat(this.#maxLineBytes - head.length - 3)}"]}`;
      }
      case 'not-json':
        return this.pick([
          `{"id":1,"method":"mining.submit","params":[`,
          'hello',
          '{]',
          `GET / HTTP/1.1`,
        ]);
      case 'binary': {
        const bytes = Buffer.alloc(1 + this.int(200));
        for (let i = 0; i < bytes.length; i++) bytes[i] = this.int(256);
        bytes[0] = 0x01; // not blank, not JSON
        for (let i = 0; i < bytes.length; i++) if (bytes[i] === 10) bytes[i] = 0xff;
        return bytes;
      }
      case 'not-an-object':
        return this.pick(['[1,2,3]', '42', '"mining.subscribe"', 'null', 'true']);
      case 'bad-id':
        return `{"id":{"x":[1]},"method":"mining.subscribe","params":[]}`;
      case 'over-long':
        return `{"id":1,"method":"mining.subscribe","params":["${'o'.repeat(this.#maxLineBytes + this.int(8_000))}"]}`;
    }
  }
}

async function fuzzWorker(plan: FuzzPlan): Promise<void> {
  const maker = new LineMaker(plan.seed, plan.maxLineBytes);
  const stats: FuzzStats = {
    lines: 0,
    bytesOut: 0,
    bytesIn: 0,
    connects: 0,
    cut: 0,
    refused: 0,
    fatalKeptOpen: 0,
    connectErrors: 0,
    addresses: 0,
    byKind: {},
    seconds: 0,
    done: false,
  };
  const t0 = performance.now();
  const deadline = t0 + plan.maxSeconds * 1000;
  const minEnd = t0 + plan.minSeconds * 1000;
  const finished = (): boolean =>
    (stats.lines >= plan.lines && performance.now() >= minEnd) || performance.now() > deadline;
  const readBuffer = Buffer.alloc(64 * 1024);
  // Source addresses 127.0.1.1, 127.0.1.2, … (skipping .0 and .255): a fresh one per refusal.
  let nextAddress = 256 + 1;
  const address = (): string => {
    let n = nextAddress++;
    while (n % 256 === 0 || n % 256 === 255) n = nextAddress++;
    stats.addresses++;
    return `127.0.${Math.floor(n / 256) % 256}.${n % 256}`;
  };
  const report = setInterval(() => {
    stats.seconds = (performance.now() - t0) / 1000;
    parentPort?.postMessage({ progress: stats });
  }, 1000);

  /** One connection: writes batches until the node cuts it or the run ends. */
  const session = (
    slot: number,
    localAddress: string,
  ): Promise<{ answered: boolean; byUs: boolean }> =>
    new Promise((resolve) => {
      let answered = false;
      let closed = false;
      let byUs = false;
      let onClosed: (() => void) | null = null;
      let onAnswer: (() => void) | null = null;
      const socket: Socket = connect({
        host: plan.host,
        port: plan.port,
        localAddress,
        onread: {
          buffer: readBuffer,
          callback: (n: number): boolean => {
            answered = true;
            onAnswer?.();
            stats.bytesIn += n;
            return true;
          },
        },
      });
      socket.on('error', (err: NodeJS.ErrnoException) => {
        if (err.code === 'ECONNREFUSED' || err.code === 'EADDRNOTAVAIL') stats.connectErrors++;
      });
      socket.on('close', () => {
        closed = true;
        onClosed?.();
        resolve({ answered, byUs });
      });
      const whenClosed = new Promise<void>((r) => (onClosed = r));
      const whenAnswered = new Promise<void>((r) => (onAnswer = r));
      socket.once('connect', () => {
        stats.connects++;
        void (async () => {
          const user = `${ADDRESS}.f${slot}`;
          // The opening, then its first answer before any fuzz (as a miner waits for its
          // subscribe's): a socket closed without one was refused at accept.
          socket.write(
            maker.chance(0.9)
              ? `{"id":1,"method":"mining.subscribe","params":["fuzz"]}\n{"id":2,"method":"mining.authorize","params":["${user}","x"]}\n`
              : `{"id":1,"method":"mining.extranonce.subscribe","params":[]}\n`,
          );
          await Promise.race([whenClosed, whenAnswered, sleep(5_000)]);
          let out = '';
          while (answered && !closed && !finished()) {
            let fatal = false;
            let binary: Buffer | null = null;
            for (let i = 0; i < 32 && !fatal; i++) {
              const kind = maker.kind();
              const line = maker.line(kind, user);
              if (typeof line === 'string') out += `${line}\n`;
              else binary = line;
              stats.lines++;
              stats.byKind[kind] = (stats.byKind[kind] ?? 0) + 1;
              fatal = FATAL.has(kind);
            }
            const bytes =
              binary === null
                ? Buffer.from(out)
                : Buffer.concat([Buffer.from(out), binary, Buffer.from('\n')]);
            stats.bytesOut += bytes.length;
            const flushed = socket.write(bytes);
            out = '';
            if (fatal) {
              // The node must close the connection now; give it 2 s.
              await Promise.race([whenClosed, sleep(2_000)]);
              if (!closed) stats.fatalKeptOpen++;
              break;
            }
            if (!flushed)
              await Promise.race([whenClosed, new Promise((r) => socket.once('drain', r))]);
            else await new Promise((r) => setImmediate(r));
          }
          if (!closed) byUs = true;
          socket.destroy();
        })();
      });
    });

  const shared = Array.from({ length: Math.ceil(plan.connections / PER_ADDRESS) }, address);
  const slot = async (i: number): Promise<void> => {
    let localAddress = shared[Math.floor(i / PER_ADDRESS)] as string;
    while (!finished()) {
      const { answered, byUs } = await session(i, localAddress);
      if (finished()) break;
      if (byUs) continue; // a fatal line the node left open, or no answer in 5 s: start over
      if (answered) stats.cut++;
      else {
        // refused (banned, per-address limit): a fresh address, after a breath
        stats.refused++;
        localAddress = address();
        await sleep(20);
      }
    }
  };
  await Promise.all(Array.from({ length: plan.connections }, (_, i) => slot(i)));
  clearInterval(report);
  stats.seconds = (performance.now() - t0) / 1000;
  stats.done = stats.lines >= plan.lines;
  parentPort?.postMessage({ final: stats });
}

// --- processes ------------------------------------------------------------------------------

const children = new Set<ChildProcess>();
process.once('exit', () => {
  for (const c of children) c.kill('SIGKILL');
});

function rssKb(pid: number): number {
  try {
    const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : NaN;
  } catch {
    return NaN; // the process is gone
  }
}

/** Samples a process's RSS every `everyMs` until stopped; keeps the peak. */
function rssSampler(pid: number, everyMs = 100): { stop(): number } {
  let peak = rssKb(pid);
  const timer = setInterval(() => {
    const kb = rssKb(pid);
    if (kb > peak) peak = kb;
  }, everyMs);
  return {
    stop: () => {
      clearInterval(timer);
      return peak;
    },
  };
}

interface NodeChild {
  readonly child: ChildProcess;
  readonly pid: number;
  readonly port: number;
  readonly metricsPort: number;
  /** Set once the process exited: its code (or the signal's name). */
  exited: string | null;
  /** Whether we asked it to stop (SIGTERM): an exit before that is a crash. */
  stopping: boolean;
  log(): string;
  errorLines(): string[];
  stop(): Promise<string>;
}

/** `colliery start` in a child process; resolves once a Stratum client gets its first job. */
async function startNodeChild(
  nats: NatsServer,
  devnet: Devnet,
  nodeId: string,
  pinned: boolean,
  extraEnv: Record<string, string> = {},
): Promise<NodeChild> {
  const port = await freePort();
  const metricsPort = await freePort();
  const child = spawn(
    process.execPath,
    [
      '--expose-gc',
      '--require',
      join(repoRoot, 'test', 'bench', 'gc-on-signal.cjs'),
      CLI,
      'start',
      ...['--coin', 'bitcoin-regtest', '--rpc', devnet.url, '--pool-address', ADDRESS],
      ...['--nats', nats.url, '--cluster', `bench-${nodeId}`, '--node-id', nodeId],
      ...['--data', testDataDir(), '--verifier-threads', '1'],
      ...['--stratum', `127.0.0.1:${port}`, '--metrics', `127.0.0.1:${metricsPort}`],
      ...['--start-difficulty', String(HONEST_DIFFICULTY), '--min-difficulty'],
      ...(pinned
        ? [String(HONEST_DIFFICULTY), '--max-difficulty', String(HONEST_DIFFICULTY)]
        : [String(2 ** -32)]),
      ...['--log-level', 'warn'],
    ],
    { stdio: ['ignore', 'pipe', 'pipe'], cwd: repoRoot, env: { ...process.env, ...extraEnv } },
  );
  children.add(child);
  let out = '';
  const errors: string[] = [];
  let partial = '';
  const keep = (d: Buffer): void => {
    const text = partial + d.toString();
    const lines = text.split('\n');
    partial = lines.pop() ?? '';
    for (const l of lines)
      if (/"level":(50|60)\b/.test(l) || /^\s*(Error|RangeError|TypeError)/.test(l)) errors.push(l);
    out = (out + d.toString()).slice(-40_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const node: NodeChild = {
    child,
    pid: child.pid as number,
    port,
    metricsPort,
    exited: null,
    stopping: false,
    log: () => out,
    errorLines: () => errors,
    stop: async () => {
      node.stopping = true;
      if (node.exited === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
        await exited;
        clearTimeout(timer);
      }
      return node.exited ?? 'unknown';
    },
  };
  const exited = new Promise<void>((r) =>
    child.once('exit', (code, signal) => {
      node.exited = code === null ? String(signal) : String(code);
      children.delete(child);
      r();
    }),
  );
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (node.exited !== null) throw new Error(`the node exited at start:\n${out}`);
    try {
      const probe = await LoadClient.open({
        host: '127.0.0.1',
        port,
        localAddress: '127.0.0.199',
        username: `${ADDRESS}.probe`,
        stats: newLoadStats(),
        handshakeTimeoutMs: 5_000,
      });
      probe.close();
      return node;
    } catch {
      if (Date.now() > deadline) throw new Error(`the node never served a job:\n${out}`);
      await sleep(250);
    }
  }
}

// --- the client that never reads ------------------------------------------------------------

interface NonReaderResult {
  readonly how: string;
  readonly receiveBuffer: number | null;
  readonly linesSent: number;
  readonly bytesSent: number;
  readonly blockedSends: number;
  /** When the node cut it (seconds after connecting) and how we noticed; null: never. */
  readonly cut: { afterSeconds: number; error: string } | null;
}

// A raw socket with SO_RCVBUF set before connect needs a socket option Node's net lacks;
// python3 (which node-gyp needs anyway) has it. Non-blocking sends: it never waits on the node
// and never calls recv.
const NONREADER_PY = String.raw`
import json, socket, sys, time
host, port, user, seconds, start_d, local = sys.argv[1], int(sys.argv[2]), sys.argv[3], float(sys.argv[4]), float(sys.argv[5]), sys.argv[6]
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
s.bind((local, 0))
s.connect((host, port))
rcv = s.getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF)
s.setblocking(False)
buf = ('{"id":1,"method":"mining.subscribe","params":["nonreader/0.1"]}\n'
       '{"id":2,"method":"mining.authorize","params":[%s,"x"]}\n' % json.dumps(user)).encode()
made, sent, blocked, i, d, cut = 2, 0, 0, 3, start_d, None
t0 = time.monotonic()
while time.monotonic() - t0 < seconds:
    if len(buf) < 65536:
        parts = []
        for _ in range(20):
            d *= 1.0001
            parts.append('{"id":%d,"method":"mining.suggest_difficulty","params":[%.17g]}\n' % (i, d))
            i += 1
        buf += ''.join(parts).encode()
        made += 20
    try:
        n = s.send(buf)
        sent += n
        buf = buf[n:]
    except BlockingIOError:
        blocked += 1
    except OSError as e:
        cut = {'afterSeconds': round(time.monotonic() - t0, 2), 'error': e.__class__.__name__}
        break
    time.sleep(0.001)
print(json.dumps({'how': 'python3 socket, SO_RCVBUF 4096 before connect', 'receiveBuffer': rcv,
                  'linesSent': made - buf.count(b'\n'), 'bytesSent': sent, 'blockedSends': blocked, 'cut': cut}))
s.close()
`;

async function nonReader(port: number, seconds: number): Promise<NonReaderResult> {
  const user = `${ADDRESS}.nonreader`;
  const viaPython = await new Promise<NonReaderResult | null>((resolve) => {
    const py = spawn(
      'python3',
      [
        '-c',
        NONREADER_PY,
        '127.0.0.1',
        String(port),
        user,
        String(seconds),
        String(2 ** -20),
        NONREADER_ADDRESS,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    children.add(py);
    let out = '';
    let err = '';
    py.stdout.on('data', (d: Buffer) => (out += d.toString()));
    py.stderr.on('data', (d: Buffer) => (err += d.toString()));
    py.on('error', () => resolve(null)); // no python3
    py.on('exit', () => {
      children.delete(py);
      try {
        resolve(JSON.parse(out) as NonReaderResult);
      } catch {
        if (err) note(`python3 non-reader failed: ${err.trim().split('\n').pop() ?? ''}`);
        resolve(null);
      }
    });
  });
  return viaPython ?? nonReaderInNode(port, user, seconds);
}

/** Fallback without python3: a Node socket that stops reading at once (default receive buffer). */
async function nonReaderInNode(
  port: number,
  user: string,
  seconds: number,
): Promise<NonReaderResult> {
  const socket = connect({ host: '127.0.0.1', port, localAddress: NONREADER_ADDRESS });
  socket.pause();
  await new Promise((r) => socket.once('connect', r));
  socket.pause();
  let cut: NonReaderResult['cut'] = null;
  const t0 = performance.now();
  socket.on(
    'error',
    (e) => (cut ??= { afterSeconds: (performance.now() - t0) / 1000, error: e.message }),
  );
  socket.on(
    'close',
    () => (cut ??= { afterSeconds: (performance.now() - t0) / 1000, error: 'close' }),
  );
  socket.write(
    `{"id":1,"method":"mining.subscribe","params":["nonreader/0.1"]}\n{"id":2,"method":"mining.authorize","params":["${user}","x"]}\n`,
  );
  let lines = 2;
  let d = 2 ** -20;
  let blocked = 0;
  while (performance.now() - t0 < seconds * 1000 && cut === null) {
    if (socket.writableLength < 65_536) {
      let out = '';
      for (let k = 0; k < 20; k++)
        out += `{"id":${lines++},"method":"mining.suggest_difficulty","params":[${(d *= 1.0001)}]}\n`;
      socket.write(out);
    } else blocked++;
    await sleep(1);
  }
  const bytesSent = socket.bytesWritten - socket.writableLength;
  socket.destroy();
  return {
    how: 'Node socket, paused (default receive buffer)',
    receiveBuffer: null,
    linesSent: lines,
    bytesSent,
    blockedSends: blocked,
    cut,
  };
}

// --- metrics --------------------------------------------------------------------------------

async function scrape(port: number): Promise<string | null> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/metrics`);
    return await res.text();
  } catch {
    return null;
  }
}

/** `name{reason="x"} n` samples of one metric, by reason. */
function byReason(text: string | null, name: string): Map<string, number> | null {
  if (text === null || !text.includes(`${name}`)) return null;
  const out = new Map<string, number>();
  const re = new RegExp(`^${name}\\{(?:[^}]*,)?reason="([^"]*)"[^}]*\\} (\\S+)$`, 'gm');
  for (const m of text.matchAll(re))
    out.set(m[1] as string, (out.get(m[1] as string) ?? 0) + Number(m[2]));
  return out;
}

function sample(text: string | null, name: string): number | undefined {
  const line = text?.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.slice(name.length + 1));
}

function printByReason(
  title: string,
  now: Map<string, number> | null,
  before: Map<string, number> | null,
): void {
  if (now === null) {
    row(title, 'not exposed by this node');
    return;
  }
  const total = [...now.values()].reduce((a, b) => a + b, 0);
  row(title, `${fmt(total)} in all`);
  const reasons = [...now.entries()].sort((a, b) => b[1] - a[1]);
  if (reasons.length === 0) note('none');
  for (const [reason, n] of reasons) {
    const during = n - (before?.get(reason) ?? 0);
    row(`    ${reason}`, `${fmt(n)} (${fmt(during)} during the fuzz run)`);
  }
}

// --- main -----------------------------------------------------------------------------------

/** RSS after a full GC in the node (SIGWINCH, test/bench/gc-on-signal.cjs). */
async function rssAfterGc(pid: number): Promise<number> {
  try {
    process.kill(pid, 'SIGWINCH');
  } catch {
    return NaN;
  }
  await sleep(1_000);
  return rssKb(pid);
}

/** One non-reader against `node`, its RSS around it and how the node closed it. */
async function nonReaderSection(label: string, node: NodeChild): Promise<void> {
  row(label, '');
  const metricsBefore = await scrape(node.metricsPort);
  const before = rssKb(node.pid);
  const sampler = rssSampler(node.pid);
  const nr = await nonReader(node.port, NONREADER_SECONDS);
  const peak = sampler.stop();
  await sleep(AFTER_MS);
  const after = rssKb(node.pid);
  const afterGc = await rssAfterGc(node.pid);
  const closed = byReason(await scrape(node.metricsPort), 'colliery_stratum_closed_total');
  const was = byReason(metricsBefore, 'colliery_stratum_closed_total');
  const reasons = [...(closed ?? new Map<string, number>())]
    .map(([k, v]) => [k, v - (was?.get(k) ?? 0)] as const)
    .filter(([, v]) => v > 0)
    .map(([k, v]) => (v === 1 ? k : `${k} ×${v}`));
  const signed = (kb: number): string => `${kb >= 0 ? '+' : ''}${mb(kb)}`;
  row('  node RSS before', mb(before));
  row('  node RSS peak while the client wrote', `${mb(peak)} (${signed(peak - before)})`);
  row(
    `  node RSS ${AFTER_MS / 1000} s after it stopped`,
    `${mb(after)} (${signed(after - before)})`,
  );
  row('  … after a full GC', `${mb(afterGc)} (${signed(afterGc - before)})`);
  row(
    '  client',
    nr.how + (nr.receiveBuffer === null ? '' : ` (kernel: ${fmt(nr.receiveBuffer)} B)`),
  );
  row(
    '  lines / bytes it got into the node’s socket',
    `${fmt(nr.linesSent)} / ${fmt(nr.bytesSent)} B`,
  );
  row('  sends that would have blocked (the node not reading it)', fmt(nr.blockedSends));
  row(
    '  cut by the node',
    (nr.cut === null
      ? 'no: still open when it stopped writing'
      : `after ${nr.cut.afterSeconds} s (${nr.cut.error})`) +
      (closed === null ? '' : `; closed: ${reasons.join(', ') || 'nothing'}`),
  );
}

interface Honest {
  readonly miners: StratumMiner[];
  disconnects: number;
  totals(): {
    accepted: number;
    submitted: number;
    rejected: number;
    hashes: number;
    rejects: Record<string, number>;
  };
}

function honestMiners(port: number): Honest {
  const miners = Array.from(
    { length: HONEST_MINERS },
    (_, i) =>
      new StratumMiner({
        host: '127.0.0.1',
        port,
        username: `${ADDRESS}.honest${i}`,
        hashHeaders,
        maxHashesPerSec: HONEST_HASHES_PER_SEC,
        persistent: true,
      }),
  );
  const h: Honest = {
    miners,
    disconnects: 0,
    totals: () => {
      const t = {
        accepted: 0,
        submitted: 0,
        rejected: 0,
        hashes: 0,
        rejects: {} as Record<string, number>,
      };
      for (const m of miners) {
        t.accepted += m.stats.accepted;
        t.submitted += m.stats.submitted;
        t.rejected += m.stats.rejected;
        t.hashes += m.stats.hashes;
        for (const [k, n] of Object.entries(m.stats.rejectedBy))
          t.rejects[k] = (t.rejects[k] ?? 0) + n;
      }
      return t;
    },
  };
  for (const m of miners) m.on('disconnected', () => void h.disconnects++);
  return h;
}

/** Accepted shares/s of the honest miners over a window that `during` spans. */
async function honestRate<T>(
  h: Honest,
  during: () => Promise<T>,
): Promise<{ rate: number; seconds: number; result: T; rejects: string; hashRate: number }> {
  const a = h.totals();
  const t = performance.now();
  const result = await during();
  const seconds = (performance.now() - t) / 1000;
  const b = h.totals();
  const rejects = Object.entries(b.rejects)
    .map(([k, n]) => [k, n - (a.rejects[k] ?? 0)] as const)
    .filter(([, n]) => n > 0)
    .map(([k, n]) => `${k}:${n}`)
    .join(' ');
  return {
    rate: (b.accepted - a.accepted) / seconds,
    seconds,
    result,
    rejects: rejects || 'none',
    hashRate: (b.hashes - a.hashes) / seconds,
  };
}

async function runFuzz(port: number): Promise<FuzzStats> {
  const plan: FuzzPlan = {
    host: '127.0.0.1',
    port,
    lines: FUZZ_LINES,
    connections: FUZZ_CONNECTIONS,
    seed: FUZZ_SEED,
    maxSeconds: FUZZ_MAX_SECONDS,
    minSeconds: FUZZ_MIN_SECONDS,
    maxLineBytes: MAX_LINE_BYTES,
  };
  const worker = new Worker(new URL(import.meta.url), { workerData: plan });
  let last = 0;
  return new Promise((resolve, reject) => {
    worker.on('message', (m: { progress?: FuzzStats; final?: FuzzStats }) => {
      if (m.final) resolve(m.final);
      else if (m.progress && m.progress.seconds - last >= 10) {
        last = m.progress.seconds;
        note(
          `${m.progress.seconds.toFixed(0)} s: ${fmt(m.progress.lines)} lines, ${fmt(m.progress.connects)} connections, ` +
            `${fmt(m.progress.addresses)} addresses`,
        );
      }
    });
    worker.on('error', reject);
    worker.on('exit', (code) => code !== 0 && reject(new Error(`fuzz worker exited ${code}`)));
  });
}

async function main(): Promise<void> {
  console.log(
    `node ${process.version} · ${cpus()[0]?.model ?? 'unknown CPU'} · ${cpus().length} cores · ` +
      `native backend ${backend} (sha ${shaFeature})`,
  );
  const started = performance.now();
  let nats: NatsServer | undefined;
  let devnet: Devnet | undefined;
  let node: NodeChild | undefined;
  let honest: Honest | undefined;
  try {
    nats = await startNatsServer('edge-bench');
    devnet = await startDevnet({ bits: 0x1d00ffff }); // network difficulty 1: no blocks
    node = await startNodeChild(nats, devnet, 'edge', true);
    const n = node;
    honest = honestMiners(n.port);
    const h = honest;
    await startWhenListening(h.miners);
    await sleep(WARMUP_MS);

    // 1. the client that never reads: on this node (defaults), then on a node whose
    // suggest_difficulty rate limit is lifted, so that the flood reaches the output limit
    section(
      `1. node RSS around one client that never reads (${NONREADER_SECONDS} s of rising mining.suggest_difficulty)`,
    );
    const crashes: string[] = [];
    await nonReaderSection('node defaults (honest miners connected)', n);
    const lifted = await startNodeChild(nats, devnet, 'edge-nr', false, {
      COLLIERY_SUGGEST_DIFFICULTY_PER_MINUTE: '100000',
    });
    await sleep(3_000);
    await nonReaderSection(
      'COLLIERY_SUGGEST_DIFFICULTY_PER_MINUTE=100000 (no miners): the output path',
      lifted,
    );
    const liftedCode = await lifted.stop();
    if (liftedCode !== '0') crashes.push(`edge-nr: exit ${liftedCode}`);

    // 2. honest miners alone, then beside the fuzz run
    section(
      `2. honest miners (${HONEST_MINERS} × ${fmt(HONEST_HASHES_PER_SEC)} H/s, difficulty 2^-20 pinned): accepted shares/s`,
    );
    const alone = await honestRate(h, () => sleep(HONEST_WINDOW_MS));
    row(
      `alone (${alone.seconds.toFixed(0)} s)`,
      `${alone.rate.toFixed(1)}/s (rejects: ${alone.rejects})`,
    );
    const metricsBefore = await scrape(n.metricsPort);
    const disconnectsBefore = h.disconnects;
    const fuzzRssSampler = rssSampler(n.pid);
    const beside = await honestRate(h, () => runFuzz(n.port));
    const fuzzPeak = fuzzRssSampler.stop();
    const fuzzRssBefore = rssKb(n.pid);
    const f = beside.result;
    const ratio = beside.rate / alone.rate;
    row(
      `beside the fuzz run (${beside.seconds.toFixed(0)} s)`,
      `${beside.rate.toFixed(1)}/s (rejects: ${beside.rejects})`,
    );
    row('ratio', `${(ratio * 100).toFixed(1)} %`, '≥ 90 %', ratio >= 0.9);
    row(
      '  honest hashes/s alone / beside (the miners’ own CPU)',
      `${fmt(alone.hashRate)} / ${fmt(beside.hashRate)}`,
    );
    row('  honest miners disconnected during the fuzz run', fmt(h.disconnects - disconnectsBefore));
    row(
      `fuzz lines written${f.done ? '' : ` (STOPPED at ${FUZZ_MAX_SECONDS} s)`}`,
      `${fmt(f.lines)} of ${fmt(FUZZ_LINES)} in ${f.seconds.toFixed(1)} s (${fmt(f.lines / f.seconds)}/s)`,
    );
    row(
      '  bytes written / read back',
      `${(f.bytesOut / 2 ** 20).toFixed(1)} MB / ${(f.bytesIn / 2 ** 20).toFixed(1)} MB`,
    );
    row(
      '  connections opened / cut by the node / refused (closed before any answer)',
      `${fmt(f.connects)} / ${fmt(f.cut)} / ${fmt(f.refused)}`,
    );
    row(
      '  source addresses used / connect errors',
      `${fmt(f.addresses)} / ${fmt(f.connectErrors)}`,
    );
    row(
      '  lines that must close a connection, left open 2 s',
      fmt(f.fatalKeptOpen),
      '0',
      f.fatalKeptOpen === 0,
    );
    await sleep(AFTER_MS);
    const fuzzAfter = rssKb(n.pid);
    const fuzzAfterGc = await rssAfterGc(n.pid);
    row(
      '  node RSS peak during the fuzz run / at its end / 10 s later / after a full GC',
      `${mb(fuzzPeak)} / ${mb(fuzzRssBefore)} / ${mb(fuzzAfter)} / ${mb(fuzzAfterGc)}`,
    );
    note(
      'mix: ' +
        Object.entries(f.byKind)
          .sort((a, b) => b[1] - a[1])
          .map(([k, c]) => `${k} ${fmt(c)}`)
          .join(' · '),
    );
    note(
      `${FUZZ_CONNECTIONS} connections in a worker thread, ${PER_ADDRESS} per source address at first; ` +
        `lines from a seeded PRNG (COLLIERY_EDGE_SEED=${FUZZ_SEED}; the connections draw from one ` +
        `stream, so their interleaving varies); batches of ≤ 32 lines, a line that must close the ` +
        `connection ends its batch; at least ${FUZZ_MIN_SECONDS} s`,
    );

    // 3. what the node says it did
    section('3. the node’s /metrics: connections closed, bans and refusals by reason');
    const metrics = await scrape(n.metricsPort);
    if (metrics === null) row('/metrics', 'no answer');
    printByReason(
      'colliery_stratum_closed_total',
      byReason(metrics, 'colliery_stratum_closed_total'),
      byReason(metricsBefore, 'colliery_stratum_closed_total'),
    );
    printByReason(
      'colliery_stratum_bans_total',
      byReason(metrics, 'colliery_stratum_bans_total'),
      byReason(metricsBefore, 'colliery_stratum_bans_total'),
    );
    printByReason(
      'colliery_stratum_refused_total',
      byReason(metrics, 'colliery_stratum_refused_total'),
      byReason(metricsBefore, 'colliery_stratum_refused_total'),
    );
    row(
      'colliery_stratum_connections now',
      String(sample(metrics, 'colliery_stratum_connections') ?? 'not exposed'),
    );
    const verdicts = byReason(
      metrics?.replaceAll('verdict="', 'reason="') ?? null,
      'colliery_shares_total',
    );
    if (verdicts)
      row(
        'colliery_shares_total by verdict',
        [...verdicts].map(([k, v]) => `${k} ${fmt(v)}`).join(' · '),
      );

    // 4. crashes
    section('4. crashes');
    for (const m of h.miners) await m.stop();
    honest = undefined;
    const crashedBefore = n.exited !== null;
    const code = await n.stop();
    node = undefined;
    if (crashedBefore) crashes.push(`edge: exited (${code}) before it was stopped`);
    else if (code !== '0') crashes.push(`edge: exit ${code} after SIGTERM`);
    row(
      'node crashes (both nodes; exit code after SIGTERM must be 0)',
      crashes.length === 0 ? `0 (exit codes ${liftedCode}, ${code})` : crashes.join('; '),
      '0',
      crashes.length === 0,
    );
    const errs = [...lifted.errorLines(), ...n.errorLines()];
    row('node error/fatal log lines (both nodes)', fmt(errs.length));
    for (const e of errs.slice(0, 5)) note(e.slice(0, 300));
    if (crashes.length > 0) console.log(n.log().slice(-4_000), lifted.log().slice(-4_000));
    console.log(`\ntotal ${((performance.now() - started) / 1000).toFixed(0)} s`);
  } catch (err) {
    console.error('edge bench crashed:', err);
    if (node) console.error(node.log().slice(-4_000));
    process.exitCode = 1;
  } finally {
    for (const m of honest?.miners ?? []) await m.stop();
    await node?.stop();
    await devnet?.close();
    await nats?.stop();
  }
  process.exit(process.exitCode ?? 0);
}

if (isMainThread) await main();
else await fuzzWorker(workerData as FuzzPlan);
