import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { verify } from '@payhook/signing';

/** One webhook a merchant endpoint received. */
export interface Received {
  readonly endpoint: string;
  readonly webhookId: string;
  readonly type: string;
  readonly paymentId: string;
  readonly verified: boolean;
  readonly at: number;
}

/** A merchant: one HTTP server on loopback, a path per endpoint, every signature verified. */
export interface Merchant {
  readonly baseUrl: string;
  readonly received: Received[];
  /** Registers the secret an endpoint path is signed with; `failFirst` answers 503 that often first. */
  endpoint(path: string, secret: string, options?: { failFirst?: number }): void;
  /** While down, every connection is reset at once (the receiver is unreachable). */
  setDown(down: boolean): void;
  close(): Promise<void>;
}

export async function startMerchant(): Promise<Merchant> {
  const endpoints = new Map<string, { secret: string; failFirst: number; seen: number }>();
  const received: Received[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = req.url ?? '/';
      const endpoint = endpoints.get(path);
      if (endpoint === undefined) {
        res.writeHead(404).end();
        return;
      }
      endpoint.seen++;
      if (endpoint.seen <= endpoint.failFirst) {
        res.writeHead(503, { 'retry-after': '1' }).end('warming up');
        return;
      }
      const body = Buffer.concat(chunks);
      // What a merchant must do: verify the signature over the exact bytes received.
      const result = verify({ headers: req.headers, body, secrets: [endpoint.secret], nowMs: Date.now() });
      let type = '';
      let paymentId = '';
      try {
        const parsed = JSON.parse(body.toString('utf8')) as { type?: string; data?: { payment_id?: string } };
        type = parsed.type ?? '';
        paymentId = parsed.data?.payment_id ?? '';
      } catch {
        // counted as unverified below
      }
      received.push({
        endpoint: path,
        webhookId: String(req.headers['webhook-id'] ?? ''),
        type,
        paymentId,
        verified: result.ok,
        at: Date.now(),
      });
      res.writeHead(result.ok ? 204 : 400).end();
    });
  });
  let down = false;
  server.on('connection', (socket) => {
    if (down) socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    received,
    endpoint: (path, secret, options = {}) =>
      void endpoints.set(path, { secret, failFirst: options.failFirst ?? 0, seen: 0 }),
    setDown(value) {
      down = value;
      if (value) server.closeAllConnections();
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
