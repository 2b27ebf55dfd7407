import { contractsEnv, parseDuration } from '@payhook/contracts';
import { kafkaEnv } from '@payhook/kafka';
import { envField } from '@payhook/runtime';
import { secretsKeyEnv } from '@payhook/signing';
import { z } from 'zod';

const ratio = z.coerce.number({ error: 'must be a number' }).min(0, 'must be ≥ 0').max(1, 'must be ≤ 1');
const duration = z.string().transform((text, ctx): number => {
  try {
    const ms = parseDuration(text);
    if (ms > 0) return ms;
    ctx.addIssue({ code: 'custom', message: 'must be longer than zero' });
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: (error as Error).message });
  }
  return z.NEVER;
});
const list = z.string().transform((raw) =>
  raw
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0),
);

/** The dispatcher's environment. */
export const dispatcherEnvSchema = z.object({
  ...kafkaEnv,
  ...contractsEnv,
  ...secretsKeyEnv,
  LOG_LEVEL: envField.logLevel().default('info'),
  /** `/metrics`, `/healthz`, `/readyz`. */
  PAYHOOK_HTTP_PORT: envField.port().default(9464),
  PAYHOOK_HTTP_HOST: z.string().default('0.0.0.0'),
  DISPATCHER_GROUP_ID: z.string().min(1).default('payhook-dispatcher'),
  /**
   * How long the group waits for a pod that stopped heartbeating (every tenth of this) before its
   * partitions move: the pause a crashed pod's partitions see. 10 s rather than 30 s: no spurious
   * rebalance under load, worst event-loop delay 0.5 s against 9 s tolerated (bench/session-timeout.ts).
   */
  DISPATCHER_SESSION_TIMEOUT_MS: envField.positiveInt().default(10_000),
  /** Host names, IPs or CIDRs that may be reached over plain http and at private addresses (development only). */
  DISPATCHER_DEV_ALLOW_LIST: list.default([]),
  DISPATCHER_CONNECT_TIMEOUT_MS: envField.positiveInt().default(5_000),
  DISPATCHER_REQUEST_TIMEOUT_MS: envField.positiveInt().default(15_000),
  /**
   * Threads that sign and send (each with its own connection pool), beside the one that
   * consumes and routes; 0 sends on that one.
   */
  DISPATCHER_SENDER_THREADS: z.coerce
    .number({ error: 'must be a number' })
    .int('must be an integer')
    .min(0, 'must be ≥ 0')
    .max(16, 'must be ≤ 16')
    .default(1),
  /**
   * Each sender thread's young generation in MiB (V8: three semi-spaces), set apart from the
   * process's heap flags, which size the consuming thread. 48 rather than the 24 of semi-spaces
   * of 8 MiB: about an eighth less CPU per delivery, and 10,000 endpoints stay under 300 MiB
   * (bench/dispatcher.ts).
   */
  DISPATCHER_SENDER_YOUNG_GENERATION_MB: z.coerce
    .number({ error: 'must be a number' })
    .int('must be an integer')
    .min(3, 'must be ≥ 3 (three semi-spaces of 1 MiB)')
    .default(48),
  /** Each sender thread's old generation cap in MiB. */
  DISPATCHER_SENDER_OLD_GENERATION_MB: envField.positiveInt().default(256),
  DISPATCHER_MAX_IN_FLIGHT: envField.positiveInt().default(512),
  /** An attempt whose request has been out this long stops counting against DISPATCHER_MAX_IN_FLIGHT (hanging endpoints cannot take every slot). */
  DISPATCHER_SLOW_ATTEMPT_MS: envField.positiveInt().default(1_000),
  /** Slow attempts counted apart at once; beyond this a slow attempt keeps its slot. */
  DISPATCHER_MAX_SLOW_IN_FLIGHT: envField.positiveInt().default(512),
  /** Records kept waiting behind an endpoint's slow attempt; newer ones go to the next tier without a request. */
  DISPATCHER_MAX_QUEUED_WHILE_SLOW: envField.positiveInt().default(20),
  DISPATCHER_PER_ENDPOINT_CONCURRENCY: envField.positiveInt().default(1),
  DISPATCHER_MAX_UNFINISHED_PER_PARTITION: envField.positiveInt().default(2_000),
  DISPATCHER_PARTITIONS_CONCURRENTLY: envField.positiveInt().default(6),
  DISPATCHER_COMMIT_INTERVAL_MS: envField.positiveInt().default(500),
  /**
   * How long an attempt, retry or dead-letter write waits for others to join its batch: longer
   * means fewer, larger produce requests (less CPU here and in the brokers). No delivery waits
   * for it; only the offset commit, which follows the writes, does.
   */
  DISPATCHER_WRITE_LINGER_MS: envField.positiveInt().default(20),
  DISPATCHER_RETRY_JITTER: ratio.default(0.1),
  /** Times a delivery may go through the last tier again before the DLQ. */
  DISPATCHER_LAST_TIER_REPEATS: z.coerce
    .number({ error: 'must be a number' })
    .int('must be an integer')
    .min(0, 'must be ≥ 0')
    .default(0),
  /**
   * The longest `Retry-After` honoured (e.g. `1h`): a longer one is clamped to it. The endpoint
   * is then sent nothing until that time; its records wait in the tiers without spending attempts.
   */
  DISPATCHER_MAX_RETRY_AFTER: duration.default(3_600_000),
  /**
   * How long a delivery is tried at most (e.g. `3d`), from its creation or its replay: past it,
   * a record that fails or waits goes to the DLQ with reason `max_age_exceeded`.
   */
  DISPATCHER_MAX_DELIVERY_AGE: duration.default(259_200_000),
  DISPATCHER_BREAKER_FAILURES: envField.positiveInt().default(5),
  DISPATCHER_BREAKER_COOLDOWN_MS: envField.positiveInt().default(30_000),
  /** Deliveries per second to an endpoint whose record sets no rate. */
  DISPATCHER_DEFAULT_RATE_PER_SECOND: envField.positiveInt().default(50),
  DISPATCHER_SHUTDOWN_DEADLINE_MS: envField.positiveInt().default(20_000),
});

/** The parsed environment. */
export type DispatcherConfig = z.infer<typeof dispatcherEnvSchema>;
