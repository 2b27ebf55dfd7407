import { createKafkaClient } from '@payhook/kafka';
import { createLogger } from '@payhook/runtime';
import type { Admin, Kafka, KafkaMessage } from 'kafkajs';
import { testEnvironment, uniqueName } from './environment.ts';
import { waitUntil } from './wait.ts';

/** A kafkajs client for tests; warnings and errors only. */
export function testKafka(
  clientId = uniqueName('client'),
  brokers: readonly string[] = testEnvironment.kafkaBrokers,
): Kafka {
  return createKafkaClient({
    brokers,
    clientId,
    logger: createLogger({ name: 'test', level: process.env.TEST_LOG_LEVEL ?? 'error', destination: process.stderr }),
  });
}

/** Creates topics with random names; `drop()` deletes them (call it in `after`). */
export async function scratchTopics(
  admin: Admin,
  prefix: string,
  count: number,
  partitions = 3,
): Promise<{ names: string[]; drop(): Promise<void> }> {
  const names = Array.from({ length: count }, () => uniqueName(prefix));
  await admin.createTopics({
    waitForLeaders: true,
    topics: names.map((topic) => ({ topic, numPartitions: partitions })),
  });
  return { names, drop: () => admin.deleteTopics({ topics: names }).catch(() => undefined) };
}

/** Reads a topic from the beginning with a fresh group until `count` records arrived (or the timeout). */
export async function readRecords(
  kafka: Kafka,
  topic: string,
  count: number,
  options: { timeoutMs?: number; readCommitted?: boolean; settleMs?: number } = {},
): Promise<{ partition: number; message: KafkaMessage }[]> {
  // A short fetch wait: disconnect waits for the fetch in flight.
  const consumer = kafka.consumer({
    groupId: uniqueName('reader'),
    readUncommitted: options.readCommitted === false,
    maxWaitTimeInMs: 200,
  });
  const records: { partition: number; message: KafkaMessage }[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({ eachMessage: async ({ partition, message }) => void records.push({ partition, message }) });
    await waitUntil(() => records.length >= count, {
      timeoutMs: options.timeoutMs ?? 30_000,
      what: `${count} records on ${topic}`,
    });
    // Wait a little longer to catch records beyond the expected count.
    if (options.settleMs !== undefined) await new Promise((r) => setTimeout(r, options.settleMs));
    return records;
  } finally {
    await consumer.disconnect();
  }
}
