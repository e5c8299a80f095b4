// The payout split of non-custodial payouts: the coinbase outputs of a block worth `valueSats`,
// from the ledger's payable balances. Value-conserving: the outputs always add up to the block.
import type { CoinbaseOutput } from '../job/coinbase.js';

/**
 * Non-custodial coinbase outputs: the pool's remainder first, then each payable balance in
 * the ledger's order that has an address (`scriptOf` ≠ null). No output, the remainder
 * included, is below `minOutputSats`: a balance that is too small, or that would leave the
 * pool less than that, is skipped and stays in the ledger for a later block. The outputs
 * always add up to `valueSats`.
 */
export function coinbasePayoutOutputs(
  valueSats: bigint,
  poolScript: Uint8Array,
  payable: readonly { readonly account: string; readonly sats: bigint }[],
  opts: { minOutputSats: bigint; scriptOf: (account: string) => Uint8Array | null },
): CoinbaseOutput[] {
  const out: CoinbaseOutput[] = [];
  let rest = valueSats;
  // The pool's own output keeps at least one satoshi (and the coin's minimum output); a balance
  // bigger than what is left is paid in part, the rest carried to later blocks.
  const keep = opts.minOutputSats > 1n ? opts.minOutputSats : 1n;
  for (const p of payable) {
    const room = rest - keep;
    const pay = p.sats < room ? p.sats : room;
    if (pay < 1n || pay < opts.minOutputSats) continue;
    const script = opts.scriptOf(p.account);
    if (script === null) continue;
    out.push({ script, valueSats: pay, account: p.account });
    rest -= pay;
  }
  return [{ script: poolScript, valueSats: rest }, ...out];
}
