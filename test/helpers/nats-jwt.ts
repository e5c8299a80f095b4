// A decentralized-auth NATS setup for tests, made without nsc: an operator, an account with
// JetStream, a system account and a user, as NATS JWTs (v2) signed with NKeys, the server's
// configuration lines for them (a MEMORY resolver preloaded with the accounts) and the user's
// `.creds` file text.
import { nkeys } from '@nats-io/transport-node';

type KeyPair = ReturnType<typeof nkeys.createUser>;

const b64 = (o: unknown): string => Buffer.from(JSON.stringify(o)).toString('base64url');

function jwt(signer: KeyPair, sub: string, name: string, nats: Record<string, unknown>): string {
  const head = b64({ typ: 'JWT', alg: 'ed25519-nkey' });
  const body = b64({
    jti: `${name}-${Date.now().toString(36)}`,
    iat: Math.floor(Date.now() / 1000),
    iss: signer.getPublicKey(),
    sub,
    name,
    nats: { ...nats, version: 2 },
  });
  const sig = Buffer.from(signer.sign(Buffer.from(`${head}.${body}`))).toString('base64url');
  return `${head}.${body}.${sig}`;
}

const UNLIMITED = {
  subs: -1,
  data: -1,
  payload: -1,
  imports: -1,
  exports: -1,
  wildcards: true,
  conn: -1,
  leaf: -1,
};

export function natsJwtSetup(): { serverConfig: string; creds: string } {
  const operator = nkeys.createOperator();
  const account = nkeys.createAccount();
  const system = nkeys.createAccount();
  const user = nkeys.createUser();
  const op = jwt(operator, operator.getPublicKey(), 'colliery-test', {
    type: 'operator',
    system_account: system.getPublicKey(),
  });
  const js = { mem_storage: -1, disk_storage: -1, streams: -1, consumer: -1 };
  const acc = jwt(operator, account.getPublicKey(), 'pool', {
    type: 'account',
    limits: { ...UNLIMITED, ...js },
  });
  const sys = jwt(operator, system.getPublicKey(), 'SYS', { type: 'account', limits: UNLIMITED });
  const usr = jwt(account, user.getPublicKey(), 'node', {
    type: 'user',
    pub: {},
    sub: {},
    subs: -1,
    data: -1,
    payload: -1,
  });
  const serverConfig = [
    `operator: ${op}`,
    `system_account: ${system.getPublicKey()}`,
    'resolver: MEMORY',
    `resolver_preload: { ${account.getPublicKey()}: ${acc}, ${system.getPublicKey()}: ${sys} }`,
  ].join('\n');
  const seed = new TextDecoder().decode(user.getSeed());
  const creds = [
    '-----BEGIN NATS USER JWT-----',
    usr,
    '------END NATS USER JWT------',
    '',
    '-----BEGIN USER NKEY SEED-----',
    seed,
    '------END USER NKEY SEED------',
    '',
  ].join('\n');
  return { serverConfig, creds };
}
