import { createFilterApp, filterEnvSchema } from '@payhook/confirmation-filter';
import { createDispatcherApp, dispatcherEnvSchema } from '@payhook/dispatcher';
import { createLogger, createMetricsRegistry, parseEnv, systemClock } from '@payhook/runtime';

/**
 * Starts the confirmation filter and the dispatcher over a pipeline's environment (`env`, with
 * `dispatcherEnv` for the dispatcher only; loopback receivers allowed); returns their stop, the
 * dispatcher's first.
 */
export async function startFilterAndDispatcher(
  name: string,
  env: Record<string, string>,
  dispatcherEnv: Record<string, string> = {},
): Promise<() => Promise<void>> {
  const logger = createLogger({ name, level: process.env.TEST_LOG_LEVEL ?? 'error', destination: process.stderr });
  const filter = createFilterApp({
    config: parseEnv(filterEnvSchema, { ...env, FILTER_INSTANCE_ID: name }),
    logger,
    registry: createMetricsRegistry('confirmation-filter'),
  });
  await filter.start();
  const dispatcher = createDispatcherApp({
    config: parseEnv(dispatcherEnvSchema, { ...env, DISPATCHER_DEV_ALLOW_LIST: '127.0.0.1', ...dispatcherEnv }),
    logger,
    registry: createMetricsRegistry('dispatcher'),
    clock: systemClock,
  });
  try {
    await dispatcher.start();
  } catch (error) {
    await filter.stop();
    throw error;
  }
  return async () => {
    await dispatcher.stop().catch(() => undefined);
    await filter.stop().catch(() => undefined);
  };
}
