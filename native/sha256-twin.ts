// SHA-256 (FIPS 180-4) in TypeScript: the twin of the native core's SHA256d, and the reference
// the parity tests compare the addon against.

const K = new Uint32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);
const IV = [
  0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
];

const W = new Uint32Array(64);

function compress(s: Uint32Array, m: Uint8Array, at: number): void {
  for (let i = 0; i < 16; i++) {
    const p = at + 4 * i;
    W[i] = ((m[p]! << 24) | (m[p + 1]! << 16) | (m[p + 2]! << 8) | m[p + 3]!) >>> 0;
  }
  for (let i = 16; i < 64; i++) {
    const a = W[i - 15]!;
    const b = W[i - 2]!;
    const s0 = ((a >>> 7) | (a << 25)) ^ ((a >>> 18) | (a << 14)) ^ (a >>> 3);
    const s1 = ((b >>> 17) | (b << 15)) ^ ((b >>> 19) | (b << 13)) ^ (b >>> 10);
    W[i] = (W[i - 16]! + s0 + W[i - 7]! + s1) | 0;
  }
  let a = s[0]!,
    b = s[1]!,
    c = s[2]!,
    d = s[3]!,
    e = s[4]!,
    f = s[5]!,
    g = s[6]!,
    h = s[7]!;
  for (let i = 0; i < 64; i++) {
    const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
    const ch = (e & f) ^ (~e & g);
    const t1 = (h + S1 + ch + K[i]! + W[i]!) | 0;
    const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
    const maj = (a & b) ^ (a & c) ^ (b & c);
    h = g;
    g = f;
    f = e;
    e = (d + t1) | 0;
    d = c;
    c = b;
    b = a;
    a = (t1 + S0 + maj) | 0;
  }
  s[0] = s[0]! + a;
  s[1] = s[1]! + b;
  s[2] = s[2]! + c;
  s[3] = s[3]! + d;
  s[4] = s[4]! + e;
  s[5] = s[5]! + f;
  s[6] = s[6]! + g;
  s[7] = s[7]! + h;
}

/** SHA-256 of the concatenation of parts (so a coinbase hashes without being joined). */
export function sha256Parts(parts: readonly Uint8Array[]): Uint8Array {
  const s = Uint32Array.from(IV);
  const buf = new Uint8Array(128);
  let buffered = 0;
  let total = 0;
  for (const part of parts) {
    total += part.length;
    let i = 0;
    if (buffered > 0) {
      const take = Math.min(part.length, 64 - buffered);
      buf.set(part.subarray(0, take), buffered);
      buffered += take;
      i = take;
      if (buffered < 64) continue;
      compress(s, buf, 0);
      buffered = 0;
    }
    for (; i + 64 <= part.length; i += 64) compress(s, part, i);
    buf.set(part.subarray(i), 0);
    buffered = part.length - i;
  }
  buf.fill(0, buffered);
  buf[buffered] = 0x80;
  const blocks = buffered + 9 <= 64 ? 1 : 2;
  const bits = total * 8;
  const end = blocks * 64;
  // message length in bits, big-endian, in the last 8 bytes (lengths < 2^53 bits)
  const hi = Math.floor(bits / 0x100000000);
  const lo = bits >>> 0;
  for (let i = 0; i < 4; i++) {
    buf[end - 1 - i] = (lo >>> (8 * i)) & 0xff;
    buf[end - 5 - i] = (hi >>> (8 * i)) & 0xff;
  }
  compress(s, buf, 0);
  if (blocks === 2) compress(s, buf, 64);
  const out = new Uint8Array(32);
  for (let i = 0; i < 8; i++) {
    const v = s[i]!;
    out[4 * i] = v >>> 24;
    out[4 * i + 1] = (v >>> 16) & 0xff;
    out[4 * i + 2] = (v >>> 8) & 0xff;
    out[4 * i + 3] = v & 0xff;
  }
  return out;
}

export const sha256 = (data: Uint8Array): Uint8Array => sha256Parts([data]);
export const sha256d = (data: Uint8Array): Uint8Array => sha256(sha256Parts([data]));
