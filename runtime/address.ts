// Every subject the runtime uses is built here, and only here:
//   colliery.<cluster>.<kind>.<id>          an actor (per-node, queue group or keyed singleton)
//   colliery.<cluster>.topic.<name>[.<sub>]  a broadcast subject every interested node subscribes to
//   colliery.<cluster>._lease.<kind>.<key>   lease release notices between singleton candidates
import { CodedError } from './errors.js';

/** An actor's address: the NATS subject it listens on. Build it with `address()`. */
export type Address = string & { readonly __address: unique symbol };
/** A broadcast subject. Build it with `topic()`. */
export type Topic = string & { readonly __topic: unique symbol };

const ROOT = 'colliery';
const TOKEN = /^[A-Za-z0-9_-]+$/;

export function checkToken(what: string, token: string): string {
  if (TOKEN.test(token)) return token;
  const rule = 'must be non-empty and use only letters, digits, "_" and "-"';
  throw new CodedError('BAD_ADDRESS', `${what} "${token}" ${rule}`);
}

/** Joined, not concatenated: one flat string, not a rope (a node keeps 100k of them). */
export function address(cluster: string, kind: string, id: string): Address {
  const parts = [
    ROOT,
    checkToken('cluster', cluster),
    checkToken('kind', kind),
    checkToken('id', id),
  ];
  return parts.join('.') as Address;
}

export function topic(cluster: string, ...parts: string[]): Topic {
  if (parts.length === 0) throw new CodedError('BAD_ADDRESS', 'a topic needs at least one part');
  const tail = parts.map((p) => checkToken('topic part', p)).join('.');
  return `${ROOT}.${checkToken('cluster', cluster)}.topic.${tail}` as Topic;
}

export function leaseNoticeSubject(cluster: string, kind: string, key: string): string {
  return `${ROOT}.${checkToken('cluster', cluster)}._lease.${checkToken('kind', kind)}.${checkToken('key', key)}`;
}

/** KV bucket holding the cluster's singleton leases (one key per `<kind>.<key>`). */
export function leaseBucket(cluster: string): string {
  return `colliery_${checkToken('cluster', cluster)}_leases`;
}

export function leaseKey(kind: string, key: string): string {
  return `${checkToken('kind', kind)}.${checkToken('key', key)}`;
}
