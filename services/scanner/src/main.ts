// Composition root of the scanner. On SIGTERM each chain loop finishes its step (one
// transaction) and stops; then the health server closes. A loop fenced by a newer scanner
// for its chain, or one whose commit failed without telling whether it went through, ends the
// process with status 1: the restarted scanner reads its checkpoint back.
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
