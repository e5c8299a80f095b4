// The block log: the Block actor's events become log records (found → `block.found`, confirmed
// at maturity → `block.matured`, orphaned → `block.orphaned`), appended in order and retried
// until JetStream has them — a found block is never dropped because NATS was restarting. A
// record's id is derived from the block hash, so the same event recorded twice (a retry, or
// two nodes) is stored once. `openBlocks` rebuilds, from the log, the blocks a new Block
// leader must keep following.
import type { NatsConnection } from '@nats-io/transport-node';
import type { Logger } from 'pino';
import type { FoundBlock } from '../../actors/block/actor.js';
import {
  LOG_RECORD_VERSION,
  type BlockFoundRecord,
  type BlockStatusRecord,
  type LogRecord,
} from '../../actors/ledger/records.js';
import type { LogAppender } from './appender.js';
import { readLog } from './reader.js';

export type BlockEventKind = 'found' | 'confirmed' | 'orphaned' | 'rejected';

export function blockRecord(
  kind: BlockEventKind,
  b: FoundBlock,
  coin: string,
  atMs: number,
): LogRecord | null {
  if (kind === 'rejected') return null; // no coin node took it: nothing to account for
  if (kind === 'found') {
    const found: BlockFoundRecord = {
      type: 'block.found',
      v: LOG_RECORD_VERSION,
      id: `${coin}:${b.hash}:found`,
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
  const status: BlockStatusRecord = {
    type: kind === 'confirmed' ? 'block.matured' : 'block.orphaned',
    v: LOG_RECORD_VERSION,
    id: `${coin}:${b.hash}:${kind === 'confirmed' ? 'matured' : 'orphaned'}`,
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
  record(e: { kind: BlockEventKind; block: FoundBlock }): void {
    const record = blockRecord(e.kind, e.block, this.#coin, Date.now());
    if (!record) return;
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

/** Blocks found and neither matured nor orphaned yet, from the block log. */
export async function openBlocks(
  nc: NatsConnection,
  cluster: string,
  coin: string,
): Promise<FoundBlock[]> {
  const open = new Map<string, FoundBlock>();
  for await (const batch of readLog(nc, {
    cluster,
    coin,
    kind: 'blocks',
    fromSeq: 1,
    until: 'end',
    maxBatch: 1000,
  })) {
    for (const { record } of batch) {
      const r = record as LogRecord;
      if (r.type === 'block.found') {
        open.set(r.hash, {
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
          status: 'submitted',
          confirmations: 0,
        });
      } else if (r.type === 'block.matured' || r.type === 'block.orphaned') {
        open.delete(r.hash);
      }
    }
  }
  return [...open.values()];
}
