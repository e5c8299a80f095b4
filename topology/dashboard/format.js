// Formatting for the dashboard. Money is never a float: the API gives amounts as decimal
// strings of base units, and `amount` places the decimal point by string arithmetic.
// Hashrates get units; times are shown relative to now with the exact time in a title.

const DECIMALS = 8;

/**
 * Base units (a decimal string such as "5000000000", or a bigint) as a coin amount with 8
 * decimals: "50.00000000". Anything that is not an integer is shown as "—" (never rounded).
 */
export function amount(baseUnits, decimals = DECIMALS) {
  if (baseUnits === null || baseUnits === undefined) return '—';
  let digits = String(baseUnits).trim();
  if (!/^[-+]?\d+$/.test(digits)) return '—';
  const negative = digits.startsWith('-');
  digits = digits.replace(/^[-+]/, '').replace(/^0+/, '');
  const padded = digits.padStart(decimals + 1, '0');
  const whole = padded.slice(0, padded.length - decimals);
  const fraction = padded.slice(padded.length - decimals);
  return `${negative && digits !== '' ? '-' : ''}${whole}.${fraction}`;
}

const HASH_UNITS = ['H/s', 'kH/s', 'MH/s', 'GH/s', 'TH/s', 'PH/s', 'EH/s', 'ZH/s'];
const PREFIXES = ['', 'k', 'M', 'G', 'T', 'P', 'E', 'Z'];

/** Three significant figures, at most two decimals. */
function sig3(n) {
  if (n >= 100) return n.toFixed(0);
  if (n >= 10) return n.toFixed(1);
  return n.toFixed(2);
}

/**
 * A hashrate with its unit: 1234567 → "1.23 MH/s". Prime pools count chain work per second
 * (the expected block contribution of a share at difficulty 1): "1.23 k chain work/s".
 */
export function hashrate(value, prime = false) {
  if (value === null || value === undefined) return '—';
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) return '—';
  if (n === 0) return prime ? '0 chain work/s' : '0 H/s';
  let scaled = n;
  let i = 0;
  while (scaled >= 1000 && i < HASH_UNITS.length - 1) {
    scaled /= 1000;
    i++;
  }
  if (prime) return `${sig3(scaled)}${PREFIXES[i] ? ` ${PREFIXES[i]}` : ''} chain work/s`;
  return `${sig3(scaled)} ${HASH_UNITS[i]}`;
}

/** A rate's axis tick: the number with its SI prefix, no unit (1234 → "1.23 k"). */
export function tick(value) {
  const n = Number(value);
  if (!Number.isFinite(n) || n === 0) return '0';
  let scaled = Math.abs(n);
  let i = 0;
  while (scaled >= 1000 && i < PREFIXES.length - 1) {
    scaled /= 1000;
    i++;
  }
  return `${n < 0 ? '-' : ''}${sig3(scaled)}${PREFIXES[i] ? ` ${PREFIXES[i]}` : ''}`;
}

/** A difficulty (or any large plain number) compactly: 1234567.8 → "1.23 M". */
export function compact(value) {
  const n = Number(value);
  if (!Number.isFinite(n)) return '—';
  if (Math.abs(n) < 1000) return String(Number(n.toPrecision(4)));
  let scaled = Math.abs(n);
  let i = 0;
  while (scaled >= 1000 && i < PREFIXES.length - 1) {
    scaled /= 1000;
    i++;
  }
  return `${n < 0 ? '-' : ''}${sig3(scaled)} ${PREFIXES[i]}`;
}

/** An integer count with thin grouping: 1234567 → "1,234,567". */
export function count(value) {
  if (value === null || value === undefined) return '—';
  const n = Number(value);
  if (!Number.isFinite(n)) return '—';
  return n.toLocaleString('en-US');
}

/** A block height as it is written everywhere else: no grouping. */
export function height(value) {
  return value === null || value === undefined ? '—' : String(value);
}

/** A fraction as a percentage: 1.0321 → "103.2 %". */
export function percent(fraction, digits = 1) {
  const n = Number(fraction);
  if (fraction === null || fraction === undefined || !Number.isFinite(n)) return '—';
  return `${(n * 100).toFixed(digits)} %`;
}

/** ms since the epoch (or an ISO string) as "3 min ago" (relative to `nowMs`). */
export function ago(when, nowMs = Date.now()) {
  const ms = toMs(when);
  if (ms === null) return 'never';
  const s = Math.round((nowMs - ms) / 1000);
  if (s < 0) return 'just now';
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86_400) return `${Math.floor(s / 3600)} h ago`;
  return `${Math.floor(s / 86_400)} d ago`;
}

/** ms since the epoch (or an ISO string) as a local date and time, for titles and tables. */
export function dateTime(when) {
  const ms = toMs(when);
  if (ms === null) return '—';
  const d = new Date(ms);
  const pad = (n) => String(n).padStart(2, '0');
  return (
    `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ` +
    `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`
  );
}

export function toMs(when) {
  if (when === null || when === undefined || when === '') return null;
  const ms = typeof when === 'number' ? when : Date.parse(String(when));
  return Number.isFinite(ms) ? ms : null;
}

/** A long hash shown short: first 10 and last 6 characters. */
export function shortHash(hash) {
  const s = String(hash ?? '');
  return s.length > 20 ? `${s.slice(0, 10)}…${s.slice(-6)}` : s;
}
