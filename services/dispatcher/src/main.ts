// Composition root of the dispatcher: configuration, logger, metrics, the app, the health
// server, and the order things stop in on SIGTERM.
import {
  createLogger,
  createMetricsRegistry,
  createShutdown,
  loadConfigOrExit,
  startHealthServer,
  systemClock,
} from '@payhook/runtime';
import { createDispatcherApp } from './app.ts';
import { dispatcherEnvSchema } from './config.ts';

const config = loadConfigOrExit('payhook-dispatcher', dispatcherEnvSchema);
const logger = createLogger({ name: 'payhook-dispatcher', level: config.LOG_LEVEL });
const registry = createMetricsRegistry('dispatcher');
const app = createDispatcherApp({ config, logger, registry, clock: systemClock });
const health = await startHealthServer({
  registry,
  checks: app.readiness,
  host: config.PAYHOOK_HTTP_HOST,
  port: config.PAYHOOK_HTTP_PORT,
});
const shutdown = createShutdown({ logger, deadlineMs: config.DISPATCHER_SHUTDOWN_DEADLINE_MS + 15_000 });
// 1. the app drains deliveries, commits and leaves the group; 2. then the probes go away.
shutdown.add('dispatcher', () => app.stop());
shutdown.add('health server', () => health.close());

try {
  await app.start();
  logger.info({ port: health.port }, 'ready for deliveries');
} catch (error) {
  logger.fatal({ err: error }, 'dispatcher failed to start');
  await app.stop().catch(() => undefined);
  await health.close();
  process.exit(1);
}
