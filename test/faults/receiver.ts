// A merchant's receiver for the fault suites: one HTTP server on loopback, a path per endpoint,
// and every webhook verified with the public `standardwebhooks` library (what a merchant would
// use), over the exact bytes received.
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

/** One webhook received. */
export interface ReceivedWebhook {
  readonly endpoint: string;
  readonly webhookId: string;
  readonly type: string;
  readonly paymentId: string;
  readonly verified: boolean;
  readonly at: number;
}

export interface Receiver {
  readonly baseUrl: string;
  readonly received: ReceivedWebhook[];
  /** Registers an endpoint path and the secret (`whsec_…`) its webhooks are signed with. */
  endpoint(path: string, secret: string): void;
  close(): Promise<void>;
}

const header = (headers: IncomingHttpHeaders, name: string): string => {
  const value = headers[name];
  return Array.isArray(value) ? value.join(',') : (value ?? '');
};

export async function startReceiver(): Promise<Receiver> {
  const verifiers = new Map<string, Webhook>();
  const received: ReceivedWebhook[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = req.url ?? '/';
      const verifier = verifiers.get(path);
      if (verifier === undefined) {
        res.writeHead(404).end();
        return;
      }
      const body = Buffer.concat(chunks).toString('utf8');
      const headers = {
        'webhook-id': header(req.headers, 'webhook-id'),
        'webhook-timestamp': header(req.headers, 'webhook-timestamp'),
        'webhook-signature': header(req.headers, 'webhook-signature'),
      };
      let verified = false;
      let type = '';
      let paymentId = '';
      try {
        const payload = verifier.verify(body, headers) as { type?: string; data?: { payment_id?: string } };
        verified = true;
        type = payload.type ?? '';
        paymentId = payload.data?.payment_id ?? '';
      } catch {
        // counted as a bad signature
      }
      received.push({ endpoint: path, webhookId: headers['webhook-id'], type, paymentId, verified, at: Date.now() });
      res.writeHead(verified ? 204 : 400).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    received,
    endpoint: (path, secret) => void verifiers.set(path, new Webhook(secret)),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
