// `colliery devnet`: the devnet coin node on its own, for multi-node setups and experiments.
import { stdout } from 'node:process';
import { bitsFromTarget, shareTargetFromDifficulty } from '../../actors/shared/target.js';
import { startDevnet } from '../devnet/index.js';

export const DEVNET_HELP = `usage: colliery devnet [--port 18443] [--host 127.0.0.1] [--difficulty D] [--user U] [--password P]

Runs the devnet coin node (Bitcoin Core-compatible JSON-RPC with real block validation) until
Ctrl-C. --difficulty is the fixed network difficulty (default: regtest's, every other hash wins).
`;

export async function runDevnet(args: string[]): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    stdout.write(DEVNET_HELP);
    return 0;
  }
  const opt = (name: string): string | undefined => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const difficulty = opt('difficulty');
  const d = difficulty === undefined ? undefined : Number(difficulty);
  if (d !== undefined && !(d > 0))
    throw Object.assign(new Error(`--difficulty must be a positive number, got ${difficulty}`), {
      code: 'CONFIG_INVALID',
    });
  const devnet = await startDevnet({
    host: opt('host') ?? '127.0.0.1',
    port: Number(opt('port') ?? 18443),
    user: opt('user') ?? 'colliery',
    password: opt('password') ?? 'devnet',
    ...(d === undefined ? {} : { bits: bitsFromTarget(shareTargetFromDifficulty(d)) }),
  });
  // The URL without its password (the operator gave it, or it is the documented default).
  const shown = new URL(devnet.url);
  const given = opt('password') !== undefined;
  shown.password = '';
  stdout.write(
    `devnet listening: ${shown.toString().replace(/\/$/, '')} ` +
      `(password ${given ? 'as given by --password' : "'devnet' (the default)"})\n`,
  );
  await new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  await devnet.close();
  return 0;
}
