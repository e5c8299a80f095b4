// The pure-TypeScript twin of every native function: the reference the parity tests compare
// the addon with, and the fallback where the addon cannot load (much slower, same answers).
import { bigintFromLE, compactSize, encodeMultiplier } from './multiplier.js';
import {
  checkPow,
  chooseChain,
  fermatTest,
  meetsTarget,
  notNormalized,
  originOf,
  primeChainWords,
  sameWords,
  targetValid,
} from './prime-twin.js';
import { sha256, sha256d, sha256Parts } from './sha256-twin.js';
import type {
  NativeImpl,
  PowErrorCode,
  PrimeShareResult,
  SubmitRequest,
  SubmitResult,
} from './types.js';
import {
  checkBigint,
  checkBytes,
  checkFermatInput,
  checkHeaders,
  checkMinLength,
  checkOrigin,
  checkSubmit,
  checkSubmits,
  checkU32,
} from './validate.js';

function le32(out: Uint8Array, at: number, v: number): void {
  out[at] = v & 0xff;
  out[at + 1] = (v >>> 8) & 0xff;
  out[at + 2] = (v >>> 16) & 0xff;
  out[at + 3] = v >>> 24;
}

function submit(req: SubmitRequest): SubmitResult {
  let root = sha256(sha256Parts([req.coinbase1, req.extranonce1, req.extranonce2, req.coinbase2]));
  for (let i = 0; i < req.merkleBranches.length; i += 32) {
    root = sha256d(concat([root, req.merkleBranches.subarray(i, i + 32)]));
  }
  const header = new Uint8Array(80);
  le32(header, 0, req.version);
  header.set(req.prevHash, 4);
  header.set(root, 36);
  le32(header, 68, req.ntime);
  le32(header, 72, req.nbits);
  le32(header, 76, req.nonce);
  return { header, hash: sha256d(header) };
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function checkShare(
  header: Uint8Array,
  multiplier: bigint,
  shareNBits: number,
  blockNBits: number,
  minLength: number,
): PrimeShareResult {
  const headerHash = sha256d(header);
  const vch = encodeMultiplier(multiplier);
  const blockHash = sha256(sha256Parts([header, compactSize(vch.length), vch]));
  const shareTargetOk = targetValid(shareNBits, 1);
  const blockTargetOk = targetValid(blockNBits, minLength);
  let shareError: PowErrorCode | null = shareTargetOk ? null : 'invalid-target';
  let blockError: PowErrorCode | null = blockTargetOk ? null : 'invalid-target';
  const result = (rest: Pick<PrimeShareResult, 'chain' | 'type' | 'length'>): PrimeShareResult => ({
    headerHash,
    blockHash,
    ...rest,
    shareOk: shareError === null,
    shareError,
    blockOk: blockError === null,
    blockError,
  });
  const range = originOf(bigintFromLE(headerHash), multiplier);
  if (range.origin === null) {
    shareError ??= range.error;
    blockError ??= range.error;
    return result({ chain: null, type: null, length: 0 });
  }
  const chain = primeChainWords(range.origin, false);
  const { type, length } = chooseChain(chain);
  if (shareError === null && !meetsTarget(chain, shareNBits)) shareError = 'chain-too-short';
  if (blockError === null && !meetsTarget(chain, blockNBits)) blockError = 'chain-too-short';
  if (blockError === null && !sameWords(chain, primeChainWords(range.origin, true))) {
    blockError = 'fermat-mismatch';
  }
  if (
    (shareError === null || blockError === null) &&
    notNormalized(multiplier, range.origin, length)
  ) {
    shareError ??= 'not-normalized';
    blockError ??= 'not-normalized';
  }
  return result({ chain, type, length });
}

export const twinImpl: NativeImpl = {
  backend: 'twin',
  sha: () => 'typescript',
  sha256d: (data) => sha256d(checkBytes(data, 'data')),
  hashHeaders(headers) {
    const input = checkHeaders(headers);
    const out = new Uint8Array((input.length / 80) * 32);
    for (let i = 0; i < input.length / 80; i++)
      out.set(sha256d(input.subarray(80 * i, 80 * i + 80)), 32 * i);
    return out;
  },
  hashSubmit: (req) => submit(checkSubmit(req)),
  hashSubmits: (reqs) => checkSubmits(reqs).map(submit),
  primeChain(origin, mode = 'ell') {
    return primeChainWords(checkOrigin(origin), mode === 'fermat');
  },
  checkPrimeProofOfWork(headerHash, multiplier, nBits, minLength) {
    const hash = checkBytes(headerHash, 'headerHash', 32);
    checkBigint(multiplier, 'multiplier');
    checkU32(nBits, 'nBits');
    return checkPow(bigintFromLE(hash), multiplier, nBits, checkMinLength(minLength));
  },
  checkPrimeShare(header80, multiplier, shareNBits, blockNBits, minLength) {
    return checkShare(
      checkBytes(header80, 'header', 80),
      checkBigint(multiplier, 'multiplier'),
      checkU32(shareNBits, 'shareNBits'),
      checkU32(blockNBits, 'blockNBits'),
      checkMinLength(minLength),
    );
  },
  primeHeaderHash: (header80) => sha256d(checkBytes(header80, 'header', 80)),
  fermatTest: (n) => fermatTest(checkFermatInput(n)),
};
