// Stratum rejections: the one table that maps a rejection to its wire code and message.
// Codes follow the Slush document as NOMP, Miningcore, btcpool and public-pool use them
// (20 other, 21 stale/job not found, 22 duplicate, 23 low difficulty, 24 unauthorized,
// 25 not subscribed); errors always go out as arrays `[code, message, null]`.

export const REJECTIONS = {
  other: [20, 'Other/Unknown'],
  'unknown-method': [20, 'Unknown method'],
  'bad-request': [20, 'Malformed request'],
  'bad-params': [20, 'Invalid params'],
  'bad-extranonce2': [20, 'Incorrect size of extranonce2'],
  'bad-ntime': [20, 'Ntime out of range'],
  'bad-version-bits': [20, 'Version bits outside the negotiated mask'],
  'bad-multiplier': [20, 'Invalid multiplier'],
  invalid: [20, 'Invalid share'],
  'too-many-pending': [20, 'Too many pending requests'],
  'rate-limited': [20, 'Too many requests, slow down'],
  'server-busy': [20, 'Server busy, try again'],
  'not-accepting': [20, 'Node is draining, reconnect elsewhere'],
  stale: [21, 'Job not found (=stale)'],
  duplicate: [22, 'Duplicate share'],
  'low-difficulty': [23, 'Low difficulty share'],
  unauthorized: [24, 'Unauthorized worker'],
  'not-subscribed': [25, 'Not subscribed'],
} as const satisfies Record<string, readonly [number, string]>;

export type Rejection = keyof typeof REJECTIONS;

/** The Stratum `error` field for a rejection; `detail` refines the message for the miner. */
export function stratumError(rejection: Rejection, detail?: string): [number, string, null] {
  const [code, message] = REJECTIONS[rejection];
  return [code, detail ? `${message}: ${detail}` : message, null];
}
