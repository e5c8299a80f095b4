// The node's extranonce1 prefix: one byte unique among the live nodes of a cluster, claimed in
// a NATS KV bucket (atomic create; kept alive by revision-checked updates; a dead node's claim
// expires with the bucket's TTL). extranonce1 = prefix ‖ 3-byte counter, so two miners on two
// nodes never share an extranonce1 and never do the same work.
//
// Keep-alive: an update every ttl/3. One that fails for want of NATS (a server restart, a blip)
// is retried every second. One refused (the key's revision is not the one last seen) is
// reclaimed at once when the key is free or still names this node (an update of its own that
// timed out here but was stored): the claim goes on, nothing is suspended. The claim is
// suspended when the key was taken under us, or when no renewal has succeeded for 90 % of the
// TTL, counted from when the last stored one was sent (a timer of its own): after that the
// server may expire the key and another node take it, so the node stops handing the prefix to
// new miners. A suspended claim keeps trying to get a prefix back, every second: its own key if
// it is free or still ours (resumed, not moved: nothing changes for miners), or else the lowest
// free prefix (resumed, moved: sessions on the old prefix must move).
import { jetstream } from '@nats-io/jetstream';
import { isConflict as refused } from '../runtime/index.js';
import { Kvm, type KV } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';

export interface PrefixClaim {
  /** The prefix held now (it changes when a suspended claim resumes on another one). */
  readonly prefix: number;
  release(): Promise<void>;
}

export interface PrefixEvents {
  /** Another node may take the prefix now: hand it to no new miner until `resumed`. */
  suspended(why: string): void;
  /** Held again: the same prefix (`moved` false) or another one (sessions must move). */
  resumed(prefix: number, moved: boolean): void;
  /** A renewal failed but the claim still holds (and later: renewed again). */
  delayed?(why: string): void;
}

/** The KV bucket holding a cluster's prefix claims (key `p<prefix>` → node id). */
export function prefixBucket(cluster: string): string {
  return `colliery_${cluster}_prefixes`;
}

const RETRY_MS = 1_000;

export async function claimExtranoncePrefix(
  nc: NatsConnection,
  cluster: string,
  nodeId: string,
  ttlMs: number,
  events: PrefixEvents,
): Promise<PrefixClaim> {
  // Short requests: while a restarted server recovers JetStream, a recovery attempt that waits
  // the default 5 s per request delays the next one; a claim is retried every second anyway.
  const js = jetstream(nc, { timeout: 2_000 });
  const open = () => new Kvm(js).create(prefixBucket(cluster), { history: 1, ttl: ttlMs });
  const kv = await open();
  const first = await claimFree(kv, nodeId);
  if (first === null)
    throw Object.assign(new Error(`all 256 extranonce prefixes of cluster ${cluster} are in use`), {
      code: 'NO_PREFIX',
    });
  return new PrefixKeeper(kv, open, nodeId, ttlMs, events, first);
}

/** One held claim: its keep-alive, its fence, and its recovery once suspended. */
class PrefixKeeper implements PrefixClaim {
  #prefix: number;
  #revision: number;
  #stopped = false;
  #suspended = false;
  #delayed = false;
  #lastError = '';
  #timer: NodeJS.Timeout | undefined;
  #fence: NodeJS.Timeout | undefined;
  readonly #every: number;
  /** Suspended a little before the TTL (the server counts it from when it stored the update). */
  readonly #giveUpMs: number;

  constructor(
    private kv: KV,
    private readonly open: () => Promise<KV>,
    private readonly nodeId: string,
    ttlMs: number,
    private readonly events: PrefixEvents,
    first: { prefix: number; revision: number },
  ) {
    this.#prefix = first.prefix;
    this.#revision = first.revision;
    this.#every = Math.max(100, Math.floor(ttlMs / 3));
    this.#giveUpMs = ttlMs - Math.max(1_000, Math.floor(ttlMs / 10));
    this.#held(first.revision);
  }

  get prefix(): number {
    return this.#prefix;
  }

  async release(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    clearTimeout(this.#fence);
    if (this.#suspended) return; // the key is not ours to delete
    // Not waited for past 2 s: with NATS away the delete would wait for the reconnect, and
    // the claim then simply expires with its TTL.
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.kv.delete(`p${this.#prefix}`, { previousSeq: this.#revision }).catch(() => undefined),
      new Promise<void>((resolve) => (timer = setTimeout(resolve, 2_000))),
    ]);
    clearTimeout(timer);
  }

  #schedule(fn: () => void, ms: number): NodeJS.Timeout {
    const t = setTimeout(fn, ms);
    t.unref();
    return t;
  }

  /** A renewal (or recovery) succeeded: re-arm the fence (a timer of its own, so a renewal
   * still waiting for its answer cannot delay it) and schedule the next renewal. */
  #held(revision: number, sentAtMs = performance.now()): void {
    this.#revision = revision;
    clearTimeout(this.#fence);
    this.#fence = this.#schedule(
      () =>
        this.#suspend(
          `extranonce prefix ${this.#prefix} keep-alive failed for ${this.#giveUpMs / 1000} s: ${this.#lastError}`,
        ),
      Math.max(0, this.#giveUpMs - (performance.now() - sentAtMs)),
    );
    if (this.#delayed) this.events.delayed?.(`extranonce prefix ${this.#prefix} renewed again`);
    this.#delayed = false;
    this.#timer = this.#schedule(() => this.#renew(), this.#every);
  }

  #renew(): void {
    const sentAtMs = performance.now();
    this.kv.update(`p${this.#prefix}`, this.nodeId, this.#revision).then(
      (r) => {
        if (!this.#stopped && !this.#suspended) this.#held(r, sentAtMs);
      },
      (err: unknown) => {
        if (this.#stopped || this.#suspended) return;
        this.#lastError = (err as Error).message;
        const p = this.#prefix;
        if (refused(err)) return this.#refused(p);
        if (!this.#delayed)
          this.events.delayed?.(
            `extranonce prefix ${p} keep-alive failed: ${this.#lastError}; retrying`,
          );
        this.#delayed = true;
        this.#timer = this.#schedule(() => this.#renew(), RETRY_MS);
      },
    );
  }

  /**
   * A renewal was refused. A key still naming this node was moved by an update of its own (one
   * that timed out here on a busy event loop, yet was stored): it is reclaimed, as a suspended
   * claim's recovery would, without suspending the claim. Else it was taken.
   */
  #refused(p: number): void {
    const why = `extranonce prefix ${p} keep-alive refused: ${this.#lastError}`;
    const sentAtMs = performance.now();
    reclaimOwn(this.kv, p, this.nodeId).then(
      (got) => {
        if (this.#stopped || this.#suspended || p !== this.#prefix) return;
        if (got === null) return this.#suspend(why);
        this.events.delayed?.(
          `${why}; the key is free or still ours: reclaimed (revision ${got.revision})`,
        );
        this.#held(got.revision, sentAtMs);
      },
      () => this.#suspend(why),
    );
  }

  #suspend(why: string): void {
    if (this.#stopped || this.#suspended) return;
    this.#suspended = true;
    clearTimeout(this.#timer);
    clearTimeout(this.#fence);
    this.events.suspended(why);
    this.#timer = this.#schedule(() => this.#recover(), RETRY_MS);
  }

  #recover(): void {
    reacquire(this.kv, this.#prefix, this.nodeId)
      .catch(async () => {
        this.kv = await this.open(); // the bucket itself may be gone (a server that lost its store)
        return reacquire(this.kv, this.#prefix, this.nodeId);
      })
      .then(
        (got) => {
          if (this.#stopped) return;
          if (got === null)
            return void (this.#timer = this.#schedule(() => this.#recover(), RETRY_MS));
          const moved = got.prefix !== this.#prefix;
          this.#prefix = got.prefix;
          this.#suspended = false;
          this.#delayed = false;
          this.#held(got.revision);
          this.events.resumed(this.#prefix, moved);
        },
        (err: unknown) => {
          this.#lastError = (err as Error).message;
          if (!this.#stopped) this.#timer = this.#schedule(() => this.#recover(), RETRY_MS);
        },
      );
  }
}

/** The lowest free prefix, created for `nodeId`; null when all 256 are held. */
async function claimFree(
  kv: KV,
  nodeId: string,
): Promise<{ prefix: number; revision: number } | null> {
  for (let prefix = 0; prefix < 256; prefix++) {
    try {
      return { prefix, revision: await kv.create(`p${prefix}`, nodeId) };
    } catch (err) {
      if (!refused(err)) throw err; // NATS away: not a held prefix
    }
  }
  return null;
}

/** `prefix` back if it is free or still ours, else the lowest free one; null when none is. */
async function reacquire(
  kv: KV,
  prefix: number,
  nodeId: string,
): Promise<{ prefix: number; revision: number } | null> {
  return (await reclaimOwn(kv, prefix, nodeId)) ?? claimFree(kv, nodeId);
}

/**
 * `prefix` again when its key is free (created) or still names `nodeId` (updated); null once
 * another node holds it. A refused write reads the key again: a late update of this node's own
 * may land between the read and the write, and the key is still ours then.
 */
async function reclaimOwn(
  kv: KV,
  prefix: number,
  nodeId: string,
): Promise<{ prefix: number; revision: number } | null> {
  const key = `p${prefix}`;
  for (let tries = 0; tries < 3; tries++) {
    const entry = await kv.get(key);
    try {
      if (entry === null || entry.operation !== 'PUT')
        return { prefix, revision: await kv.create(key, nodeId) };
      if (entry.string() !== nodeId) return null;
      return { prefix, revision: await kv.update(key, nodeId, entry.revision) };
    } catch (err) {
      if (!refused(err)) throw err; // NATS away; else someone was quicker: read it again
    }
  }
  return null;
}
