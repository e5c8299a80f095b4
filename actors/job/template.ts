// getblocktemplate reply -> typed Template, validated once at the edge (BIP22/23/9/145 fields as
// Bitcoin Core and bcoin send them). Anything malformed is refused with TEMPLATE_INVALID naming
// the field; templates whose `!`-rules we do not understand with TEMPLATE_UNSUPPORTED_RULE.
import { satsFromInteger } from '../shared/amounts.js';
import { CodedError } from '../shared/errors.js';
import { bytesToHex, hexToBytes, isHex, reverseBytes, u32FromHex } from '../shared/hex.js';
import { decodeCompact } from '../shared/target.js';
import { parseTransaction } from '../shared/transaction.js';
import { TEMPLATE_INVALID, TEMPLATE_TX_MISMATCH, TEMPLATE_UNSUPPORTED_RULE } from './errors.js';

/** Rules this pool understands (a `!` prefix means a client must understand the rule). */
export const KNOWN_RULES: ReadonlySet<string> = new Set([
  'segwit',
  'csv',
  'taproot',
  'signet',
  'testdummy',
]);

export interface TemplateTransaction {
  /** Full serialization (with witness), hex. */
  readonly data: string;
  /** Display-order txid, lowercase hex. */
  readonly txid: string;
  /** Display-order wtxid (GBT `hash`), lowercase hex; equals txid for non-witness transactions. */
  readonly hash: string;
  readonly feeSats: bigint;
  readonly weight: number;
  readonly sigops: number;
  /** 1-based indices of earlier template transactions this one spends. */
  readonly depends: readonly number[];
}

export interface Template {
  readonly version: number;
  /** Display-order hash of the block this one builds on, lowercase hex. */
  readonly previousBlockHash: string;
  readonly transactions: readonly TemplateTransaction[];
  /** Subsidy + fees the coinbase may claim, satoshis. */
  readonly coinbaseValueSats: bigint;
  /**
   * GBT `bits` as a uint32 (big-endian hex on the wire): a compact target for hash coins, a
   * chain length word (length << 24 | fraction) for prime coins.
   */
  readonly bits: number;
  readonly height: number;
  readonly curtime: number;
  /** Earliest valid ntime (median time past + 1); curtime when the node omits it. */
  readonly mintime: number;
  readonly maxtime: number | undefined;
  /** The commitment output script hex (6a24aa21a9ed...), when the node sent one. */
  readonly defaultWitnessCommitment: string | undefined;
  readonly rules: readonly string[];
  /** True when the segwit rule is active (`segwit` or `!segwit` in rules). */
  readonly segwit: boolean;
  readonly longpollId: string | undefined;
  readonly weightLimit: number | undefined;
  readonly sigopLimit: number | undefined;
}

export interface ParseTemplateOptions {
  /**
   * Recompute every transaction's txid and wtxid from its `data` and refuse a template whose
   * fields disagree (TEMPLATE_TX_MISMATCH). Default true: a wrong txid would build a block with
   * a wrong merkle root that no node accepts.
   */
  readonly verifyTransactions?: boolean;
  /**
   * 'compact' (default): `bits` is a hash target and must match `target`. 'prime': `bits` is a
   * Primecoin chain length target (docs/protocols/primecoin.md §9.2: `target` is meaningless and
   * ignored); its length must be 1..99.
   */
  readonly bits?: 'compact' | 'prime';
}

/** Validates a getblocktemplate `result` object into a Template. */
export function parseTemplate(raw: unknown, options: ParseTemplateOptions = {}): Template {
  const o = obj(raw, 'template');
  const rules = arr(o['rules'] ?? [], 'rules').map((r, i) => str(r, `rules[${i}]`));
  for (const r of rules) {
    if (r.startsWith('!') && !KNOWN_RULES.has(r.slice(1))) {
      throw new CodedError(
        TEMPLATE_UNSUPPORTED_RULE,
        `template requires rule '${r.slice(1)}' which this pool does not implement`,
      );
    }
  }
  const bitsHex = str(o['bits'], 'bits');
  if (!isHex(bitsHex, 4)) fail('bits', 'must be 8 hex digits');
  const bits = u32FromHex(bitsHex);
  if (options.bits === 'prime') {
    if (bits >>> 24 < 1 || bits >>> 24 > 99)
      fail('bits', `${bitsHex} is not a chain length target (length 1..99)`);
  } else {
    const compact = decodeCompact(bits);
    if (compact.negative || compact.overflow || compact.target === 0n)
      fail('bits', `${bitsHex} is not a valid target`);
    checkTarget(o, bitsHex, compact.target);
  }
  const curtime = u32(o['curtime'], 'curtime');
  const dwc = o['default_witness_commitment'];
  if (dwc !== undefined) {
    const s = str(dwc, 'default_witness_commitment');
    if (!isHex(s, 38) || !s.toLowerCase().startsWith('6a24aa21a9ed'))
      fail('default_witness_commitment', 'must be 6a24aa21a9ed + 32 bytes');
  }
  const template: Template = {
    version: u32(o['version'], 'version'),
    previousBlockHash: hash(o['previousblockhash'], 'previousblockhash'),
    transactions: arr(o['transactions'], 'transactions').map((t, i) => transaction(t, i)),
    coinbaseValueSats: amount(o['coinbasevalue'], 'coinbasevalue'),
    bits,
    height: int(o['height'], 'height', 0, 0x7fffffff),
    curtime,
    mintime: o['mintime'] === undefined ? curtime : u32(o['mintime'], 'mintime'),
    maxtime: o['maxtime'] === undefined ? undefined : u32(o['maxtime'], 'maxtime'),
    defaultWitnessCommitment: typeof dwc === 'string' ? dwc.toLowerCase() : undefined,
    rules,
    segwit: rules.includes('segwit') || rules.includes('!segwit'),
    longpollId: o['longpollid'] === undefined ? undefined : str(o['longpollid'], 'longpollid'),
    weightLimit:
      o['weightlimit'] === undefined ? undefined : int(o['weightlimit'], 'weightlimit', 0, 2 ** 32),
    sigopLimit:
      o['sigoplimit'] === undefined ? undefined : int(o['sigoplimit'], 'sigoplimit', 0, 2 ** 32),
  };
  if (options.verifyTransactions ?? true) verifyTransactions(template);
  return template;
}

function checkTarget(o: Record<string, unknown>, bitsHex: string, target: bigint): void {
  if (o['target'] === undefined) return;
  const t = str(o['target'], 'target');
  if (!isHex(t, 32) || BigInt(`0x${t}`) !== target)
    fail('target', `${t} does not match bits ${bitsHex}`);
}

function verifyTransactions(template: Template): void {
  template.transactions.forEach((t, i) => {
    let tx;
    try {
      tx = parseTransaction(hexToBytes(t.data));
    } catch (e) {
      throw new CodedError(TEMPLATE_INVALID, `transactions[${i}].data does not parse`, {
        cause: e,
      });
    }
    const txid = bytesToHex(reverseBytes(tx.txid));
    const wtxid = bytesToHex(reverseBytes(tx.wtxid));
    if (txid !== t.txid || wtxid !== t.hash) {
      throw new CodedError(
        TEMPLATE_TX_MISMATCH,
        `transactions[${i}]: data hashes to txid ${txid} / wtxid ${wtxid}, template says ${t.txid} / ${t.hash}`,
      );
    }
  });
}

function transaction(raw: unknown, i: number): TemplateTransaction {
  const at = `transactions[${i}]`;
  const o = obj(raw, at);
  const data = str(o['data'], `${at}.data`);
  if (data.length === 0 || !isHex(data)) fail(`${at}.data`, 'must be non-empty hex');
  const txid = hash(o['txid'], `${at}.txid`);
  return {
    data: data.toLowerCase(),
    txid,
    hash: o['hash'] === undefined ? txid : hash(o['hash'], `${at}.hash`),
    feeSats: amount(o['fee'] ?? 0, `${at}.fee`),
    weight:
      o['weight'] === undefined
        ? (data.length / 2) * 4
        : int(o['weight'], `${at}.weight`, 0, 2 ** 32),
    sigops: o['sigops'] === undefined ? 0 : int(o['sigops'], `${at}.sigops`, 0, 2 ** 32),
    depends: arr(o['depends'] ?? [], `${at}.depends`).map((d, j) =>
      int(d, `${at}.depends[${j}]`, 1, i),
    ),
  };
}

function fail(field: string, why: string): never {
  throw new CodedError(TEMPLATE_INVALID, `getblocktemplate field '${field}' ${why}`);
}

function obj(v: unknown, field: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(field, 'must be an object');
  return v as Record<string, unknown>;
}

function arr(v: unknown, field: string): unknown[] {
  if (!Array.isArray(v)) fail(field, 'must be an array');
  return v;
}

function str(v: unknown, field: string): string {
  if (typeof v !== 'string') fail(field, 'must be a string');
  return v;
}

function int(v: unknown, field: string, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max)
    fail(field, `must be an integer ${min}..${max}`);
  return v;
}

function u32(v: unknown, field: string): number {
  return int(v, field, 0, 0xffffffff);
}

function hash(v: unknown, field: string): string {
  const s = str(v, field);
  if (!isHex(s, 32)) fail(field, 'must be 64 hex digits');
  return s.toLowerCase();
}

function amount(v: unknown, field: string): bigint {
  try {
    return satsFromInteger(v, field);
  } catch (e) {
    throw new CodedError(
      TEMPLATE_INVALID,
      `getblocktemplate field '${field}' must be whole satoshis`,
      { cause: e },
    );
  }
}
