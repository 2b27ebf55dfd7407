// Composition root of the HTTP API. On SIGTERM it stops accepting requests and answers those in
// flight (their writes acknowledged), then closes the tables and the producer.
import { createLogger, createMetricsRegistry, createShutdown, loadConfigOrExit, systemClock } from '@payhook/runtime';
import { createApiApp } from './app.ts';
import { apiEnvSchema } from './config.ts';

const config = loadConfigOrExit('payhook-api', apiEnvSchema);
const logger = createLogger({ name: 'payhook-api', level: config.LOG_LEVEL });
const registry = createMetricsRegistry('api');
const app = createApiApp({
  config,
  logger,
  registry,
  clock: systemClock,
  onFatal: (error) => {
    // A table that no longer follows its topic would keep revoked keys working.
    logger.fatal({ err: error }, 'api stopped for good');
    process.exit(1);
  },
});
const shutdown = createShutdown({ logger, deadlineMs: config.API_SHUTDOWN_DEADLINE_MS });
shutdown.add('api', () => app.stop());
try {
  await app.start();
  logger.info({ port: app.port }, 'started');
} catch (error) {
  logger.fatal({ err: error }, 'failed to start');
  await app.stop().catch(() => undefined);
  process.exit(1);
}
