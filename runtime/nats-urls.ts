// NATS server URLs and the credentials they may carry (`nats://user:pass@host:port`), apart
// from the NATS client: what a node shows of its servers is known before it loads the client.

/** `servers` with the credentials taken out of their URLs, and the first user and password. */
export function withoutCredentials(servers: string | string[]): {
  servers: string[];
  user?: string;
  pass?: string;
} {
  let user: string | undefined;
  let pass: string | undefined;
  const clean = (Array.isArray(servers) ? servers : [servers]).map((s) => {
    const m = /^([a-z]+:\/\/)([^@/]*)@(.*)$/i.exec(s);
    if (!m) return s;
    const [, scheme, cred, rest] = m as unknown as [string, string, string, string];
    const colon = cred.indexOf(':');
    user ??= decodeURIComponent(colon < 0 ? cred : cred.slice(0, colon));
    if (colon >= 0) pass ??= decodeURIComponent(cred.slice(colon + 1));
    return `${scheme}${rest}`;
  });
  return {
    servers: clean,
    ...(user === undefined ? {} : { user }),
    ...(pass === undefined ? {} : { pass }),
  };
}
