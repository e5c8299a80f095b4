// A share submission as the Share actor receives it: the mining.submit fields (hex as the
// miner sent them) plus the connection's extranonce1. Shape only; verdict.ts judges content.

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
