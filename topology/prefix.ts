// The node's extranonce1 prefix: one byte unique among the live nodes of a cluster, claimed in
// a NATS KV bucket (atomic create; kept alive by revision-checked updates; a dead node's claim
// expires with the bucket's TTL). extranonce1 = prefix ‖ 3-byte counter, so two miners on two
// nodes never share an extranonce1 and never do the same work.
import { Kvm, type KV } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';

export interface PrefixClaim {
  readonly prefix: number;
  release(): Promise<void>;
}

export async function claimExtranoncePrefix(
  nc: NatsConnection,
  cluster: string,
  nodeId: string,
  ttlMs: number,
  onLost: (why: string) => void,
): Promise<PrefixClaim> {
  const kv: KV = await new Kvm(nc).create(`colliery_${cluster}_prefixes`, {
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
    const timer = setInterval(
      () => {
        kv.update(key, nodeId, revision).then(
          (r) => (revision = r),
          (err: unknown) => {
            if (stopped) return;
            stopped = true;
            clearInterval(timer);
            onLost(`extranonce prefix ${prefix} keep-alive refused: ${(err as Error).message}`);
          },
        );
      },
      Math.max(100, Math.floor(ttlMs / 3)),
    );
    timer.unref();
    return {
      prefix,
      release: async () => {
        stopped = true;
        clearInterval(timer);
        await kv.delete(key, { previousSeq: revision }).catch(() => undefined);
      },
    };
  }
  throw Object.assign(new Error(`all 256 extranonce prefixes of cluster ${cluster} are in use`), {
    code: 'NO_PREFIX',
  });
}
