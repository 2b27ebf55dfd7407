import { contractsEnv } from '@payhook/contracts';
import { kafkaEnv } from '@payhook/kafka';
import { envField } from '@payhook/runtime';
import { z } from 'zod';

/** The lag exporter's environment. */
export const lagExporterEnvSchema = z.object({
  ...kafkaEnv,
  ...contractsEnv,
  LOG_LEVEL: envField.logLevel().default('info'),
  PAYHOOK_HTTP_PORT: envField.port().default(9467),
  PAYHOOK_HTTP_HOST: z.string().default('0.0.0.0'),
  DISPATCHER_GROUP_ID: z.string().min(1).default('payhook-dispatcher'),
  FILTER_GROUP_ID: z.string().min(1).default('payhook-confirmation-filter'),
  /**
   * How often lag is measured (each measurement reads up to 500 records or 1 MiB per lagging
   * partition, `UNCONSUMED_WINDOW` of @payhook/consumer-lag).
   */
  LAG_INTERVAL_MS: envField.positiveInt().default(15_000),
});
export type LagExporterConfig = z.infer<typeof lagExporterEnvSchema>;
