// Composition root of the scanner: configuration, logger, metrics, the app, the health
// server, and the order things stop in on SIGTERM.
import {
  createLogger,
  createMetricsRegistry,
  createShutdown,
  loadConfigOrExit,
  startHealthServer,
} from '@payhook/runtime';
import { createScannerApp } from './app.ts';
import { scannerEnvSchema } from './config.ts';

const config = loadConfigOrExit('payhook-scanner', scannerEnvSchema);
const logger = createLogger({ name: 'payhook-scanner', level: config.LOG_LEVEL });
const registry = createMetricsRegistry('scanner');
const app = createScannerApp({
  config,
  logger,
  registry,
  onFatal: (error) => {
    logger.fatal({ err: error }, 'scanner stopped for good');
    process.exit(1);
  },
});
const health = await startHealthServer({
  registry,
  checks: app.readiness,
  host: config.PAYHOOK_HTTP_HOST,
  port: config.PAYHOOK_HTTP_PORT,
});
const shutdown = createShutdown({ logger, deadlineMs: 20_000 });
// 1. the chain loops finish their step (a step is one transaction) and stop; 2. the probes go.
shutdown.add('scanner', () => app.stop());
shutdown.add('health server', () => health.close());

try {
  await app.start();
} catch (error) {
  logger.fatal({ err: error }, 'scanner failed to start');
  await app.stop().catch(() => undefined);
  await health.close();
  process.exit(1);
}
