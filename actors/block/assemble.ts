// Full block from a job and a winning submit (docs/protocols/stratum-gbt.md §2.5):
//   header(80) | CompactSize(1 + n) | coinbase | tx_1.data | ... | tx_n.data
// Prime coins put the proof-of-work certificate after the header (docs/protocols/primecoin.md §2):
//   header(80) | CompactSize(m) | multiplier getvch() bytes (m) | CompactSize(1 + n) | ...
// and their block hash covers it: sha256d(header ‖ CompactSize(m) ‖ multiplier).
// The coinbase carries its witness (marker/flag and the 32-byte zero reserved value) whenever the
// job has a witness commitment: peers receiving the block over P2P do not repair a missing one
// the way Core's submitblock does.
import { withCoinbaseWitness, type Job } from '../job/index.js';
import { hashSubmitInput, jobBytes, type JobBytes, type ShareSubmit } from '../share/index.js';
import { encodeCompactSize } from '../shared/compact-size.js';
import { bytesToHex, concatBytes, hexToBytes, isHex, reverseBytes } from '../shared/hex.js';
import { sha256d } from '../shared/sha256d.js';
import { submitHeader } from '../shared/submit-hash.js';

export interface AssembledBlock {
  /** What submitblock takes: headHex ‖ txHex. */
  readonly blockHex: string;
  /** The bytes before the template transactions (header, certificate, count, coinbase). */
  readonly headHex: string;
  /** The job's template transactions (the same string for every candidate of the job). */
  readonly txHex: string;
  readonly header: Uint8Array;
  readonly sizeBytes: number;
  /** Display-order block hash (hashed on first read: submitblock does not wait for it). */
  readonly hash: string;
  /** Display-order coinbase txid (likewise). */
  readonly coinbaseTxid: string;
}

/**
 * What a job's candidates share, built once per job (prepareBlockJob, when the job arrives):
 * its template transactions as one hex string (validated when the template was parsed) and its
 * header parts as bytes. Keyed by the job's transactions array, which SOLO copies of the job
 * share; a copy only differs in coinb2, which a candidate decodes itself.
 */
interface Prepared {
  readonly txHex: string;
  readonly txBytes: number;
  readonly coinb1: string;
  readonly bytes: Omit<JobBytes, 'coinbase2'>;
}
const prepared = new WeakMap<readonly string[], Prepared>();
function preparedOf(job: Job): Prepared {
  let p = prepared.get(job.transactions);
  if (p === undefined || p.coinb1 !== job.coinb1) {
    const hex = job.transactions.join('');
    if (hex.length % 2 !== 0 || !isHex(hex)) hexToBytes(hex); // throws HEX_INVALID
    const { coinbase2: _, ...bytes } = jobBytes(job);
    p = { txHex: hex.toLowerCase(), txBytes: hex.length / 2, coinb1: job.coinb1, bytes };
    prepared.set(job.transactions, p);
  }
  return p;
}

/**
 * Does the once-per-job work of assembleBlock ahead of any candidate (when a job arrives).
 * Never throws: a job that does not decode fails in assembleBlock, as before.
 */
export function prepareBlockJob(job: Job): void {
  try {
    preparedOf(job);
  } catch {
    return;
  }
}

/** The job's template transactions as assembleBlock appends them (hex); throws if they do not decode. */
export function blockTxHex(job: Job): string {
  return preparedOf(job).txHex;
}

/**
 * The full block for a winning submit; `headerVersion` is the rolled version precheckSubmit
 * returned for it. Only what submitblock needs is computed here (the coinbase, its merkle path,
 * the header); the block hash and the coinbase txid are hashed when first read.
 */
export function assembleBlock(
  job: Job,
  submit: ShareSubmit,
  headerVersion: number,
): AssembledBlock {
  const p = preparedOf(job);
  const work = submitHeader(
    hashSubmitInput({ ...p.bytes, coinbase2: hexToBytes(job.coinb2) }, submit, headerVersion),
  );
  const coinbase = job.segwit ? withCoinbaseWitness(work.coinbase) : work.coinbase;
  const certificate =
    submit.multiplier === undefined
      ? new Uint8Array(0)
      : concatBytes(encodeCompactSize(submit.multiplier.length / 2), hexToBytes(submit.multiplier));
  const head = concatBytes(
    work.header,
    certificate,
    encodeCompactSize(1 + job.transactions.length),
    coinbase,
  );
  return new Assembled(
    bytesToHex(head),
    p.txHex,
    work.header,
    certificate,
    work.coinbase,
    head.length + p.txBytes,
  );
}

class Assembled implements AssembledBlock {
  #hash: string | undefined;
  #coinbaseTxid: string | undefined;
  #blockHex: string | undefined;

  constructor(
    readonly headHex: string,
    readonly txHex: string,
    readonly header: Uint8Array,
    readonly certificate: Uint8Array,
    /** Non-witness serialization: its sha256d is the txid. */
    readonly coinbase: Uint8Array,
    readonly sizeBytes: number,
  ) {}

  get blockHex(): string {
    return (this.#blockHex ??= this.headHex + this.txHex);
  }

  get hash(): string {
    return (this.#hash ??= displayHash(
      this.certificate.length === 0 ? this.header : concatBytes(this.header, this.certificate),
    ));
  }

  get coinbaseTxid(): string {
    return (this.#coinbaseTxid ??= displayHash(this.coinbase));
  }
}

function displayHash(bytes: Uint8Array): string {
  return bytesToHex(reverseBytes(sha256d(bytes)));
}
