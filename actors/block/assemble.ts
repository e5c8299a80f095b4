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
import { bytesToHex, concatBytes, hexToBytes, reverseBytes } from '../shared/hex.js';
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
  const block = concatBytes(
    work.header,
    certificate,
    encodeCompactSize(1 + job.transactions.length),
    coinbase,
    ...job.transactions.map((t) => hexToBytes(t)),
  );
  const blockHex = bytesToHex(block);
  return {
    blockHex,
    hash: bytesToHex(
      reverseBytes(
        certificate.length === 0 ? work.hash : sha256d(concatBytes(work.header, certificate)),
      ),
    ),
    header: work.header,
    coinbaseTxid: bytesToHex(reverseBytes(sha256d(work.coinbase))),
    sizeBytes: block.length,
  };
}
