// Applying a `shares` record: PPS/FPPS accounts are credited at once (exact rationals, whole
// satoshis settled to mature, paid from the pool's PPS balance); every non-SOLO share joins
// the block split's window (a PPLNS window or PROP round page). SOLO shares join
// nothing: a SOLO account is paid by its own blocks.
import { PPS_ACCOUNT } from './config.js';
import type { ShareBatchRecord } from '../shared/log-records.js';
import { windowTarget } from './schemes/pplns.js';
import { ppsCredit, settleRational } from './schemes/pps.js';
import type { LedgerState } from './state.js';
import { account, accountIndex } from './state.js';
import { PageBuilder, pushPage } from './window.js';

const FLUSH = 2 ** 52;

interface Group {
  readonly account: number;
  readonly job: number;
  lo: number;
  hi: bigint;
}

export function applyShares(state: LedgerState, seq: number, rec: ShareBatchRecord): void {
  const cfg = state.config;
  const { jobs, shares } = rec;
  let maxNet = 0n;
  const caps = jobs.map((j) => {
    const n = j.netWeight > 0n ? j.netWeight : 1n;
    if (n > maxNet) maxNet = n;
    return n >= BigInt(FLUSH) ? FLUSH : Number(n);
  });
  const page = new PageBuilder(seq, shares.length);
  const groups = new Map<number, Group>();
  const jobCount = jobs.length;

  for (let k = 0; k < shares.length; k++) {
    const s = shares[k] as ShareBatchRecord['shares'][number];
    const acc = accountIndex(state, s.account);
    const scheme = state.schemes[acc];
    if (scheme === 'solo') {
      page.add(acc, 0, s.hash);
      continue;
    }
    page.add(acc, s.weight, s.hash);
    if (scheme === 'pps' || scheme === 'fpps') {
      const key = acc * jobCount + s.job;
      const capped = Math.min(s.weight, caps[s.job] as number);
      const g = groups.get(key);
      if (g === undefined) groups.set(key, { account: acc, job: s.job, lo: capped, hi: 0n });
      else {
        const v = g.lo + capped;
        if (v >= FLUSH) {
          g.hi += BigInt(v);
          g.lo = 0;
        } else g.lo = v;
      }
    }
  }
  state.counters.shares += shares.length;

  if (groups.size > 0) {
    const pool = account(state, PPS_ACCOUNT);
    for (const g of groups.values()) {
      const job = jobs[g.job] as ShareBatchRecord['jobs'][number];
      const a = account(state, state.names[g.account] as string);
      const base = state.schemes[g.account] === 'fpps' ? job.rewardSats : job.subsidySats;
      const { num, den } = ppsCredit(base, cfg.feeBps, g.hi + BigInt(g.lo), job.netWeight);
      const whole = settleRational(a, num, den);
      a.mature += whole;
      pool.mature -= whole;
    }
  }

  if (maxNet > 0n) state.latestNetWeight = maxNet;
  const built = page.finish();
  if (built.total > 0n) {
    state.dirty.pages.add(seq);
    const target =
      cfg.blockSplit === 'pplns' ? windowTarget(state.latestNetWeight, cfg.pplnsFactorBps) : null;
    for (const pruned of pushPage(state.window, built, target)) state.dirty.pages.add(pruned);
  }
}
