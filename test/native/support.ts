// Shared by the native tests: the implementations under test and small byte/hex helpers.
// Both backends run every table. If the addon did not load, the native half fails (this
// repository's CI builds it) unless COLLIERY_NATIVE=off asks for the twin alone.
import { readFileSync } from 'node:fs';
import { nativeImpl, nativeUnavailableReason, twinImpl } from '../../native/index.js';
import type { NativeImpl } from '../../native/index.js';
import { vectorPath } from '../helpers/paths.js';

function missingNative(reason: string): NativeImpl {
  return new Proxy({ backend: 'native' } as NativeImpl, {
    get(target, prop) {
      if (prop === 'backend') return target.backend;
      return () => {
        throw new Error(
          `the native addon did not load (${reason}); set COLLIERY_NATIVE=off to test the twin alone`,
        );
      };
    },
  });
}

/** [native, twin], or just [twin] under COLLIERY_NATIVE=off. */
export const impls: readonly NativeImpl[] =
  process.env.COLLIERY_NATIVE === 'off'
    ? [twinImpl]
    : [nativeImpl ?? missingNative(nativeUnavailableReason ?? 'unknown'), twinImpl];

/** The addon when loaded, else null (property tests that compare the two skip without it). */
export const pair: { native: NativeImpl; twin: NativeImpl } | null =
  process.env.COLLIERY_NATIVE === 'off' ? null : { native: impls[0]!, twin: twinImpl };

export const fromHex = (hex: string): Uint8Array => Uint8Array.from(Buffer.from(hex, 'hex'));
export const toHex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
/** Display order (big-endian hex, as explorers show hashes) <-> internal byte order. */
export const internalFromDisplay = (hex: string): Uint8Array => fromHex(hex).reverse();
export const displayHex = (bytes: Uint8Array): string =>
  Buffer.from(bytes).reverse().toString('hex');

export const readJson = (name: string): unknown =>
  JSON.parse(readFileSync(vectorPath(name), 'utf8'));

/** A TSV with '#' comment lines and a header row, as rows keyed by the named columns (all must exist). */
export function readTsv<K extends string>(
  name: string,
  columns: readonly K[],
): Record<K, string>[] {
  const lines = readFileSync(vectorPath(name), 'utf8')
    .split('\n')
    .filter((l) => l !== '' && !l.startsWith('#'));
  const [head, ...rows] = lines;
  const cols = head!.split('\t');
  for (const c of columns) if (!cols.includes(c)) throw new Error(`${name}: no column ${c}`);
  return rows.map((line) => {
    const cells = line.split('\t');
    return Object.fromEntries(cols.map((c, i) => [c, cells[i] ?? ''])) as Record<K, string>;
  });
}

/** Signed big-endian hex ("-" prefix for negatives) to bigint. */
export function bigFromHex(hex: string): bigint {
  const negative = hex.startsWith('-');
  const digits = negative ? hex.slice(1) : hex;
  const value = digits === '' ? 0n : BigInt('0x' + digits);
  return negative ? -value : value;
}

/** A thrown error's code, or a failure message when nothing (or no code) was thrown. */
export function codeOf(run: () => unknown): string {
  try {
    run();
  } catch (err) {
    return String((err as { code?: unknown }).code ?? `no code: ${(err as Error).message}`);
  }
  return 'did not throw';
}
