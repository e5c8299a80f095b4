// The kernel's cap on a listener's accept queue. After a node fails or restarts, its miners
// (tens of thousands) reconnect to the others within a second; a handshake the kernel cannot
// queue for accept() is dropped, and its miner waits for SYN-ACK retransmits (1, 3, 7, 15 s)
// while the node has the CPU to take it. The Stratum listener asks for LISTEN_BACKLOG
// (actors/connection/server.ts); Linux gives at most net.core.somaxconn, 4,096 by default, and
// deploy/sysctl/90-colliery.conf raises it. Measured (drill A of `npm run drill -- cluster`,
// 20,000 miners of a killed node moving to four others): 14.1 and 17.8 s until all were served
// again at 4,096, 8.1-11.9 s at 65,535.
import { procText } from './proc.js';
import { LISTEN_BACKLOG } from '../actors/shared/listen-backlog.js';

export const SOMAXCONN_PATH = '/proc/sys/net/core/somaxconn';

/** net.core.somaxconn as `path` holds it, or null where it cannot be read (not Linux). */
export function acceptQueueCap(path = SOMAXCONN_PATH): number | null {
  const text = procText(path);
  const n = text === null ? NaN : Number(text.trim());
  return Number.isSafeInteger(n) && n > 0 ? n : null;
}

/**
 * The accept queue a node holding up to `maxConnections` miners wants: room for all of them
 * arriving at once (a sibling's miners moving in), up to what the listener asks for.
 */
export function acceptQueueWanted(maxConnections: number): number {
  return Math.min(LISTEN_BACKLOG, maxConnections);
}
