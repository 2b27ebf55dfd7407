import { randomUUID } from 'node:crypto';
import type { Consumer, Kafka, KafkaMessage } from 'kafkajs';

/** Offsets `[start, end)` of one partition to read. */
export interface ScanRange {
  readonly start: bigint;
  readonly end: bigint;
}

/** What to read: topic → partition → range. */
export type ScanRanges = ReadonlyMap<string, ReadonlyMap<number, ScanRange>>;

/** The records of one fetched batch that fall inside their partition's range, in offset order. */
export interface ScanBatch {
  readonly topic: string;
  readonly partition: number;
  readonly messages: readonly KafkaMessage[];
  /** Where reading this partition goes on after the batch (at most the range's end). */
  readonly next: bigint;
  /** Keeps the scan's group membership alive during long work on one batch. */
  heartbeat(): Promise<void>;
}

/** `'done'` stops reading the batch's partition (the rest of its range is skipped). */
export type ScanVerdict = 'continue' | 'done';

/** Options of {@link scanTopics}. */
export interface ScanOptions {
  readonly kafka: Kafka;
  readonly ranges: ScanRanges;
  /**
   * Called once per fetched batch that moves a partition forward, one call at a time (never
   * concurrently, so callers may keep state across partitions). A throw ends the scan with
   * that error.
   */
  onBatch(batch: ScanBatch): Promise<ScanVerdict | undefined> | ScanVerdict | undefined;
  /**
   * Start of the scan's consumer group id, `<prefix>.<random>` (a pipeline's topic prefix
   * belongs in it).
   * @defaultValue `'payhook-scan'`
   */
  readonly groupIdPrefix?: string;
}

const defaults = { groupIdPrefix: 'payhook-scan' } as const satisfies Partial<ScanOptions>;

const keyOf = (topic: string, partition: number) => `${topic}\u0000${partition}`;

/**
 * Reads fixed offset ranges of one or more topics (read_committed) and resolves once every
 * range was read to its end or given up with `'done'`.
 *
 * kafkajs reads only through consumer groups, so the scan joins a group of its own that never
 * commits (it leaves no offsets behind) and seeks each partition to its range's start.
 * Records a fetch returns twice (a fetch issued before the seek landed) or beyond the end are
 * dropped here, so every record of a range reaches `onBatch` exactly once.
 */
export async function scanTopics(options: ScanOptions): Promise<void> {
  const { kafka, ranges, onBatch, groupIdPrefix } = { ...defaults, ...options };
  const positions = new Map<string, bigint>();
  const ends = new Map<string, bigint>();
  for (const [topic, partitions] of ranges) {
    for (const [partition, range] of partitions) {
      if (range.start >= range.end) continue;
      positions.set(keyOf(topic, partition), range.start);
      ends.set(keyOf(topic, partition), range.end);
    }
  }
  if (positions.size === 0) return;
  const topics = [...new Set([...positions.keys()].map((k) => k.split('\u0000')[0] as string))];

  const consumer = kafka.consumer({
    groupId: `${groupIdPrefix}.${randomUUID()}`,
    readUncommitted: false,
    allowAutoTopicCreation: false,
    // A short fetch wait: disconnect waits for the fetch in flight, so the scan ends quickly.
    maxWaitTimeInMs: 100,
  });
  const finished = Promise.withResolvers<void>();
  finished.promise.catch(() => undefined);
  let failed = false;

  const finish = (topic: string, partition: number) => {
    const key = keyOf(topic, partition);
    if (!ends.delete(key)) return;
    consumer.pause([{ topic, partitions: [partition] }]);
    if (ends.size === 0) finished.resolve();
  };
  const fail = (error: unknown) => {
    failed = true;
    consumer.pause(topics.map((topic) => ({ topic })));
    finished.reject(error);
  };

  // Batches of transaction markers or aborted records never reach eachBatch, yet they move a
  // partition on; a transactional writer's partition ends in a marker. Progress from this
  // event, which follows every batch, lets such a partition reach its end.
  consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
    const key = keyOf(payload.topic, payload.partition);
    const end = ends.get(key);
    if (end === undefined) return;
    const after = BigInt(payload.lastOffset) + 1n;
    if (after > (positions.get(key) ?? 0n)) positions.set(key, after < end ? after : end);
    if (after >= end) finish(payload.topic, payload.partition);
  });
  consumer.on(consumer.events.CRASH, ({ payload }) => {
    if (!payload.restart) fail(payload.error);
  });

  try {
    await consumer.connect();
    await consumer.subscribe({ topics, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      partitionsConsumedConcurrently: 1,
      eachBatch: async ({ batch, heartbeat }) => {
        if (failed) return;
        const key = keyOf(batch.topic, batch.partition);
        const end = ends.get(key);
        if (end === undefined) {
          // A partition outside the ranges, or one already finished.
          consumer.pause([{ topic: batch.topic, partitions: [batch.partition] }]);
          return;
        }
        const from = positions.get(key) ?? 0n;
        const messages = batch.messages.filter((m) => {
          const offset = BigInt(m.offset);
          return offset >= from && offset < end;
        });
        const last = BigInt(batch.lastOffset()) + 1n;
        const next = last > end ? end : last;
        if (next <= from && messages.length === 0) return;
        try {
          const verdict = await onBatch({
            topic: batch.topic,
            partition: batch.partition,
            messages,
            next: next > from ? next : from,
            heartbeat,
          });
          if (next > from) positions.set(key, next);
          if (verdict === 'done' || next >= end) finish(batch.topic, batch.partition);
        } catch (error) {
          // Not rethrown: kafkajs would fetch the batch again and hand it over a second time.
          fail(error);
        }
      },
    });
    for (const [topic, partitions] of ranges) {
      for (const [partition, range] of partitions) {
        if (ends.has(keyOf(topic, partition))) await seekWhenReady(consumer, topic, partition, range.start.toString());
      }
    }
    await finished.promise;
  } finally {
    await consumer.disconnect().catch(() => undefined);
  }
}

/**
 * `run()` resolves before kafkajs has created the consumer group, and `seek` throws until it
 * has: retry for a few seconds.
 */
async function seekWhenReady(consumer: Consumer, topic: string, partition: number, offset: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      consumer.seek({ topic, partition, offset });
      return;
    } catch (error) {
      if (attempt >= 100 || !/not initialized/i.test(error instanceof Error ? error.message : '')) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}
