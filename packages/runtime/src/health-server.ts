import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

/** A named readiness condition; resolves to `true` when ready, or a reason when not. */
export interface ReadinessCheck {
  readonly name: string;
  check(): Promise<true | string> | true | string;
}

/** Options of {@link startHealthServer}. */
export interface HealthServerOptions {
  readonly registry: Registry;
  readonly checks?: readonly ReadinessCheck[];
  /** @defaultValue `'127.0.0.1'` */
  readonly host?: string;
  /** 0 picks a free port. */
  readonly port: number;
}

/** A running `/metrics`, `/healthz`, `/readyz` server. */
export interface HealthServer {
  readonly port: number;
  close(): Promise<void>;
}

/**
 * Serves `/metrics` (Prometheus text), `/healthz` (the process is alive) and `/readyz`
 * (every readiness check passes; otherwise 503 with the failing checks' reasons).
 */
export async function startHealthServer(options: HealthServerOptions): Promise<HealthServer> {
  const checks = options.checks ?? [];
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET') {
      res.writeHead(405, { allow: 'GET' }).end();
      return;
    }
    if (path === '/healthz') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
      return;
    }
    if (path === '/readyz') {
      void readiness(checks).then(
        (failures) => {
          const body = `${JSON.stringify({ ready: failures.length === 0, failures })}\n`;
          res.writeHead(failures.length === 0 ? 200 : 503, { 'content-type': 'application/json' }).end(body);
        },
        () => res.writeHead(503).end(),
      );
      return;
    }
    if (path === '/metrics') {
      void options.registry.metrics().then(
        (text) => res.writeHead(200, { 'content-type': options.registry.contentType }).end(text),
        () => res.writeHead(500).end(),
      );
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '127.0.0.1', () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function readiness(checks: readonly ReadinessCheck[]): Promise<{ check: string; reason: string }[]> {
  const results = await Promise.all(
    checks.map(async (c) => {
      try {
        const outcome = await c.check();
        return outcome === true ? undefined : { check: c.name, reason: outcome };
      } catch (error) {
        return { check: c.name, reason: error instanceof Error ? error.message : String(error) };
      }
    }),
  );
  return results.filter((r) => r !== undefined);
}
