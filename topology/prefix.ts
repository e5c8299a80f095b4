// The node's extranonce1 prefix: one byte unique among the live nodes of a cluster, claimed in
// a NATS KV bucket (atomic create; kept alive by revision-checked updates; a dead node's claim
// expires with the bucket's TTL). extranonce1 = prefix ‖ 3-byte counter, so two miners on two
// nodes never share an extranonce1 and never do the same work.
//
// Keep-alive: an update every ttl/3. One that fails for want of NATS (a server restart, a blip)
// is retried every second. The claim is suspended when the key was changed or removed under us
// (refused), or when no renewal has succeeded for 90 % of the TTL (a timer of its own): after
// that the server may expire the key and another node take it, so the node stops handing the
// prefix to new miners. A suspended claim keeps trying to get a prefix back, every second:
// its own key if it is free or still ours (resumed, not moved: nothing changes for miners), or
// else the lowest free prefix (resumed, moved: sessions on the old prefix must move).
import { JetStreamApiCodes, JetStreamApiError } from '@nats-io/jetstream';
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
  const open = () => new Kvm(nc).create(prefixBucket(cluster), { history: 1, ttl: ttlMs });
  let kv: KV = await open();
  const first = await claimFree(kv, nodeId);
  if (first === null)
    throw Object.assign(new Error(`all 256 extranonce prefixes of cluster ${cluster} are in use`), {
      code: 'NO_PREFIX',
    });
  let { prefix, revision } = first;
  let stopped = false;
  let suspended = false;
  let delayed = false;
  let lastError = '';
  let timer: NodeJS.Timeout | undefined;
  const every = Math.max(100, Math.floor(ttlMs / 3));
  // The fence: suspended a little before the TTL (the server counts it from when it stored the
  // update), on a timer of its own, so a renewal still waiting for its answer cannot delay it.
  const giveUpMs = ttlMs - Math.max(1_000, Math.floor(ttlMs / 10));
  const schedule = (fn: () => void, ms: number): NodeJS.Timeout => {
    const t = setTimeout(fn, ms);
    t.unref();
    return t;
  };
  const suspend = (why: string): void => {
    if (stopped || suspended) return;
    suspended = true;
    clearTimeout(timer);
    clearTimeout(fence);
    events.suspended(why);
    timer = schedule(recover, RETRY_MS);
  };
  const arm = (): NodeJS.Timeout =>
    schedule(
      () =>
        suspend(
          `extranonce prefix ${prefix} keep-alive failed for ${giveUpMs / 1000} s: ${lastError}`,
        ),
      giveUpMs,
    );
  let fence = arm();
  const held = (r: number): void => {
    revision = r;
    clearTimeout(fence);
    fence = arm();
    if (delayed) events.delayed?.(`extranonce prefix ${prefix} renewed again`);
    delayed = false;
    timer = schedule(renew, every);
  };
  const renew = (): void => {
    kv.update(`p${prefix}`, nodeId, revision).then(
      (r) => {
        if (!stopped && !suspended) held(r);
      },
      (err: unknown) => {
        if (stopped || suspended) return;
        lastError = (err as Error).message;
        if (refused(err))
          return suspend(`extranonce prefix ${prefix} keep-alive refused: ${lastError}`);
        if (!delayed)
          events.delayed?.(`extranonce prefix ${prefix} keep-alive failed: ${lastError}; retrying`);
        delayed = true;
        timer = schedule(renew, RETRY_MS);
      },
    );
  };
  const recover = (): void => {
    reacquire(kv, prefix, nodeId)
      .catch(async () => {
        kv = await open(); // the bucket itself may be gone (a server that lost its store)
        return reacquire(kv, prefix, nodeId);
      })
      .then(
        (got) => {
          if (stopped) return;
          if (got === null) return void (timer = schedule(recover, RETRY_MS));
          const moved = got.prefix !== prefix;
          prefix = got.prefix;
          suspended = false;
          delayed = false;
          held(got.revision);
          events.resumed(prefix, moved);
        },
        (err: unknown) => {
          lastError = (err as Error).message;
          if (!stopped) timer = schedule(recover, RETRY_MS);
        },
      );
  };
  timer = schedule(renew, every);
  return {
    get prefix() {
      return prefix;
    },
    release: async () => {
      stopped = true;
      clearTimeout(timer);
      clearTimeout(fence);
      if (suspended) return; // the key is not ours to delete
      // Not waited for past 2 s: with NATS away the delete would wait for the reconnect, and
      // the claim then simply expires with its TTL.
      let timer2: NodeJS.Timeout | undefined;
      await Promise.race([
        kv.delete(`p${prefix}`, { previousSeq: revision }).catch(() => undefined),
        new Promise<void>((resolve) => (timer2 = setTimeout(resolve, 2_000))),
      ]);
      clearTimeout(timer2);
    },
  };
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
  const key = `p${prefix}`;
  const entry = await kv.get(key);
  try {
    if (entry === null || entry.operation !== 'PUT')
      return { prefix, revision: await kv.create(key, nodeId) };
    if (entry.string() === nodeId)
      return { prefix, revision: await kv.update(key, nodeId, entry.revision) };
  } catch (err) {
    if (!refused(err)) throw err; // NATS away; else someone was quicker: look further
  }
  return claimFree(kv, nodeId);
}

function refused(err: unknown): boolean {
  return (
    err instanceof JetStreamApiError &&
    (err.code === JetStreamApiCodes.StreamWrongLastSequence ||
      err.code === JetStreamApiCodes.StreamWrongLastSequenceUnknown)
  );
}
