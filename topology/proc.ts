// The host's own files under /proc: what the kernel says about this process and machine.
import { readFileSync } from 'node:fs';

/** A /proc file's text, or null where it cannot be read (not Linux, no such file). */
export function procText(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}
