// GET from a node's HTTP server in tests (metrics, health, API), and reading one Prometheus
// sample out of a /metrics text.
import { request } from 'node:http';

export interface Got {
  readonly status: number;
  readonly type: string;
  readonly body: string;
}

/** GET http://127.0.0.1:`port``path`: its status, content type and body as text. */
export function httpGet(port: number, path: string): Promise<Got> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, type: res.headers['content-type'] ?? '', body }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

/** The value of one sample (`name{labels} value`), or undefined when it is not exposed. */
export function metricSample(text: string, name: string, labels = ''): number | undefined {
  const key = labels === '' ? name : `${name}{${labels}}`;
  const line = text.split('\n').find((l) => l.startsWith(`${key} `));
  return line === undefined ? undefined : Number(line.slice(key.length + 1));
}
