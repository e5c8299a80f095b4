// Payout address <-> output script (scriptPubKey) for P2PKH, P2SH (base58check) and P2WPKH,
// P2WSH (bech32, BIP173), P2TR (bech32m, BIP350) on a given network. Anything else is refused
// with a code that says why: syntax, checksum, network, or an unsupported kind.
import { bech32, bech32m, createBase58check } from '@scure/base';
import { CodedError } from './errors.js';
import { concatBytes } from './hex.js';
import { NETWORKS, type NetworkParams } from './network.js';
import { sha256 } from './sha256d.js';

export const ADDRESS_INVALID = 'ADDRESS_INVALID';
export const ADDRESS_BAD_CHECKSUM = 'ADDRESS_BAD_CHECKSUM';
export const ADDRESS_WRONG_NETWORK = 'ADDRESS_WRONG_NETWORK';
export const ADDRESS_UNSUPPORTED = 'ADDRESS_UNSUPPORTED';

export type AddressKind = 'p2pkh' | 'p2sh' | 'p2wpkh' | 'p2wsh' | 'p2tr';

export interface DecodedAddress {
  readonly kind: AddressKind;
  /** The output script paying to this address. */
  readonly script: Uint8Array;
}

const base58check = createBase58check(sha256);

/** Decodes `address` for `network` into its output script, or throws a coded error. */
export function addressToScript(address: string, network: NetworkParams): DecodedAddress {
  if (typeof address !== 'string' || address.length === 0 || address.length > 90) {
    throw new CodedError(ADDRESS_INVALID, `not an address: ${JSON.stringify(address)}`);
  }
  const lower = address.toLowerCase();
  const hrps = new Set(Object.values(NETWORKS).map((n) => n.bech32Hrp));
  const hrp = [...hrps].sort((a, b) => b.length - a.length).find((h) => lower.startsWith(`${h}1`));
  if (hrp !== undefined) return decodeSegwit(address, hrp, network);
  return decodeBase58(address, network);
}

/** The address of an output script on `network`, or undefined for scripts with no address form. */
export function scriptToAddress(script: Uint8Array, network: NetworkParams): string | undefined {
  const n = script.length;
  if (
    n === 25 &&
    script[0] === 0x76 &&
    script[1] === 0xa9 &&
    script[2] === 0x14 &&
    script[23] === 0x88 &&
    script[24] === 0xac
  ) {
    return base58check.encode(
      concatBytes(Uint8Array.of(network.p2pkhVersion), script.slice(3, 23)),
    );
  }
  if (n === 23 && script[0] === 0xa9 && script[1] === 0x14 && script[22] === 0x87) {
    return base58check.encode(concatBytes(Uint8Array.of(network.p2shVersion), script.slice(2, 22)));
  }
  const op = script[0];
  if (op === undefined || script[1] !== n - 2 || n < 4 || n > 42) return undefined;
  const version = op === 0 ? 0 : op >= 0x51 && op <= 0x60 ? op - 0x50 : -1;
  if (version < 0) return undefined;
  const words = [version, ...bech32.toWords(script.slice(2))];
  return version === 0
    ? bech32.encode(network.bech32Hrp, words)
    : bech32m.encode(network.bech32Hrp, words);
}

function decodeSegwit(address: string, hrp: string, network: NetworkParams): DecodedAddress {
  if (hrp !== network.bech32Hrp) {
    throw new CodedError(
      ADDRESS_WRONG_NETWORK,
      `address '${address}' is for hrp '${hrp}', this pool's ${network.name} uses '${network.bech32Hrp}'`,
    );
  }
  let words: number[];
  let encoding: 'bech32' | 'bech32m';
  const asBech32 = bech32.decodeUnsafe(address, 90);
  const asBech32m = asBech32 ? undefined : bech32m.decodeUnsafe(address, 90);
  if (asBech32) {
    words = asBech32.words;
    encoding = 'bech32';
  } else if (asBech32m) {
    words = asBech32m.words;
    encoding = 'bech32m';
  } else {
    try {
      bech32.decode(address, 90);
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      const code = /checksum/i.test(msg) ? ADDRESS_BAD_CHECKSUM : ADDRESS_INVALID;
      throw new CodedError(code, `invalid bech32 address '${address}': ${msg}`, { cause: e });
    }
    throw new CodedError(ADDRESS_INVALID, `invalid bech32 address '${address}'`);
  }
  const version = words[0];
  if (version === undefined || version > 16) {
    throw new CodedError(ADDRESS_INVALID, `address '${address}' has no valid witness version`);
  }
  const program = bech32.fromWordsUnsafe(words.slice(1));
  if (!program || program.length < 2 || program.length > 40) {
    throw new CodedError(ADDRESS_INVALID, `address '${address}' has an invalid witness program`);
  }
  // BIP350: version 0 must use bech32, versions 1..16 bech32m; the other is a checksum failure.
  if ((version === 0) !== (encoding === 'bech32')) {
    throw new CodedError(
      ADDRESS_BAD_CHECKSUM,
      `address '${address}' uses ${encoding} for witness v${version} (BIP350)`,
    );
  }
  const opVersion = version === 0 ? 0x00 : 0x50 + version;
  const script = concatBytes(Uint8Array.of(opVersion, program.length), program);
  if (version === 0 && program.length === 20) return { kind: 'p2wpkh', script };
  if (version === 0 && program.length === 32) return { kind: 'p2wsh', script };
  if (version === 0) {
    throw new CodedError(
      ADDRESS_INVALID,
      `witness v0 programs are 20 or 32 bytes, '${address}' has ${program.length}`,
    );
  }
  if (version === 1 && program.length === 32) return { kind: 'p2tr', script };
  throw new CodedError(
    ADDRESS_UNSUPPORTED,
    `witness v${version} with a ${program.length}-byte program is not a supported payout kind`,
  );
}

function decodeBase58(address: string, network: NetworkParams): DecodedAddress {
  let payload: Uint8Array;
  try {
    payload = base58check.decode(address);
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    const code = /checksum/i.test(msg) ? ADDRESS_BAD_CHECKSUM : ADDRESS_INVALID;
    throw new CodedError(code, `invalid base58 address '${address}': ${msg}`, { cause: e });
  }
  if (payload.length !== 21) {
    throw new CodedError(
      ADDRESS_INVALID,
      `base58 address '${address}' carries ${payload.length - 1} bytes, not 20`,
    );
  }
  const version = payload[0];
  const hash = payload.slice(1);
  if (version === network.p2pkhVersion) {
    return {
      kind: 'p2pkh',
      script: concatBytes(Uint8Array.of(0x76, 0xa9, 0x14), hash, Uint8Array.of(0x88, 0xac)),
    };
  }
  if (version === network.p2shVersion) {
    return {
      kind: 'p2sh',
      script: concatBytes(Uint8Array.of(0xa9, 0x14), hash, Uint8Array.of(0x87)),
    };
  }
  const other = Object.values(NETWORKS).find(
    (n) => n.p2pkhVersion === version || n.p2shVersion === version,
  );
  if (other) {
    throw new CodedError(
      ADDRESS_WRONG_NETWORK,
      `address '${address}' is a ${other.name} address, this pool runs ${network.name}`,
    );
  }
  throw new CodedError(
    ADDRESS_UNSUPPORTED,
    `base58 version byte 0x${(version ?? 0).toString(16)} is not P2PKH or P2SH`,
  );
}
