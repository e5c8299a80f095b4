// The coin node of the pool bench's candidate section, in its own process as a coin node is:
// the devnet at regtest difficulty. Prints `devnet listening: URL`, then `submitblock <ns>` per
// submitblock request, <ns> = CLOCK_MONOTONIC when its HTTP request arrived, the clock
// process.hrtime.bigint() reads in the bench process too.
//   node dist/test/bench/devnet-child.js PORT [BITS]   (BITS hex, default regtest's 207fffff)
import { argv, stdout } from 'node:process';
import { startDevnet } from '../../topology/devnet/index.js';

const devnet = await startDevnet({
  port: Number(argv[2] ?? 0),
  ...(argv[3] ? { bits: parseInt(argv[3], 16) } : {}),
  onCall: (method, arrivedNs) => {
    if (method === 'submitblock') stdout.write(`submitblock ${arrivedNs}\n`);
  },
});
stdout.write(`devnet listening: ${devnet.url}\n`);
process.once('SIGTERM', () => void devnet.close().then(() => process.exit(0)));
