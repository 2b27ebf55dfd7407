// Composition root of the scanner. On SIGTERM each chain loop finishes its step (one
// transaction) and stops; then the health server closes. A loop fenced by a newer scanner
// for its chain ends the process with status 1.
import { runService } from '@payhook/runtime';
import { createScannerApp } from './app.ts';
import { scannerEnvSchema } from './config.ts';

await runService({
  name: 'scanner',
  schema: scannerEnvSchema,
  create: ({ config, logger, registry }) =>
    createScannerApp({
      config,
      logger,
      registry,
      onFatal: (error) => {
        logger.fatal({ err: error }, 'scanner stopped for good');
        process.exit(1);
      },
    }),
});
