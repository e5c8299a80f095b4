// The Job actor's coin nodes as one: a call goes to the node that answered last; when it has
// not answered within the hedge delay (or failed), the next node is asked too, and so on, and
// the first answer wins. A killed node costs nothing (it fails at once), a stalled one the
// hedge delay, never the full RPC timeout. Each node's state changes are logged once (away,
// back), and so is the moment no node answers at all (miners keep the last job) and its end.
import type { Logger } from 'pino';

/** The part of CoinRpc this needs. */
export interface CoinNode {
  readonly name: string;
  call<T = unknown>(method: string, params?: unknown[], timeoutMs?: number): Promise<T>;
}

/** Which nodes are away now, and whether none answered the last call made to all of them. */
export type CoinNodesListener = (away: readonly string[], allAway: boolean) => void;

export class CoinNodes {
  readonly #nodes: readonly CoinNode[];
  readonly #away = new Set<string>();
  readonly #probing = new Set<string>();
  #preferred = 0;
  #allAwaySince: number | null = null;
  #closed = false;

  constructor(
    nodes: readonly CoinNode[],
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
    private readonly onChange: CoinNodesListener = () => undefined,
  ) {
    this.#nodes = nodes;
  }

  /** The owner stopped: calls still open fail as their nodes go; that is no news. */
  close(): void {
    this.#closed = true;
  }

  /** True while no node answered the last call made to all of them. */
  get allAway(): boolean {
    return this.#allAwaySince !== null;
  }

  /**
   * `method` on the preferred node, hedged onto the next ones every `hedgeMs`; the first
   * answer, or the last error when every node failed. `hedgeMs` ≥ timeoutMs: no hedging (a
   * BIP22 longpoll is meant to hang).
   */
  call<T>(method: string, params: unknown[], timeoutMs: number, hedgeMs: number): Promise<T> {
    const n = this.#nodes.length;
    if (n === 0) return Promise.reject(new Error('no coin node configured'));
    return new Promise<T>((resolve, reject) => {
      let started = 0;
      let failed = 0;
      let done = false;
      let timer: NodeJS.Timeout | undefined;
      let lastErr: unknown;
      const startNext = (): void => {
        clearTimeout(timer);
        if (done || started >= n) return;
        const index = (this.#preferred + started++) % n;
        const node = this.#nodes[index] as CoinNode;
        node.call<T>(method, params, timeoutMs).then(
          (result) => {
            this.#up(node);
            if (done) return;
            done = true;
            clearTimeout(timer);
            this.#preferred = index;
            resolve(result);
          },
          (err: unknown) => {
            this.#down(node, method, err);
            lastErr = err;
            if (done) return;
            if (++failed === n) {
              done = true;
              this.#allFailed(method);
              return reject(lastErr);
            }
            startNext(); // a failure asks the next node at once
          },
        );
        if (started < n && hedgeMs < timeoutMs) timer = setTimeout(startNext, hedgeMs);
      };
      startNext();
    });
  }

  /**
   * Asks each node that is away (and not being asked already) for its tip, so one that came
   * back is noticed even while the others answer every call.
   */
  probeAway(timeoutMs: number): Promise<void> {
    const asks = this.#nodes
      .filter((n) => this.#away.has(n.name) && !this.#probing.has(n.name))
      .map(async (n) => {
        this.#probing.add(n.name);
        try {
          await n.call('getbestblockhash', [], timeoutMs);
          this.#up(n);
        } catch {
          // still away
        } finally {
          this.#probing.delete(n.name);
        }
      });
    return Promise.all(asks).then(() => undefined);
  }

  #up(node: CoinNode): void {
    let changed = false;
    if (this.#away.delete(node.name)) {
      changed = true;
      this.log.warn({ node: node.name }, 'coin node answers again');
    }
    if (this.#allAwaySince !== null) {
      changed = true;
      const s = (this.now() - this.#allAwaySince) / 1000;
      this.#allAwaySince = null;
      this.log.warn(
        { node: node.name, seconds: s },
        `a coin node answers again after ${s.toFixed(1)} s`,
      );
    }
    if (changed) this.#changed();
  }

  #down(node: CoinNode, method: string, err: unknown): void {
    if (this.#closed || this.#away.has(node.name)) return;
    this.#away.add(node.name);
    this.log.warn({ node: node.name, method, err }, 'coin node away (asking the others)');
    this.#changed();
  }

  #allFailed(method: string): void {
    if (this.#closed || this.#allAwaySince !== null) return;
    this.#allAwaySince = this.now();
    this.log.warn(
      { method, nodes: this.#nodes.map((x) => x.name) },
      'no coin node answers: miners keep the last job',
    );
    this.#changed();
  }

  #changed(): void {
    this.onChange([...this.#away], this.#allAwaySince !== null);
  }
}
