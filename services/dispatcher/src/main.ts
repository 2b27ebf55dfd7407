// Composition root of the dispatcher. On SIGTERM it stops fetching, lets in-flight deliveries
// finish (up to DISPATCHER_SHUTDOWN_DEADLINE_MS), commits and leaves the group; then the
// health server closes.
import { runService, systemClock } from '@payhook/runtime';
import { createDispatcherApp } from './app.ts';
import { dispatcherEnvSchema } from './config.ts';

await runService({
  name: 'dispatcher',
  schema: dispatcherEnvSchema,
  create: ({ config, logger, registry }) =>
    createDispatcherApp({
      config,
      logger,
      registry,
      clock: systemClock,
      onFatal: (error) => {
        logger.fatal({ err: error }, 'dispatcher stopped for good');
        process.exit(1);
      },
    }),
  // The drain, then the commit and leaving the group.
  shutdownDeadlineMs: (config) => config.DISPATCHER_SHUTDOWN_DEADLINE_MS + 15_000,
});
