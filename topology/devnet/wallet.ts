// The devnet's wallet: enough of Bitcoin Core's wallet RPC for custodial payouts —
// `sendmany` (amounts as BTC strings or numbers, a comment the payout executor uses as its
// idempotency key), `gettransaction`, `listtransactions`, `getbalance`. Its balance is a
// number it is started with (the devnet has no UTXO set to spend); sends are recorded, not
// mined. Amounts go out as JSON numbers, as Core sends them. Errors use Core's codes and messages (-5 invalid address, -6 insufficient funds,
// -3 invalid amount).
import { createHash } from 'node:crypto';
import { addressToScript } from '../../actors/shared/address.js';
import type { NetworkParams } from '../../actors/shared/network.js';

export class WalletRpcError extends Error {
  constructor(
    readonly rpcCode: number,
    message: string,
  ) {
    super(message);
  }
}

export interface WalletSend {
  readonly txid: string;
  readonly comment: string;
  readonly amounts: ReadonlyMap<string, bigint>;
  readonly time: number;
}

const AMOUNT = /^\d{1,8}(\.\d{1,8})?$/;

/** BTC amount (string or number, ≤ 8 decimals) → satoshis, exactly. */
export function satsFromBtc(value: unknown): bigint {
  const text = typeof value === 'number' ? value.toFixed(8) : value;
  if (typeof text !== 'string' || !AMOUNT.test(text)) {
    throw new WalletRpcError(-3, 'Invalid amount');
  }
  const [whole, frac = ''] = text.split('.');
  return BigInt(whole as string) * 100_000_000n + BigInt(frac.padEnd(8, '0'));
}

export function btcFromSats(sats: bigint): string {
  const sign = sats < 0n ? '-' : '';
  const abs = sats < 0n ? -sats : sats;
  return `${sign}${abs / 100_000_000n}.${(abs % 100_000_000n).toString().padStart(8, '0')}`;
}

export class DevWallet {
  #balance: bigint;
  readonly #network: NetworkParams;
  readonly sends: WalletSend[] = [];
  /** Tests: the next n sendmany calls fail as if the wallet were locked. */
  failNext = 0;

  constructor(network: NetworkParams, balanceSats: bigint) {
    this.#network = network;
    this.#balance = balanceSats;
  }

  get balanceSats(): bigint {
    return this.#balance;
  }

  sendmany(amountsParam: unknown, comment: unknown): string {
    if (this.failNext > 0) {
      this.failNext--;
      throw new WalletRpcError(
        -13,
        'Error: Please enter the wallet passphrase with walletpassphrase first.',
      );
    }
    if (typeof amountsParam !== 'object' || amountsParam === null || Array.isArray(amountsParam)) {
      throw new WalletRpcError(-8, 'Invalid parameter, amounts must be an object');
    }
    const amounts = new Map<string, bigint>();
    let total = 0n;
    for (const [address, value] of Object.entries(amountsParam)) {
      try {
        addressToScript(address, this.#network);
      } catch {
        throw new WalletRpcError(-5, `Invalid Bitcoin address: ${address}`);
      }
      const sats = satsFromBtc(value);
      if (sats <= 0n) throw new WalletRpcError(-3, 'Invalid amount for send');
      amounts.set(address, sats);
      total += sats;
    }
    if (amounts.size === 0) throw new WalletRpcError(-6, 'Transaction amounts must not be empty');
    if (total > this.#balance) throw new WalletRpcError(-6, 'Insufficient funds');
    this.#balance -= total;
    const text = typeof comment === 'string' ? comment : '';
    const txid = createHash('sha256')
      .update(`${this.sends.length}:${text}:${[...amounts].join(',')}`)
      .digest('hex');
    this.sends.push({ txid, comment: text, amounts, time: Math.floor(Date.now() / 1000) });
    return txid;
  }

  transactionJson(s: WalletSend): Record<string, unknown> {
    let total = 0n;
    for (const v of s.amounts.values()) total += v;
    return {
      txid: s.txid,
      category: 'send',
      amount: -Number(btcFromSats(total)),
      comment: s.comment,
      confirmations: 0,
      time: s.time,
      details: [...s.amounts].map(([address, v]) => ({
        address,
        category: 'send',
        amount: -Number(btcFromSats(v)),
      })),
    };
  }
}

export function walletMethods(wallet: DevWallet): Record<string, (params: unknown[]) => unknown> {
  return {
    getbalance: () => Number(btcFromSats(wallet.balanceSats)),
    sendmany: ([, amounts, , comment]) => wallet.sendmany(amounts, comment),
    gettransaction: ([txid]) => {
      const s = wallet.sends.find((x) => x.txid === txid);
      if (!s) throw new WalletRpcError(-5, 'Invalid or non-wallet transaction id');
      return wallet.transactionJson(s);
    },
    listtransactions: ([, count, skip]) => {
      const n = typeof count === 'number' ? count : 10;
      const from = typeof skip === 'number' ? skip : 0;
      const newestFirst = [...wallet.sends].reverse().slice(from, from + n);
      return newestFirst.reverse().map((s) => wallet.transactionJson(s));
    },
  };
}
