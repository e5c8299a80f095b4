// The bench's notify reader (test/bench/notify-reader.cc) from TypeScript: compiles it once per
// process with g++ into a temp dir (test/helpers/cc-child.ts), runs it as a child holding N idle
// Stratum connections, and turns its stdout protocol into promises. Receipts are CLOCK_MONOTONIC
// ns, the clock of process.hrtime.bigint(), so they compare directly with a trigger time taken here.
//   const r = await startNotifyReader({ host, port, n, userPrefix, handshake: true, sources });
//   const { receipts } = await r.arm();   // the reader is armed: trigger now
//   const t0 = process.hrtime.bigint(); trigger(); const ns = await receipts;   // ns[i] - t0
//   await r.close();
// The child and the temp dir go when the test process exits, however it exits.
import { compileCc, quitCc, spawnCc } from './cc-child.js';

const READY_TIMEOUT_MS = 90_000; // the reader itself gives up after 60 s of setup

export interface NotifyReaderOptions {
  readonly host: string;
  readonly port: number;
  /** Connections to open and hold. */
  readonly n: number;
  /** Connection i authorizes as `${userPrefix}${i}` (handshake only). */
  readonly userPrefix: string;
  /** true: subscribe + authorize and wait for a first notify (a pool); false: connect only. */
  readonly handshake: boolean;
  /** Source addresses (127.0.0.N) used round-robin, so N sockets do not exhaust one's ports. */
  readonly sources: readonly string[];
}

export interface NotifyReader {
  /** The first complete mining.notify line one of the connections got (handshake only). */
  readonly notifyLine: string | null;
  readonly pid: number;
  /**
   * Arms the reader; resolves once it is armed, so a trigger after this cannot be missed.
   * `receipts` then resolves with, per connection (in index order), the CLOCK_MONOTONIC ns of
   * the read holding its first mining.notify since arming; it rejects if not all N arrive
   * within 20 s or a socket closes.
   */
  arm(): Promise<{ receipts: Promise<bigint[]> }>;
  /** Closes every socket and waits for the child to exit. */
  close(): Promise<void>;
}

type Waiter<T> = { resolve: (v: T) => void; reject: (e: Error) => void };

export async function startNotifyReader(o: NotifyReaderOptions): Promise<NotifyReader> {
  const exe = await compileCc('notify-reader');
  const args = [o.host, String(o.port), String(o.n), o.userPrefix, o.handshake ? '1' : '0'];

  let notifyLine: string | null = null;
  let failure: Error | null = null; // once set, every pending and later call rejects with it
  let ready: Waiter<void> | null = null;
  let armed: Waiter<void> | null = null;
  let receipts: Waiter<bigint[]> | null = null;
  const fail = (e: Error): void => {
    failure ??= e;
    for (const w of [ready, armed, receipts]) w?.reject(failure);
    ready = armed = receipts = null;
  };
  const onLine = (line: string): void => {
    const space = line.indexOf(' ');
    const word = space < 0 ? line : line.slice(0, space);
    const rest = space < 0 ? '' : line.slice(space + 1);
    switch (word) {
      case 'notify':
        notifyLine = rest;
        return;
      case 'ready':
        ready?.resolve();
        ready = null;
        return;
      case 'armed':
        armed?.resolve();
        armed = null;
        return;
      case 'receipts':
        receipts?.resolve(rest === '' ? [] : rest.split(' ').map((v) => BigInt(v)));
        receipts = null;
        return;
      case 'timeout': // the reader disarmed itself; the next arm() starts a fresh round
        receipts?.reject(new Error(`notify reader: only ${rest} of ${o.n} receipts within 20 s`));
        receipts = null;
        return;
      case 'error': // the reader exits after this line
        return fail(new Error(`notify reader: ${rest}`));
      default:
        return fail(new Error(`notify reader: unexpected output: ${line}`));
    }
  };

  const cc = spawnCc(exe, [...args, ...o.sources], onLine);
  const { child } = cc;
  child.once('error', (e) => fail(e)); // a failed spawn (no pid; 'close' follows)
  child.once('close', (code, signal) => {
    const stderr = cc.stderr();
    fail(new Error(`notify reader exited (${signal ?? `code ${code}`})${stderr && `: ${stderr}`}`));
  });

  const timer = setTimeout(
    () => fail(new Error(`notify reader not ready in ${READY_TIMEOUT_MS} ms`)),
    READY_TIMEOUT_MS,
  );
  const pid = child.pid;
  try {
    await new Promise<void>((resolve, reject) => {
      if (failure) return reject(failure);
      ready = { resolve, reject };
    });
  } catch (err) {
    child.kill('SIGKILL');
    await cc.closed;
    throw err;
  } finally {
    clearTimeout(timer);
  }

  return {
    get notifyLine() {
      return notifyLine;
    },
    pid: pid as number, // a spawn that failed never got to `ready`
    async arm() {
      if (failure) throw failure;
      if (armed || receipts) throw new Error('notify reader: already armed');
      const got = new Promise<bigint[]>((resolve, reject) => (receipts = { resolve, reject }));
      got.catch(() => undefined); // a caller that never awaits it gets no unhandled rejection
      await new Promise<void>((resolve, reject) => {
        armed = { resolve, reject };
        child.stdin.write('arm\n');
      });
      return { receipts: got };
    },
    close: () => quitCc(cc),
  };
}
