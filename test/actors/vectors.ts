// Typed access to the shared Bitcoin vectors (test/vectors), read once per test file.
// Only the fields these tests assert are typed; the files themselves are never edited.
import { readFileSync } from 'node:fs';
import { vectorPath } from '../helpers/paths.js';

export type NotifyArray = [
  string,
  string,
  string,
  string,
  string[],
  string,
  string,
  string,
  boolean,
];

export interface GbtTx {
  data: string;
  txid: string;
  hash: string;
  fee: number;
  weight: number;
}

export interface Gbt {
  version: number;
  previousblockhash: string;
  transactions: GbtTx[];
  coinbasevalue: number;
  bits: string;
  height: number;
  curtime: number;
  mintime: number;
  default_witness_commitment: string;
  rules: string[];
  [k: string]: unknown;
}

export interface BtcpoolCase {
  job_id: string;
  notify_params: NotifyArray;
  submit: { params: [string, string, string, string, string] };
  response: { result: boolean | null; error: [number, string, null] | null };
  coinbase_hex: string;
  header_hex: string;
  hash_display: string;
  share_difficulty: number;
  duplicate_of_earlier_submit: boolean;
}

export interface BitcoinVectors {
  genesis: Record<
    'mainnet' | 'testnet3' | 'regtest',
    { header_hex: string; expected_hash_display: string; bits: string; time: number; nonce: number }
  > & {
    coinbase_tx_hex: string;
    coinbase_txid_display: string;
  };
  historic_headers: {
    header_hex: string;
    expected_hash_display: string;
    bits?: string;
    core_difficulty?: number;
  }[];
  stratum_slush_testnet3: {
    messages: {
      notify_params: NotifyArray;
      submit: { params: [string, string, string, string, string] };
      subscribe_result: [unknown, string, number];
    };
    expected: Record<string, string | number | boolean>;
  };
  stratum_publicpool_testnet3: {
    getblocktemplate: Gbt;
    messages: {
      notify_params: NotifyArray;
      submit: { params: [string, string, string, string, string, string] };
      configure_result_expected: Record<string, unknown>;
      configure: { params: [string[], Record<string, string>] };
      authorize: { params: [string, string] };
    };
    expected: Record<string, unknown> & {
      merkle_branch_from_gbt_txids: string[];
      coinbase_outputs_sats: number[];
    };
  };
  stratum_btcpool_regtest: {
    subscribe_result: [unknown, string, number];
    set_difficulty: number;
    cases: BtcpoolCase[];
  };
  bip34_height_push: {
    encodings: { height: number; push_hex: string }[];
    observed_in_real_coinbases: { height: number; prefix: string }[];
  };
  witness_commitment_block_542213: {
    block_hex: string;
    block_hash_display: string;
    txids_display: string[];
    wtxids_display: string[];
    witness_root_internal: string;
    expected_commitment: string;
    commitment_output_script: string;
    coinbase_non_witness_hex: string;
    coinbase_txid_display: string;
    coinbase_wtxid_display_actual: string;
    stratum_merkle_branch: string[];
    merkle_root_internal: string;
  };
  witness_commitment_empty_block: { commitment: string; script: string };
  merkle_branch_testnet_block_301322: {
    block_hex: string;
    block_hash_display: string;
    tx_count: number;
    txids_display: string[];
    coinbase_txid_internal: string;
    expected_stratum_merkle_branch_internal: string[];
    expected_merkle_root_internal: string;
    expected_merkle_root_display: string;
  };
  merkle_branch_testnet_block_301321: {
    coinbase_txid_internal: string;
    expected_stratum_merkle_branch_internal: string[];
    expected_merkle_root_internal: string;
  };
  compact_bits: {
    rows: { bits: string; target: string; core_difficulty: number; roundtrip_getcompact: string }[];
    powlimit_to_bits: Record<'mainnet' | 'regtest', [string, string]>;
    edge_cases: { bits: string; target?: string; negative?: boolean }[];
  };
  stratum_difficulty: {
    diff1_target_truediffone: string;
    diff1_decimal: string;
    pdiff1_target: string;
    share_targets: { difficulty: number; share_target: string }[];
    share_difficulty_of_hash: { hash_display: string; bdiff: number; pdiff: number }[];
    expected_hashes_per_diff1_share: { exact: number };
  };
  endianness: (
    | { what: string; display: string; internal: string; stratum: string }
    | { what: string; examples: { stratum: string; header_bytes: string }[] }
    | { what: string; gbt_txid: string; branch_entry: string }
    | { what: string; rule: string }
  )[];
  version_rolling: {
    negotiation: { miner_mask: string; server_mask: string; response_mask: string }[];
    submit_cases: {
      job_version: string;
      mask: string;
      version_bits: string;
      valid: boolean;
      header_version?: string;
      header_version_bip310?: string;
    }[];
  };
  pplns_integer_example: {
    block_reward_sats: number;
    pool_fee_bps: number;
    pool_fee_sats: number;
    distributable_sats: number;
    window_share_difficulty: { worker: string; diff: number }[];
    payouts_sats: { worker: string; sats: number }[];
  };
  regtest_bcoin_end_to_end: {
    getblocktemplate: Gbt;
    extranonce1: string;
    extranonce2_size: number;
    notify_params: NotifyArray;
    submit_params: [string, string, string, string, string];
    expected: {
      coinbase_nonwitness_hex: string;
      coinbase_txid_display: string;
      merkle_root_internal: string;
      header_hex: string;
      block_hash_display: string;
      meets_regtest_target: boolean;
      block_hex: string;
    };
    node_results: { submitblock: null; getbestblockhash_after: string; proposal_mode: null };
  };
}

export const bitcoin = JSON.parse(
  readFileSync(vectorPath('bitcoin-stratum.json'), 'utf8'),
) as BitcoinVectors;

export const gbtBcoinRegtest = JSON.parse(
  readFileSync(vectorPath('gbt-bcoin-regtest.json'), 'utf8'),
) as {
  result: Gbt;
};

/** The job the bcoin regtest end-to-end vector was built from (default layout, its payout key). */
export async function bcoinEndToEndJob() {
  const { parseTemplate } = await import('../../actors/job/template.js');
  const { buildJob, defaultCoinbaseLayout } = await import('../../actors/job/job.js');
  const { hexToBytes } = await import('../../actors/shared/hex.js');
  const { BIP320_MASK } = await import('../../actors/shared/version-rolling.js');
  const v = bitcoin.regtest_bcoin_end_to_end;
  const template = parseTemplate(v.getblocktemplate);
  return buildJob({
    id: '1',
    template,
    outputs: [
      {
        script: hexToBytes('0014a3c6b1ee4a49d9f2af3b3802974744fba924164a'),
        valueSats: template.coinbaseValueSats,
      },
    ],
    config: {
      extranonce1Size: 4,
      extranonce2Size: v.extranonce2_size,
      coinbase: defaultCoinbaseLayout('/pool-research/'),
      lockTime: 'height-minus-one',
      versionRollingMask: BIP320_MASK,
    },
    cleanJobs: true,
    createdAtMs: 0,
  });
}

/** The job public-pool sent in its recorded testnet session (its coinbase layout and outputs). */
export async function publicPoolJob() {
  const { parseTemplate } = await import('../../actors/job/template.js');
  const { buildJob } = await import('../../actors/job/job.js');
  const { addressToScript } = await import('../../actors/shared/address.js');
  const { NETWORKS } = await import('../../actors/shared/network.js');
  const { BIP320_MASK } = await import('../../actors/shared/version-rolling.js');
  const v = bitcoin.stratum_publicpool_testnet3;
  const script = addressToScript(
    'tb1qumezefzdeqqwn5zfvgdrhxjzc5ylr39uhuxcz4',
    NETWORKS.testnet,
  ).script;
  const [fee, rest] = v.expected.coinbase_outputs_sats;
  return buildJob({
    id: '1',
    template: parseTemplate(v.getblocktemplate),
    outputs: [
      { script, valueSats: BigInt(fee ?? 0) },
      { script, valueSats: BigInt(rest ?? 0) },
    ],
    config: {
      extranonce1Size: 4,
      extranonce2Size: 4,
      coinbase: {
        txVersion: 2,
        scriptSigPrefix: new TextEncoder().encode('\\public-pool\\'),
        extranoncePush: false,
        scriptSigSuffix: new Uint8Array(0),
        sequence: 0xffffffff,
      },
      lockTime: 'zero',
      versionRollingMask: BIP320_MASK,
    },
    cleanJobs: false,
    createdAtMs: 0,
    ntime: 0x64b3f3ec, // public-pool stamped its own clock, one second before curtime
  });
}
