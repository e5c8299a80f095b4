#!/usr/bin/env node
// The `colliery` command: the operator's entry point. Each subcommand is one entry in
// COMMANDS; an unknown or missing one prints help (exit 2), never a stack trace. A command's
// module is loaded when it runs: a process loads what its command uses, not every command's
// graph (a node restart on a busy machine waits for the CPU its processes' loading takes).
import { argv, exit, stderr, stdout } from 'node:process';

export interface Command {
  readonly summary: string;
  readonly run: (args: string[]) => Promise<number>;
}

export const COMMANDS: Record<string, Command> = {
  demo: {
    summary: 'the whole pool locally: nats-server, devnet chain, one node, demo miners',
    run: async (a) => (await import('./commands/demo.js')).runDemo(a),
  },
  start: {
    summary: 'start a pool node (config file, COLLIERY_* variables, flags)',
    run: async (a) => (await import('./commands/start.js')).runStart(a),
  },
  ledger: {
    summary: 'ledger reports: balances, bill <height|hash>, verify (replay the log, compare)',
    run: async (a) => (await import('./commands/ledger.js')).runLedger(a),
  },
  devnet: {
    summary: 'run the devnet coin node alone (JSON-RPC, regtest-style)',
    run: async (a) => (await import('./commands/devnet.js')).runDevnet(a),
  },
  miner: {
    summary: 'mine on a Stratum pool: SHA256d or prime chains, in worker threads',
    run: async (a) => (await import('./commands/miner.js')).runMiner(a),
  },
  trace: {
    summary: 'share paths (socket → actors → log → ledger) from nodes run with --trace-paths',
    run: async (a) => (await import('./commands/trace.js')).runTrace(a),
  },
  status: {
    summary: 'the cluster: nodes and what each reports, lease holders, the share log',
    run: async (a) => (await import('./commands/status.js')).runStatus(a),
  },
  keys: {
    summary: 'the node keys the cluster trusts: list, show, trust NODE KEY, revoke NODE',
    run: async (a) => (await import('./commands/keys.js')).runKeys(a),
  },
  bans: {
    summary: "the cluster's ban list: list, add ADDRESS, remove ADDRESS",
    run: async (a) => (await import('./commands/bans.js')).runBans(a),
  },
};

export function helpText(): string {
  const names = Object.keys(COMMANDS).sort();
  const width = Math.max(8, ...names.map((n) => n.length));
  const lines = names.map((n) => `  ${n.padEnd(width)}  ${COMMANDS[n]?.summary ?? ''}`);
  return [
    'usage: colliery <command> [options]',
    '',
    'commands:',
    ...(lines.length ? lines : ['  (none yet)']),
    `  ${'help'.padEnd(width)}  show this help`,
    '',
    'Run `colliery <command> --help` for the options of one command.',
    '',
  ].join('\n');
}

export async function main(args: string[]): Promise<number> {
  const [name, ...rest] = args;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    stdout.write(helpText());
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS[name];
  if (!command) {
    stderr.write(`colliery: unknown command '${name}'\n\n${helpText()}`);
    return 2;
  }
  try {
    return await command.run(rest);
  } catch (err) {
    const e = err as { code?: string; message?: string };
    stderr.write(`colliery ${name}: ${e.code ? `[${e.code}] ` : ''}${e.message ?? String(err)}\n`);
    return 1;
  }
}

main(argv.slice(2)).then(
  (code) => exit(code),
  (err: unknown) => {
    stderr.write(`colliery: ${String(err)}\n`);
    exit(1);
  },
);
