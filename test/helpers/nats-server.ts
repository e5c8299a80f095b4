// Starts real `nats-server` processes for tests: one server or a JetStream cluster, each on
// random free loopback ports with its own temp store dir. Every child is killed and every dir
// removed when the test process exits, however it exits.
//   const s = await startNatsServer();            s.url, s.stop(), s.kill('SIGKILL'), s.restart()
//   const c = await startNatsCluster({ size: 3 }); c.urls, c.servers[i], c.stop()
import { spawn, type ChildProcess } from 'node:child_process';
import {
  closeSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createServer, connect as tcpConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const BINARY = process.env['NATS_SERVER_BIN'] ?? 'nats-server';
const READY_TIMEOUT_MS = 20_000;
const live = new Set<ChildProcess>();
const dirs = new Set<string>();

process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

export interface NatsServer {
  readonly name: string;
  readonly url: string;
  readonly port: number;
  readonly pid: number | undefined;
  /** Its HTTP monitoring endpoint (/varz, /jsz …). */
  readonly monitorUrl: string;
  /** Recent log lines (for assertion messages). */
  logs(): string;
  /** Graceful stop (SIGTERM), waits for exit, removes the store dir. */
  stop(): Promise<void>;
  /** Sends `signal` (default SIGKILL); waits for exit unless it is SIGSTOP/SIGCONT. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Starts it again on the same ports and store dir. */
  restart(): Promise<void>;
}

export interface NatsCluster {
  readonly servers: NatsServer[];
  readonly urls: string[];
  stop(): Promise<void>;
}

// Ports come from below the kernel's ephemeral range (32768+ on Linux), so the thousands of
// outbound sockets other tests open cannot take a port between our probe and the server's
// bind; each port is handed out once per process. Callers still retry a start that loses a race
// with another process.
const handedOut = new Set<number>();
const PORT_LOW = 20_000;
const PORT_SPAN = 12_000;

function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

export async function freePort(): Promise<number> {
  for (let tries = 0; tries < 1000; tries++) {
    const port = PORT_LOW + Math.floor(Math.random() * PORT_SPAN);
    if (handedOut.has(port)) continue;
    handedOut.add(port);
    if (await bindable(port)) return port;
  }
  throw new Error('no free loopback port found');
}

/** `n` free loopback ports in a row (a node of n processes serves /metrics on port + k). */
export async function freePortRun(n: number): Promise<number> {
  for (let tries = 0; tries < 1000; tries++) {
    const port = PORT_LOW + Math.floor(Math.random() * (PORT_SPAN - n));
    const run = Array.from({ length: n }, (_, k) => port + k);
    if (run.some((p) => handedOut.has(p))) continue;
    run.forEach((p) => handedOut.add(p));
    if ((await Promise.all(run.map(bindable))).every(Boolean)) return port;
  }
  throw new Error(`no ${n} free loopback ports in a row found`);
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = tcpConnect({ port, host: '127.0.0.1' });
    sock.once('connect', () => (sock.destroy(), resolve(true)));
    sock.once('error', () => resolve(false));
  });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface Plan {
  name: string;
  port: number;
  config: string;
  dir: string;
  monitorPort: number;
}

class Server implements NatsServer {
  readonly #plan: Plan;
  #child: ChildProcess | undefined;
  /** Where this start's output begins in the server's log file. */
  #logFrom = 0;

  constructor(plan: Plan) {
    this.#plan = plan;
  }

  get name(): string {
    return this.#plan.name;
  }
  get port(): number {
    return this.#plan.port;
  }
  get url(): string {
    return `nats://127.0.0.1:${this.#plan.port}`;
  }
  get pid(): number | undefined {
    return this.#child?.pid;
  }
  get monitorUrl(): string {
    return `http://127.0.0.1:${this.#plan.monitorPort}`;
  }

  /** The server's output since its last start (the last 20 KB of it). */
  logs(): string {
    let text: string;
    try {
      text = readFileSync(this.#logFile).subarray(this.#logFrom).toString();
    } catch {
      return '';
    }
    return text.slice(-20_000);
  }

  get #logFile(): string {
    return join(this.#plan.dir, 'server.log');
  }

  async start(): Promise<void> {
    // Output goes to a file, not a pipe this process must drain: a test blocked in spawnSync
    // (a CLI child) would otherwise let the pipe fill and stall the server, and the child with it.
    this.#logFrom = (() => {
      try {
        return statSync(this.#logFile).size;
      } catch {
        return 0;
      }
    })();
    const out = openSync(this.#logFile, 'a');
    const child = spawn(BINARY, ['-c', this.#plan.config], { stdio: ['ignore', out, out] });
    closeSync(out);
    this.#child = child;
    live.add(child);
    let exited = false;
    child.once('exit', () => {
      exited = true;
      live.delete(child);
    });
    const deadline = Date.now() + READY_TIMEOUT_MS;
    while (!(this.logs().includes('Server is ready') && (await canConnect(this.port)))) {
      if (exited) throw new Error(`nats-server ${this.name} exited at start:\n${this.logs()}`);
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(
          `nats-server ${this.name} not ready in ${READY_TIMEOUT_MS} ms:\n${this.logs()}`,
        );
      }
      await sleep(25);
    }
  }

  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const child = this.#child;
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    child.kill(signal);
    if (signal !== 'SIGSTOP' && signal !== 'SIGCONT') await exited;
  }

  async stop(): Promise<void> {
    await this.kill('SIGTERM');
    rmSync(this.#plan.dir, { recursive: true, force: true });
    dirs.delete(this.#plan.dir);
  }

  async restart(): Promise<void> {
    await this.kill('SIGKILL');
    await this.start();
  }
}

interface Member {
  name: string;
  port: number;
  clusterPort: number;
  monitorPort: number;
  dir: string;
}

function configFor(
  m: Member,
  peers: Member[] | undefined,
  clusterName: string,
  extra = '',
): string {
  const lines = [
    extra,
    `server_name: ${m.name}`,
    `listen: 127.0.0.1:${m.port}`,
    `http: 127.0.0.1:${m.monitorPort}`,
    `jetstream { store_dir: "${join(m.dir, 'js')}" }`,
  ];
  if (peers !== undefined) {
    const routes = peers
      .filter((p) => p !== m)
      .map((p) => `nats-route://127.0.0.1:${p.clusterPort}`);
    lines.push(
      `cluster { name: ${clusterName}, listen: 127.0.0.1:${m.clusterPort}, routes: [${routes.join(', ')}] }`,
    );
  }
  return lines.join('\n') + '\n';
}

async function plan(name: string): Promise<Member> {
  const dir = mkdtempSync(join(tmpdir(), `colliery-nats-${name}-`));
  dirs.add(dir);
  return {
    name,
    dir,
    port: await freePort(),
    clusterPort: await freePort(),
    monitorPort: await freePort(),
  };
}

function build(
  m: Member,
  peers: Member[] | undefined,
  clusterName: string,
  extra?: string,
): Server {
  const config = join(m.dir, 'server.conf');
  writeFileSync(config, configFor(m, peers, clusterName, extra));
  return new Server({ name: m.name, port: m.port, config, dir: m.dir, monitorPort: m.monitorPort });
}

/**
 * One JetStream-enabled server on a random loopback port; `extra`: more of its configuration
 * (authorization, tls).
 */
export async function startNatsServer(name = 'solo', extra?: string): Promise<NatsServer> {
  for (let attempt = 1; ; attempt++) {
    const server = build(await plan(name), undefined, '', extra);
    try {
      await server.start();
      return server;
    } catch (err) {
      await server.stop();
      if (attempt >= 3) throw err;
    }
  }
}

async function jetStreamReady(server: Server): Promise<boolean> {
  try {
    const res = await fetch(`${server.monitorUrl}/jsz`);
    const body = (await res.json()) as { meta_cluster?: { leader?: string } };
    return typeof body.meta_cluster?.leader === 'string' && body.meta_cluster.leader !== '';
  } catch {
    return false;
  }
}

/** `size` routed servers with JetStream; resolves once JetStream has elected a meta leader. */
export async function startNatsCluster(options: { size?: number } = {}): Promise<NatsCluster> {
  const size = options.size ?? 3;
  for (let attempt = 1; ; attempt++) {
    try {
      return await tryCluster(size);
    } catch (err) {
      // A port taken between probe and bind by another process: plan fresh ports and retry.
      if (attempt >= 3 || !String(err).includes('address already in use')) throw err;
    }
  }
}

async function tryCluster(size: number): Promise<NatsCluster> {
  const members: Member[] = [];
  for (let i = 1; i <= size; i++) members.push(await plan(`n${i}`));
  const clusterName = `colliery-test-${process.pid}`;
  const servers = members.map((m) => build(m, members, clusterName));
  const stop = async (): Promise<void> => {
    await Promise.all(servers.map((s) => s.stop()));
  };
  try {
    await Promise.all(servers.map((s) => s.start()));
    const deadline = Date.now() + READY_TIMEOUT_MS;
    while (!(await Promise.all(servers.map(jetStreamReady))).every(Boolean)) {
      if (Date.now() > deadline)
        throw new Error('JetStream cluster elected no meta leader in time');
      await sleep(100);
    }
  } catch (err) {
    await stop();
    throw err;
  }
  return { servers, urls: servers.map((s) => s.url), stop };
}
