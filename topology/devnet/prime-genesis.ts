// The prime devnet's genesis block (its proof of work is not checked, like every devnet
// genesis): version 2, a one-input coinbase tagged "colliery prime devnet" paying 0.01 coin
// (prime chains refuse smaller outputs) to OP_TRUE, the devnet's nBits, multiplier 1.
import { ByteWriter } from '../../actors/shared/byte-writer.js';
import { pushData } from '../../actors/shared/script.js';
import { sha256d } from '../../actors/shared/sha256d.js';

export const PRIME_GENESIS_TIME = 1_700_000_000;

export function primeDevnetGenesis(bits: number): Uint8Array {
  const coinbase = new ByteWriter()
    .u32le(1)
    .compactSize(1)
    .bytes(new Uint8Array(32))
    .u32le(0xffffffff)
    .varBytes(Uint8Array.of(0x00, ...pushData(new TextEncoder().encode('colliery prime devnet'))))
    .u32le(0xffffffff)
    .compactSize(1)
    .u64le(1_000_000n)
    .varBytes(Uint8Array.of(0x51))
    .u32le(0)
    .finish();
  return new ByteWriter()
    .u32le(2)
    .bytes(new Uint8Array(32))
    .bytes(sha256d(coinbase))
    .u32le(PRIME_GENESIS_TIME)
    .u32le(bits)
    .u32le(0)
    .compactSize(1)
    .u8(1)
    .compactSize(1)
    .bytes(coinbase)
    .finish();
}
