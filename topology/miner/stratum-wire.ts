// The miner side of Stratum's wire, shared by both demo miners (hash and prime): one socket,
// newline-framed JSON-RPC, request ids mapped back to the method they answer. A line that is
// not JSON is reported, not fatal (a pool that speaks nonsense is the pool's problem).
import { connect, type Socket } from 'node:net';

export type WireMessage = Record<string, unknown>;

export class StratumWire {
  readonly socket: Socket;
  readonly #onMessage: (m: WireMessage, method: string | undefined) => void;
  readonly #onProtocolError: (err: unknown) => void;
  #buffer = '';
  #nextId = 1;
  readonly #pending = new Map<number, string>();

  private constructor(
    socket: Socket,
    onMessage: (m: WireMessage, method: string | undefined) => void,
    onProtocolError: (err: unknown) => void,
  ) {
    this.socket = socket;
    this.#onMessage = onMessage;
    this.#onProtocolError = onProtocolError;
    socket.on('data', (chunk: string) => this.#onData(chunk));
  }

  /**
   * Connects; resolves once the socket is open. `onMessage` gets every message, with the
   * method of the request it answers (undefined for notifications and unknown ids).
   */
  static async open(
    host: string,
    port: number,
    onMessage: (m: WireMessage, method: string | undefined) => void,
    onProtocolError: (err: unknown) => void,
  ): Promise<StratumWire> {
    const socket = connect({ host, port });
    socket.setNoDelay(true);
    socket.setEncoding('utf8');
    const wire = new StratumWire(socket, onMessage, onProtocolError);
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    return wire;
  }

  get closed(): boolean {
    return this.socket.destroyed;
  }

  /** Sends a request; returns its id. */
  send(method: string, params: unknown[]): number {
    const id = this.#nextId++;
    this.#pending.set(id, method);
    this.socket.write(`${JSON.stringify({ id, method, params })}\n`);
    return id;
  }

  destroy(): void {
    this.socket.destroy();
  }

  #onData(chunk: string): void {
    this.#buffer += chunk;
    let nl: number;
    while ((nl = this.#buffer.indexOf('\n')) >= 0) {
      const line = this.#buffer.slice(0, nl);
      this.#buffer = this.#buffer.slice(nl + 1);
      if (!line.trim()) continue;
      try {
        const m = JSON.parse(line) as WireMessage;
        const method = this.#pending.get(m.id as number);
        this.#pending.delete(m.id as number);
        this.#onMessage(m, method); // a message the miner cannot use is reported the same way
      } catch (err) {
        this.#onProtocolError(err);
      }
    }
  }
}
