// mining.notify parameters exactly as real pools send them (docs/protocols/stratum-gbt.md §1.7):
// [job_id, prevhash, coinb1, coinb2, merkle_branch[], version, nbits, ntime, clean_jobs],
// and the reverse (parsing a notify, as a miner or a replay does). Stratum's prevhash is the
// internal 32 bytes with each 4-byte word byte-reversed, i.e. the display hex's eight 8-digit
// words in reverse order.
import { CodedError } from '../shared/errors.js';
import { isHex, u32FromHex, u32ToHex } from '../shared/hex.js';
import { NOTIFY_INVALID } from './errors.js';

export type NotifyParams = [
  jobId: string,
  prevHash: string,
  coinb1: string,
  coinb2: string,
  merkleBranch: string[],
  version: string,
  nbits: string,
  ntime: string,
  cleanJobs: boolean,
];

/** The parsed fields of a mining.notify. */
export interface NotifyWork {
  readonly jobId: string;
  readonly prevHashStratum: string;
  readonly coinb1: string;
  readonly coinb2: string;
  readonly merkleBranch: readonly string[];
  readonly version: number;
  readonly bits: string;
  readonly ntime: number;
  readonly cleanJobs: boolean;
}

/** Display-order hash (GBT previousblockhash) -> Stratum prevhash. */
export function prevHashToStratum(display: string): string {
  return wordsReversed(checkHash(display));
}

/** Stratum prevhash -> display-order hash (the same word reversal is its own inverse). */
export function prevHashFromStratum(stratum: string): string {
  return wordsReversed(checkHash(stratum));
}

/** A job's mining.notify params (a JobWork has these fields; `id` is its job id). */
export function notifyParams(
  job: Omit<NotifyWork, 'jobId'> & { readonly id: string },
): NotifyParams {
  return [
    job.id,
    job.prevHashStratum,
    job.coinb1,
    job.coinb2,
    [...job.merkleBranch],
    u32ToHex(job.version),
    job.bits,
    u32ToHex(job.ntime),
    job.cleanJobs,
  ];
}

/** Validates a mining.notify params array. */
export function parseNotifyParams(params: unknown): NotifyWork {
  if (!Array.isArray(params) || params.length < 9) bad('params must be an array of 9');
  const [jobId, prev, coinb1, coinb2, branch, version, nbits, ntime, clean] = params as unknown[];
  if (typeof jobId !== 'string' || jobId.length === 0) bad('job_id must be a non-empty string');
  if (typeof prev !== 'string' || !isHex(prev, 32)) bad('prevhash must be 64 hex digits');
  if (typeof coinb1 !== 'string' || !isHex(coinb1)) bad('coinb1 must be hex');
  if (typeof coinb2 !== 'string' || !isHex(coinb2)) bad('coinb2 must be hex');
  if (!Array.isArray(branch) || !branch.every((h) => typeof h === 'string' && isHex(h, 32)))
    bad('merkle_branch must be 64-hex hashes');
  if (typeof nbits !== 'string' || !isHex(nbits, 4)) bad('nbits must be 8 hex digits');
  if (typeof version !== 'string' || !isHex(version, 4)) bad('version must be 8 hex digits');
  if (typeof ntime !== 'string' || !isHex(ntime, 4)) bad('ntime must be 8 hex digits');
  if (typeof clean !== 'boolean') bad('clean_jobs must be a boolean');
  return {
    jobId,
    prevHashStratum: prev.toLowerCase(),
    coinb1: coinb1.toLowerCase(),
    coinb2: coinb2.toLowerCase(),
    merkleBranch: (branch as string[]).map((h) => h.toLowerCase()),
    version: u32FromHex(version),
    bits: nbits.toLowerCase(),
    ntime: u32FromHex(ntime),
    cleanJobs: clean,
  };
}

function wordsReversed(hex: string): string {
  const words: string[] = [];
  for (let i = 0; i < 64; i += 8) words.push(hex.slice(i, i + 8));
  return words.reverse().join('');
}

function checkHash(hex: string): string {
  if (!isHex(hex, 32))
    throw new CodedError(NOTIFY_INVALID, `a block hash is 64 hex digits, got ${hex}`);
  return hex.toLowerCase();
}

function bad(why: string): never {
  throw new CodedError(NOTIFY_INVALID, `mining.notify ${why}`);
}
