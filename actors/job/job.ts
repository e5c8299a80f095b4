// Template + payout outputs + pool config -> Job: everything a node needs to send
// mining.notify and verify shares (JobWork), plus the template transactions the Block actor
// needs to assemble a full block. Pure: the id, clock and clean flag are passed in.
import { bytesToHex, hexToBytes, reverseBytes, u32ToHex } from '../shared/hex.js';
import { merkleBranch } from '../shared/merkle.js';
import { pushData } from '../shared/script.js';
import { primeNetWeight, type PrimeWorkModel } from '../shared/prime-share-value.js';
import { WEIGHT_ONE } from '../shared/share-weight.js';
import { DIFF1_TARGET, targetFromBits, targetToHex } from '../shared/target.js';
import { clearMaskedBits } from '../shared/version-rolling.js';
import { CodedError } from '../shared/errors.js';
import { COINBASE_OUTPUT_TOO_SMALL, TEMPLATE_UNSUPPORTED_RULE } from './errors.js';
import {
  buildCoinbase,
  coinb2WithOutputs,
  type CoinbaseLayout,
  type CoinbaseOutput,
} from './coinbase.js';
import { prevHashToStratum } from './notify.js';
import type { Template } from './template.js';
import { templateWitnessCommitmentScript } from './witness.js';

export interface JobConfig {
  readonly extranonce1Size: number;
  readonly extranonce2Size: number;
  readonly coinbase: CoinbaseLayout;
  /** nLockTime rule: 'height-minus-one' (BIP54-ready, what the bcoin end-to-end block used) or 'zero'. */
  readonly lockTime: 'zero' | 'height-minus-one';
  /**
   * The pool's version-rolling mask (BIP320 0x1fffe000, or 0 without rolling). Template version
   * bits inside it are cleared so BIP310, ckpool (OR) and public-pool (XOR) miners all build the
   * same header (docs/protocols/stratum-gbt.md §1.3).
   */
  readonly versionRollingMask: number;
  /** Prime-family coins: the chain-length work model and the coinbase rules that bite. */
  readonly prime?: PrimeJobRules;
}

export interface PrimeJobRules {
  readonly model: PrimeWorkModel;
  /** MIN_TXOUT_AMOUNT (0.01 XPM): no coinbase output may pay less (no zero-value outputs). */
  readonly minOutputSats: bigint;
}

/** What every node needs for mining.notify and share verification (wire-friendly: hex, numbers). */
export interface JobWork {
  readonly id: string;
  readonly height: number;
  /** Display-order previous block hash (GBT form). */
  readonly prevHash: string;
  /** mining.notify[1]: internal bytes with each 4-byte word reversed. */
  readonly prevHashStratum: string;
  readonly coinb1: string;
  readonly coinb2: string;
  /** coinb2 around other payout outputs (hex pieces; see coinb2ForPayout). */
  readonly coinb2Pieces: {
    readonly head: string;
    readonly extraOutputs: string;
    readonly extraCount: number;
    readonly lockTime: number;
  };
  /** Internal-order sibling hashes of the coinbase, hex. */
  readonly merkleBranch: readonly string[];
  /** Header version before rolling (uint32). */
  readonly version: number;
  /** nBits as 8 big-endian hex digits (GBT `bits`, mining.notify[6]). */
  readonly bits: string;
  /** ntime sent to miners (uint32 seconds). */
  readonly ntime: number;
  /** Earliest ntime the network accepts (GBT mintime = median time past + 1). */
  readonly mintime: number;
  readonly cleanJobs: boolean;
  /**
   * The target a block must meet, 64 hex digits. Prime jobs (no hash target): the hash target
   * of the same expected weight per block, diff1 · WEIGHT_ONE / netWeight, so code that
   * derives a net weight from it agrees with `netWeight` within rounding.
   */
  readonly networkTarget: string;
  /** Prime jobs: expected share weight per block (actors/shared/prime-share-value.ts). */
  readonly netWeight?: bigint;
  readonly extranonce1Size: number;
  readonly extranonce2Size: number;
  /** True when the block carries witness data (coinbase needs its witness reserved value). */
  readonly segwit: boolean;
  readonly coinbaseValueSats: bigint;
  readonly createdAtMs: number;
}

/** A job plus what block assembly needs. */
export interface Job extends JobWork {
  /** Template transactions' full serializations (hex), in block order after the coinbase. */
  readonly transactions: readonly string[];
  /** Outputs of this job's coinbase that pay ledger accounts directly (non-custodial payouts). */
  readonly coinbasePaid: readonly { readonly account: string; readonly sats: bigint }[];
}

export interface BuildJobInput {
  readonly id: string;
  readonly template: Template;
  readonly outputs: readonly CoinbaseOutput[];
  readonly config: JobConfig;
  /** True when miners must drop older work (new prevhash); false for refreshes on the same tip. */
  readonly cleanJobs: boolean;
  readonly createdAtMs: number;
  /** ntime to send; default the template's curtime; never below mintime. */
  readonly ntime?: number;
}

/** A coinbase layout in the shape the regtest end-to-end block used: v2, pushed tag, pushed extranonce, nSequence fffffffe. */
export function defaultCoinbaseLayout(tag: string): CoinbaseLayout {
  return {
    txVersion: 2,
    scriptSigPrefix: tag.length === 0 ? new Uint8Array(0) : pushData(new TextEncoder().encode(tag)),
    extranoncePush: true,
    scriptSigSuffix: new Uint8Array(0),
    sequence: 0xfffffffe,
  };
}

export function buildJob(input: BuildJobInput): Job {
  const { template, config } = input;
  if (config.prime) checkPrimeRules(template, input.outputs, config.prime);
  const commitment = template.segwit ? templateWitnessCommitmentScript(template) : undefined;
  const parts = buildCoinbase({
    ...config.coinbase,
    height: template.height,
    extranonce1Size: config.extranonce1Size,
    extranonce2Size: config.extranonce2Size,
    outputs: input.outputs,
    coinbaseValueSats: template.coinbaseValueSats,
    witnessCommitmentScript: commitment,
    lockTime: config.lockTime === 'height-minus-one' ? Math.max(0, template.height - 1) : 0,
  });
  const txids = template.transactions.map((t) => reverseBytes(hexToBytes(t.txid, 32)));
  return {
    id: input.id,
    height: template.height,
    prevHash: template.previousBlockHash,
    prevHashStratum: prevHashToStratum(template.previousBlockHash),
    coinb1: bytesToHex(parts.coinb1),
    coinb2: bytesToHex(parts.coinb2),
    coinb2Pieces: {
      head: bytesToHex(parts.pieces.head),
      extraOutputs: bytesToHex(parts.pieces.extraOutputs),
      extraCount: parts.pieces.extraCount,
      lockTime: parts.pieces.lockTime,
    },
    merkleBranch: merkleBranch(txids).map(bytesToHex),
    version: clearMaskedBits(template.version, config.versionRollingMask),
    bits: u32ToHex(template.bits),
    ntime: Math.max(input.ntime ?? template.curtime, template.mintime),
    mintime: template.mintime,
    cleanJobs: input.cleanJobs,
    ...networkFields(template.bits, config.prime),
    extranonce1Size: config.extranonce1Size,
    extranonce2Size: config.extranonce2Size,
    segwit: template.segwit,
    coinbaseValueSats: template.coinbaseValueSats,
    createdAtMs: input.createdAtMs,
    transactions: template.transactions.map((t) => t.data),
    coinbasePaid: input.outputs.flatMap((o) =>
      o.account === undefined ? [] : [{ account: o.account, sats: o.valueSats }],
    ),
  };
}

function networkFields(
  bits: number,
  prime: PrimeJobRules | undefined,
): { networkTarget: string; netWeight?: bigint } {
  if (!prime) return { networkTarget: targetToHex(targetFromBits(bits)) };
  const netWeight = primeNetWeight(bits, prime.model);
  const equivalent = (DIFF1_TARGET * BigInt(WEIGHT_ONE)) / (netWeight > 0n ? netWeight : 1n);
  return { networkTarget: targetToHex(equivalent), netWeight };
}

/**
 * Prime chains enforce MIN_TXOUT_AMOUNT on every output (docs/protocols/primecoin.md §6.10): a
 * witness commitment (value 0) cannot be carried, and every payout must reach the minimum.
 */
function checkPrimeRules(
  template: Template,
  outputs: readonly CoinbaseOutput[],
  rules: PrimeJobRules,
): void {
  if (template.segwit || template.defaultWitnessCommitment !== undefined) {
    throw new CodedError(
      TEMPLATE_UNSUPPORTED_RULE,
      'prime coins forbid outputs below 0.01 coin, so the zero-value witness commitment cannot be paid; run the node without segwit rules',
    );
  }
  for (const o of outputs) {
    if (o.valueSats < rules.minOutputSats) {
      throw new CodedError(
        COINBASE_OUTPUT_TOO_SMALL,
        `a coinbase output pays ${o.valueSats} sats; this coin's minimum output is ${rules.minOutputSats}`,
      );
    }
  }
}

/**
 * SOLO: coinb2 (hex) paying the whole coinbase value to `payoutScriptHex` instead of the
 * pool's outputs — the finder's own address, straight from the coinbase.
 */
export function coinb2ForPayout(job: JobWork, payoutScriptHex: string): string {
  const p = job.coinb2Pieces;
  return bytesToHex(
    coinb2WithOutputs(
      {
        head: hexToBytes(p.head),
        extraOutputs: hexToBytes(p.extraOutputs),
        extraCount: p.extraCount,
        lockTime: p.lockTime,
      },
      [{ script: hexToBytes(payoutScriptHex), valueSats: job.coinbaseValueSats }],
    ),
  );
}
