// Composition root of the lag exporter. On SIGTERM it stops measuring; then the health server
// closes.
import { runService } from '@payhook/runtime';
import { createLagExporterApp } from './app.ts';
import { lagExporterEnvSchema } from './config.ts';

await runService({ name: 'lag-exporter', schema: lagExporterEnvSchema, create: createLagExporterApp });
