import { createTableReader, type RecordSender, type TableReader } from '@payhook/kafka';
import type { Logger, PayhookError } from '@payhook/runtime';
import type { Kafka } from 'kafkajs';
import type { z } from 'zod';
import { withOwnWrites } from './own-writes.ts';

/**
 * A compacted topic of the API's own state (idempotency records, jobs), held in memory by every
 * replica: values are JSON checked with a zod schema, so a record another version wrote that
 * does not parse is skipped (logged by the table reader) rather than trusted.
 */
export interface JsonTable<T> {
  readonly topic: string;
  /** The latest value of `key`: this process's own write until the table reads it back, then the topic's. */
  get(key: string): T | undefined;
  /** Waits until the table has read everything written so far (or `timeoutMs` passed). */
  catchUp(timeoutMs: number): Promise<boolean>;
  /** Writes `value` under `key`, acknowledged by every in-sync replica; readable here at once. */
  write(key: string, value: T): Promise<void>;
  readonly caughtUp: boolean;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** Options of {@link createJsonTable}. */
export interface JsonTableOptions<T> {
  readonly kafka: Kafka;
  readonly producer: RecordSender;
  readonly topic: string;
  readonly schema: z.ZodType<T>;
  readonly logger: Logger;
  readonly onFailed: (error: PayhookError) => void;
  /** Orders a key's values (see `withOwnWrites`); without it any change replaces an own write. */
  readonly versionOf?: (value: T) => number;
}

/** A {@link JsonTable} on `options.topic`, read with the table reader every service uses. */
export function createJsonTable<T>(options: JsonTableOptions<T>): JsonTable<T> {
  const { topic, schema, producer } = options;
  const reader: TableReader<T> = createTableReader<T>({
    kafka: options.kafka,
    topic,
    decode: (_key, value) => schema.parse(JSON.parse(value.toString('utf8'))),
    logger: options.logger,
    onFailed: options.onFailed,
  });
  // Keys are given with each write; the view's listing (which needs a value's key) is not used.
  const own = withOwnWrites(reader, () => '', options.versionOf);
  return {
    topic,
    get: (key) => own.view.get(key),
    catchUp: (timeoutMs) => reader.catchUp(timeoutMs),
    write: (key, value) =>
      own.write(key, value, async () => {
        await producer.send({ topic, acks: -1, messages: [{ key, value: JSON.stringify(value) }] });
      }),
    get caughtUp() {
      return reader.caughtUp;
    },
    start: () => reader.start(),
    stop: () => reader.stop(),
  };
}
