import type { SwaggerOptions } from '@fastify/swagger';
import { createLogger, createMetricsRegistry, parseEnv, systemClock } from '@payhook/runtime';
import { createApiApp } from './app.ts';
import { apiEnvSchema } from './config.ts';

/** @fastify/swagger's options: OpenAPI 3.1 from the route schemas, bearer API keys. */
export function openApiOptions(version: string): SwaggerOptions {
  return {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'payhook API',
        version,
        description:
          'Payments, webhook endpoints, deliveries and event types of the payhook pipeline. Kafka is the source of truth: writes go to the same topics the payhook CLI writes, reads come from them. Errors are RFC 9457 problem documents (application/problem+json).',
        license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
      },
      servers: [{ url: 'http://127.0.0.1:8080', description: 'A local API (payhook dev up)' }],
      tags: [
        { name: 'payments', description: 'Payment intents' },
        { name: 'endpoints', description: "Merchants' webhook endpoints" },
        { name: 'deliveries', description: 'Deliveries of events to endpoints, with their attempts' },
        { name: 'portal', description: 'Short-lived links into the console' },
        { name: 'event-types', description: 'What endpoints can subscribe to, with the JSON Schema of each body' },
      ],
      components: {
        securitySchemes: {
          bearer: {
            type: 'http',
            scheme: 'bearer',
            description:
              'An API key from `payhook api-keys create` (phk_<key_id>_<secret>), or a portal token from a portal link (pht_…)',
          },
        },
      },
    },
    // Shared schemas keep their $id as their component name (Problem), not def-0.
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => String(json.$id ?? `def-${i}`) },
  };
}

/** The OpenAPI document of the routes, built without connecting to anything. */
export async function generateOpenApiDocument(): Promise<Record<string, unknown>> {
  const app = createApiApp({
    config: parseEnv(apiEnvSchema, {}),
    logger: createLogger({ name: 'payhook-api', level: 'silent' }),
    registry: createMetricsRegistry('api'),
    clock: systemClock,
  });
  await app.server.ready();
  const document = app.server.swagger() as unknown as Record<string, unknown>;
  await app.server.close();
  return document;
}

/** The document as committed in services/api/openapi.json. */
export function formatOpenApiDocument(document: Record<string, unknown>): string {
  return `${JSON.stringify(document, null, 2)}\n`;
}
