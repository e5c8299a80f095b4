// A share submission as the Share actor receives it: the mining.submit fields (hex as the
// miner sent them) plus the connection's extranonce1. Shape only; verdict.ts judges content.
import type { ShareSubmission } from '../connection/index.js';

export interface ShareSubmit {
  readonly jobId: string;
  /** The connection's extranonce1 (hex), assigned at subscribe. */
  readonly extranonce1: string;
  readonly extranonce2: string;
  /** 8 hex digits, big-endian uint32 as sent. */
  readonly ntime: string;
  /** 8 hex digits, big-endian uint32 as sent. */
  readonly nonce: string;
  /** BIP310 6th param, 8 hex digits; absent without version rolling. */
  readonly versionBits?: string | undefined;
  /** Prime family: the multiplier's canonical getvch() bytes, hex (the block carries them). */
  readonly multiplier?: string | undefined;
}

/** The submit fields of a Connection's share, hex as on the wire; `extra` per PoW family. */
export function shareSubmitOf(
  share: ShareSubmission,
  extra: { readonly versionBits?: string | undefined } | { readonly multiplier: string },
): ShareSubmit {
  return {
    jobId: share.jobId,
    extranonce1: share.extranonce1,
    extranonce2: share.extranonce2,
    ntime: hex32(share.ntime),
    nonce: hex32(share.nonce),
    ...extra,
  };
}

function hex32(n: number): string {
  return (n >>> 0).toString(16).padStart(8, '0');
}
