// What the kernel counts about this machine's network stack, for drills and benches to print
// beside their results (a reconnect storm's handshakes dropped from full accept queues wait for
// SYN retransmits: topology/accept-queue.ts).
import { procText } from '../../topology/proc.js';

/**
 * Connections dropped because a listener's accept queue was full (TcpExt ListenOverflows of
 * /proc/net/netstat: every listener of this network namespace), or null where unreadable.
 */
export function listenOverflows(netstat?: string): number | null {
  const text = netstat ?? procText('/proc/net/netstat');
  if (text === null) return null;
  // Pairs of lines: "TcpExt: Name1 Name2 …" then "TcpExt: 1 2 …".
  const lines = text.split('\n').filter((l) => l.startsWith('TcpExt:'));
  if (lines.length < 2) return null;
  const names = lines[0]!.split(/\s+/);
  const values = lines[1]!.split(/\s+/);
  const at = names.indexOf('ListenOverflows');
  const n = at < 0 ? NaN : Number(values[at]);
  return Number.isSafeInteger(n) ? n : null;
}
