// `colliery demo`'s own bus: a `nats-server` with JetStream on a free loopback port, its store
// and log under <data>/nats, in a session of its own (a terminal's Ctrl-C reaches the demo,
// which drains through it, never the server). The demo never borrows a server that happens to
// listen on 4222: its share log would live there, mixed with another run's. A server a killed
// demo left behind (its pid file names it) is stopped before a new one starts on the store.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, connect as tcpConnect } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export interface LocalNats {
  readonly url: string;
  /** The server's process id (its own session and process group). */
  readonly pid: number;
  stop(): Promise<void>;
}

/** A port on `host` nothing listens on now (the OS picks it). */
export function freePort(host = '127.0.0.1', preferred = 0): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', (err: NodeJS.ErrnoException) => {
      if (preferred !== 0 && err.code === 'EADDRINUSE') resolve(freePort(host, 0));
      else reject(err);
    });
    s.listen(preferred, host, () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

function answers(host: string, port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const s = tcpConnect({ host, port });
    const done = (ok: boolean) => {
      s.destroy();
      resolve(ok);
    };
    s.setTimeout(timeoutMs, () => done(false));
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
  });
}

/** Stops a nats-server an earlier demo left on <dataDir>/nats (its pid file names it). */
export function stopLeftoverNats(dataDir: string): void {
  const store = join(dataDir, 'nats');
  const pidFile = join(store, 'nats-server.pid');
  let pid: number;
  try {
    pid = Number(readFileSync(pidFile, 'utf8').trim());
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    if (!cmdline.some((a) => a.endsWith('nats-server')) || !cmdline.includes(store)) return;
  } catch {
    return; // no pid file, or no such process
  }
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // gone meanwhile
  }
}

export async function startLocalNats(dataDir: string, binary = 'nats-server'): Promise<LocalNats> {
  const store = join(dataDir, 'nats');
  mkdirSync(store, { recursive: true });
  const pidFile = join(store, 'nats-server.pid');
  const logFile = join(store, 'nats-server.log');
  stopLeftoverNats(dataDir);
  rmSync(logFile, { force: true });
  const host = '127.0.0.1';
  const port = await freePort(host);
  const child: ChildProcess = spawn(
    binary,
    ['-a', host, '-p', String(port), '-js', '-sd', store, '-P', pidFile, '-l', logFile],
    { stdio: 'ignore', detached: true },
  );
  const logTail = () => {
    try {
      return readFileSync(logFile, 'utf8').trim().split('\n').slice(-5).join('\n');
    } catch {
      return '';
    }
  };
  const failed = new Promise<never>((_, reject) => {
    child.once('error', (e) =>
      reject(
        new Error(
          `cannot start nats-server (${e.message}); install it (Debian: apt-get install nats-server) or pass --nats URL`,
        ),
      ),
    );
    child.once('exit', (code) =>
      reject(new Error(`nats-server exited with ${code} (log ${logFile}): ${logTail()}`)),
    );
  });
  const ready = (async () => {
    for (let i = 0; i < 200; i++) {
      if (await answers(host, port, 200)) return;
      await sleep(50);
    }
    throw new Error(`nats-server did not answer on ${host}:${port} (log ${logFile}): ${logTail()}`);
  })();
  const stopOnExit = () => child.kill('SIGKILL');
  process.once('exit', stopOnExit);
  try {
    await Promise.race([ready, failed]);
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  failed.catch(() => undefined);
  return {
    url: `nats://${host}:${port}`,
    pid: child.pid ?? -1,
    stop: async () => {
      process.off('exit', stopOnExit);
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await Promise.race([exited, sleep(5_000).then(() => child.kill('SIGKILL'))]);
    },
  };
}
