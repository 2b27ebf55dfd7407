import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request as the receiver saw it. */
export interface Arrival {
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  /** Wall clock when the request was complete. */
  readonly at: number;
}

/** How to answer: a status (with headers), or `hang` to never answer. */
export type Reply = { status: number; headers?: Record<string, string> } | 'hang';

/**
 * A real HTTP receiver on 127.0.0.1 whose answers are programmed per path; records every
 * request it completes.
 */
export interface Receiver {
  readonly url: string;
  readonly arrivals: Arrival[];
  /** Answers for `path`, in order; the last repeats. Default: 200. */
  program(path: string, replies: Reply[]): void;
  arrivalsAt(path: string): Arrival[];
  close(): Promise<void>;
}

export async function startReceiver(): Promise<Receiver> {
  const programs = new Map<string, Reply[]>();
  const seen = new Map<string, number>();
  const arrivals: Arrival[] = [];
  const hanging = new Set<import('node:http').ServerResponse>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = req.url ?? '/';
      arrivals.push({ path, headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), at: Date.now() });
      const replies = programs.get(path) ?? [{ status: 200 }];
      const n = seen.get(path) ?? 0;
      seen.set(path, n + 1);
      const reply = replies[Math.min(n, replies.length - 1)] ?? { status: 200 };
      if (reply === 'hang') {
        hanging.add(res);
        return;
      }
      res.writeHead(reply.status, reply.headers ?? {}).end('ok');
    });
  });
  server.keepAliveTimeout = 1_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    arrivals,
    program: (path, replies) => void programs.set(path, replies),
    arrivalsAt: (path) => arrivals.filter((a) => a.path === path),
    close: async () => {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
