// Process glue for a node: drain the runtime on SIGTERM/SIGINT, then exit 0 (1 if draining
// failed). A second signal while draining exits at once with 130.
import type { Runtime } from './runtime.js';

export interface SignalOptions {
  signals?: NodeJS.Signals[];
  timeoutMs?: number;
  exit?: (code: number) => void;
}

/** Installs the handlers; returns a function that removes them. */
export function drainOnSignals(rt: Runtime, options: SignalOptions = {}): () => void {
  const signals = options.signals ?? ['SIGTERM', 'SIGINT'];
  const exit = options.exit ?? ((code: number) => process.exit(code));
  const onSignal = (signal: NodeJS.Signals): void => {
    if (rt.draining) {
      rt.log.warn({ signal }, 'second signal while draining; exiting now');
      return exit(130);
    }
    rt.log.info({ signal }, 'signal received; draining');
    rt.drain(options).then(
      () => exit(0),
      (err: unknown) => {
        rt.log.fatal({ err }, 'drain failed');
        exit(1);
      },
    );
  };
  for (const s of signals) process.on(s, onSignal);
  return () => {
    for (const s of signals) process.off(s, onSignal);
  };
}
