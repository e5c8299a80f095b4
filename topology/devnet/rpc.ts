// The devnet's JSON-RPC server: Bitcoin Core's HTTP interface (basic auth, JSON-RPC 1.0
// requests and batches, HTTP 401/404/500 as Core uses them) over a DevChain.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { timingSafeEqual } from 'node:crypto';
import { addressToScript } from '../../actors/shared/address.js';
import { hexToBytes, isHex } from '../../actors/shared/hex.js';
import type { DevChain, StoredBlock } from './chain.js';
import { mineBlock } from './mine.js';
import { walletMethods, type DevWallet } from './wallet.js';

export class RpcError extends Error {
  constructor(
    readonly rpcCode: number,
    message: string,
  ) {
    super(message);
  }
}

type Handler = (params: unknown[]) => unknown;

const MAX_BODY_BYTES = 64 * 1024 * 1024;

export interface RpcServerOptions {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  readonly longpollTimeoutMs: number;
  readonly wallet: DevWallet;
  /** Called per JSON-RPC call with the CLOCK_MONOTONIC time (ns) its request's first bytes were read. */
  readonly onCall?: (method: string, arrivedNs: bigint) => void;
}

export function createRpcServer(
  chain: DevChain,
  opts: RpcServerOptions,
): { server: Server; url: () => string } {
  const methods = { ...rpcMethods(chain), ...walletMethods(opts.wallet) };
  const expected = Buffer.from(
    `Basic ${Buffer.from(`${opts.user}:${opts.password}`).toString('base64')}`,
  );
  const server = createServer((req, res) => {
    const arrivedNs = opts.onCall === undefined ? 0n : arrivalOf(req.socket, res);
    const auth = Buffer.from(req.headers.authorization ?? '');
    if (auth.length !== expected.length || !timingSafeEqual(auth, expected)) {
      res.writeHead(401, { 'www-authenticate': 'Basic realm="jsonrpc"' }).end();
      return;
    }
    if (req.method !== 'POST') {
      res.writeHead(405).end('JSONRPC server handles only POST requests');
      return;
    }
    readBody(req)
      .then((body) => handle(body, methods, chain, opts, res, arrivedNs))
      .catch((e: unknown) =>
        send(res, 500, { result: null, error: { code: -32700, message: String(e) }, id: null }),
      );
  });
  if (opts.onCall !== undefined) {
    // When a request's first bytes were read: a 'data' listener takes the socket off the
    // parser's native path, so this process sees each read before the parser does.
    server.on('connection', (socket: Socket) => {
      socket.prependListener('data', () => {
        if (!arrivals.has(socket)) arrivals.set(socket, process.hrtime.bigint());
      });
    });
  }
  return {
    server,
    url: () => {
      const a = server.address() as AddressInfo;
      return `http://${opts.user}:${opts.password}@${a.address}:${a.port}`;
    },
  };
}

/**
 * Per socket: when the request it is receiving began to arrive (first read), or null while that
 * request is being answered (its later reads are its body); absent between requests.
 */
const arrivals = new WeakMap<Socket, bigint | null>();

/** The read time of this request's first bytes; the socket takes a new one after `res` ends. */
function arrivalOf(socket: Socket, res: ServerResponse): bigint {
  const at = arrivals.get(socket) ?? process.hrtime.bigint();
  arrivals.set(socket, null);
  res.once('finish', () => arrivals.delete(socket));
  return at;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new Error('request too large');
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

async function handle(
  body: string,
  methods: Record<string, Handler>,
  chain: DevChain,
  opts: RpcServerOptions,
  res: ServerResponse,
  arrivedNs: bigint,
): Promise<void> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return send(res, 500, {
      result: null,
      error: { code: -32700, message: 'Parse error' },
      id: null,
    });
  }
  if (Array.isArray(parsed)) {
    const replies = await Promise.all(parsed.map((r) => call(r, methods, chain, opts, arrivedNs)));
    return send(
      res,
      200,
      replies.map((r) => r.reply),
    );
  }
  const { status, reply } = await call(parsed, methods, chain, opts, arrivedNs);
  return send(res, status, reply);
}

async function call(
  request: unknown,
  methods: Record<string, Handler>,
  chain: DevChain,
  opts: RpcServerOptions,
  arrivedNs: bigint,
): Promise<{ status: number; reply: unknown }> {
  const r = (typeof request === 'object' && request !== null ? request : {}) as Record<
    string,
    unknown
  >;
  const id = r.id ?? null;
  const fail = (status: number, code: number, message: string) => ({
    status,
    reply: { result: null, error: { code, message }, id },
  });
  if (typeof r.method !== 'string') return fail(500, -32600, 'Method must be a string');
  opts.onCall?.(r.method, arrivedNs);
  const handler = methods[r.method];
  if (!handler) return fail(404, -32601, 'Method not found');
  const params = Array.isArray(r.params) ? r.params : [];
  try {
    if (r.method === 'getblocktemplate') await longpoll(chain, params[0], opts.longpollTimeoutMs);
    return { status: 200, reply: { result: handler(params) ?? null, error: null, id } };
  } catch (e) {
    const err = e as { rpcCode?: number; message?: string };
    return fail(500, err.rpcCode ?? -1, err.message ?? String(e));
  }
}

/** BIP22 longpoll: with the current longpollid, wait for the tip to change (or time out). */
async function longpoll(chain: DevChain, request: unknown, timeoutMs: number): Promise<void> {
  const id = (request as { longpollid?: unknown } | undefined)?.longpollid;
  if (typeof id !== 'string' || id !== chain.longpollId) return;
  await new Promise<void>((resolve) => {
    const timer = setTimeout(() => {
      off();
      resolve();
    }, timeoutMs);
    timer.unref(); // a closing devnet does not wait for its longpolls
    const off = chain.onTipChange(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

function hashParam(v: unknown): string {
  if (typeof v !== 'string' || !isHex(v, 32))
    throw new RpcError(-8, 'blockhash must be of length 64 (hex)');
  return v.toLowerCase();
}

function blockJson(chain: DevChain, b: StoredBlock): Record<string, unknown> {
  const active = chain.isActive(b);
  const next = active ? chain.blockAt(b.height + 1) : undefined;
  const h = b.block;
  return {
    hash: b.hashHex,
    confirmations: active ? chain.height - b.height + 1 : -1,
    height: b.height,
    version: h.version,
    versionHex: h.version.toString(16).padStart(8, '0'),
    merkleroot: Buffer.from(h.merkleRoot).reverse().toString('hex'),
    time: h.time,
    mediantime: chain.medianTimePast(b.height),
    nonce: h.nonce,
    bits: h.bits.toString(16).padStart(8, '0'),
    difficulty: chain.difficulty(),
    nTx: h.txs.length,
    previousblockhash: b.height > 0 ? Buffer.from(h.prevHash).reverse().toString('hex') : undefined,
    nextblockhash: next?.hashHex,
  };
}

function rpcMethods(chain: DevChain): Record<string, Handler> {
  return { ...miningMethods(chain), ...chainMethods(chain) };
}

/** Mining: templates and proposals, submitblock, generatetoaddress, mining info. */
function miningMethods(chain: DevChain): Record<string, Handler> {
  return {
    getblocktemplate: ([req]) => {
      const r = (req ?? {}) as { rules?: unknown; mode?: unknown; data?: unknown };
      if (r.mode === 'proposal') {
        if (typeof r.data !== 'string' || !isHex(r.data))
          throw new RpcError(-22, 'Block decode failed');
        return chain.propose(hexToBytes(r.data));
      }
      const rules = Array.isArray(r.rules) ? r.rules : [];
      if (chain.options.segwit && !rules.includes('segwit')) {
        throw new RpcError(
          -8,
          'getblocktemplate must be called with the segwit rule set (call with {"rules": ["segwit"]})',
        );
      }
      return chain.template();
    },
    submitblock: ([hex]) => {
      if (typeof hex !== 'string' || !isHex(hex)) throw new RpcError(-22, 'Block decode failed');
      return chain.submit(hexToBytes(hex));
    },
    getmininginfo: () => ({
      blocks: chain.height,
      difficulty: chain.difficulty(),
      networkhashps: 0,
      pooledtx: chain.mempoolSize,
      chain: chain.options.chainName,
      warnings: '',
    }),
    getdifficulty: () => chain.difficulty(),
    generatetoaddress: ([n, address, maxTries]) => {
      if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > 1000)
        throw new RpcError(-8, 'nblocks must be 0..1000');
      if (typeof address !== 'string') throw new RpcError(-5, 'Invalid address');
      if (chain.options.pow.family === 'prime')
        throw new RpcError(
          -1,
          'generatetoaddress needs a prime chain search: mine through the pool',
        );
      let script: Uint8Array;
      try {
        script = addressToScript(address, chain.options.network).script;
      } catch (e) {
        throw new RpcError(-5, `Error: Invalid address (${(e as Error).message})`);
      }
      const hashes: string[] = [];
      for (let i = 0; i < n; i++) {
        const raw = mineBlock(chain, script, typeof maxTries === 'number' ? maxTries : 1_000_000);
        const reason = chain.submit(raw);
        if (reason !== null) throw new RpcError(-1, `generated block rejected: ${reason}`);
        hashes.push(chain.tip.hashHex);
      }
      return hashes;
    },
  };
}

/** The chain: blocks, headers, the tip, invalidation. */
function chainMethods(chain: DevChain): Record<string, Handler> {
  const find = (v: unknown): StoredBlock => {
    const b = chain.blockByHash(hashParam(v));
    if (!b) throw new RpcError(-5, 'Block not found');
    return b;
  };
  return {
    getbestblockhash: () => chain.tip.hashHex,
    getblockcount: () => chain.height,
    getblockhash: ([h]) => {
      const b = typeof h === 'number' ? chain.blockAt(h) : undefined;
      if (!b) throw new RpcError(-8, 'Block height out of range');
      return b.hashHex;
    },
    getblock: ([hash, verbosity]) => {
      const b = find(hash);
      if (verbosity === 0 || verbosity === false) return Buffer.from(b.raw).toString('hex');
      return {
        ...blockJson(chain, b),
        tx: b.block.txs.map((t) => Buffer.from(t.txid).reverse().toString('hex')),
      };
    },
    getblockheader: ([hash, verbose]) => {
      const b = find(hash);
      return verbose === false ? Buffer.from(b.block.header).toString('hex') : blockJson(chain, b);
    },
    getblockchaininfo: () => ({
      chain: chain.options.chainName,
      blocks: chain.height,
      headers: chain.height,
      bestblockhash: chain.tip.hashHex,
      difficulty: chain.difficulty(),
      mediantime: chain.medianTimePast(),
      initialblockdownload: false,
      warnings: '',
    }),
    getnetworkinfo: () => ({
      version: 270000,
      subversion: '/colliery-devnet:0.1.0/',
      protocolversion: 70016,
    }),
    invalidateblock: ([hash]) => {
      if (!chain.invalidate(hashParam(hash))) throw new RpcError(-5, 'Block not found');
      return null;
    },
  };
}
