import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { PATH } from './deliveries.ts';

/** One complete request as the receiver saw it. */
export interface Arrival {
  readonly id: string;
  readonly path: string;
  /** `performance.now()` when the body was complete. */
  readonly at: number;
  readonly hanging: boolean;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

/**
 * Local webhook endpoints: one node:http server per origin on 127.0.0.1, every one with the
 * same handler. Paths under `/hang/` are never answered; everything else gets 200.
 */
export interface Receiver {
  /** `http://127.0.0.1:<port>`, one per origin. */
  readonly origins: readonly string[];
  /** Called for every complete request; replaces the previous listener. */
  listen(listener: ((arrival: Arrival) => void) | undefined): void;
  /** Requests held open now. */
  readonly hanging: number;
  /** Drops every held request (their sockets close). */
  releaseHanging(): void;
  close(): Promise<void>;
}

/** Starts `originCount` servers on free ports of 127.0.0.1. */
export async function startReceiver(originCount: number): Promise<Receiver> {
  let listener: ((arrival: Arrival) => void) | undefined;
  const held = new Set<ServerResponse>();
  const servers: Server[] = [];

  const handle = (req: import('node:http').IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const path = req.url ?? '/';
      const hanging = path.startsWith(PATH.HANG);
      const id = req.headers['webhook-id'];
      listener?.({
        id: typeof id === 'string' ? id : '',
        path,
        at: performance.now(),
        hanging,
        headers: req.headers,
        body: chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks),
      });
      if (hanging) {
        held.add(res);
        res.on('close', () => held.delete(res));
        return;
      }
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '2' }).end('ok');
    });
  };

  for (let i = 0; i < originCount; i++) {
    const server = createServer(handle);
    // Longer than any client's idle timeout: the client decides when a pooled socket closes.
    server.keepAliveTimeout = 30_000;
    server.headersTimeout = 60_000;
    server.requestTimeout = 0;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    servers.push(server);
  }
  const origins = servers.map((s) => `http://127.0.0.1:${(s.address() as AddressInfo).port}`);
  const releaseHanging = () => {
    for (const res of held) res.destroy();
    held.clear();
  };

  return {
    origins,
    listen(next) {
      listener = next;
    },
    get hanging() {
      return held.size;
    },
    releaseHanging,
    async close() {
      releaseHanging();
      await Promise.all(
        servers.map(
          (server) =>
            new Promise<void>((resolve) => {
              server.closeAllConnections();
              server.close(() => resolve());
            }),
        ),
      );
    },
  };
}
