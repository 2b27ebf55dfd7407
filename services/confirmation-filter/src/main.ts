// Composition root of the confirmation filter. On SIGTERM it finishes the batch in hand (one
// transaction) and leaves the group; then the health server closes. A consumer that stopped
// for good, or a filter fenced by a newer one with its instance id, ends the process with
// status 1 so that its supervisor starts it again.
import { runService } from '@payhook/runtime';
import { createFilterApp } from './app.ts';
import { filterEnvSchema } from './config.ts';

await runService({
  name: 'confirmation-filter',
  schema: filterEnvSchema,
  create: ({ config, logger, registry }) =>
    createFilterApp({
      config,
      logger,
      registry,
      onFatal: (error) => {
        logger.fatal({ err: error }, 'confirmation filter stopped for good');
        process.exit(1);
      },
    }),
});
