// The block log: the Block actor's events become log records (requests written → the intent
// `block.submitted`, then `block.found` when a node took it or `block.rejected` when none did;
// confirmed at maturity → `block.matured`, orphaned → `block.orphaned`), appended in order and
// retried until JetStream has them — a found block is never dropped because NATS was
// restarting. A record's id is derived from the block hash, so the same event recorded twice (a
// retry, or two nodes) is stored once. `openBlocks` rebuilds, from the log, the blocks a new
// Block leader must keep following, and the intents a leader that died left to resolve.
import type { NatsConnection } from '@nats-io/transport-node';
import type { Logger } from 'pino';
import type { BlockEvent, FoundBlock } from './messages.js';
import {
  admitEntry,
  LOG_RECORD_VERSION,
  type BlockFoundRecord,
  type BlockStatusRecord,
  type LogRecord,
  type RecordTrust,
} from '../ledger/index.js';
import type { LogAppender } from '../share/index.js';
import { readLog } from '../shared/log-reader.js';

export type BlockEventKind = BlockEvent['kind'];

const STATUS_TYPES = {
  confirmed: ['block.matured', 'matured'],
  orphaned: ['block.orphaned', 'orphaned'],
  rejected: ['block.rejected', 'rejected'],
} as const;

export function blockRecord(
  kind: BlockEventKind,
  b: FoundBlock,
  coin: string,
  atMs: number,
): LogRecord {
  if (kind === 'found' || kind === 'submitted') {
    const found: BlockFoundRecord = {
      type: kind === 'found' ? 'block.found' : 'block.submitted',
      v: LOG_RECORD_VERSION,
      id: `${coin}:${b.hash}:${kind}`,
      coin,
      hash: b.hash,
      height: b.height,
      jobId: b.jobId,
      account: b.account,
      worker: b.workerName,
      node: b.node,
      rewardSats: b.coinbaseValueSats,
      subsidySats: b.subsidySats,
      netWeight: b.netWeight,
      coinbasePaid: b.coinbasePaid,
      solo: b.solo,
      atMs: b.foundAtMs,
    };
    return found;
  }
  const [type, suffix] = STATUS_TYPES[kind];
  const status: BlockStatusRecord = {
    type,
    v: LOG_RECORD_VERSION,
    id: `${coin}:${b.hash}:${suffix}`,
    coin,
    hash: b.hash,
    height: b.height,
    atMs,
  };
  return status;
}

export class BlockLog {
  readonly #appender: LogAppender;
  readonly #coin: string;
  readonly #log: Logger;
  #chain: Promise<void> = Promise.resolve();
  #givenUp = false;

  constructor(appender: LogAppender, coin: string, log: Logger) {
    this.#appender = appender;
    this.#coin = coin;
    this.#log = log.child({ component: 'block-log' });
  }

  /** Queues the event's record; records are appended one after another, each until it lands. */
  record(e: BlockEvent): void {
    const record = blockRecord(e.kind, e.block, this.#coin, Date.now());
    this.#chain = this.#chain.then(() => this.#appendUntilStored(record));
  }

  /**
   * Resolves when every queued record is in the log, or after `timeoutMs` (shutting down): then
   * each record still unlogged is logged at error level in full, so an operator can append it.
   */
  async settled(timeoutMs = Infinity): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((r) => {
      if (Number.isFinite(timeoutMs)) timer = setTimeout(r, timeoutMs);
    });
    await Promise.race([this.#chain, timeout]);
    clearTimeout(timer);
    this.#givenUp = true;
  }

  async #appendUntilStored(record: LogRecord): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      if (this.#givenUp) {
        this.#log.error(
          {
            record: JSON.stringify(record, (_k, v: unknown) =>
              typeof v === 'bigint' ? v.toString() : v,
            ),
          },
          'block record NOT logged before shutdown; append it to the block log by hand',
        );
        return;
      }
      try {
        const seq = await this.#appender.appendRecord('blocks', record);
        this.#log.info({ record: record.id, seq }, 'block record logged');
        return;
      } catch (err) {
        this.#log.error(
          { err, record: record.id, attempt },
          'block record not logged yet; retrying',
        );
        await new Promise((r) => setTimeout(r, Math.min(30_000, 1_000 * attempt)).unref());
      }
    }
  }
}

/**
 * Blocks found and neither matured nor orphaned yet (status 'submitted'), and intents no found
 * or rejected record resolved (status 'unresolved': the leader died while its nodes checked the
 * block), from the block log.
 */
export async function openBlocks(
  nc: NatsConnection,
  cluster: string,
  coin: string,
  trust: RecordTrust | null,
): Promise<FoundBlock[]> {
  const open = new Map<string, FoundBlock>();
  const intents = new Map<string, FoundBlock>();
  for await (const batch of readLog(nc, {
    cluster,
    coin,
    kind: 'blocks',
    fromSeq: 1,
    until: 'end',
    maxBatch: 1000,
  })) {
    for (const raw of batch) {
      // The ledger's edge: a forged intent must not make the leader claim someone else's block.
      const r = admitEntry(raw, trust).record;
      if (r.type === 'block.found' || r.type === 'block.submitted') {
        const found = r.type === 'block.found';
        if (!found && open.has(r.hash)) continue; // an intent repeated after its resolution
        intents.delete(r.hash);
        (found ? open : intents).set(r.hash, {
          hash: r.hash,
          height: r.height,
          jobId: r.jobId,
          worker: r.worker === '' ? r.account : `${r.account}.${r.worker}`,
          account: r.account,
          workerName: r.worker,
          netWeight: r.netWeight,
          subsidySats: r.subsidySats,
          coinbasePaid: r.coinbasePaid,
          solo: r.solo,
          node: r.node,
          coinbaseValueSats: r.rewardSats,
          foundAtMs: r.atMs,
          submittedAtMs: r.atMs,
          results: {},
          status: found ? 'submitted' : 'unresolved',
          confirmations: 0,
        });
      } else if (r.type === 'block.rejected') {
        intents.delete(r.hash);
      } else if (r.type === 'block.matured' || r.type === 'block.orphaned') {
        open.delete(r.hash);
      }
    }
  }
  return [...open.values(), ...intents.values()];
}
