// Applying a block's life: found (the bill is computed now and its credits are immature;
// what the coinbase paid is debited), matured (immature → mature) and orphaned (the block's
// credits and coinbase debits are reversed exactly). A hash seen twice is credited once; a
// status for an unknown hash is ignored and counted.
import { splitFee } from '../shared/amounts.js';
import type { BillLine, BlockBill, SharePosition } from './bill.js';
import { FEE_ACCOUNT, POOL_ACCOUNT, PPS_ACCOUNT } from './config.js';
import type { BlockFoundRecord, BlockStatusRecord } from '../shared/log-records.js';
import { tallyWindow, windowTarget } from './schemes/pplns.js';
import type { PagePosition } from './schemes/pplns.js';
import { roundTarget } from './schemes/prop.js';
import { soloSplit } from './schemes/solo.js';
import { splitOverWeights } from './schemes/split.js';
import type { Block, BlockLine, LedgerState } from './state.js';
import { account } from './state.js';
import { clearWindow, pageHash } from './window.js';

type Split = Pick<
  BlockBill,
  'method' | 'targetWeight' | 'filledWeight' | 'unfilledWeight' | 'boundaryWeight' | 'from' | 'to'
> & { readonly lines: BillLine[] };

const byName = (a: { account: string }, b: { account: string }): number =>
  a.account < b.account ? -1 : a.account > b.account ? 1 : 0;

function paidTo(state: LedgerState, index: number): string {
  const s = state.schemes[index];
  return s === 'pps' || s === 'fpps' ? PPS_ACCOUNT : (state.names[index] as string);
}

function windowSplit(state: LedgerState, rec: BlockFoundRecord, restSats: bigint): Split {
  const method = state.config.blockSplit;
  const w = state.window;
  const pages = w.pages;
  const target =
    method === 'pplns' ? windowTarget(rec.netWeight, state.config.pplnsFactorBps) : roundTarget(w);
  const tally = tallyWindow(pages, target, state.names.length);
  const pos = (p: PagePosition | null): SharePosition | null => {
    if (p === null) return null;
    const page = pages[p.page];
    return page ? { seq: page.seq, index: p.index, hash: pageHash(page, p.index) } : null;
  };
  const name = (i: number): string => state.names[i] as string;
  const unfilled = target - tally.filled;
  const split = splitOverWeights(
    restSats,
    tally.lines.map((l) => ({ key: name(l.account), weight: l.weight })),
    unfilled,
  );
  const lines: BillLine[] = tally.lines.map((l) => ({
    account: name(l.account),
    scheme: state.schemes[l.account] ?? method,
    weight: l.weight,
    shares: l.shares,
    first: pos(l.first),
    last: pos(l.last),
    creditSats: split.get(name(l.account)) ?? 0n,
    creditedTo: paidTo(state, l.account),
  }));
  const pool = split.get(POOL_ACCOUNT);
  if (pool !== undefined) lines.push(reservedLine(POOL_ACCOUNT, 'pool', unfilled, pool));
  const result: Split = {
    method,
    targetWeight: target,
    filledWeight: tally.filled,
    unfilledWeight: unfilled,
    boundaryWeight: tally.boundaryWeight,
    from: pos(tally.oldest),
    to: pos(tally.newest),
    lines,
  };
  // PROP: the block closes the round (an orphaned block does not reopen it).
  if (method === 'prop') for (const seq of clearWindow(w)) state.dirty.pages.add(seq);
  return result;
}

function reservedLine(
  name: string,
  scheme: 'pool' | 'fee',
  weight: bigint,
  sats: bigint,
): BillLine {
  return {
    account: name,
    scheme,
    weight,
    shares: 0,
    first: null,
    last: null,
    creditSats: sats,
    creditedTo: name,
  };
}

function soloLines(rec: BlockFoundRecord, restSats: bigint): Split {
  const line: BillLine = {
    account: rec.account,
    scheme: 'solo',
    weight: 0n,
    shares: 0,
    first: null,
    last: null,
    creditSats: restSats,
    creditedTo: rec.account,
  };
  return {
    method: 'solo',
    targetWeight: 0n,
    filledWeight: 0n,
    unfilledWeight: 0n,
    boundaryWeight: null,
    from: null,
    to: null,
    lines: [line],
  };
}

export function applyBlockFound(state: LedgerState, seq: number, rec: BlockFoundRecord): void {
  if (state.blocks.has(rec.hash)) {
    state.counters.duplicateBlocks++;
    return;
  }
  const cfg = state.config;
  let feeSats: bigint;
  let rest: bigint;
  if (rec.solo) {
    const solo = soloSplit(rec.rewardSats, cfg.feeBps, rec.account);
    feeSats = solo.feeSats;
    rest = solo.credits.get(rec.account) ?? 0n;
  } else ({ feeSats, restSats: rest } = splitFee(rec.rewardSats, cfg.feeBps));
  const split = rec.solo ? soloLines(rec, rest) : windowSplit(state, rec, rest);
  split.lines.push(reservedLine(FEE_ACCOUNT, 'fee', 0n, feeSats));
  split.lines.sort(byName);

  const credits = new Map<string, bigint>();
  for (const l of split.lines) {
    credits.set(l.creditedTo, (credits.get(l.creditedTo) ?? 0n) + l.creditSats);
  }
  const paid = new Map<string, bigint>();
  for (const p of rec.coinbasePaid) paid.set(p.account, (paid.get(p.account) ?? 0n) + p.sats);

  const lines: BlockLine[] = [];
  for (const name of new Set([...credits.keys(), ...paid.keys()])) {
    const creditSats = credits.get(name) ?? 0n;
    const coinbasePaidSats = paid.get(name) ?? 0n;
    if (creditSats === 0n && coinbasePaidSats === 0n) continue;
    // A SOLO finder's coinbase output paid this block's own credit; other coinbase outputs
    // paid mature balances (non-custodial payouts) and are debited from them now.
    const selfPaidSats =
      rec.solo && name === rec.account
        ? coinbasePaidSats < creditSats
          ? coinbasePaidSats
          : creditSats
        : 0n;
    const a = account(state, name);
    a.immature += creditSats;
    a.mature -= coinbasePaidSats - selfPaidSats;
    a.paid += coinbasePaidSats - selfPaidSats;
    lines.push({ account: name, creditSats, coinbasePaidSats, selfPaidSats });
  }
  lines.sort(byName);

  if (rec.netWeight > 0n) state.latestNetWeight = rec.netWeight;
  const block: Block = {
    hash: rec.hash,
    height: rec.height,
    seq,
    rewardSats: rec.rewardSats,
    solo: rec.solo,
    status: 'immature',
    statusSeq: null,
    lines,
  };
  state.blocks.set(rec.hash, block);
  state.dirty.blocks.add(rec.hash);
  const bill: BlockBill = {
    hash: rec.hash,
    height: rec.height,
    coin: rec.coin,
    seq,
    finder: { account: rec.account, worker: rec.worker, node: rec.node },
    rewardSats: rec.rewardSats,
    feeBps: cfg.feeBps,
    feeSats,
    splitSats: rest,
    coinbasePaid: [...paid].map(([acc, sats]) => ({ account: acc, sats })).sort(byName),
    ...split,
  };
  state.bills.set(rec.hash, bill);
  state.dirty.bills.add(rec.hash);
}

export function applyBlockStatus(state: LedgerState, seq: number, rec: BlockStatusRecord): void {
  const block = state.blocks.get(rec.hash);
  if (block === undefined) {
    state.counters.unknownBlockStatus++;
    return;
  }
  const to = rec.type === 'block.matured' ? 'matured' : 'orphaned';
  if (block.status === 'orphaned' || block.status === to) {
    state.counters.repeatedBlockStatus++;
    return;
  }
  for (const l of block.lines) {
    const a = account(state, l.account);
    const cbDebit = l.coinbasePaidSats - l.selfPaidSats;
    if (to === 'matured') {
      a.immature -= l.creditSats;
      a.mature += l.creditSats - l.selfPaidSats;
      a.paid += l.selfPaidSats;
      continue;
    }
    // Orphaned: take back the credit from where it is now, and give back what the coinbase
    // was said to have paid (it never paid anything: the block is not in the chain).
    if (block.status === 'immature') a.immature -= l.creditSats;
    else {
      a.mature -= l.creditSats - l.selfPaidSats;
      a.paid -= l.selfPaidSats;
    }
    a.mature += cbDebit;
    a.paid -= cbDebit;
  }
  block.status = to;
  block.statusSeq = seq;
  state.dirty.blocks.add(rec.hash);
}
