// Composition root of the confirmation filter: configuration, logger, metrics, the app, the
// health server, and the order things stop in on SIGTERM.
import {
  createLogger,
  createMetricsRegistry,
  createShutdown,
  loadConfigOrExit,
  startHealthServer,
} from '@payhook/runtime';
import { createFilterApp } from './app.ts';
import { filterEnvSchema } from './config.ts';

const config = loadConfigOrExit('payhook-confirmation-filter', filterEnvSchema);
const logger = createLogger({ name: 'payhook-confirmation-filter', level: config.LOG_LEVEL });
const registry = createMetricsRegistry('confirmation-filter');
const app = createFilterApp({ config, logger, registry });
const health = await startHealthServer({
  registry,
  checks: app.readiness,
  host: config.PAYHOOK_HTTP_HOST,
  port: config.PAYHOOK_HTTP_PORT,
});
const shutdown = createShutdown({ logger, deadlineMs: 20_000 });
// 1. finish the batch in hand and leave the group; 2. then the probes go away.
shutdown.add('confirmation filter', () => app.stop());
shutdown.add('health server', () => health.close());

try {
  await app.start();
} catch (error) {
  logger.fatal({ err: error }, 'confirmation filter failed to start');
  await app.stop().catch(() => undefined);
  await health.close();
  process.exit(1);
}
