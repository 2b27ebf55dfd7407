import type { ReadinessCheck, Registry } from '@payhook/runtime';
import type { ApiServer } from '../server.ts';

/** What the operations routes need. */
export interface OperationsRouteDeps {
  readonly registry: Registry;
  readonly readiness: readonly ReadinessCheck[];
}

/**
 * `/healthz` (the process answers), `/readyz` (every table has caught up with its topic and
 * follows it), `/metrics` (Prometheus) and `/openapi.json`; none needs a key, none is in the
 * OpenAPI document.
 */
export function registerOperationsRoutes(app: ApiServer, deps: OperationsRouteDeps): void {
  app.get('/healthz', { schema: { hide: true } }, async (_request, reply) => reply.type('text/plain').send('ok\n'));

  app.get('/readyz', { schema: { hide: true } }, async (_request, reply) => {
    const failures: { check: string; reason: string }[] = [];
    for (const check of deps.readiness) {
      try {
        const outcome = await check.check();
        if (outcome !== true) failures.push({ check: check.name, reason: outcome });
      } catch (error) {
        failures.push({ check: check.name, reason: error instanceof Error ? error.message : String(error) });
      }
    }
    return reply.code(failures.length === 0 ? 200 : 503).send({ ready: failures.length === 0, failures });
  });

  app.get('/metrics', { schema: { hide: true } }, async (_request, reply) =>
    reply.type(deps.registry.contentType).send(await deps.registry.metrics()),
  );

  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
}
