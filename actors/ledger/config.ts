// The ledger's payout configuration: pool scheme, block-split method, fee, PPLNS factor and
// per-account overrides. The ledger is a function of (config, log); the store records a
// fingerprint of this config and refuses to open under a different one.
import { createHash } from 'node:crypto';
import { CodedError } from '../shared/errors.js';
import { LEDGER_CONFIG_INVALID } from './errors.js';

/** Pool-wide default scheme. pplns/prop split blocks; pps/fpps pay every share at once. */
export type PoolScheme = 'pplns' | 'prop' | 'pps' | 'fpps';
/** What an account may be paid by; `solo` takes whole blocks and has no shares in windows. */
export type AccountScheme = PoolScheme | 'solo';
/** How a (non-solo) block's reward is divided among shares. One per pool. */
export type BlockSplit = 'pplns' | 'prop';

export interface LedgerConfig {
  /** The coin this ledger accounts for; records of other coins are skipped and counted. */
  readonly coin: string;
  readonly scheme: PoolScheme;
  /** Default: `scheme` when it is pplns/prop, else pplns. */
  readonly blockSplit?: BlockSplit;
  /** Pool fee in basis points (100 = 1 %), taken from every block. */
  readonly feeBps: number;
  /** PPLNS window N = floor(netWeight × factorBps / 10 000). Default 20 000 (2 × netWeight). */
  readonly pplnsFactorBps?: number;
  /** Per-account override. pplns/prop must name the pool's block split. */
  readonly accountSchemes?: Readonly<Record<string, AccountScheme>>;
}

export interface ResolvedConfig {
  readonly coin: string;
  readonly scheme: PoolScheme;
  readonly blockSplit: BlockSplit;
  readonly feeBps: number;
  readonly pplnsFactorBps: number;
  readonly accountSchemes: ReadonlyMap<string, AccountScheme>;
}

/** Reserved accounts (an account name from a record can never start with '@'). */
export const FEE_ACCOUNT = '@fee';
/** Unfilled PPLNS window, empty PROP rounds. */
export const POOL_ACCOUNT = '@pool';
/** The pool's PPS/FPPS balance: pays shares at once, receives those shares' block slices. */
export const PPS_ACCOUNT = '@pps';

const POOL_SCHEMES: readonly string[] = ['pplns', 'prop', 'pps', 'fpps'];
const ACCOUNT_SCHEMES: readonly string[] = [...POOL_SCHEMES, 'solo'];

function invalid(message: string): CodedError {
  return new CodedError(LEDGER_CONFIG_INVALID, message);
}

/** Validates and fills defaults; throws LEDGER_CONFIG_INVALID naming the option and the fix. */
export function resolveConfig(config: LedgerConfig): ResolvedConfig {
  if (typeof config.coin !== 'string' || config.coin === '') {
    throw invalid('ledger.coin must name the coin (e.g. "btc-regtest")');
  }
  if (!POOL_SCHEMES.includes(config.scheme)) {
    throw invalid(
      `ledger.scheme must be one of ${POOL_SCHEMES.join(', ')}, got ${String(config.scheme)}`,
    );
  }
  const blockSplit: BlockSplit = config.blockSplit ?? (config.scheme === 'prop' ? 'prop' : 'pplns');
  if (blockSplit !== 'pplns' && blockSplit !== 'prop') {
    throw invalid(`ledger.blockSplit must be pplns or prop, got ${String(blockSplit)}`);
  }
  if ((config.scheme === 'pplns' || config.scheme === 'prop') && config.scheme !== blockSplit) {
    throw invalid(
      `ledger.blockSplit (${blockSplit}) contradicts ledger.scheme (${config.scheme}); drop blockSplit`,
    );
  }
  if (!Number.isInteger(config.feeBps) || config.feeBps < 0 || config.feeBps > 10_000) {
    throw invalid(`ledger.feeBps must be an integer 0..10000 (100 = 1 %), got ${config.feeBps}`);
  }
  const factor = config.pplnsFactorBps ?? 20_000;
  if (!Number.isInteger(factor) || factor < 1 || factor > 1_000_000) {
    throw invalid(
      `ledger.pplnsFactorBps must be an integer 1..1000000 (20000 = 2 × netWeight), got ${factor}`,
    );
  }
  const overrides = new Map<string, AccountScheme>();
  for (const [account, scheme] of Object.entries(config.accountSchemes ?? {})) {
    if (account === '' || account.startsWith('@')) {
      throw invalid(`ledger.accountSchemes: "${account}" is not an account name`);
    }
    if (!ACCOUNT_SCHEMES.includes(scheme)) {
      throw invalid(
        `ledger.accountSchemes.${account} must be one of ${ACCOUNT_SCHEMES.join(', ')}`,
      );
    }
    if ((scheme === 'pplns' || scheme === 'prop') && scheme !== blockSplit) {
      throw invalid(
        `ledger.accountSchemes.${account} is ${scheme} but the pool splits blocks by ${blockSplit}; ` +
          `use ${blockSplit}, pps, fpps or solo`,
      );
    }
    overrides.set(account, scheme);
  }
  return {
    coin: config.coin,
    scheme: config.scheme,
    blockSplit,
    feeBps: config.feeBps,
    pplnsFactorBps: factor,
    accountSchemes: overrides,
  };
}

/** Stable fingerprint of a resolved config (sorted overrides), stored beside the ledger. */
export function configFingerprint(c: ResolvedConfig): string {
  const overrides = [...c.accountSchemes].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const text = JSON.stringify([
    c.coin,
    c.scheme,
    c.blockSplit,
    c.feeBps,
    c.pplnsFactorBps,
    overrides,
  ]);
  return createHash('sha256').update(text).digest('hex');
}

/** The scheme an account is paid by. */
export function schemeOf(c: ResolvedConfig, account: string): AccountScheme {
  return c.accountSchemes.get(account) ?? c.scheme;
}
