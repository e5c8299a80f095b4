// Full block from a job and a winning submit (protocols/stratum-gbt.md §2.5):
//   header(80) | CompactSize(1 + n) | coinbase | tx_1.data | ... | tx_n.data
// Prime coins put the proof-of-work certificate after the header (protocols/primecoin.md §2):
//   header(80) | CompactSize(m) | multiplier getvch() bytes (m) | CompactSize(1 + n) | ...
// and their block hash covers it: sha256d(header ‖ CompactSize(m) ‖ multiplier).
// The coinbase carries its witness (marker/flag and the 32-byte zero reserved value) whenever the
// job has a witness commitment: peers receiving the block over P2P do not repair a missing one
// the way Core's submitblock does.
import { withCoinbaseWitness } from '../job/coinbase.js';
import type { Job } from '../job/job.js';
import { hashSubmitInput, jobBytes } from '../share/header.js';
import type { ShareSubmit } from '../share/submit.js';
import { encodeCompactSize } from '../shared/compact-size.js';
import { bytesToHex, concatBytes, hexToBytes, isHex, reverseBytes } from '../shared/hex.js';
import { sha256d } from '../shared/sha256d.js';
import { hashSubmitReference } from '../shared/submit-hash.js';

export interface AssembledBlock {
  /** What submitblock takes. */
  readonly blockHex: string;
  /** Display-order block hash. */
  readonly hash: string;
  readonly header: Uint8Array;
  /** Display-order coinbase txid. */
  readonly coinbaseTxid: string;
  readonly sizeBytes: number;
}

/**
 * The template transactions of a job as one hex string (validated when the template was parsed),
 * built once per job — keyed by the job's transactions array, which SOLO copies of the job share.
 * A candidate then only serializes its header and coinbase.
 */
const serialized = new WeakMap<readonly string[], { hex: string; bytes: number }>();
function transactionsOf(job: Job): { hex: string; bytes: number } {
  let txs = serialized.get(job.transactions);
  if (txs === undefined) {
    const hex = job.transactions.join('');
    if (hex.length % 2 !== 0 || !isHex(hex)) hexToBytes(hex); // throws HEX_INVALID
    serialized.set(job.transactions, (txs = { hex: hex.toLowerCase(), bytes: hex.length / 2 }));
  }
  return txs;
}

/**
 * Does the once-per-job work of assembleBlock ahead of any candidate (when a job arrives).
 * Never throws: a job whose transactions are not hex fails in assembleBlock, as before.
 */
export function prepareBlockJob(job: Job): void {
  try {
    transactionsOf(job);
  } catch {
    return;
  }
}

/** `headerVersion` is the rolled version precheckSubmit returned for this submit. */
export function assembleBlock(
  job: Job,
  submit: ShareSubmit,
  headerVersion: number,
): AssembledBlock {
  const work = hashSubmitReference(hashSubmitInput(jobBytes(job), submit, headerVersion));
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
  const txs = transactionsOf(job);
  const blockHex = bytesToHex(head) + txs.hex;
  return {
    blockHex,
    hash: bytesToHex(
      reverseBytes(
        certificate.length === 0 ? work.hash : sha256d(concatBytes(work.header, certificate)),
      ),
    ),
    header: work.header,
    coinbaseTxid: bytesToHex(reverseBytes(sha256d(work.coinbase))),
    sizeBytes: head.length + txs.bytes,
  };
}
