// The native core's public face: picks the addon, or falls back to the TypeScript twin with one
// warning (from the main thread); COLLIERY_NATIVE=off forces the twin. Both implementations are exported too, so tests
// and benchmarks can compare them in one process.
import { isMainThread } from 'node:worker_threads';
import { NativeError, NativeErrorCode } from './errors.js';
import { loadAddon } from './loader.js';
import { twinImpl } from './twin.js';
import type { BackendName, NativeImpl, SendBackend, ShaFeature } from './types.js';

const load = loadAddon();

/** The addon behind the NativeImpl interface, or null when it did not load. */
export const nativeImpl: NativeImpl | null = load.impl;
export { twinImpl };
/** Why the addon is not in use (null when it is). */
export const nativeUnavailableReason: string | null = load.reason;

/** The implementation every export below runs on. */
export const impl: NativeImpl = nativeImpl ?? twinImpl;
export const backend: BackendName = impl.backend;
/** SHA-256 implementation at load time: 'sha-ni' | 'portable' (addon) or 'typescript' (twin). */
export const shaFeature: ShaFeature = impl.sha();

// Once per process: worker threads (verifier pool, miner searches) load quietly.
if (load.reason !== null && isMainThread) {
  process.emitWarning(
    `colliery native core: ${load.reason}; using the TypeScript twin (same results, much slower share verification).`,
    { code: 'COLLIERY_NATIVE_TWIN' },
  );
}

export const {
  sha256d,
  hashHeaders,
  hashSubmit,
  hashSubmits,
  primeChain,
  checkPrimeProofOfWork,
  checkPrimeShare,
  primeHeaderHash,
  fermatTest,
} = impl;

/**
 * Test and benchmark hook: switch the addon's SHA-256 between the x86 SHA extensions and the
 * portable C++ code (process-wide, all threads). Returns false if the CPU lacks the feature or
 * the addon is not loaded.
 */
export function selectNativeSha(feature: 'sha-ni' | 'portable'): boolean {
  if (load.raw === null) return false;
  return load.raw.selectSha(feature);
}

/**
 * Writes one buffer to many non-blocking socket fds with bare send(2) calls, split over up to
 * `threads` threads (the Stratum fan-out). Per fd: the bytes the kernel took (possibly short,
 * when its buffer is full) or -errno; the caller writes any rest through the socket. Null when
 * the addon is not loaded (there is no twin: callers write through their sockets instead).
 */
export const sendToMany:
  ((fds: Int32Array, data: Uint8Array, threads: number) => Int32Array) | null =
  load.raw === null ? null : load.raw.sendToMany.bind(load.raw);

/**
 * The same for each socket's own bytes: fds[i] gets data[ends[i - 1], ends[i]) (from 0 for the
 * first). Null when the addon is not loaded.
 */
export const sendEach:
  ((fds: Int32Array, data: Uint8Array, ends: Uint32Array, threads: number) => Int32Array) | null =
  load.raw === null ? null : load.raw.sendEach.bind(load.raw);

/**
 * How sendToMany and sendEach reach the kernel: 'io_uring' (the sends of a batch in one
 * io_uring_enter, each still non-blocking and answered at once) where the kernel allows it, else
 * 'send' (one send(2) each; also the choice of COLLIERY_SEND_BACKEND=send). `want` switches
 * (tests, benchmarks); asking for io_uring where the kernel refuses it leaves 'send'. Null
 * without the addon.
 */
export function sendBackend(want?: SendBackend): SendBackend | null {
  return load.raw === null ? null : load.raw.sendBackend(want);
}

/**
 * A TCP socket (its fd, and the port it got) bound to host:port (a numeric address; port 0: any)
 * with SO_REUSEPORT, listening with `backlog` if `listen`: the processes of one node each bind
 * the one Stratum port and the kernel spreads connections over them (topology/processes.ts).
 * Throws NATIVE_LISTEN_FAILED (with the errno) when the socket cannot be made, NATIVE_UNAVAILABLE
 * without the addon.
 */
export function bindReusePort(
  host: string,
  port: number,
  listen: boolean,
  backlog: number,
): { fd: number; port: number } {
  if (load.raw === null) throw unavailable();
  return load.raw.bindReusePort(host, port, listen, backlog);
}

/** The addon, or a NATIVE_UNAVAILABLE error saying why not. */
export function requireNative(): NativeImpl {
  if (nativeImpl === null) throw unavailable();
  return nativeImpl;
}

function unavailable(): NativeError {
  return new NativeError(NativeErrorCode.Unavailable, `native addon unavailable: ${load.reason}`);
}

export { NativeError, NativeErrorCode } from './errors.js';
export { decodeMultiplier, encodeMultiplier } from './multiplier.js';
export { MAINNET_MIN_LENGTH, ORIGIN_MAX } from './validate.js';
export {
  fractionalDifficulty,
  primeDifficulty,
  targetFraction,
  targetLength,
  targetMint,
  targetNext,
  targetToString,
} from './prime-target.js';
export { createVerifierPool } from './pool.js';
export type * from './types.js';
export type * from './pool-types.js';
