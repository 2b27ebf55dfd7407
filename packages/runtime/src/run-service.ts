import type { z } from 'zod';
import { exitOnConfigError, loadConfigOrExit } from './config.ts';
import { type ReadinessCheck, startHealthServer } from './health-server.ts';
import { createLogger, type Logger } from './logger.ts';
import { createMetricsRegistry, type Registry } from './metrics.ts';
import { createShutdown } from './shutdown.ts';

/** The variables every service reads for its logs and its `/metrics` `/healthz` `/readyz` server. */
export interface ServiceBaseConfig {
  readonly LOG_LEVEL: string;
  readonly PAYHOOK_HTTP_HOST: string;
  readonly PAYHOOK_HTTP_PORT: number;
}

/** What a service's app offers its composition root. */
export interface ServiceApp {
  readonly readiness: readonly ReadinessCheck[];
  start(): Promise<void>;
  /** Graceful: called once on SIGTERM or SIGINT, before the health server closes. */
  stop(): Promise<void>;
}

/** Options of {@link runService}. */
export interface RunServiceOptions<S extends z.ZodObject> {
  /** Short name, e.g. `dispatcher`: logs say `payhook-<name>`, metrics carry `service="<name>"`. */
  readonly name: string;
  readonly schema: S;
  /** Builds the app; nothing may connect before `start()`. */
  create(deps: { config: z.infer<S>; logger: Logger; registry: Registry }): ServiceApp;
  /**
   * The whole shutdown's deadline.
   * @defaultValue 20_000
   */
  readonly shutdownDeadlineMs?: (config: z.infer<S>) => number;
}

/**
 * The common life of a service process: configuration parsed once (exit 78 naming the variable),
 * logger and metrics registry, the health server, start; on SIGTERM the app stops first (it
 * drains and commits), then the probes go away; a failed start exits 1.
 */
export async function runService<S extends z.ZodObject>(options: RunServiceOptions<S>): Promise<void> {
  const service = `payhook-${options.name}`;
  const config = loadConfigOrExit(service, options.schema);
  const base = config as unknown as ServiceBaseConfig;
  const logger = createLogger({ name: service, level: base.LOG_LEVEL });
  const registry = createMetricsRegistry(options.name);
  // Settings that parse one by one but do not fit together (a password without its user) are
  // found when the clients are built: a configuration error all the same.
  const app = exitOnConfigError(service, () => options.create({ config, logger, registry }));
  const health = await startHealthServer({
    registry,
    checks: app.readiness,
    host: base.PAYHOOK_HTTP_HOST,
    port: base.PAYHOOK_HTTP_PORT,
  });
  const shutdown = createShutdown({ logger, deadlineMs: options.shutdownDeadlineMs?.(config) ?? 20_000 });
  shutdown.add(options.name, () => app.stop());
  shutdown.add('health server', () => health.close());
  try {
    await app.start();
    logger.info({ port: health.port }, 'started');
  } catch (error) {
    logger.fatal({ err: error }, 'failed to start');
    await app.stop().catch(() => undefined);
    await health.close();
    process.exit(1);
  }
}
