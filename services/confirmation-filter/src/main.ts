// Composition root of the confirmation filter. On SIGTERM it finishes the batch in hand (one
// transaction) and leaves the group; then the health server closes.
import { runService } from '@payhook/runtime';
import { createFilterApp } from './app.ts';
import { filterEnvSchema } from './config.ts';

await runService({ name: 'confirmation-filter', schema: filterEnvSchema, create: createFilterApp });
