// The node's extranonce1 prefix: one byte unique among the live nodes of a cluster, claimed in
// a NATS KV bucket (atomic create; kept alive by revision-checked updates; a dead node's claim
// expires with the bucket's TTL). extranonce1 = prefix ‖ 3-byte counter, so two miners on two
// nodes never share an extranonce1 and never do the same work.
//
// Keep-alive: an update every ttl/3. One that fails for want of NATS (a server restart, a blip)
// is retried every second; the claim is only given up (onLost: the node drains) when the key
// was changed or removed under us (refused), or when no renewal has succeeded for 90 % of the
// TTL (a timer of its own) — after that the server may expire the key and another node take it.
import { JetStreamApiCodes, JetStreamApiError } from '@nats-io/jetstream';
import { Kvm, type KV } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';

export interface PrefixClaim {
  readonly prefix: number;
  release(): Promise<void>;
}

/** The KV bucket holding a cluster's prefix claims (key `p<prefix>` → node id). */
export function prefixBucket(cluster: string): string {
  return `colliery_${cluster}_prefixes`;
}

export async function claimExtranoncePrefix(
  nc: NatsConnection,
  cluster: string,
  nodeId: string,
  ttlMs: number,
  onLost: (why: string) => void,
  /** A renewal failed but the claim still holds (and later: renewed again). */
  onDelayed?: (why: string) => void,
): Promise<PrefixClaim> {
  const kv: KV = await new Kvm(nc).create(prefixBucket(cluster), {
    history: 1,
    ttl: ttlMs,
  });
  for (let prefix = 0; prefix < 256; prefix++) {
    const key = `p${prefix}`;
    let revision: number;
    try {
      revision = await kv.create(key, nodeId);
    } catch {
      continue; // held by a live node
    }
    let stopped = false;
    let delayed = false;
    let lastError = '';
    let timer: NodeJS.Timeout | undefined;
    const every = Math.max(100, Math.floor(ttlMs / 3));
    // The fence: given up a little before the TTL (the server counts it from when it stored the
    // update), on a timer of its own, so a renewal still waiting for its answer cannot delay it.
    const giveUpMs = ttlMs - Math.max(1_000, Math.floor(ttlMs / 10));
    const lose = (why: string): void => {
      if (stopped) return;
      stopped = true;
      clearTimeout(timer);
      clearTimeout(fence);
      onLost(why);
    };
    const arm = (): NodeJS.Timeout => {
      const t = setTimeout(
        () =>
          lose(
            `extranonce prefix ${prefix} keep-alive failed for ${giveUpMs / 1000} s: ${lastError}`,
          ),
        giveUpMs,
      );
      t.unref();
      return t;
    };
    let fence = arm();
    const renew = (): void => {
      kv.update(key, nodeId, revision).then(
        (r) => {
          if (stopped) return;
          revision = r;
          clearTimeout(fence);
          fence = arm();
          if (delayed) onDelayed?.(`extranonce prefix ${prefix} renewed again`);
          delayed = false;
          timer = schedule(every);
        },
        (err: unknown) => {
          if (stopped) return;
          const refused =
            err instanceof JetStreamApiError &&
            (err.code === JetStreamApiCodes.StreamWrongLastSequence ||
              err.code === JetStreamApiCodes.StreamWrongLastSequenceUnknown);
          lastError = (err as Error).message;
          if (refused) return lose(`extranonce prefix ${prefix} keep-alive refused: ${lastError}`);
          if (!delayed)
            onDelayed?.(`extranonce prefix ${prefix} keep-alive failed: ${lastError}; retrying`);
          delayed = true;
          timer = schedule(1_000);
        },
      );
    };
    const schedule = (ms: number): NodeJS.Timeout => {
      const t = setTimeout(renew, ms);
      t.unref();
      return t;
    };
    timer = schedule(every);
    return {
      prefix,
      release: async () => {
        stopped = true;
        clearTimeout(timer);
        clearTimeout(fence);
        // Not waited for past 2 s: with NATS away the delete would wait for the reconnect, and
        // the claim then simply expires with its TTL.
        let timer2: NodeJS.Timeout | undefined;
        await Promise.race([
          kv.delete(key, { previousSeq: revision }).catch(() => undefined),
          new Promise<void>((resolve) => (timer2 = setTimeout(resolve, 2_000))),
        ]);
        clearTimeout(timer2);
      },
    };
  }
  throw Object.assign(new Error(`all 256 extranonce prefixes of cluster ${cluster} are in use`), {
    code: 'NO_PREFIX',
  });
}
