// For `colliery demo` (and `start --embedded-nats`): use the NATS server at the configured URL
// when one answers; otherwise start a local `nats-server` with JetStream (store under the data
// dir) on that host and port, and stop it on exit.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { connect as tcpConnect } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export interface LocalNats {
  readonly url: string;
  /** True when this process started the server (and stop() ends it). */
  readonly started: boolean;
  stop(): Promise<void>;
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

export async function ensureLocalNats(
  url: string,
  dataDir: string,
  binary = 'nats-server',
): Promise<LocalNats> {
  const u = new URL(url);
  const host = u.hostname || '127.0.0.1';
  const port = Number(u.port || 4222);
  if (await answers(host, port)) return { url, started: false, stop: async () => undefined };
  const store = join(dataDir, 'nats');
  mkdirSync(store, { recursive: true });
  const child: ChildProcess = spawn(binary, ['-a', host, '-p', String(port), '-js', '-sd', store], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  const failed = new Promise<never>((_, reject) => {
    child.once('error', (e) =>
      reject(
        new Error(
          `cannot start nats-server (${e.message}); install it (Debian: apt-get install nats-server) or pass --nats URL`,
        ),
      ),
    );
    child.once('exit', (code) =>
      reject(new Error(`nats-server exited with ${code}: ${stderr.trim()}`)),
    );
  });
  const ready = (async () => {
    for (let i = 0; i < 200; i++) {
      if (await answers(host, port, 200)) return;
      await sleep(50);
    }
    throw new Error(`nats-server did not answer on ${host}:${port}: ${stderr.trim()}`);
  })();
  await Promise.race([ready, failed]);
  failed.catch(() => undefined);
  const stopOnExit = () => child.kill('SIGKILL');
  process.once('exit', stopOnExit);
  return {
    url,
    started: true,
    stop: async () => {
      process.off('exit', stopOnExit);
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await Promise.race([exited, sleep(5_000).then(() => child.kill('SIGKILL'))]);
    },
  };
}
