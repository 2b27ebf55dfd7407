export { type Clock, systemClock } from './clock.ts';
export { type Environment, envField, loadConfigOrExit, parseEnv } from './config.ts';
export { ConfigError, type ConfigIssue, PayhookError, RuntimeErrorCode } from './errors.ts';
export {
  type HealthServer,
  type HealthServerOptions,
  type ReadinessCheck,
  startHealthServer,
} from './health-server.ts';
export { createLogger, type Logger, type LoggerOptions, REDACTED_PATHS } from './logger.ts';
export { Counter, createMetricsRegistry, Gauge, Histogram, Registry } from './metrics.ts';
export { type RunServiceOptions, runService, type ServiceApp, type ServiceBaseConfig } from './run-service.ts';
export { createShutdown, type Shutdown, type ShutdownOptions } from './shutdown.ts';
export { PAYHOOK_VERSION } from './version.ts';
