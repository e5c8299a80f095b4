// The shapes every backend (addon and TypeScript twin) implements; the rest of the project
// depends on these names. Byte strings are internal byte order (as SHA256d returns them).

/** Primecoin chain-length words: `length << 24 | 24-bit fraction` (primecoin.md section 4). */
export interface ChainWords {
  cunningham1: number;
  cunningham2: number;
  biTwin: number;
}

export type ChainType = '1CC' | '2CC' | 'TWN';

/** Why a prime proof of work (or share) was refused; null when it passed. */
export type PowErrorCode =
  | 'invalid-target'
  | 'hash-under-limit'
  | 'origin-too-small'
  | 'origin-too-big'
  | 'chain-too-short'
  | 'not-normalized'
  /** ELL and plain-Fermat chain words differ (a base-2 pseudoprime in the chain). */
  | 'fermat-mismatch';

/** CheckPrimeProofOfWork's verdict with the out-parameters upstream leaves on failure. */
export interface PowVerdict {
  ok: boolean;
  type: ChainType | null;
  length: number;
  error: PowErrorCode | null;
}

/** One Stratum submit (Bitcoin family), everything needed to rebuild and hash the header. */
export interface SubmitRequest {
  coinbase1: Uint8Array;
  extranonce1: Uint8Array;
  extranonce2: Uint8Array;
  coinbase2: Uint8Array;
  /** n*32 bytes, internal byte order, leaf-to-root. */
  merkleBranches: Uint8Array;
  /** u32, written little-endian (already version-rolled). */
  version: number;
  /** 32 bytes, internal byte order as in the header. */
  prevHash: Uint8Array;
  ntime: number;
  nbits: number;
  nonce: number;
}

export interface SubmitResult {
  header: Uint8Array;
  /** SHA256d(header), internal byte order. */
  hash: Uint8Array;
}

/**
 * One Primecoin pool share, checked in one call (checkPrimeShare).
 * share: range checks, best word >= shareNBits (ELL chain test), normalization rule.
 * block: the full CheckPrimeProofOfWork against blockNBits (adds the Fermat double check).
 */
export interface PrimeShareResult {
  /** SHA256d(header80): the number that enters the proof of work. */
  headerHash: Uint8Array;
  /** SHA256d(header80 | CompactSize | getvch(M)): the block id. */
  blockHash: Uint8Array;
  /** ELL chain words of the origin; null when a range check stopped before the chain test. */
  chain: ChainWords | null;
  /** Chosen chain (1CC, then 2CC if longer, then TWN if longer); null without chain words. */
  type: ChainType | null;
  length: number;
  shareOk: boolean;
  shareError: PowErrorCode | null;
  blockOk: boolean;
  blockError: PowErrorCode | null;
}

export type BackendName = 'native' | 'twin';
/** How SHA-256 runs: x86 SHA extensions, portable C++, or the TypeScript twin. */
export type ShaFeature = 'sha-ni' | 'portable' | 'typescript';

/** How the addon's socket sends go: a batch per io_uring_enter, or one send(2) each. */
export type SendBackend = 'io_uring' | 'send';

export interface NativeImpl {
  readonly backend: BackendName;
  /** The SHA-256 implementation in use now (read it again after selectNativeSha). */
  sha(): ShaFeature;
  sha256d(data: Uint8Array): Uint8Array;
  /** n*80 header bytes in, n*32 hash bytes out. */
  hashHeaders(headers: Uint8Array): Uint8Array;
  hashSubmit(req: SubmitRequest): SubmitResult;
  hashSubmits(reqs: readonly SubmitRequest[]): SubmitResult[];
  /** Origin in [2, 2^2048 - 1] (consensus stops at 2^2000 - 1); mode 'fermat' runs plain Fermat tests on every member. */
  primeChain(origin: bigint, mode?: 'ell' | 'fermat'): ChainWords;
  checkPrimeProofOfWork(
    headerHash: Uint8Array,
    multiplier: bigint,
    nBits: number,
    minLength?: number,
  ): PowVerdict;
  checkPrimeShare(
    header80: Uint8Array,
    multiplier: bigint,
    shareNBits: number,
    blockNBits: number,
    minLength?: number,
  ): PrimeShareResult;
  /** SHA256d of the 80-byte header (the multiplier is not hashed). */
  primeHeaderHash(header80: Uint8Array): Uint8Array;
  /** 2^(n-1) mod n == 1, for n in [1, 2^2048): the base-2 Fermat test (benchmarks, tests). */
  fermatTest(n: bigint): boolean;
}
