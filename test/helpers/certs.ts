// TLS material for tests, made with openssl in a temp dir: a CA and, for each name, a key and a
// certificate for 127.0.0.1/localhost signed by it (servers and clients alike).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestCerts {
  readonly dir: string;
  /** The CA's certificate file, and its bytes. */
  readonly caFile: string;
  readonly ca: Buffer;
  /** `name`'s certificate and key files. */
  cert(name: string): string;
  key(name: string): string;
  remove(): void;
}

export function makeCerts(names: readonly string[]): TestCerts {
  const dir = mkdtempSync(join(tmpdir(), 'colliery-certs-'));
  const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  ssl(
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'ca.key',
    '-out',
    'ca.pem',
    '-days',
    '2',
    '-subj',
    '/CN=colliery test CA',
  );
  for (const n of names) {
    ssl(
      'req',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      `${n}.key`,
      '-out',
      `${n}.csr`,
      '-subj',
      `/CN=${n}`,
    );
    writeFileSync(join(dir, `${n}.ext`), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
    ssl(
      'x509',
      '-req',
      '-in',
      `${n}.csr`,
      '-CA',
      'ca.pem',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-out',
      `${n}.pem`,
      '-days',
      '2',
      '-extfile',
      `${n}.ext`,
    );
  }
  return {
    dir,
    caFile: join(dir, 'ca.pem'),
    ca: readFileSync(join(dir, 'ca.pem')),
    cert: (n) => join(dir, `${n}.pem`),
    key: (n) => join(dir, `${n}.key`),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
