// Signed log records. The ledger is a function of the share log, so whoever can write the log
// can mint money: every record a node appends carries, in NATS headers, the node's id and its
// Ed25519 signature over the record's exact bytes (`Colliery-Node`, `Colliery-Sig`). Ed25519
// signatures are deterministic, so a record spooled and appended again is signed the same.
// The ledger admits a record only when the header's node has a key the cluster trusts, the
// signature checks against it, and the record names that node (ledger/trust.ts).
//
// A node's key: an Ed25519 private key in PKCS#8 PEM, created on first start with mode 0600 in
// a 0700 folder; its public key goes by its raw 32 bytes in base64 (`nodePublicKey`).
import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { headers, type MsgHdrs } from '@nats-io/transport-node';
import { CodedError } from './errors.js';

export const NODE_HEADER = 'Colliery-Node';
export const SIG_HEADER = 'Colliery-Sig';

/** SPKI DER prefix of an Ed25519 public key; the raw 32-byte key follows it. */
const ED25519_SPKI = Buffer.from('302a300506032b6570032100', 'hex');

/** Signs what one node appends. */
export class RecordSigner {
  readonly node: string;
  readonly #key: KeyObject;

  constructor(node: string, privateKey: KeyObject) {
    this.node = node;
    this.#key = privateKey;
  }

  /** The headers that carry the node and its signature over `data`. */
  headers(data: Uint8Array): MsgHdrs {
    const h = headers();
    h.set(NODE_HEADER, this.node);
    h.set(SIG_HEADER, sign(null, data, this.#key).toString('base64'));
    return h;
  }

  /** The public key others check these signatures with (raw, base64). */
  get publicKey(): string {
    return nodePublicKey(createPublicKey(this.#key));
  }
}

/** An Ed25519 public key as its raw 32 bytes in base64. */
export function nodePublicKey(key: KeyObject): string {
  return (key.export({ format: 'der', type: 'spki' }) as Buffer)
    .subarray(ED25519_SPKI.length)
    .toString('base64');
}

/** The raw base64 form back to a key; throws BAD_NODE_KEY when it is not one. */
export function publicKeyOf(raw: string): KeyObject {
  const bytes = Buffer.from(raw, 'base64');
  if (bytes.length !== 32 || bytes.toString('base64') !== raw)
    throw new CodedError('BAD_NODE_KEY', `not an Ed25519 public key (32 bytes, base64): ${raw}`);
  return createPublicKey({
    key: Buffer.concat([ED25519_SPKI, bytes]),
    format: 'der',
    type: 'spki',
  });
}

/** Whether `sig` (base64) is `key`'s signature of `data`. */
export function signatureHolds(data: Uint8Array, sig: string, key: KeyObject): boolean {
  try {
    return verify(null, data, key, Buffer.from(sig, 'base64'));
  } catch {
    return false;
  }
}

/**
 * The node's private key from `file`, created there (0600, folder 0700) when missing. A key
 * file others may read draws `onLoose` (the caller warns).
 */
export function loadNodeKey(file: string, onLoose?: (mode: number) => void): KeyObject {
  if (!existsSync(file)) {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    const { privateKey } = generateKeyPairSync('ed25519');
    const pem = privateKey.export({ format: 'pem', type: 'pkcs8' });
    writeFileSync(file, pem, { mode: 0o600, flag: 'wx' });
    chmodSync(file, 0o600);
    return privateKey;
  }
  const mode = statSync(file).mode & 0o777;
  if ((mode & 0o077) !== 0) onLoose?.(mode);
  try {
    const key = createPrivateKey(readFileSync(file));
    if (key.asymmetricKeyType !== 'ed25519') throw new Error(`a ${key.asymmetricKeyType} key`);
    return key;
  } catch (err) {
    throw new CodedError('BAD_NODE_KEY', `${file} is not an Ed25519 private key: ${String(err)}`, {
      cause: err,
    });
  }
}
