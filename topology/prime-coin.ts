// What a node builds differently for a prime-family coin (node.ts asks for these parts when
// the coin's family is 'prime'): the Stratum dialect and its vardiff bounds in chain work,
// the Job actor's coinbase rules, and the Share actor's prime family on the verifier pool's
// `prime-share` task. Per-coin choices: the work model's step ratio R (the Primecoin client's
// 32 on mainnet/testnet; 10 on the devnet, measured with our sieve at 256-300-bit origins:
// about one chain in ten extends by one member) and the share targets.
//
// For prime coins `--start-difficulty`, `--min-difficulty` and `--max-difficulty` are chain
// lengths (7.5 = 07.800000); values outside [shortest share length, 99] fall back to the
// coin's defaults.
import { primeDialect, type Dialect } from '../actors/connection/index.js';
import type { JobWork, PrimeJobRules } from '../actors/job/index.js';
import { primeFamily, type PrimeFamily, type PrimeVerifier } from '../actors/share/index.js';
import type { NetworkParams } from '../actors/shared/network.js';
import {
  chainWork,
  wordOfLength,
  type PrimeWorkModel,
} from '../actors/shared/prime-share-value.js';
import { u32FromHex } from '../actors/shared/hex.js';
import { targetMint } from '../native/index.js';
import type { NodeConfig } from './config.js';

export interface PrimeCoinParams {
  readonly stepRatio: number;
  /** Shortest share target (also the WEIGHT_ONE share's length). */
  readonly shareMinLength: number;
  readonly startLength: number;
}

export const PRIME_COIN_PARAMS: Readonly<Record<string, PrimeCoinParams>> = {
  primecoin: { stepRatio: 32, shareMinLength: 6, startLength: 7 },
  'primecoin-testnet': { stepRatio: 32, shareMinLength: 2, startLength: 4 },
  'primecoin-devnet': { stepRatio: 10, shareMinLength: 2, startLength: 3 },
};

export interface PrimeNodeParts {
  readonly dialect: Dialect;
  readonly model: PrimeWorkModel;
  /** Session difficulties in work units. */
  readonly startWork: number;
  readonly minWork: number;
  readonly maxWork: number;
  readonly jobRules: PrimeJobRules;
  /** The Share actor's family (one per actor incarnation: it keeps per-worker statistics). */
  shareFamily(): PrimeFamily;
  /** A job's block subsidy, TargetGetMint of its nBits (the Share and Block actors' rule). */
  subsidySats(work: JobWork): bigint;
}

export function primeNodeParts(
  cfg: NodeConfig,
  network: NetworkParams,
  hasher: unknown,
): PrimeNodeParts {
  const params = PRIME_COIN_PARAMS[cfg.coin];
  const rules = network.prime;
  if (!params || !rules) throw new Error(`${cfg.coin} is not a prime coin`);
  const verifier = verifierOf(hasher);
  const model: PrimeWorkModel = { stepRatio: params.stepRatio, baseLength: params.shareMinLength };
  const length = (v: number, fallback: number): number =>
    v >= params.shareMinLength && v <= 99 ? v : fallback;
  const work = (len: number): number => chainWork(wordOfLength(len), model);
  const minLength = length(cfg.minDifficulty, params.shareMinLength);
  const subsidySats = (work: JobWork): bigint =>
    targetMint(u32FromHex(work.bits), rules.minLength).mintSats;
  return {
    dialect: primeDialect(model),
    model,
    startWork: work(Math.max(minLength, length(cfg.startDifficulty, params.startLength))),
    minWork: work(minLength),
    maxWork: work(length(cfg.maxDifficulty, 99)),
    jobRules: { model, minOutputSats: rules.minOutputSats },
    shareFamily: () =>
      primeFamily({
        verifier,
        model,
        minLength: rules.minLength,
        subsidySats,
        stats: { continuation: 1 / params.stepRatio, minEvidence: 3 },
        statsLogEvery: 100,
      }),
    subsidySats,
  };
}

/** The verifier pool behind the node's hasher (topology/verifier.ts exposes it as `pool`). */
function verifierOf(hasher: unknown): PrimeVerifier {
  const h = hasher as { pool?: Partial<PrimeVerifier>; primeShares?: unknown } | null;
  const candidate = (typeof h?.primeShares === 'function' ? h : h?.pool) as
    Partial<PrimeVerifier> | undefined;
  if (typeof candidate?.primeShares !== 'function')
    throw new Error('a prime coin needs the native verifier pool (prime-share tasks)');
  return candidate as PrimeVerifier;
}
