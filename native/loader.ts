// Finds and loads the addon, without side effects (no warnings): index.ts decides what to say,
// and worker threads load through here quietly. COLLIERY_NATIVE=off forces the twin.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { wrapAddon, type RawAddon } from './addon.js';
import type { NativeImpl } from './types.js';

export interface AddonLoad {
  impl: NativeImpl | null;
  raw: RawAddon | null;
  /** Why the addon is not in use; null when it is. */
  reason: string | null;
}

const require = createRequire(import.meta.url);

/** Where the build puts the addon, seen from dist/native/ (compiled) and native/ (sources). */
export const ADDON_CANDIDATES: readonly string[] = [
  fileURLToPath(new URL('../../native/build/Release/colliery_native.node', import.meta.url)),
  fileURLToPath(new URL('./build/Release/colliery_native.node', import.meta.url)),
];

export const nativeDisabled = (): boolean => process.env.COLLIERY_NATIVE === 'off';

export function loadAddon(candidates: readonly string[] = ADDON_CANDIDATES): AddonLoad {
  if (nativeDisabled()) return { impl: null, raw: null, reason: 'COLLIERY_NATIVE=off' };
  const path = candidates.find((p) => existsSync(p));
  if (path === undefined) {
    return {
      impl: null,
      raw: null,
      reason:
        'the addon is not built (no native/build/Release/colliery_native.node; run `node native/build.mjs`)',
    };
  }
  try {
    const raw = require(path) as RawAddon;
    return { impl: wrapAddon(raw), raw, reason: null };
  } catch (err) {
    return {
      impl: null,
      raw: null,
      reason: `the addon at ${path} did not load: ${(err as Error).message}`,
    };
  }
}
