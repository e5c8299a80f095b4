// The prime family's Stratum dialect (docs/primecoin-stratum.md): Bitcoin Stratum V1 with
//  - mining.notify's nbits = the block's chain target (length.fraction word) and a 10th
//    param, the connection's share target as a word of the same form;
//  - mining.set_difficulty = the share target as a chain length number (nBits / 2^24, what
//    Primecoin's getdifficulty shows), e.g. 7.5 for 07.800000;
//  - mining.submit's 6th param = the multiplier (canonical CBigNum getvch() bytes, hex),
//    optional 7th = the claimed chain type (1CC, 2CC or TWN).
// Vardiff steers in work units W(length) (actors/shared/prime-share-value.ts), so share
// targets move in fractional-length steps.
import { decodeMultiplier } from '../../native/index.js';
import { hexToBytes } from '../shared/hex.js';
import {
  chainWork,
  lengthOfWord,
  wordOfLength,
  wordOfWork,
  type PrimeWorkModel,
} from '../shared/prime-share-value.js';
import { withPayout, type Dialect } from './dialect.js';

/** Multipliers of 1746+ bits give origins above 2^2000 - 1 for any valid header hash. */
export const MAX_MULTIPLIER_BYTES = 219;
export const CHAIN_TYPES: ReadonlySet<string> = new Set(['1CC', '2CC', 'TWN']);

export function primeDialect(model: PrimeWorkModel): Dialect {
  return {
    family: 'prime',
    notifyParams(job, localJobId, difficulty, clean, payoutScript) {
      const params = job.notify.slice(0, 9);
      params[0] = localJobId;
      params[8] = clean;
      withPayout(params, job, payoutScript);
      params.push(wordOfLength(difficulty).toString(16).padStart(8, '0'));
      return params;
    },
    difficultyNotification(difficulty) {
      return { method: 'mining.set_difficulty', params: [difficulty] };
    },
    toWork: (d) => chainWork(wordOfLength(d), model),
    fromWork: (w) => lengthOfWord(wordAtMost(w, model)),
    checkSubmit(extra, claim) {
      if (extra === null)
        return { rejection: 'bad-multiplier', detail: 'the multiplier (6th param) is required' };
      if (extra.length > MAX_MULTIPLIER_BYTES * 2)
        return { rejection: 'bad-multiplier', detail: `longer than ${MAX_MULTIPLIER_BYTES} bytes` };
      if (extra.length % 2 !== 0)
        return { rejection: 'bad-multiplier', detail: 'odd number of hex digits' };
      try {
        decodeMultiplier(hexToBytes(extra));
      } catch (e) {
        return { rejection: 'bad-multiplier', detail: (e as Error).message };
      }
      if (claim !== null && !CHAIN_TYPES.has(claim.toUpperCase()))
        return { rejection: 'bad-params', detail: 'chain type must be 1CC, 2CC or TWN' };
      return null;
    },
  };
}

/**
 * The longest share target whose work is at most `work`. wordOfWork floors a float, so the work
 * of a word (a miner's `d=3.5`, via toWork) can come back one fraction step short (03.7fffff);
 * the next word is taken when its work is within float rounding (1e-12, far below the ≥ 5e-8
 * relative work of one step).
 */
function wordAtMost(work: number, model: PrimeWorkModel): number {
  const word = wordOfWork(work, model);
  const next = word + 1;
  return next <= 0xffffffff && chainWork(next, model) <= work * (1 + 1e-12) ? next : word;
}
