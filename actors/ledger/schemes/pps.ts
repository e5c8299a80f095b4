// PPS and FPPS: every accepted share earns at once
//   PPS:  (1 − f) · subsidy · w / netWeight
//   FPPS: (1 − f) · reward  · w / netWeight, reward = the share's job's coinbasevalue
// (F̄ = the current template's fees; stratum-gbt.md §4 leaves F̄ to the pool).
// A share is a block with probability min(w, netWeight) / netWeight, so a share never earns
// more than one block's worth (netWeight below 1, as on regtest, counts as 1).
//
// Credits are exact rationals: numerator (10 000 − feeBps) · base · w over denominator
// 10 000 · netWeight. Each account keeps its sub-satoshi remainder (remNum / remDen) and only
// whole satoshis are settled, so rounding never drifts. When the denominator changes (a new
// network difficulty) the remainder is carried to the new denominator rounding down; what is
// dropped is below 1 / (10 000 · netWeight) of a satoshi — never a whole one.

export interface PpsRemainder {
  remNum: bigint;
  /** 0n while the account has no remainder yet. */
  remDen: bigint;
}

/** Numerator and denominator of a PPS/FPPS credit for `weight` (already capped). */
export function ppsCredit(
  baseSats: bigint,
  feeBps: number,
  weight: bigint,
  netWeight: bigint,
): { num: bigint; den: bigint } {
  return {
    num: BigInt(10_000 - feeBps) * baseSats * weight,
    den: 10_000n * (netWeight > 0n ? netWeight : 1n),
  };
}

/** Adds num/den satoshis to the remainder; returns the whole satoshis to settle now. */
export function settleRational(acc: PpsRemainder, num: bigint, den: bigint): bigint {
  if (acc.remDen !== den) {
    acc.remNum = acc.remDen === 0n ? 0n : (acc.remNum * den) / acc.remDen;
    acc.remDen = den;
  }
  const total = acc.remNum + num;
  acc.remNum = total % den;
  return total / den;
}
