// Where Chromium is, for the browser test and the screenshot script: COLLIERY_CHROMIUM,
// /usr/bin/chromium (Debian's package), or chromium / chromium-browser on PATH; null: none.
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

export function findChromium(): string | null {
  const candidates = [
    process.env['COLLIERY_CHROMIUM'],
    '/usr/bin/chromium',
    ...(process.env['PATH'] ?? '')
      .split(delimiter)
      .flatMap((d) => (d === '' ? [] : [join(d, 'chromium'), join(d, 'chromium-browser')])),
  ];
  for (const c of candidates) {
    if (!c) continue;
    try {
      accessSync(c, constants.X_OK);
      return c;
    } catch {
      // not there
    }
  }
  return null;
}
