// share verdicts - real Stratum exchanges replayed through precheck -> hash -> classify.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { JobWork } from '../../../actors/job/job.js';
import { parseNotifyParams, prevHashFromStratum } from '../../../actors/job/notify.js';
import { hashSubmitInput, jobBytes } from '../../../actors/share/header.js';
import { stratumError } from '../../../actors/connection/errors.js';
import { hashSubmitReference } from '../../../actors/shared/submit-hash.js';
import type { ShareSubmit } from '../../../actors/share/messages.js';
import {
  classifyHash,
  precheckSubmit,
  type HashVerdict,
  type PrecheckRefusal,
} from '../../../actors/share/verdict.js';

type ShareVerdict = HashVerdict | PrecheckRefusal;

/** The wire error a verdict becomes (the Connection's one table); null when accepted. */
const stratumErrorFor = (v: ShareVerdict) => (v.kind === 'accepted' ? null : stratumError(v.kind));
/** Whether a verdict flags a block candidate (precheck refusals never do). */
const candidate = (v: ShareVerdict) => 'blockCandidate' in v && v.blockCandidate;
/** What the Share actor answers for a job it does not know (never hashed). */
const UNKNOWN_JOB = stratumError('stale');

/** The reference (pure TS) hash of a prechecked submit. */
const hashShare = (job: JobWork, submit: ShareSubmit, headerVersion: number) =>
  hashSubmitReference(hashSubmitInput(jobBytes(job), submit, headerVersion));
import { bytesToHex, reverseHex, u32FromHex } from '../../../actors/shared/hex.js';
import {
  difficultyFromBits,
  difficultyOfHash,
  shareTargetFromDifficulty,
  targetFromBits,
  targetToHex,
} from '../../../actors/shared/target.js';
import { negotiateVersionMask, BIP320_MASK } from '../../../actors/shared/version-rolling.js';
import { bitcoin, type NotifyArray } from '../vectors.js';

/** The work a miner (or a replay) reconstructs from a recorded mining.notify. */
function workFromNotify(
  params: NotifyArray,
  en1Size: number,
  en2Size: number,
  mintime?: number,
): JobWork {
  const n = parseNotifyParams(params);
  return {
    id: n.jobId,
    height: 0,
    prevHash: prevHashFromStratum(n.prevHashStratum),
    prevHashStratum: n.prevHashStratum,
    coinb1: n.coinb1,
    coinb2: n.coinb2,
    coinb2Pieces: { head: '', extraOutputs: '', extraCount: 0, lockTime: 0 }, // not known from a notify; unused here
    merkleBranch: n.merkleBranch,
    version: n.version,
    bits: n.bits,
    ntime: n.ntime,
    mintime: mintime ?? n.ntime,
    cleanJobs: n.cleanJobs,
    networkTarget: targetToHex(targetFromBits(u32FromHex(n.bits))),
    extranonce1Size: en1Size,
    extranonce2Size: en2Size,
    segwit: false,
    coinbaseValueSats: 0n,
    createdAtMs: 0,
  };
}

function judge(
  job: JobWork,
  submit: ShareSubmit,
  opts: { difficulty: number; versionMask?: number; stale?: boolean },
): { verdict: ShareVerdict; hash?: string; header?: string; coinbase?: string } {
  const pre = precheckSubmit(job, submit, { versionMask: opts.versionMask ?? 0 });
  if (!pre.ok) return { verdict: pre.verdict };
  const h = hashShare(job, submit, pre.headerVersion);
  const verdict = classifyHash(h.hash, {
    stale: opts.stale ?? false,
    shareTarget: shareTargetFromDifficulty(opts.difficulty),
    networkTarget: targetFromBits(u32FromHex(job.bits)),
  });
  return {
    verdict,
    hash: reverseHex(bytesToHex(h.hash)),
    header: bytesToHex(h.header),
    coinbase: bytesToHex(h.coinbase),
  };
}

const slush = bitcoin.stratum_slush_testnet3;
const slushJob = workFromNotify(slush.messages.notify_params, 4, 4);
const [, slushJobId, slushEn2, slushNtime, slushNonce] = slush.messages.submit.params;
const slushSubmit: ShareSubmit = {
  jobId: slushJobId,
  extranonce1: slush.messages.subscribe_result[1],
  extranonce2: slushEn2,
  ntime: slushNtime,
  nonce: slushNonce,
};

test('share - slush testnet3 submit: header, hash, accepted and a block candidate', () => {
  const r = judge(slushJob, slushSubmit, { difficulty: 1 });
  assert.equal(r.coinbase, slush.expected['coinbase_hex']);
  assert.equal(r.header, slush.expected['header_hex']);
  assert.equal(r.hash, slush.expected['block_hash_display']);
  assert.equal(r.verdict.kind, 'accepted');
  assert.equal(candidate(r.verdict), slush.expected['meets_network_target']);
  assert.equal(slushJob.networkTarget, slush.expected['network_target']);
  assert.equal(
    reverseHex(prevHashFromStratum(slushJob.prevHashStratum)),
    slush.expected['prevhash_internal'],
  );
  assert.equal(difficultyFromBits(u32FromHex(slushJob.bits)), slush.expected['network_difficulty']);
  const d = difficultyOfHash(
    Buffer.from(reverseHex(String(slush.expected['block_hash_display'])), 'hex'),
  );
  assert.ok(Math.abs(d - Number(slush.expected['share_difficulty_truediffone'])) < 1e-12);
});

test('share - slush submit hashed with the notify ntime instead is no solution', () => {
  const r = judge(
    slushJob,
    { ...slushSubmit, ntime: slush.messages.notify_params[7] },
    { difficulty: 1 },
  );
  assert.ok(r.hash?.startsWith('9998664f'));
  assert.equal(r.verdict.kind, 'low-difficulty');
  assert.equal(candidate(r.verdict), false);
});

test('share - a block candidate still goes out when the share is stale or below the share target', () => {
  const stale = judge(slushJob, slushSubmit, { difficulty: 1, stale: true }).verdict;
  assert.deepEqual([stale.kind, candidate(stale)], ['stale', true]);
  const low = judge(slushJob, slushSubmit, { difficulty: 1000 }).verdict;
  assert.deepEqual([low.kind, candidate(low)], ['low-difficulty', true]);
  assert.deepEqual(stratumErrorFor(stale), [21, 'Job not found (=stale)', null]);
  assert.deepEqual(UNKNOWN_JOB[0], 21);
});

const pp = bitcoin.stratum_publicpool_testnet3;
const ppJob = workFromNotify(pp.messages.notify_params, 4, 4, pp.getblocktemplate.mintime);
const [, ppJobId, ppEn2, ppNtime, ppNonce, ppBits] = pp.messages.submit.params;
const ppSubmit: ShareSubmit = {
  jobId: ppJobId,
  extranonce1: String(pp.expected['extranonce1']),
  extranonce2: ppEn2,
  ntime: ppNtime,
  nonce: ppNonce,
  versionBits: ppBits,
};
const ppMask = negotiateVersionMask(
  BIP320_MASK,
  u32FromHex(pp.messages.configure.params[1]['version-rolling.mask'] ?? 'ffffffff'),
);

test('share - public-pool bitaxe submit with version rolling: header version, hash, accepted at 512, no block', () => {
  assert.equal(ppMask.toString(16), pp.messages.configure_result_expected['version-rolling.mask']);
  const r = judge(ppJob, ppSubmit, {
    difficulty: Number(pp.expected['session_difficulty']),
    versionMask: ppMask,
  });
  assert.equal(r.header, pp.expected['header_hex']);
  assert.equal(r.header?.slice(0, 8), '00200020');
  assert.equal(r.hash, pp.expected['share_hash_display']);
  assert.equal(
    bytesToHex(Buffer.from(r.coinbase ?? '', 'hex')),
    pp.expected['coinbase_hex_nonwitness'],
  );
  assert.equal(r.verdict.kind, 'accepted');
  assert.equal(candidate(r.verdict), pp.expected['is_block']);
  const d = difficultyOfHash(Buffer.from(reverseHex(r.hash ?? ''), 'hex'));
  assert.ok(Math.abs(d - Number(pp.expected['share_difficulty'])) < 1e-9);
});

test('share - the same public-pool submit with its version bits ignored is a low-difficulty share', () => {
  const r = judge(
    ppJob,
    { ...ppSubmit, versionBits: undefined },
    { difficulty: 512, versionMask: ppMask },
  );
  assert.equal(r.hash, pp.expected['hash_if_version_bits_ignored']);
  assert.equal(r.verdict.kind, 'low-difficulty');
});

test('share - btcpool regtest replay: accepted and low-difficulty verdicts as recorded; its duplicates repeat an accepted share', () => {
  const v = bitcoin.stratum_btcpool_regtest;
  const en1 = v.subscribe_result[1];
  const accepted = new Set<string>();
  let duplicates = 0;
  assert.equal(v.cases.length, 11);
  for (const c of v.cases) {
    const job = workFromNotify(c.notify_params, 4, v.subscribe_result[2]);
    const [, jobId, en2, ntime, nonce] = c.submit.params;
    const r = judge(
      job,
      { jobId, extranonce1: en1, extranonce2: en2, ntime, nonce },
      { difficulty: v.set_difficulty },
    );
    const label = `job ${c.job_id} nonce ${nonce}`;
    assert.equal(r.coinbase, c.coinbase_hex, label);
    assert.equal(r.header, c.header_hex, label);
    assert.equal(r.hash, c.hash_display, label);
    const d = difficultyOfHash(Buffer.from(reverseHex(c.hash_display), 'hex'));
    assert.ok(Math.abs(d - c.share_difficulty) / c.share_difficulty < 1e-12, label);
    if (c.duplicate_of_earlier_submit) {
      // The Connection refuses these (22) before they reach the Share actor: the same submit
      // again, so the same hash as a share it already accepted.
      assert.ok(accepted.has(c.hash_display), label);
      assert.equal(c.response.error?.[0], stratumError('duplicate')[0], label);
      duplicates++;
      continue;
    }
    assert.deepEqual(stratumErrorFor(r.verdict)?.[0] ?? null, c.response.error?.[0] ?? null, label);
    // Every regtest share of difficulty >= 1 is also a block; the mainnet-bits jobs are not.
    assert.equal(
      candidate(r.verdict),
      job.bits === '207fffff' && r.verdict.kind === 'accepted',
      label,
    );
    if (r.verdict.kind === 'accepted') accepted.add(c.hash_display);
  }
  assert.deepEqual([accepted.size, duplicates], [8, 2]);
});

test('version rolling - mask negotiation and submit cases (BIP310)', () => {
  const vr = bitcoin.version_rolling;
  for (const n of vr.negotiation) {
    assert.equal(
      negotiateVersionMask(u32FromHex(n.server_mask), u32FromHex(n.miner_mask))
        .toString(16)
        .padStart(8, '0'),
      n.response_mask,
    );
  }
  assert.equal(vr.submit_cases.length, 4);
  for (const c of vr.submit_cases) {
    const job = { ...slushJob, version: u32FromHex(c.job_version) };
    const pre = precheckSubmit(
      job,
      { ...slushSubmit, versionBits: c.version_bits },
      { versionMask: u32FromHex(c.mask) },
    );
    assert.equal(pre.ok, c.valid, c.version_bits);
    if (pre.ok)
      assert.equal(
        pre.headerVersion.toString(16).padStart(8, '0'),
        c.header_version ?? c.header_version_bip310,
      );
    else assert.equal(pre.verdict.kind, 'bad-version-bits');
  }
  const none = precheckSubmit(
    slushJob,
    { ...slushSubmit, versionBits: '00002000' },
    { versionMask: 0 },
  );
  assert.equal(none.ok ? 'ok' : none.verdict.kind, 'bad-version-bits');
  const zero = precheckSubmit(
    slushJob,
    { ...slushSubmit, versionBits: '00000000' },
    { versionMask: 0 },
  );
  assert.equal(zero.ok, true);
});

test('share - ntime must lie in [mintime, job ntime + 7200] (and now + 7200 when a clock is given)', () => {
  const job = { ...slushJob, mintime: slushJob.ntime - 100 };
  const at = (t: number, nowSec?: number) =>
    precheckSubmit(
      job,
      { ...slushSubmit, ntime: t.toString(16).padStart(8, '0') },
      { versionMask: 0, nowSec },
    );
  assert.equal(at(job.mintime).ok, true);
  assert.equal(at(job.ntime + 7200).ok, true);
  const old = at(job.mintime - 1);
  assert.deepEqual(old.ok ? null : old.verdict, { kind: 'bad-ntime', reason: 'too-old' });
  const fresh = at(job.ntime + 7201);
  assert.deepEqual(fresh.ok ? null : fresh.verdict, { kind: 'bad-ntime', reason: 'too-new' });
  assert.equal(at(job.ntime + 100, job.ntime - 7200).ok, false);
  assert.deepEqual(old.ok ? UNKNOWN_JOB : stratumErrorFor(old.verdict), [
    20,
    'Ntime out of range',
    null,
  ]);
});

test('share - malformed submits are invalid before any hashing', () => {
  const cases: Partial<ShareSubmit>[] = [
    { extranonce2: '000001' },
    { extranonce2: '0000000g' },
    { extranonce1: '0800' },
    { nonce: 'b2957c0' },
    { ntime: 'zzzzzzzz' },
    { versionBits: '2000' },
    { jobId: 'other' },
  ];
  for (const patch of cases) {
    const pre = precheckSubmit(
      slushJob,
      { ...slushSubmit, ...patch },
      { versionMask: BIP320_MASK },
    );
    assert.equal(pre.ok ? 'ok' : pre.verdict.kind, 'invalid', JSON.stringify(patch));
    if (!pre.ok) assert.equal(stratumErrorFor(pre.verdict)?.[0], 20);
  }
});

test('share - a hash meets a target it equals, not one below it; a target beyond 2^256 takes every hash', () => {
  const pre = precheckSubmit(ppJob, ppSubmit, { versionMask: ppMask });
  assert.ok(pre.ok);
  const hash = hashShare(ppJob, ppSubmit, pre.headerVersion).hash;
  const value = BigInt(`0x${reverseHex(bytesToHex(hash))}`);
  const verdict = (shareTarget: bigint, networkTarget: bigint, h = hash): HashVerdict =>
    classifyHash(h, { stale: false, shareTarget, networkTarget });
  assert.equal(verdict(value, value - 1n).kind, 'accepted');
  assert.equal(verdict(value, value - 1n).blockCandidate, false);
  assert.equal(verdict(value, value).blockCandidate, true);
  assert.equal(verdict(value - 1n, 0n).kind, 'low-difficulty');
  assert.equal(verdict((1n << 256n) + 5n, 1n << 300n).kind, 'accepted');
  assert.equal(verdict((1n << 256n) + 5n, 1n << 300n).blockCandidate, true);
  const highest = new Uint8Array(32).fill(0xff); // 2^256 - 1, the largest hash there is
  assert.equal(verdict((1n << 256n) - 1n, 0n, highest).kind, 'accepted');
  assert.equal(verdict((1n << 256n) - 2n, 0n, highest).kind, 'low-difficulty');
  assert.equal(verdict(1n << 256n, 1n << 256n, highest).blockCandidate, true);
});
