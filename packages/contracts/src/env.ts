import { envField } from '@payhook/runtime';
import { z } from 'zod';
import { DEFAULT_RETRY_TIERS, parseRetryTiers, type RetryTier } from './retry-tiers.ts';

/** Environment variables naming the registry and the retry tiers; compose into a service's schema. */
export const contractsEnv = {
  /** Base URL of the Confluent-compatible registry API. */
  SCHEMA_REGISTRY_URL: envField.httpUrl().default('http://127.0.0.1:8081/apis/ccompat/v7'),
  /** Comma-separated tier delays, e.g. `5s,1m,10m,1h,6h,24h`. */
  PAYHOOK_RETRY_TIERS: z
    .string()
    .transform((spec, ctx): RetryTier[] => {
      try {
        return parseRetryTiers(spec);
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: (error as Error).message.replace(/^retry tiers: /, '') });
        return z.NEVER;
      }
    })
    .default([...DEFAULT_RETRY_TIERS]),
  /** Prefix of every topic (and so of every registry subject), e.g. `staging.`; empty by default. */
  PAYHOOK_TOPIC_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9._-]*$/, 'may hold only letters, digits, ".", "_" and "-"')
    .default(''),
} as const;
