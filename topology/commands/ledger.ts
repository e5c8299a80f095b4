// `colliery ledger balances | bill <height|hash> | quarantine | verify`: reads this node's ledger replica
// (<data>/ledger/<cluster>/<coin>/<node-id>) with the same --config/COLLIERY_*/flags as
// `colliery start`. Works while the node runs (LMDB readers never block its writer) and after
// it stopped. `verify` replays the log from NATS and compares with LMDB; exit 1 on any
// difference. `--json` prints machine-readable output (amounts as decimal strings of base units).
import { existsSync } from 'node:fs';
import { stderr, stdout } from 'node:process';
import { connectTool } from '../../runtime/index.js';
import {
  admitEntry,
  openLedger,
  verifyLedger,
  type LedgerStore,
  type LogEntry,
} from '../../actors/ledger/index.js';
import { jsonText } from '../metrics.js';
import {
  envRaw,
  ledgersIn,
  loadToolConfig,
  parseFlags,
  toolFileRaw,
  type NodeConfig,
} from '../config.js';
import { ledgerConfigOf, ledgerDir } from '../wire/ledger.js';
import { readLog } from '../../actors/shared/log-reader.js';
import { startLedgerNode } from '../ledger-node.js';
import { waitForSignal } from './start.js';
import { startTracing } from '../tracing.js';
import { lastLogSeq } from '../../actors/shared/log-stream.js';
import { openNodeKeys, TrustedKeys } from '../node-keys.js';

export const LEDGER_HELP = `usage: colliery ledger <balances | bill <height|hash> | verify | run> [options]

  balances            every account: mature, immature, pending and paid amounts
  bill HEIGHT|HASH    one block: reward, fee, and each account's credit with the shares behind it
  quarantine          the log records this ledger refused (unsigned, signed by a node the
                      cluster does not trust, a bad signature, not a valid record): never credited
  verify              recompute the ledger from the log (needs --nats), checking every record's
                      signature against the cluster's trusted node keys, and compare with LMDB;
                      exit 1 on any difference
  run                 a ledger-only node: a replica following the log and a standby for the
                      Ledger leader (custodial payouts need --wallet); drains on SIGTERM

options: the same --config FILE, COLLIERY_* variables and flags as \`colliery start\`
(--data DIR, --nats URL, --cluster, --coin, --node-id, the payout options), plus
  --json              machine-readable output
`;

export async function runLedger(args: string[]): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    stdout.write(LEDGER_HELP);
    return 0;
  }
  const json = args.includes('--json');
  const { raw, configFile, rest } = parseFlags(args.filter((a) => a !== '--json'));
  const [sub, ref, ...extra] = rest;
  if (
    sub === undefined ||
    extra.length > 0 ||
    !['balances', 'bill', 'quarantine', 'verify', 'run'].includes(sub)
  ) {
    stderr.write(
      `colliery ledger: ${sub ? `unknown arguments: ${rest.join(' ')}` : 'which report?'}\n\n${LEDGER_HELP}`,
    );
    return 2;
  }
  if (sub === 'bill' && ref === undefined) {
    stderr.write(`colliery ledger bill: give a block height or hash\n`);
    return 2;
  }
  const sources = [toolFileRaw(configFile), envRaw(process.env), raw];
  let cfg = loadToolConfig(sources);
  if (sub === 'run') {
    const node = await startLedgerNode(cfg);
    const tracing = startTracing('ledger', cfg.nodeId, node.log);
    return waitForSignal({ log: node.log, stop: () => node.stop() }, () => tracing.shutdown());
  }
  if (!existsSync(ledgerDir(cfg))) {
    // `--data DIR` alone: the one ledger there, whatever its cluster, coin and node.
    const named = (k: 'cluster' | 'coin' | 'nodeId') =>
      sources.map((r) => r[k]).findLast((v): v is string => typeof v === 'string');
    const found = ledgersIn(cfg.dataDir, {
      ...optional('cluster', named('cluster')),
      ...optional('coin', named('coin')),
      ...optional('nodeId', named('nodeId')),
    });
    if (found.length !== 1) {
      const list = found.map(
        (l) => `--cluster ${l.cluster} --coin ${l.coin} --node-id ${l.nodeId}`,
      );
      stderr.write(
        `colliery ledger: no ledger in ${ledgerDir(cfg)}` +
          (found.length === 0
            ? `; check --data, --cluster, --coin and --node-id (they must match the node's)\n`
            : `; ${cfg.dataDir} holds ${found.length}, name one:\n  ${list.join('\n  ')}\n`),
      );
      return 1;
    }
    cfg = loadToolConfig([...sources, found[0] as Record<string, unknown>]);
  }
  const dir = ledgerDir(cfg);
  const store = openLedger(dir, ledgerConfigOf(cfg));
  try {
    if (sub === 'balances') return balances(store, json);
    if (sub === 'bill') return bill(store, ref as string, json);
    if (sub === 'quarantine') return quarantine(store, json);
    return await verify(store, cfg, json);
  } finally {
    await store.close();
  }
}

const text = jsonText;

/** Base units as a coin amount with 8 decimals, exactly. */
export function coins(sats: bigint): string {
  const neg = sats < 0n;
  const a = neg ? -sats : sats;
  return `${neg ? '-' : ''}${a / 100_000_000n}.${(a % 100_000_000n).toString().padStart(8, '0')}`;
}

function balances(store: LedgerStore, json: boolean): number {
  const rows = store.balances();
  if (json) {
    stdout.write(`${text({ lastApplied: store.lastApplied(), accounts: rows })}\n`);
    return 0;
  }
  const head = ['account', 'scheme', 'mature', 'immature', 'pending', 'paid'];
  const table = rows.map((r) => [
    r.account,
    r.scheme,
    coins(r.matureSats),
    coins(r.immatureSats),
    coins(r.pendingSats),
    coins(r.paidSats),
  ]);
  stdout.write(formatTable(head, table));
  stdout.write(`as of log sequence ${store.lastApplied()}\n`);
  return 0;
}

function bill(store: LedgerStore, ref: string, json: boolean): number {
  const key = /^\d+$/.test(ref) ? Number(ref) : ref.toLowerCase();
  const b = store.bill(key);
  if (!b) {
    stderr.write(
      `colliery ledger bill: no block ${ref} in this ledger (as of log sequence ${store.lastApplied()})\n`,
    );
    return 1;
  }
  if (json) {
    stdout.write(`${text(b)}\n`);
    return 0;
  }
  stdout.write(
    [
      `block ${b.hash} at height ${b.height} (${b.coin}), log sequence ${b.seq}`,
      `found by ${b.finder.account}.${b.finder.worker} on ${b.finder.node}; split by ${b.method}`,
      `reward ${coins(b.rewardSats)}, fee ${coins(b.feeSats)} (${b.feeBps} bp), shared ${coins(b.splitSats)}`,
      `window: target weight ${b.targetWeight}, filled ${b.filledWeight}, unfilled ${b.unfilledWeight}` +
        (b.from && b.to
          ? `, shares from seq ${b.from.seq}#${b.from.index} to ${b.to.seq}#${b.to.index}`
          : ''),
      '',
    ].join('\n'),
  );
  stdout.write(
    formatTable(
      ['account', 'scheme', 'weight', 'shares', 'credit', 'credited to'],
      b.lines.map((l) => [
        l.account,
        l.scheme,
        String(l.weight),
        String(l.shares),
        coins(l.creditSats),
        l.creditedTo,
      ]),
    ),
  );
  if (b.coinbasePaid.length > 0) {
    stdout.write(
      `paid in this coinbase: ${b.coinbasePaid.map((p) => `${p.account} ${coins(p.sats)}`).join(', ')}\n`,
    );
  }
  return 0;
}

async function verify(store: LedgerStore, cfg: NodeConfig, json: boolean): Promise<number> {
  const nc = await connectTool(
    [...cfg.natsUrls],
    `colliery-ledger-verify-${cfg.nodeId}`,
    cfg.natsAuth,
  );
  try {
    // The same edge as the replicas: records not signed by a trusted node are quarantined.
    const trust = await TrustedKeys.read(await openNodeKeys(nc, cfg.cluster));
    const logEnd = await lastLogSeq(nc, cfg.cluster);
    const upTo = store.lastApplied();
    const showProgress = !json && stderr.isTTY === true;
    async function* entries(): AsyncGenerator<LogEntry> {
      for await (const batch of readLog(nc, {
        cluster: cfg.cluster,
        coin: cfg.coin,
        fromSeq: 1,
        until: 'end',
        maxBatch: 1_000,
      })) {
        for (const e of batch) yield admitEntry(e, trust);
      }
    }
    const diffs = await verifyLedger(store, entries(), (seq, n) => {
      if (showProgress) stderr.write(`\r${progressBar(seq, upTo)} ${n} entries`);
    });
    if (showProgress) stderr.write('\n');
    const quarantined = store.counters().quarantined;
    if (json) {
      stdout.write(
        `${text({
          ok: diffs.length === 0,
          lastApplied: upTo,
          logEnd,
          digest: store.digest(),
          shares: store.counters().shares,
          quarantined,
          differences: diffs,
        })}\n`,
      );
      return diffs.length === 0 ? 0 : 1;
    }
    if (quarantined > 0)
      stdout.write(
        `${quarantined} log record(s) quarantined, never credited (colliery ledger quarantine lists them)\n`,
      );
    if (diffs.length === 0) {
      stdout.write(
        `ledger verified: LMDB matches the log replayed to sequence ${upTo} (log end ${logEnd})\n`,
      );
    } else {
      stdout.write(
        `ledger differs from the log replayed to sequence ${upTo}: ${diffs.length} difference(s)\n`,
      );
      for (const d of diffs.slice(0, 50))
        stdout.write(`  ${d.path}\n    log:  ${d.expected}\n    lmdb: ${d.actual}\n`);
    }
    return diffs.length === 0 ? 0 : 1;
  } finally {
    await nc.close();
  }
}

function quarantine(store: LedgerStore, json: boolean): number {
  const rows = store.quarantine();
  const total = store.counters().quarantined;
  if (json) {
    stdout.write(
      `${text({ lastApplied: store.lastApplied(), quarantined: total, records: rows })}\n`,
    );
    return 0;
  }
  if (rows.length === 0) {
    stdout.write(`no log record quarantined (log applied to sequence ${store.lastApplied()})\n`);
    return 0;
  }
  stdout.write(
    `${total} log record(s) quarantined` +
      (total > rows.length ? ` (the latest ${rows.length} listed)` : '') +
      ', never credited:\n',
  );
  stdout.write(
    formatTable(
      ['seq', 'node', 'type', 'shares', 'id', 'reason'],
      rows.map((q) => [String(q.seq), q.node, q.recordType, String(q.shares), q.id, q.reason]),
    ),
  );
  return 0;
}

function progressBar(seq: number, end: number): string {
  const f = end > 0 ? Math.min(1, seq / end) : 1;
  const width = 30;
  const full = Math.round(f * width);
  return `[${'#'.repeat(full)}${'.'.repeat(width - full)}] ${(f * 100).toFixed(0).padStart(3)}%`;
}

function formatTable(head: string[], rows: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0)))
      .join('  ');
  return `${[line(head), ...rows.map(line)].join('\n')}\n`;
}

function optional<K extends string>(key: K, v: string | undefined): { [k in K]?: string } {
  return v === undefined ? {} : ({ [key]: v } as { [k in K]: string });
}
