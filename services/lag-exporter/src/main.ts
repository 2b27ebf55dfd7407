// Composition root of the lag exporter: configuration, logger, metrics, the app, the health
// server, and the order things stop in on SIGTERM.
import {
  createLogger,
  createMetricsRegistry,
  createShutdown,
  loadConfigOrExit,
  startHealthServer,
} from '@payhook/runtime';
import { createLagExporterApp } from './app.ts';
import { lagExporterEnvSchema } from './config.ts';

const config = loadConfigOrExit('payhook-lag-exporter', lagExporterEnvSchema);
const logger = createLogger({ name: 'payhook-lag-exporter', level: config.LOG_LEVEL });
const registry = createMetricsRegistry('lag-exporter');
const app = createLagExporterApp({ config, logger, registry });
const health = await startHealthServer({
  registry,
  checks: app.readiness,
  host: config.PAYHOOK_HTTP_HOST,
  port: config.PAYHOOK_HTTP_PORT,
});
const shutdown = createShutdown({ logger, deadlineMs: 10_000 });
shutdown.add('lag exporter', () => app.stop());
shutdown.add('health server', () => health.close());

try {
  await app.start();
} catch (error) {
  logger.fatal({ err: error }, 'lag exporter failed to start');
  await app.stop().catch(() => undefined);
  await health.close();
  process.exit(1);
}
