// The addon behind the NativeImpl interface: validates with the twin's checks (same codes for
// the same bad input), packs batches so each call crosses into C once, and maps the core's
// numeric verdicts to the shared string types.
import { NativeError, NativeErrorCode } from './errors.js';
import type {
  ChainType,
  ChainWords,
  NativeImpl,
  PowErrorCode,
  SendBackend,
  ShaFeature,
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

/** What native/src/addon.cc exports. */
export interface RawAddon {
  shaFeature(): string;
  readonly shaNiSupported: boolean;
  selectSha(feature: string): boolean;
  sha256d(data: Uint8Array): Uint8Array;
  hashHeaders(headers: Uint8Array): Uint8Array;
  hashSubmits(packed: Uint8Array, meta: Uint32Array): Uint8Array;
  fermatTest(n: bigint): boolean;
  primeChain(origin: bigint, fermat: boolean): [number, number, number];
  checkPow(
    hash: Uint8Array,
    multiplier: bigint,
    nBits: number,
    minLength: number,
  ): [number, number, number];
  checkShare(
    header: Uint8Array,
    multiplier: bigint,
    shareNBits: number,
    blockNBits: number,
    minLength: number,
  ): [Uint8Array, boolean, number, number, number, number, number, number, number];
  /** Montgomery step of the prime core: MULX/ADCX/ADOX when the CPU has them, or portable C. */
  selectMontgomery(path: 'adx' | 'portable'): boolean;
  sendToMany(fds: Int32Array, data: Uint8Array, threads: number): Int32Array;
  sendEach(fds: Int32Array, data: Uint8Array, ends: Uint32Array, threads: number): Int32Array;
  sendBackend(want?: SendBackend): SendBackend;
  bindReusePort(
    host: string,
    port: number,
    listen: boolean,
    backlog: number,
  ): { fd: number; port: number };
}

// Index = the core's enum value (native/src/prime.h PowError, PrimeChainType).
const POW_ERRORS: readonly (PowErrorCode | null)[] = [
  null,
  'invalid-target',
  'hash-under-limit',
  'origin-too-small',
  'origin-too-big',
  'chain-too-short',
  'not-normalized',
  'fermat-mismatch',
];
const CHAIN_TYPES: readonly (ChainType | null)[] = [null, '1CC', '2CC', 'TWN'];

const CODES = new Set<string>(Object.values(NativeErrorCode));

// The glue's own errors carry a code but not our class; give them the class and keep the cause.
function guard<T>(call: () => T): T {
  try {
    return call();
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (typeof code === 'string' && CODES.has(code)) {
      throw new NativeError(code as NativeErrorCode, (err as Error).message, { cause: err });
    }
    throw err;
  }
}

const words = ([c1, c2, tw]: readonly number[]): ChainWords => ({
  cunningham1: c1!,
  cunningham2: c2!,
  biTwin: tw!,
});

function hashSubmits(raw: RawAddon, reqs: readonly SubmitRequest[]): SubmitResult[] {
  let total = 0;
  for (const r of reqs) {
    total += r.coinbase1.length + r.extranonce1.length + r.extranonce2.length + r.coinbase2.length;
    total += r.merkleBranches.length + 32;
  }
  const packed = new Uint8Array(total);
  const meta = new Uint32Array(9 * reqs.length);
  let at = 0;
  reqs.forEach((r, i) => {
    const parts = [
      r.coinbase1,
      r.extranonce1,
      r.extranonce2,
      r.coinbase2,
      r.merkleBranches,
      r.prevHash,
    ];
    parts.forEach((p, f) => {
      packed.set(p, at);
      at += p.length;
      if (f < 5) meta[9 * i + f] = p.length;
    });
    meta[9 * i + 5] = r.version;
    meta[9 * i + 6] = r.ntime;
    meta[9 * i + 7] = r.nbits;
    meta[9 * i + 8] = r.nonce;
  });
  const out = guard(() => raw.hashSubmits(packed, meta));
  return reqs.map((_, i) => ({
    header: out.subarray(112 * i, 112 * i + 80),
    hash: out.subarray(112 * i + 80, 112 * i + 112),
  }));
}

export function wrapAddon(raw: RawAddon): NativeImpl {
  return {
    backend: 'native',
    sha: () => raw.shaFeature() as ShaFeature,
    sha256d: (data) => guard(() => raw.sha256d(checkBytes(data, 'data'))),
    hashHeaders: (headers) => guard(() => raw.hashHeaders(checkHeaders(headers))),
    hashSubmit: (req) => hashSubmits(raw, [checkSubmit(req)])[0]!,
    hashSubmits: (reqs) => hashSubmits(raw, checkSubmits(reqs)),
    primeChain: (origin, mode = 'ell') =>
      words(guard(() => raw.primeChain(checkOrigin(origin), mode === 'fermat'))),
    checkPrimeProofOfWork(headerHash, multiplier, nBits, minLength) {
      const hash = checkBytes(headerHash, 'headerHash', 32);
      checkBigint(multiplier, 'multiplier');
      checkU32(nBits, 'nBits');
      const [error, type, length] = guard(() =>
        raw.checkPow(hash, multiplier, nBits, checkMinLength(minLength)),
      );
      return {
        ok: error === 0,
        type: CHAIN_TYPES[type] ?? null,
        length,
        error: POW_ERRORS[error] ?? null,
      };
    },
    checkPrimeShare(header80, multiplier, shareNBits, blockNBits, minLength) {
      const header = checkBytes(header80, 'header', 80);
      checkBigint(multiplier, 'multiplier');
      checkU32(shareNBits, 'shareNBits');
      checkU32(blockNBits, 'blockNBits');
      const [hashes, haveWords, c1, c2, tw, type, length, shareError, blockError] = guard(() =>
        raw.checkShare(header, multiplier, shareNBits, blockNBits, checkMinLength(minLength)),
      );
      return {
        headerHash: hashes.subarray(0, 32),
        blockHash: hashes.subarray(32, 64),
        chain: haveWords ? words([c1, c2, tw]) : null,
        type: CHAIN_TYPES[type] ?? null,
        length,
        shareOk: shareError === 0,
        shareError: POW_ERRORS[shareError] ?? null,
        blockOk: blockError === 0,
        blockError: POW_ERRORS[blockError] ?? null,
      };
    },
    primeHeaderHash: (header80) => guard(() => raw.sha256d(checkBytes(header80, 'header', 80))),
    fermatTest: (n) => guard(() => raw.fermatTest(checkFermatInput(n))),
  };
}
