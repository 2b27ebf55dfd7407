import type { PipelineTopics } from '@payhook/contracts';
import type { RecordSender } from '@payhook/kafka';
import type { Logger, PayhookError } from '@payhook/runtime';
import type { SecretsKeyRing } from '@payhook/signing';
import type { Kafka } from 'kafkajs';
import { type IdempotencyRecord, IdempotencyRecordSchema, IdempotencyStore } from './idempotency.ts';
import { type JobRecord, JobRecordSchema } from './job-records.ts';
import { createJsonTable, type JsonTable } from './json-table.ts';

/**
 * The API's own state, shared by its replicas: Idempotency-Key records and jobs, each a
 * compacted topic (`api.idempotency`, `api.jobs`) every replica reads into memory.
 */
export interface ApiState {
  readonly idempotency: IdempotencyStore;
  readonly jobs: JsonTable<JobRecord>;
  /** Both tables have caught up with their topics and still follow them. */
  readonly caughtUp: boolean;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** Options of {@link createApiState}. */
export interface ApiStateOptions {
  readonly kafka: Kafka;
  readonly producer: RecordSender;
  readonly topics: PipelineTopics;
  readonly logger: Logger;
  readonly onFailed: (error: PayhookError) => void;
  /** Seals stored create responses (an endpoint's holds its secret). */
  readonly secretsKey: SecretsKeyRing | undefined;
  /** How long an Idempotency-Key is remembered. */
  readonly idempotencyTtlMs: number;
  readonly now: () => number;
}

/** The two tables and the idempotency store over the first; nothing connects until `start()`. */
export function createApiState(options: ApiStateOptions): ApiState {
  const { kafka, producer, logger, onFailed } = options;
  const records: JsonTable<IdempotencyRecord> = createJsonTable({
    kafka,
    producer,
    topic: options.topics.apiIdempotency,
    schema: IdempotencyRecordSchema,
    logger,
    onFailed,
  });
  const jobs: JsonTable<JobRecord> = createJsonTable({
    kafka,
    producer,
    topic: options.topics.apiJobs,
    schema: JobRecordSchema,
    logger,
    onFailed,
    versionOf: (job) => job.updated_at,
  });
  const idempotency = new IdempotencyStore({
    ttlMs: options.idempotencyTtlMs,
    now: options.now,
    table: records,
    secretsKey: options.secretsKey,
    logger,
  });
  return {
    idempotency,
    jobs,
    get caughtUp() {
      return records.caughtUp && jobs.caughtUp;
    },
    async start() {
      await Promise.all([records.start(), jobs.start()]);
    },
    async stop() {
      await Promise.all([records.stop(), jobs.stop()]);
    },
  };
}
