import { randomUUID } from 'node:crypto';
import { type ContractCodec, DeliveryHeader, type PipelineTopics } from '@payhook/contracts';
import { headerText, watchConsumerCrash } from '@payhook/kafka';
import { type Counter, type Logger, PayhookError } from '@payhook/runtime';
import type { Consumer, Kafka, KafkaMessage } from 'kafkajs';
import { DeliveryStage, type IngestRecord, type ReadModelStore } from './read-model-store.ts';

/** Stable error codes of the read model's ingestion. */
export const ReadModelErrorCode = {
  /** The consumer stopped for good: the read model no longer follows the topics. */
  STOPPED: 'API_READ_MODEL_STOPPED',
} as const;

/** Options of {@link createReadModelIngester}. */
export interface ReadModelIngesterOptions {
  readonly kafka: Kafka;
  readonly codec: ContractCodec;
  readonly topics: PipelineTopics;
  readonly store: ReadModelStore;
  readonly logger: Logger;
  /** Records written to the store, by kind (`event`, `delivery`, `attempt`, `skipped`). */
  readonly applied?: Counter<'kind'>;
  /** The consumer stopped for good. */
  readonly onFailed: (error: PayhookError) => void;
}

/** Follows the pipeline's topics into the read model. */
export interface ReadModelIngester {
  /** Resolves once every partition is read up to where it ended at the call; reading goes on. */
  start(): Promise<void>;
  /** Whether it caught up once and still follows the topics. */
  readonly caughtUp: boolean;
  stop(): Promise<void>;
}

/**
 * The API's consumer of `payments.events`, `webhooks.dispatch`, the retry tiers,
 * `webhooks.attempts` and `webhooks.dlq` (read_committed). Offsets live in the store, written
 * with the rows, never in Kafka: the consumer joins a group of its own (a random id, never
 * committed), which hands it every partition as a manual assignment would (kafkajs has no
 * `assign`), and seeks each partition to the store's position. So every API process keeps a
 * whole read model, and no rebalance between processes can move a partition away from the
 * store that holds its rows.
 */
export function createReadModelIngester(options: ReadModelIngesterOptions): ReadModelIngester {
  const { kafka, codec, topics, store } = options;
  const logger = options.logger.child({ component: 'read-model' });
  const retry = new Set(topics.retry.map((t) => t.topic));
  const subscribed = [topics.events, topics.dispatch, ...retry, topics.dlq, topics.attempts];
  const groupId = `${topics.prefix}payhook-api.read-model.${randomUUID()}`;
  // A short fetch wait: disconnect waits for the fetch in flight, and new rows show sooner.
  const consumer: Consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 100, allowAutoTopicCreation: false });
  /** Per topic and partition, the end to reach before the model counts as caught up. */
  const remaining = new Map<string, bigint>();
  const ready = Promise.withResolvers<void>();
  ready.promise.catch(() => undefined);
  let reachedEnd = false;
  let failed = false;
  /** For the catch-up log line: how long reading up to the end took from the first batch. */
  let firstBatchAt: number | undefined;
  let recordsBeforeEnd = 0;
  let stopping = false;

  const stageOf = (topic: string): DeliveryStage | undefined =>
    topic === topics.dispatch
      ? DeliveryStage.DISPATCH
      : topic === topics.dlq
        ? DeliveryStage.DLQ
        : retry.has(topic)
          ? DeliveryStage.RETRY
          : undefined;

  async function decode(topic: string, message: KafkaMessage): Promise<IngestRecord> {
    const offset = BigInt(message.offset);
    try {
      if (topic === topics.events) {
        return { kind: 'event', offset, event: await codec.decode('PAYMENT_EVENT', message.value) };
      }
      if (topic === topics.attempts) {
        return { kind: 'attempt', offset, attempt: await codec.decode('DELIVERY_ATTEMPT', message.value) };
      }
      const stage = stageOf(topic);
      if (stage === undefined) return { kind: 'skipped', offset };
      const number = (name: string): number | null => {
        const n = Number(headerText(message.headers, name) ?? Number.NaN);
        return Number.isFinite(n) ? n : null;
      };
      return {
        kind: 'delivery',
        offset,
        stage,
        delivery: await codec.decode('WEBHOOK_DELIVERY', message.value),
        writtenAtMs: Number(message.timestamp),
        tier: stage === DeliveryStage.RETRY ? (headerText(message.headers, DeliveryHeader.TIER) ?? null) : null,
        dueAtMs: stage === DeliveryStage.RETRY ? number(DeliveryHeader.DUE_AT) : null,
        dlqReason:
          stage === DeliveryStage.DLQ ? (headerText(message.headers, DeliveryHeader.DLQ_REASON) ?? null) : null,
        replayedAtMs: number(DeliveryHeader.REPLAYED_AT),
      };
    } catch (error) {
      // The registry away says nothing about the record: the batch is read again.
      if ((error as { retryable?: boolean }).retryable === true) throw error;
      logger.warn(
        { topic, offset: message.offset, code: (error as { code?: unknown }).code },
        'read model: a record that does not decode is skipped',
      );
      return { kind: 'skipped', offset };
    }
  }

  function advance(topic: string, partition: number, next: bigint): void {
    const key = `${topic}:${partition}`;
    const end = remaining.get(key);
    if (end !== undefined && next >= end) remaining.delete(key);
    if (!reachedEnd && remaining.size === 0) {
      reachedEnd = true;
      const ms = firstBatchAt === undefined ? 0 : Math.round(performance.now() - firstBatchAt);
      logger.info({ records: recordsBeforeEnd, ms }, 'read model caught up');
      ready.resolve();
    }
  }

  async function run(): Promise<void> {
    let positions = await store.positions();
    const admin = kafka.admin();
    await admin.connect();
    const ends: { topic: string; partition: number; high: bigint; low: bigint }[] = [];
    try {
      for (const topic of subscribed) {
        for (const p of await admin.fetchTopicOffsets(topic)) {
          ends.push({ topic, partition: p.partition, high: BigInt(p.high), low: BigInt(p.low) });
        }
      }
    } finally {
      await admin.disconnect();
    }
    // A position past a partition's end belongs to a topic since deleted and created again (a
    // reset local stack): its rows describe records that are gone, and the new records below
    // that position would be skipped. The model is rebuilt.
    const stale = ends.find((e) => (positions.get(e.topic)?.get(e.partition) ?? 0n) > e.high);
    if (stale !== undefined) {
      logger.warn(
        { topic: stale.topic, partition: stale.partition },
        'read model: a stored position is past the end of its partition (the topic was created again); rebuilding',
      );
      await store.reset();
      positions = await store.positions();
    }
    for (const { topic, partition, high, low } of ends) {
      const from = positions.get(topic)?.get(partition) ?? 0n;
      if (high > low && high > from) remaining.set(`${topic}:${partition}`, high);
    }
    // Batches of transaction markers only never reach eachBatch, yet they end a partition.
    consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) =>
      advance(payload.topic, payload.partition, BigInt(payload.lastOffset) + 1n),
    );
    watchConsumerCrash(consumer, {
      logger,
      stopped: (cause) => {
        failed = true;
        const error = new PayhookError(ReadModelErrorCode.STOPPED, 'the read model stopped following the topics', {
          cause,
        });
        ready.reject(error);
        if (!stopping) options.onFailed(error);
      },
    });
    advance('', 0, 0n);
    await consumer.connect();
    await consumer.subscribe({ topics: subscribed, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        const last = batch.messages.at(-1);
        if (last === undefined) return;
        firstBatchAt ??= performance.now();
        const records: IngestRecord[] = [];
        for (const message of batch.messages) records.push(await decode(batch.topic, message));
        const nextOffset = BigInt(last.offset) + 1n;
        await store.apply({ topic: batch.topic, partition: batch.partition, records, nextOffset });
        for (const r of records) options.applied?.inc({ kind: r.kind });
        if (!reachedEnd) recordsBeforeEnd += records.length;
      },
    });
    // The group is new, so nothing is committed: each partition starts where the store's rows end.
    for (const [topic, partitions] of positions) {
      if (!subscribed.includes(topic)) continue;
      for (const [partition, offset] of partitions) consumer.seek({ topic, partition, offset: String(offset) });
    }
    await ready.promise;
  }

  let starting: Promise<void> | undefined;
  return {
    start() {
      starting ??= run().catch(async (error: unknown) => {
        await consumer.disconnect().catch(() => undefined);
        throw error;
      });
      return starting;
    },
    get caughtUp() {
      return reachedEnd && !failed;
    },
    async stop() {
      stopping = true;
      await consumer.disconnect();
    },
  };
}
