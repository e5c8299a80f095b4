// job - getblocktemplate -> Job -> mining.notify, replayed against real pools' notifies; the
// schedule of jobs across a leader failover.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  buildJob,
  coinb2ForPayout,
  defaultCoinbaseLayout,
  type JobConfig,
} from '../../../actors/job/job.js';
import { notifyParams, parseNotifyParams } from '../../../actors/job/notify.js';
import { parseTemplate } from '../../../actors/job/template.js';
import {
  adoptJobs,
  announce,
  findJob,
  initJobState,
  issueJob,
} from '../../../actors/job/schedule.js';
import { NOTIFY_INVALID } from '../../../actors/job/errors.js';
import { hasCode } from '../../../actors/shared/errors.js';
import { bytesToHex, hexToBytes } from '../../../actors/shared/hex.js';
import { parseTransaction } from '../../../actors/shared/transaction.js';
import { BIP320_MASK } from '../../../actors/shared/version-rolling.js';
import { addressToScript } from '../../../actors/shared/address.js';
import { NETWORKS } from '../../../actors/shared/network.js';
import { bcoinEndToEndJob, bitcoin, publicPoolJob, gbtBcoinRegtest } from '../vectors.js';

/** The regtest template's coinbase value paid to one P2WPKH output, and the default job layout. */
const REGTEST_OUTPUTS = [
  { script: hexToBytes('0014' + '22'.repeat(20)), valueSats: 5_000_020_000n },
];
const REGTEST_CONFIG: JobConfig = {
  extranonce1Size: 4,
  extranonce2Size: 4,
  coinbase: defaultCoinbaseLayout('/colliery/'),
  lockTime: 'height-minus-one',
  versionRollingMask: BIP320_MASK,
};

test('job - public-pool testnet GBT builds exactly the notify public-pool sent', async () => {
  const v = bitcoin.stratum_publicpool_testnet3;
  const job = await publicPoolJob();
  assert.deepEqual(notifyParams(job), v.messages.notify_params);
  assert.equal(job.prevHashStratum, v.expected['prevhash_stratum_from_gbt']);
  assert.equal(job.networkTarget, v.expected['network_target']);
  assert.equal(job.height, 2442185);
  assert.equal(job.transactions.length, 5);
  assert.equal(job.segwit, true);
});

test('job - the bcoin regtest end-to-end template builds the recorded notify (default layout)', async () => {
  const v = bitcoin.regtest_bcoin_end_to_end;
  const job = await bcoinEndToEndJob();
  assert.deepEqual(notifyParams(job), v.notify_params);
  assert.deepEqual(
    job.transactions,
    v.getblocktemplate.transactions.map((t) => t.data),
  );
});

test('job - the bcoin regtest segwit template (gbt-bcoin-regtest.json) becomes a consistent job', () => {
  const raw = gbtBcoinRegtest.result;
  const template = parseTemplate(raw);
  const job = buildJob({
    id: 'a1',
    template,
    outputs: REGTEST_OUTPUTS,
    config: REGTEST_CONFIG,
    cleanJobs: true,
    createdAtMs: 1,
  });
  const notify = notifyParams(job);
  assert.equal(job.prevHash, raw.previousblockhash);
  assert.equal(job.prevHashStratum.slice(0, 8), raw.previousblockhash.slice(56, 64));
  assert.equal(job.prevHashStratum.slice(56, 64), raw.previousblockhash.slice(0, 8));
  assert.equal(notify[1], job.prevHashStratum);
  assert.equal(notify[4].length, 2);
  assert.equal(notify[5], '20000000');
  assert.equal(notify[6], '207fffff');
  assert.equal(notify[7], raw.curtime.toString(16));
  assert.ok(job.coinb2.endsWith(`${raw.default_witness_commitment}65000000`));
  assert.equal(
    job.coinb1.slice(84, 88),
    '0166',
    'scriptSig starts with the BIP34 push of height 102',
  );
  assert.equal(job.networkTarget, raw['target']);
});

test('job - template version bits inside the rolling mask are cleared; ntime never goes below mintime', () => {
  const template = { ...parseTemplate(gbtBcoinRegtest.result), version: 0x30000000 };
  const base = {
    id: 'x',
    template,
    outputs: [{ script: hexToBytes('51'), valueSats: template.coinbaseValueSats }],
    config: {
      extranonce1Size: 4,
      extranonce2Size: 4,
      coinbase: defaultCoinbaseLayout(''),
      lockTime: 'zero',
      versionRollingMask: BIP320_MASK,
    } as const,
    cleanJobs: false,
    createdAtMs: 0,
  };
  assert.equal(buildJob(base).version, 0x20000000);
  assert.equal(
    buildJob({ ...base, config: { ...base.config, versionRollingMask: 0 } }).version,
    0x30000000,
  );
  assert.equal(buildJob({ ...base, ntime: template.mintime - 100 }).ntime, template.mintime);
});

test('notify - recorded notifies parse into typed work and back', () => {
  const all = [
    bitcoin.stratum_slush_testnet3.messages.notify_params,
    bitcoin.stratum_publicpool_testnet3.messages.notify_params,
    bitcoin.regtest_bcoin_end_to_end.notify_params,
    ...bitcoin.stratum_btcpool_regtest.cases.map((c) => c.notify_params),
  ];
  for (const params of all) {
    const w = parseNotifyParams(params);
    assert.equal(w.jobId, params[0]);
    assert.equal(w.version.toString(16).padStart(8, '0'), params[5]);
    assert.equal(w.ntime.toString(16).padStart(8, '0'), params[7]);
    assert.deepEqual(w.merkleBranch, params[4]);
  }
  assert.throws(
    () => parseNotifyParams(['1']),
    (e) => hasCode(e, NOTIFY_INVALID),
  );
  const bad = [...bitcoin.regtest_bcoin_end_to_end.notify_params];
  bad[5] = 536870912 as unknown as string;
  assert.throws(
    () => parseNotifyParams(bad),
    (e) => hasCode(e, NOTIFY_INVALID),
  );
});

test('job - SOLO coinb2 pays the finder: same bytes for the pool script, one output swapped otherwise', () => {
  const template = parseTemplate(gbtBcoinRegtest.result ?? gbtBcoinRegtest);
  const pool = addressToScript(
    'bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080',
    NETWORKS.regtest,
  ).script;
  const finder = hexToBytes(`0020${'11'.repeat(32)}`); // a P2WSH output
  const job = buildJob({
    id: 's1',
    template,
    outputs: [{ script: pool, valueSats: template.coinbaseValueSats }],
    config: {
      extranonce1Size: 4,
      extranonce2Size: 8,
      coinbase: defaultCoinbaseLayout('/colliery/'),
      lockTime: 'height-minus-one',
      versionRollingMask: BIP320_MASK,
    },
    cleanJobs: true,
    createdAtMs: 0,
  });
  assert.equal(
    coinb2ForPayout(job, bytesToHex(pool)),
    job.coinb2,
    'the pieces rebuild the pool coinb2 exactly',
  );
  const solo = coinb2ForPayout(job, bytesToHex(finder));
  const tx = parseTransaction(hexToBytes(`${job.coinb1}${'00'.repeat(12)}${solo}`));
  assert.equal(tx.outputs.length, job.segwit ? 2 : 1);
  assert.equal(bytesToHex(tx.outputs[0]!.script), bytesToHex(finder));
  assert.equal(tx.outputs[0]!.valueSats, template.coinbaseValueSats);
  if (job.segwit)
    assert.equal(
      bytesToHex(tx.outputs[1]!.script).slice(0, 12),
      '6a24aa21a9ed',
      'commitment stays last',
    );
});

test('schedule - a new leader that adopts the jobs miners have issues nothing on the same tip, a non-clean job on a change (not on its first template), a clean one on a new tip', () => {
  const raw = gbtBcoinRegtest.result;
  const template = parseTemplate(raw);
  const input = {
    coin: 'bitcoin-regtest',
    family: 'hash' as const,
    template,
    outputs: REGTEST_OUTPUTS,
    config: REGTEST_CONFIG,
    nowMs: 1_000,
    force: false,
    keepJobs: 2,
  };
  // The old leader (fence 1) issued three jobs; a node heard them all.
  let old = initJobState('1x');
  const heard = [];
  for (let i = 0; i < 3; i++) {
    const issued = issueJob(old, { ...input, force: true });
    assert.ok(issued);
    old = issued.state;
    heard.push(issued.job);
  }
  assert.deepEqual(
    heard.map((j) => [j.id, j.cleanJobs]),
    [
      ['1x1', true],
      ['1x2', false],
      ['1x3', false],
    ],
  );

  // Without adoption the new leader's first job on the same tip is clean: every miner drops its work.
  const fresh = issueJob(initJobState('2x'), input);
  assert.equal(fresh?.job.cleanJobs, true);

  const adopted = adoptJobs(initJobState('2x'), heard, input.keepJobs);
  assert.equal(adopted.current?.id, '1x3');
  assert.deepEqual(
    adopted.recent.map((j) => j.id),
    ['1x2', '1x3'],
    'keeps keepJobs of them',
  );
  assert.equal(findJob(adopted, '1x2')?.id, '1x2', 'a late candidate on an old job finds it');
  assert.equal(issueJob(adopted, input), null, 'same tip, same template: no job');
  const refreshed = issueJob(adopted, { ...input, force: true });
  assert.deepEqual([refreshed?.job.id, refreshed?.job.cleanJobs], ['2x1', false]);
  const moreFees = issueJob(adopted, {
    ...input,
    template: { ...template, coinbaseValueSats: template.coinbaseValueSats + 1n },
    outputs: [{ ...REGTEST_OUTPUTS[0]!, valueSats: template.coinbaseValueSats + 1n }],
  });
  assert.deepEqual([moreFees?.job.id, moreFees?.job.cleanJobs], ['2x1', false]);
  const newTip = issueJob(adopted, {
    ...input,
    template: { ...template, previousBlockHash: '11'.repeat(32), height: template.height + 1 },
  });
  assert.deepEqual([newTip?.job.id, newTip?.job.cleanJobs], ['2x1', true]);
  assert.equal(adoptJobs(initJobState('2x'), [], 2).current, null, 'nothing heard: a fresh start');
  // Its first template (newTipOnly): a change on the same tip waits for the refresh; a new tip
  // does not.
  const firstMoreFees = issueJob(adopted, {
    ...input,
    newTipOnly: true,
    template: { ...template, coinbaseValueSats: template.coinbaseValueSats + 1n },
    outputs: [{ ...REGTEST_OUTPUTS[0]!, valueSats: template.coinbaseValueSats + 1n }],
  });
  assert.equal(firstMoreFees, null, 'a change on the same tip: no job yet');
  const firstNewTip = issueJob(adopted, {
    ...input,
    newTipOnly: true,
    template: { ...template, previousBlockHash: '11'.repeat(32), height: template.height + 1 },
  });
  assert.deepEqual([firstNewTip?.job.id, firstNewTip?.job.cleanJobs], ['2x1', true]);
  assert.equal(issueJob(initJobState('2x'), { ...input, newTipOnly: true })?.job.cleanJobs, true);

  // What every node hears of an adopted job is what the old leader announced of it.
  const last = issueJob(old, { ...input, force: true });
  assert.ok(last);
  assert.deepEqual(announce(last.job, input), last.announcement);
});
