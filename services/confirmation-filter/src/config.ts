import { hostname } from 'node:os';
import { contractsEnv } from '@payhook/contracts';
import { kafkaEnv } from '@payhook/kafka';
import { envField } from '@payhook/runtime';
import { z } from 'zod';

/** The confirmation filter's environment. */
export const filterEnvSchema = z.object({
  ...kafkaEnv,
  ...contractsEnv,
  LOG_LEVEL: envField.logLevel().default('info'),
  PAYHOOK_HTTP_PORT: envField.port().default(9466),
  PAYHOOK_HTTP_HOST: z.string().default('0.0.0.0'),
  FILTER_GROUP_ID: z.string().min(1).default('payhook-confirmation-filter'),
  /** How long the group waits for a pod that stopped heartbeating before its partitions move. */
  FILTER_SESSION_TIMEOUT_MS: envField.positiveInt().default(10_000),
  /** Unique per pod and stable across its restarts, so a restarted pod fences its old self. */
  FILTER_INSTANCE_ID: z
    .string()
    .regex(/^[A-Za-z0-9._-]+$/, 'may hold only letters, digits, ".", "_" and "-"')
    .default(hostname().replace(/[^A-Za-z0-9._-]/g, '-')),
});
export type FilterConfig = z.infer<typeof filterEnvSchema>;
