// Performance samples (Miningcore's shapes) as chart series. The chart shows the day's hourly
// samples, or the last hour's 5-minute samples while the day has fewer than 3 with work in
// them (a young pool), from the first sample with work (nothing is drawn before the pool or
// miner began). The open step's rate is over its time so far (and a step is timed from the
// series' first share), so it is drawn; the live figure (the last 10 minutes, as the page's
// figures show it) is the chart's last point, at now.
import { getOrNull } from '../api.js';
import { toMs } from '../format.js';

/**
 * Closed samples of the day, or of the hour: `url(range)` is the route, `pick(body)` its rows
 * ({ at, … }, oldest first), `busy(row)` whether a row has work in it.
 */
export async function samples(url, pick, busy, nowMs = Date.now()) {
  let rows = [];
  for (const range of ['day', 'hour']) {
    // Statistics off on this node (503): no chart, the rest of the page still shows.
    const body = await getOrNull(url(range)).catch(() => null);
    rows = pick(body).filter((r) => r.at <= nowMs);
    if (rows.filter(busy).length >= 3) break;
  }
  const first = rows.findIndex(busy);
  return first < 0 ? [] : rows.slice(first);
}

/** /api/pools/{id}/performance → [{ at (ms), rate }], oldest first. */
export function poolSamples(body) {
  return (body?.stats ?? [])
    .map((s) => ({ at: toMs(s.created), rate: Number(s.poolHashrate ?? 0) }))
    .filter((s) => s.at !== null)
    .sort((a, b) => a.at - b.at);
}

/** /api/pools/{id}/miners/{a}/performance → [{ at (ms), workers: { name: { hashrate } } }]. */
export function minerSamples(body) {
  return (Array.isArray(body) ? body : [])
    .map((s) => ({ at: toMs(s.created), workers: s.workers ?? {} }))
    .filter((s) => s.at !== null)
    .sort((a, b) => a.at - b.at);
}

/** A miner's samples as chart series: one per worker when there are several, else the total. */
export function minerSeries(rows) {
  const names = [...new Set(rows.flatMap((s) => Object.keys(s.workers)))].sort();
  const total = rows.map((s) =>
    Object.values(s.workers).reduce((n, w) => n + Number(w?.hashrate ?? 0), 0),
  );
  const series =
    names.length > 1
      ? names.map((name) => ({
          label: name === '' ? '(no worker name)' : name,
          values: rows.map((s) => (s.workers[name] ? Number(s.workers[name].hashrate ?? 0) : null)),
        }))
      : [{ label: 'Hashrate', values: total }];
  return { times: rows.map((s) => s.at), series };
}
