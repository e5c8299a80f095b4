// address - payout address -> output script for each supported kind and network, with
// BIP173/BIP350 vectors and addresses seen in the recorded sessions.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  addressToScript,
  scriptToAddress,
  ADDRESS_BAD_CHECKSUM,
  ADDRESS_INVALID,
  ADDRESS_UNSUPPORTED,
  ADDRESS_WRONG_NETWORK,
} from '../../../actors/shared/address.js';
import { NETWORKS, blockSubsidySats } from '../../../actors/shared/network.js';
import { bytesToHex, concatBytes } from '../../../actors/shared/hex.js';
import { hasCode } from '../../../actors/shared/errors.js';
import { bitcoin } from '../vectors.js';

const { mainnet, testnet, regtest } = NETWORKS;

test('address - BIP173/BIP350 valid addresses decode to their scriptPubKeys', () => {
  const cases = [
    [
      'BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4',
      mainnet,
      'p2wpkh',
      '0014751e76e8199196d454941c45d1b3a323f1433bd6',
    ],
    [
      'tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3q0sl5k7',
      testnet,
      'p2wsh',
      '00201863143c14c5166804bd19203356da136c985678cd4d27a1b8c6329604903262',
    ],
    [
      'tb1qqqqqp399et2xygdj5xreqhjjvcmzhxw4aywxecjdzew6hylgvsesrxh6hy',
      testnet,
      'p2wsh',
      '0020000000c4a5cad46221b2a187905e5266362b99d5e91c6ce24d165dab93e86433',
    ],
    [
      'bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0',
      mainnet,
      'p2tr',
      '512079be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798',
    ],
    [
      'tb1pqqqqp399et2xygdj5xreqhjjvcmzhxw4aywxecjdzew6hylgvsesf3hn0c',
      testnet,
      'p2tr',
      '5120000000c4a5cad46221b2a187905e5266362b99d5e91c6ce24d165dab93e86433',
    ],
    [
      'bcrt1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3qzf4jry',
      regtest,
      'p2wsh',
      '00201863143c14c5166804bd19203356da136c985678cd4d27a1b8c6329604903262',
    ],
    [
      '1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa',
      mainnet,
      'p2pkh',
      '76a91462e907b15cbf27d5425399ebf6f0fb50ebb88f1888ac',
    ],
  ] as const;
  for (const [address, network, kind, script] of cases) {
    const d = addressToScript(address, network);
    assert.equal(d.kind, kind, address);
    assert.equal(bytesToHex(d.script), script, address);
    // bech32 encodes lowercase (an all-uppercase address is equally valid); base58 is case-sensitive.
    assert.equal(
      scriptToAddress(d.script, network),
      kind === 'p2pkh' ? address : address.toLowerCase(),
    );
  }
});

test('address - the public-pool miner address pays to the script in its recorded coinbase', () => {
  const v = bitcoin.stratum_publicpool_testnet3;
  const address = v.messages.authorize.params[0].split('.')[0] ?? '';
  const d = addressToScript(address, testnet);
  assert.equal(d.kind, 'p2wpkh');
  assert.ok(v.messages.notify_params[3].includes(`16${bytesToHex(d.script)}`));
});

test('address - P2SH base58 addresses decode to OP_HASH160 <20> OP_EQUAL', () => {
  const d = addressToScript('3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy', mainnet);
  assert.equal(d.kind, 'p2sh');
  assert.match(bytesToHex(d.script), /^a914[0-9a-f]{40}87$/);
  assert.equal(scriptToAddress(d.script, mainnet), '3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy');
});

test('address - a changed character fails the checksum (base58 and bech32)', () => {
  assert.throws(
    () => addressToScript('1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNb', mainnet),
    (e) => hasCode(e, ADDRESS_BAD_CHECKSUM),
  );
  assert.throws(
    () => addressToScript('bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t5', mainnet),
    (e) => hasCode(e, ADDRESS_BAD_CHECKSUM),
  );
});

test('address - BIP350: witness v0 in bech32m or v1 in bech32 is a checksum failure', () => {
  // BIP350 invalid vectors: v1 program with a bech32 checksum; v0 program with a bech32m checksum.
  assert.throws(
    () =>
      addressToScript('bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqh2y7hd', mainnet),
    (e) => hasCode(e, ADDRESS_BAD_CHECKSUM),
  );
  assert.throws(
    () => addressToScript('bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kemeawh', mainnet),
    (e) => hasCode(e, ADDRESS_BAD_CHECKSUM),
  );
});

test('address - addresses of another network are refused as wrong network', () => {
  assert.throws(
    () =>
      addressToScript('tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3q0sl5k7', mainnet),
    (e) => hasCode(e, ADDRESS_WRONG_NETWORK),
  );
  assert.throws(
    () => addressToScript('bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4', regtest),
    (e) => hasCode(e, ADDRESS_WRONG_NETWORK),
  );
  assert.throws(
    () => addressToScript('1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa', testnet),
    (e) => hasCode(e, ADDRESS_WRONG_NETWORK),
  );
});

test('address - future witness versions, bad programs and garbage are refused with a reason', () => {
  assert.throws(
    () =>
      addressToScript(
        'bc1pw508d6qejxtdg4y5r3zarvary0c5xw7kw508d6qejxtdg4y5r3zarvary0c5xw7kt5nd6y',
        mainnet,
      ),
    (e) => hasCode(e, ADDRESS_UNSUPPORTED),
  );
  assert.throws(
    () => addressToScript('BC1SW50QGDZ25J', mainnet),
    (e) => hasCode(e, ADDRESS_UNSUPPORTED),
  );
  for (const bad of [
    '',
    'hello',
    'bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5md',
    '0'.repeat(100),
    'tb1q0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vq47wy2f',
  ]) {
    assert.throws(
      () => addressToScript(bad, bad.startsWith('tb') ? testnet : mainnet),
      (e) => hasCode(e, ADDRESS_INVALID) || hasCode(e, ADDRESS_BAD_CHECKSUM),
      bad,
    );
  }
});

test('address - every supported script encodes to an address that decodes back to it (property)', () => {
  fc.assert(
    fc.property(
      fc.constantFrom(mainnet, testnet, regtest),
      fc.constantFrom('p2pkh', 'p2sh', 'p2wpkh', 'p2wsh', 'p2tr'),
      fc.uint8Array({ minLength: 32, maxLength: 32 }),
      (network, kind, h) => {
        const h20 = h.slice(0, 20);
        const script =
          kind === 'p2pkh'
            ? concatBytes(Uint8Array.of(0x76, 0xa9, 0x14), h20, Uint8Array.of(0x88, 0xac))
            : kind === 'p2sh'
              ? concatBytes(Uint8Array.of(0xa9, 0x14), h20, Uint8Array.of(0x87))
              : kind === 'p2wpkh'
                ? concatBytes(Uint8Array.of(0x00, 0x14), h20)
                : kind === 'p2wsh'
                  ? concatBytes(Uint8Array.of(0x00, 0x20), h)
                  : concatBytes(Uint8Array.of(0x51, 0x20), h);
        const address = scriptToAddress(script, network);
        assert.ok(address);
        const d = addressToScript(address, network);
        assert.equal(d.kind, kind);
        assert.deepEqual(d.script, script);
      },
    ),
  );
});

test('network - regtest subsidy halves every 150 blocks, computed in bigint', () => {
  assert.equal(blockSubsidySats(102, regtest), 5_000_000_000n);
  assert.equal(blockSubsidySats(150, regtest), 2_500_000_000n);
  assert.equal(blockSubsidySats(2442185, testnet), 2441406n);
  assert.equal(blockSubsidySats(64 * 210_000, mainnet), 0n);
});
