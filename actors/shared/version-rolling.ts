// Version rolling (BIP310, masks from BIP320): negotiating the mask in mining.configure and
// applying a submit's version_bits to the job version.
//   negotiated mask = server mask & miner mask (miner mask defaults to ffffffff)
//   a submit is valid only if version_bits & ~mask == 0
//   header version  = (job version & ~mask) | (version_bits & mask)
// Pools disagree (ckpool ORs, public-pool XORs) when the job version has bits inside the mask;
// jobs for rolling miners must keep those bits zero (see clearMaskedBits).

/** BIP320: bits 13..28 are free for version rolling. */
export const BIP320_MASK = 0x1fffe000;

export function negotiateVersionMask(serverMask: number, minerMask: number = 0xffffffff): number {
  return (serverMask & minerMask) >>> 0;
}

/** True when every bit the miner set lies inside the negotiated mask. */
export function versionBitsAllowed(versionBits: number, mask: number): boolean {
  return (versionBits & ~mask) >>> 0 === 0;
}

/** BIP310 header version. */
export function rolledVersion(jobVersion: number, versionBits: number, mask: number): number {
  return ((jobVersion & ~mask) | (versionBits & mask)) >>> 0;
}

/** A job version with the mask's bits cleared, so every rolling rule yields the same header. */
export function clearMaskedBits(jobVersion: number, mask: number): number {
  return (jobVersion & ~mask) >>> 0;
}
