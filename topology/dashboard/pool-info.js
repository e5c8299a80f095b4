// What the dashboard reads from a pool's description (GET /api/pools, Miningcore's shape with
// Colliery's additions): its name, whether it mines a prime coin, its Stratum URLs.

export function isPrime(pool) {
  // Miningcore's coin family ('bitcoin', 'primecoin') and algorithm ('sha256d', 'primechain').
  const family = String(pool?.coin?.family ?? '');
  const algorithm = String(pool?.coin?.algorithm ?? '');
  return /prime/i.test(family) || /prime/i.test(algorithm);
}

export function poolName(pool) {
  const coin = pool?.coin?.name ?? pool?.coin?.type ?? pool?.id ?? 'pool';
  return `${coin} pool`;
}

/**
 * The pool's Stratum endpoints: [{ url, tls, difficulty }]. Miningcore lists ports by number
 * ({ "3333": { listenAddress, name, difficulty, tls } }); Colliery's `name` is the port's URL.
 * A wildcard listen address (0.0.0.0, ::) is shown as the host this page came from.
 */
export function stratumUrls(pool, pageHost = location.hostname) {
  const out = [];
  for (const [port, p] of Object.entries(pool?.ports ?? {})) {
    const tls = p?.tls === true;
    const listen = String(p?.listenAddress ?? '');
    const host = listen === '' || listen === '0.0.0.0' || listen === '::' ? pageHost : listen;
    const named = /^stratum\+(tcp|ssl|tls):\/\//.test(String(p?.name ?? ''));
    const url = named
      ? String(p.name).replace(/\/\/(0\.0\.0\.0|\[::\]|::):/, `//${pageHost}:`)
      : `stratum+${tls ? 'ssl' : 'tcp'}://${host.includes(':') ? `[${host}]` : host}:${port}`;
    out.push({ url, tls, difficulty: p?.difficulty ?? null, varDiff: p?.varDiff ?? null });
  }
  return out;
}
