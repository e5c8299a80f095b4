// Whether a node serves well, for /health and /metrics: 'ok', 'degraded' (still serving
// miners, but something it leans on is away: the bus, its extranonce-prefix claim, the coin
// nodes) or 'draining' (leaving; a load balancer should send miners elsewhere). The bus is
// watched through the NATS connection's status events: an outage is logged at warn when it
// starts and when it ends, with its length, and counted.
import type { NatsConnection } from '@nats-io/transport-node';
import type { Logger } from 'pino';

export type HealthState = 'ok' | 'degraded' | 'draining';

export interface Health {
  readonly state: HealthState;
  /** Why it is degraded or draining (empty when ok). */
  readonly reasons: readonly string[];
}

export interface BusStats {
  readonly up: boolean;
  readonly outages: number;
  /** Seconds the bus was away, outages that ended plus the current one. */
  readonly outageSeconds: number;
}

export class NodeHealth {
  readonly #reasons = new Map<string, string>();
  readonly #busListeners: ((up: boolean) => void)[] = [];
  /** What each Job actor on this node last said of its coin nodes (none: all answer). */
  readonly #coinNodes = new Map<string, { readonly away: number; readonly allAway: boolean }>();
  #busDownAt: number | null = null;
  #outages = 0;
  #outageMs = 0;

  constructor(
    private readonly log: Logger,
    /** True once the node drains (the runtime's flag). */
    private readonly isDraining: () => boolean,
    private readonly now: () => number = Date.now,
  ) {}

  /** Follows a NATS connection's status events until it closes. */
  watchBus(nc: NatsConnection, name = 'nats'): void {
    void (async () => {
      for await (const s of nc.status()) {
        if (s.type === 'disconnect') this.busDown(name, String(s.server));
        else if (s.type === 'reconnect') this.busUp(name, String(s.server));
      }
    })().catch((err: unknown) => this.log.warn({ err }, 'bus status watch ended'));
  }

  /** Called when the bus goes away (false) and comes back (true). */
  onBus(listener: (up: boolean) => void): void {
    this.#busListeners.push(listener);
  }

  busDown(name: string, server: string): void {
    if (this.#busDownAt !== null) return;
    this.#busDownAt = this.now();
    this.#outages++;
    this.set('bus', `${name} away (last server ${server})`);
    this.log.warn({ server }, 'bus away: serving miners from what this node has');
    for (const l of this.#busListeners) l(false);
  }

  busUp(name: string, server: string): void {
    if (this.#busDownAt === null) return;
    const ms = this.now() - this.#busDownAt;
    this.#outageMs += ms;
    this.#busDownAt = null;
    this.clear('bus');
    for (const l of this.#busListeners) l(true);
    this.log.warn(
      { server, outageSeconds: ms / 1000 },
      `${name} back after ${(ms / 1000).toFixed(1)} s`,
    );
  }

  /** Something the node leans on is away (`key` names it; set again to update the reason). */
  set(key: string, reason: string): void {
    this.#reasons.set(key, reason);
  }

  clear(key: string): void {
    this.#reasons.delete(key);
  }

  /**
   * A Job actor on this node (`source`: the leader's, or the node's own while the bus is away)
   * says which of its coin nodes are away; an actor that stops says none.
   */
  coinNodes(source: string, away: readonly string[], allAway: boolean): void {
    const key = `coin:${source}`;
    if (allAway || away.length > 0) this.#coinNodes.set(source, { away: away.length, allAway });
    else this.#coinNodes.delete(source);
    if (allAway) this.set(key, `no coin node answers (${source} jobs): miners keep the last job`);
    else if (away.length > 0) this.set(key, `coin node away: ${away.join(', ')}`);
    else this.clear(key);
  }

  /**
   * How many of `configured` coin nodes answer the Job actor `source` (as of its last change;
   * the caller knows whether that actor runs on this node).
   */
  coinNodesAnswering(source: string, configured: number): number {
    const c = this.#coinNodes.get(source);
    if (c === undefined) return configured;
    return c.allAway ? 0 : Math.max(0, configured - c.away);
  }

  get health(): Health {
    if (this.isDraining()) return { state: 'draining', reasons: ['draining'] };
    const reasons = [...this.#reasons.values()];
    return { state: reasons.length === 0 ? 'ok' : 'degraded', reasons };
  }

  get bus(): BusStats {
    const current = this.#busDownAt === null ? 0 : this.now() - this.#busDownAt;
    return {
      up: this.#busDownAt === null,
      outages: this.#outages,
      outageSeconds: (this.#outageMs + current) / 1000,
    };
  }
}
