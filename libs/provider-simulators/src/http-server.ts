import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SimulatorError } from './simulator-error';

/** A simulator's listening HTTP server and the base URL it answers on. */
export interface ListeningServer {
  readonly server: Server;
  readonly baseUrl: string;
}

/**
 * Starts the HTTP server every simulator runs (127.0.0.1 and a random port unless told otherwise). A handler that
 * throws gets `onError` (the provider's own error format) when nothing was sent yet, else the connection is cut.
 */
export async function listenHttp(
  handle: (req: IncomingMessage, res: ServerResponse) => Promise<void>,
  onError: (res: ServerResponse, message: string) => void,
  port = 0,
  host = '127.0.0.1',
): Promise<ListeningServer> {
  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) onError(res, error instanceof Error ? error.message : 'internal error');
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const shown = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return { server, baseUrl: `http://${shown}:${address.port}` };
}

/** Stops a simulator's server, dropping open keep-alive connections so tests end promptly. */
export async function closeHttp(server: Server | undefined): Promise<void> {
  if (server === undefined) return;
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

/**
 * A simulator's HTTP lifecycle: start (idempotent, answers the base URL), stop (drops open connections), and the
 * base URL while it runs. Every simulator holds one instead of repeating the bookkeeping.
 */
export class SimulatorHttp {
  private server: Server | undefined;
  private base: string | undefined;

  constructor(
    private readonly simulator: string,
    private readonly handle: (req: IncomingMessage, res: ServerResponse) => Promise<void>,
    private readonly onError: (res: ServerResponse, message: string) => void,
    private readonly port?: number,
    private readonly host?: string,
  ) {}

  async start(): Promise<string> {
    if (this.base !== undefined) return this.base;
    const { server, baseUrl } = await listenHttp(this.handle, this.onError, this.port, this.host);
    this.server = server;
    this.base = baseUrl;
    return baseUrl;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    this.base = undefined;
    await closeHttp(server);
  }

  /** The base URL; throws before `start`. */
  get baseUrl(): string {
    if (this.base === undefined) throw new SimulatorError('SIMULATOR_NOT_STARTED', `${this.simulator} is not started`);
    return this.base;
  }
}
