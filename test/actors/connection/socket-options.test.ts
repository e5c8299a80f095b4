// Accepted Stratum sockets have TCP keepalive (a miner whose machine went is found without
// waiting for the idle-share limit): set once on the listener and inherited (Linux), or per
// socket in the first second after listening. The kernel's own table (/proc/net/tcp: the
// timer column says 02 = keepalive timer, with the time left) is read for the server's side of
// real loopback connections, one made at once and one after that first second.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { after, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import pino from 'pino';
import { Runtime } from '../../../runtime/index.js';
import { startTestStratumServer } from './session-harness.js';
import { until } from '../../helpers/until.js';

const linux = process.platform === 'linux';
const rt = new Runtime({ cluster: 't', node: 'n1', log: pino({ level: 'silent' }) });
const server = await startTestStratumServer(rt);
const clients: Socket[] = [];
after(async () => {
  for (const c of clients) c.destroy();
  await rt.drain();
});

/** The server side of the connection from `clientPort`: /proc/net/tcp's timer column. */
function serverSideTimer(clientPort: number): { active: string; seconds: number } | undefined {
  const hex = (p: number) => p.toString(16).toUpperCase().padStart(4, '0');
  for (const line of readFileSync('/proc/net/tcp', 'utf8').split('\n').slice(1)) {
    const f = line.trim().split(/\s+/); // sl local rem st tx:rx tr:when ...
    if (f.length < 6) continue;
    if (!f[1]!.endsWith(`:${hex(server.port)}`) || !f[2]!.endsWith(`:${hex(clientPort)}`)) continue;
    const [active, when] = f[5]!.split(':') as [string, string];
    return { active, seconds: parseInt(when, 16) / 100 }; // USER_HZ jiffies
  }
  return undefined;
}

async function acceptedTimer(): Promise<{ active: string; seconds: number }> {
  const c = connect({ host: '127.0.0.1', port: server.port });
  clients.push(c);
  await new Promise<void>((resolve, reject) => c.once('connect', resolve).once('error', reject));
  const n = clients.length;
  await until('the server accepted it', () => (server.connections === n ? true : undefined));
  const t = serverSideTimer(c.localPort as number);
  assert.ok(t, 'the server side of the connection is in /proc/net/tcp');
  return t;
}

test(
  'accepted sockets have keepalive, at once and after the listener took it',
  { skip: !linux && 'reads /proc/net/tcp (Linux)' },
  async () => {
    const early = await acceptedTimer();
    assert.equal(early.active, '02', `keepalive timer on an early socket (timer ${early.active})`);
    assert.ok(
      early.seconds > 30 && early.seconds <= 60,
      `first probe in ≤ 60 s, not ${early.seconds}`,
    );
    await sleep(1_200); // past the first second: the listener's options alone
    const late = await acceptedTimer();
    assert.equal(late.active, '02', `keepalive timer on a later socket (timer ${late.active})`);
    assert.ok(
      late.seconds > 30 && late.seconds <= 60,
      `first probe in ≤ 60 s, not ${late.seconds}`,
    );
  },
);
