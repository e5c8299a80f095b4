// Runtime hot paths against raw nats.js measured in the same run, plus local delivery:
//   tell throughput over NATS vs raw publish (target ≥ 50 %), ask median RTT vs raw request
//   (target ≤ +50 µs), local tells/s (≥ 1,000,000) and local asks/s (≥ 200,000) in one process,
//   what each way of honouring the wire's encoding rules locally costs per message, and a topic
//   fanned out to 10,000 local actors (the pool's job announcement). Prints PASS/MISS only.
import { cpus } from 'node:os';
import { pino } from 'pino';
import { Packr } from 'msgpackr';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { Runtime, type Address, type Topic } from '../../runtime/index.js';
import { deepFreeze, wireCopy } from '../../runtime/envelope.js';
import { startNatsServer } from '../helpers/nats-server.js';

const JOB = {
  type: 'job.new',
  id: 'j0',
  prevhash: 'ab'.repeat(32),
  coinb1: '01'.repeat(60),
  coinb2: '02'.repeat(40),
  branch: Array.from({ length: 12 }, (_, i) => String(i % 10).repeat(64)),
  version: '20000000',
  nbits: '1d00ffff',
  ntime: '65000000',
  clean: true,
};
const MSG = { type: 'share.submit', job: 'a1b2c3', en2: '00000001', ntime: 1700000000, nonce: 0 };
const log = pino({ level: 'silent' });
const wire = new Packr({ useRecords: false });
const rows: [string, string, string, string][] = [];

const hr = (): number => Number(process.hrtime.bigint()) / 1e3;
const median = (xs: number[]): number =>
  [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
const row = (name: string, measured: string, target: string, pass: boolean | undefined): void => {
  rows.push([name, measured, target, pass === undefined ? '' : pass ? 'PASS' : 'MISS']);
};
const validate = (u: unknown): typeof MSG => u as typeof MSG;

async function rawPublishRate(
  pub: NatsConnection,
  sub: NatsConnection,
  n: number,
): Promise<number> {
  let got = 0;
  let done!: () => void;
  const finished = new Promise<void>((r) => (done = r));
  const s = sub.subscribe('bench.raw', {
    callback: (_e, m) => {
      wire.unpack(m.data);
      if (++got === n) done();
    },
  });
  await sub.flush();
  const t0 = hr();
  for (let i = 0; i < n; i++) pub.publish('bench.raw', wire.pack([1, { ...MSG, nonce: i }]));
  await finished;
  s.unsubscribe();
  return n / ((hr() - t0) / 1e6);
}

async function tellRate(from: Runtime, to: Runtime, n: number, id: string): Promise<number> {
  let got = 0;
  let done!: () => void;
  const finished = new Promise<void>((r) => (done = r));
  const at = to.spawn('sink', id, () => ({ receive: () => void (++got === n && done()) }), {
    validate,
    mailbox: { capacity: n + 1 },
  });
  if (from !== to) await to.nc.flush();
  const t0 = hr();
  for (let i = 0; i < n; i++) from.tell(at, { ...MSG, nonce: i });
  await finished;
  await to.stop(at);
  return n / ((hr() - t0) / 1e6);
}

async function rawRtt(pub: NatsConnection, sub: NatsConnection, n: number): Promise<number> {
  const s = sub.subscribe('bench.rr', {
    callback: (_e, m) => {
      m.respond(wire.pack([1, 0, (wire.unpack(m.data) as [number, typeof MSG])[1].nonce]));
    },
  });
  await sub.flush();
  const samples: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = hr();
    await pub.request('bench.rr', wire.pack([1, { ...MSG, nonce: i }]), { timeout: 5_000 });
    samples.push(hr() - t0);
  }
  s.unsubscribe();
  return median(samples.slice(n / 10));
}

async function askRtt(from: Runtime, to: Runtime, n: number): Promise<number> {
  const at = to.spawn('echo', 'rtt', () => ({ receive: (m: typeof MSG) => m.nonce }), { validate });
  await to.nc.flush();
  const samples: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = hr();
    await from.ask(at, { ...MSG, nonce: i });
    samples.push(hr() - t0);
  }
  return median(samples.slice(n / 10));
}

async function localAskRate(rt: Runtime, n: number, window: number): Promise<number> {
  const at: Address = rt.spawn('echo', 'local', () => ({ receive: (m: typeof MSG) => m.nonce }), {
    validate,
    mailbox: { capacity: window + 1 },
  });
  const t0 = hr();
  for (let i = 0; i < n; i += window) {
    const batch: Promise<unknown>[] = [];
    for (let j = 0; j < window; j++) batch.push(rt.ask(at, { ...MSG, nonce: i + j }));
    await Promise.all(batch);
  }
  return n / ((hr() - t0) / 1e6);
}

/** Milliseconds from publish to the last of `targets` local actors handling it, per round. */
async function fanOutMs(from: Runtime, to: Runtime, targets: number, rounds: number) {
  const topic: Topic = to.topic('bench-jobs');
  let got = 0;
  let done = (): void => undefined;
  for (let i = 0; i < targets; i++) {
    const receive = (): void => void (++got === targets && done());
    to.subscribe(
      topic,
      to.spawn('conn', `c${i}`, () => ({ receive }), { validate, remote: false }),
    );
  }
  await to.nc.flush();
  const samples: number[] = [];
  for (let r = 0; r < rounds; r++) {
    got = 0;
    const finished = new Promise<void>((resolve) => (done = resolve));
    const t0 = hr();
    from.publish(topic, { ...JOB, id: `j${r}` });
    await finished;
    samples.push((hr() - t0) / 1e3);
  }
  return samples.sort((x, y) => x - y);
}

function copyCostNs(name: string, copy: (v: unknown) => unknown, n = 1_000_000): void {
  for (let i = 0; i < 100_000; i++) copy({ ...MSG, nonce: i });
  const t0 = hr();
  for (let i = 0; i < n; i++) copy({ ...MSG, nonce: i });
  row(
    `local copy option: ${name}`,
    `${(((hr() - t0) * 1e3) / n).toFixed(0)} ns/msg`,
    '',
    undefined,
  );
}

const server = await startNatsServer('bench');
try {
  const pub = await connect({ servers: server.url });
  const sub = await connect({ servers: server.url });
  const a = new Runtime({
    cluster: 'bench',
    node: 'a',
    log,
    nc: await connect({ servers: server.url }),
  });
  const b = new Runtime({
    cluster: 'bench',
    node: 'b',
    log,
    nc: await connect({ servers: server.url }),
  });

  const N = 200_000;
  await rawPublishRate(pub, sub, 20_000);
  await tellRate(a, b, 20_000, 'warm');
  const raw = await rawPublishRate(pub, sub, N);
  const tell = await tellRate(a, b, N, 'nats');
  row('raw NATS publish (msgs/s)', fmt(raw), '', undefined);
  row(
    'runtime tell over NATS (msgs/s)',
    `${fmt(tell)} (${((tell / raw) * 100).toFixed(0)} % of raw)`,
    '≥ 50 % of raw',
    tell / raw >= 0.5,
  );

  await rawRtt(pub, sub, 500);
  await askRtt(a, b, 500).then(() => b.stop(b.address('echo', 'rtt')));
  const rawUs = await rawRtt(pub, sub, 5_000);
  const askUs = await askRtt(a, b, 5_000);
  row('raw NATS request median RTT (µs)', rawUs.toFixed(0), '', undefined);
  row(
    'runtime ask median RTT (µs)',
    `${askUs.toFixed(0)} (+${(askUs - rawUs).toFixed(0)} µs)`,
    '≤ +50 µs',
    askUs - rawUs <= 50,
  );

  await tellRate(a, a, 200_000, 'warm-local');
  const localTell = await tellRate(a, a, 2_000_000, 'local');
  row('local tell (msgs/s)', fmt(localTell), '≥ 1,000,000', localTell >= 1_000_000);
  await localAskRate(a, 100_000, 256).then(() => a.stop(a.address('echo', 'local')));
  const localAsk = await localAskRate(a, 500_000, 256);
  await a.stop(a.address('echo', 'local'));
  row('local ask (asks/s, 256 in flight)', fmt(localAsk), '≥ 200,000', localAsk >= 200_000);

  const fan = await fanOutMs(b, a, 10_000, 20);
  const p99 = fan[Math.ceil(fan.length * 0.99) - 1] ?? NaN;
  row(
    'topic to 10,000 local actors, publish → last handled (ms)',
    `p50 ${(fan[fan.length >> 1] ?? NaN).toFixed(1)} · p99 ${p99.toFixed(1)}`,
    'p99 ≤ 130',
    p99 <= 130,
  );

  const records = new Packr({ useRecords: true, structures: [] });
  copyCostNs('none (shared reference)', (v) => v);
  copyCostNs('old check: pack only, shared', (v) => wire.pack(v));
  copyCostNs('pack + deep-freeze the shared object', (v) => (wire.pack(v), deepFreeze(v)));
  copyCostNs('old decode: pack + unpack, shared records', (v) => records.unpack(records.pack(v)));
  copyCostNs('pack + unpack, self-describing (the wire)', (v) => wire.unpack(wire.pack(v)));
  copyCostNs('default: wireCopy (exact copy, no encoding)', (v) => wireCopy(v));
  copyCostNs('wireCopy + deep-freeze the copy', (v) => deepFreeze(wireCopy(v)));

  await Promise.all([a.drain(), b.drain(), pub.close(), sub.close()]);
} finally {
  await server.stop();
}

console.log(
  `node ${process.version} · ${cpus()[0]?.model ?? 'unknown CPU'} · ${cpus().length} cores · native backend: n/a (runtime)`,
);
const widths = [0, 1, 2, 3].map((i) => Math.max(...rows.map((r) => r[i]?.length ?? 0)));
for (const r of rows) console.log(r.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  '));
