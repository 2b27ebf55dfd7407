import { type ContractCodec, eventTypeOf, type PipelineTopics } from '@payhook/contracts';
import {
  sendSizedChunks,
  type TransactionalWriter,
  TransactionError,
  TransactionErrorCode,
  watchConsumerCrash,
} from '@payhook/kafka';
import type { Logger } from '@payhook/runtime';
import type { Consumer, EachBatchPayload, Kafka, KafkaMessage, Message } from 'kafkajs';
import { deliveriesFor } from './deliveries.ts';
import { groupCommits } from './group-commit.ts';
import type { FilterMetrics } from './metrics.ts';
import type { SeenEvents } from './seen-events.ts';
import type { Subscriptions } from './subscriptions.ts';

/** Everything the filter loop needs. */
export interface FilterConsumerDeps {
  readonly kafka: Kafka;
  readonly groupId: string;
  readonly sessionTimeoutMs: number;
  /**
   * Writes delivery records and offsets in transactions: the batches of several partitions
   * fetched together share one.
   */
  readonly writer: TransactionalWriter;
  readonly codec: ContractCodec;
  readonly topics: PipelineTopics;
  readonly subscriptions: Subscriptions;
  readonly seen: SeenEvents;
  readonly logger: Logger;
  readonly metrics: FilterMetrics;
  /**
   * Called once when the loop stops for good: the consumer failed with an error it does not
   * restart from, or a newer filter with the same transactional id took over.
   */
  readonly onFatal: (error: unknown) => void;
}

/** The consume-transform-produce loop over payments.events. */
export interface FilterConsumer {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** True while a member of the group with a usable producer; otherwise the reason. */
  readiness(): true | string;
}

/** Partition batches handled at once; those of one fetch share a transaction. */
const PARTITIONS_AT_ONCE = 32;

/** One partition batch's output, committed with the others of its transaction. */
interface BatchOutput {
  readonly partition: number;
  readonly messages: readonly Message[];
  /** The offset after the batch's last record: the group's committed offset once it commits. */
  readonly nextOffset: string;
}

/**
 * Reads payment events (read_committed) and writes each batch's delivery records and consumed
 * offsets in a transaction, shared by the batches of the partitions fetched together: a crash
 * or restart neither loses nor repeats output. A transaction that fails fails every batch in
 * it, and each is retried (kafkajs fetches it again); when its commit failed, the group's
 * committed offset tells afterwards whether it had committed.
 */
export function createFilterConsumer(deps: FilterConsumerDeps): FilterConsumer {
  const { codec, topics, subscriptions, seen, metrics, writer } = deps;
  const consumer: Consumer = deps.kafka.consumer({
    groupId: deps.groupId,
    readUncommitted: false,
    maxWaitTimeInMs: 250,
    sessionTimeout: deps.sessionTimeoutMs,
    heartbeatInterval: Math.max(500, Math.floor(deps.sessionTimeoutMs / 10)),
  });
  let joined = false;
  let failure: unknown;
  /** Partitions whose last commit failed with an unknown outcome, to settle before going on. */
  const unsettled = new Set<number>();

  const commit = groupCommits<BatchOutput>((batches) =>
    writer.run(async (tx) => {
      // In sends the broker accepts: a large batch fanned out to many endpoints can pass 1 MiB
      // on one partition, which the broker refuses, and the same batch would fail for ever.
      for (const messages of sendSizedChunks(batches.flatMap((b) => b.messages))) {
        await tx.send({ topic: topics.dispatch, messages });
      }
      await tx.sendOffsets({
        consumerGroupId: deps.groupId,
        topics: [
          {
            topic: topics.events,
            partitions: batches.map((b) => ({ partition: b.partition, offset: b.nextOffset })),
          },
        ],
      });
    }),
  );

  function fail(error: unknown, message: string): void {
    if (failure !== undefined) return;
    failure = error;
    joined = false;
    deps.logger.error({ err: error }, message);
    // Not awaited: kafkajs waits for the batch in hand, which may be the caller.
    void consumer.disconnect().catch(() => undefined);
    deps.onFatal(error);
  }

  consumer.on(consumer.events.GROUP_JOIN, () => {
    joined = true;
  });
  // kafkajs's own "Crash" log line carries a retry count, which the logger demotes to debug.
  watchConsumerCrash(consumer, {
    logger: deps.logger,
    crashed: () => {
      joined = false;
    },
    stopped: (error) => fail(error, 'consumer stopped for good'),
  });

  /** The group's committed offset of a partition (-1 when none). */
  async function committedOffset(topic: string, partition: number): Promise<bigint> {
    const admin = deps.kafka.admin();
    await admin.connect();
    try {
      const [offsets] = await admin.fetchOffsets({ groupId: deps.groupId, topics: [topic] });
      return BigInt(offsets?.partitions.find((p) => p.partition === partition)?.offset ?? '-1');
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }

  /**
   * After a commit with an unknown outcome: once the writer has settled it, the records below
   * the committed offset went out with it. They are marked seen and left out of this batch.
   */
  async function settle(topic: string, partition: number, messages: KafkaMessage[]): Promise<KafkaMessage[]> {
    await writer.recover();
    const committed = await committedOffset(topic, partition);
    unsettled.delete(partition);
    const written = messages.filter((m) => BigInt(m.offset) < committed);
    for (const message of written) {
      const event = await codec.decode('PAYMENT_EVENT', message.value).catch(() => undefined);
      if (event !== undefined) seen.firstTime(event.payment_id, event.sequence);
    }
    deps.logger.info(
      { partition, committed: committed.toString(), alreadyWritten: written.length },
      'settled a commit whose outcome was unknown',
    );
    return messages.filter((m) => BigInt(m.offset) >= committed);
  }

  async function eachBatch({ batch, isRunning, isStale, heartbeat, resolveOffset }: EachBatchPayload): Promise<void> {
    if (failure !== undefined) throw failure;
    if (batch.messages.length === 0 || !isRunning() || isStale()) return;
    const last = batch.messages.at(-1)?.offset as string;
    const messages = unsettled.has(batch.partition)
      ? await settle(batch.topic, batch.partition, batch.messages)
      : batch.messages;
    if (messages.length === 0) {
      resolveOffset(last);
      await heartbeat();
      return;
    }
    const out: Message[] = [];
    const touched = new Map<string, number | undefined>();
    const counts = {
      in: new Map<string, number>(),
      out: new Map<string, number>(),
      skipped: new Map<string, number>(),
    };
    const bump = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);
    for (const message of messages) {
      const event = await codec.decode('PAYMENT_EVENT', message.value).catch((error: unknown) => {
        deps.logger.error(
          { err: error, partition: batch.partition, offset: message.offset },
          'undecodable payment event skipped',
        );
        return undefined;
      });
      if (event === undefined) {
        bump(counts.skipped, 'undecodable');
        continue;
      }
      bump(counts.in, event.status);
      if (!touched.has(event.payment_id)) touched.set(event.payment_id, seen.get(event.payment_id));
      if (!seen.firstTime(event.payment_id, event.sequence)) {
        bump(counts.skipped, 'duplicate');
        continue;
      }
      const type = eventTypeOf(event.status);
      if (type === null) {
        bump(counts.skipped, 'not_announced');
        continue;
      }
      const recipients = subscriptions.recipients(event.merchant_id, type);
      if (recipients.length === 0) bump(counts.skipped, 'no_endpoint');
      for (const delivery of deliveriesFor(event, type, recipients)) {
        out.push({
          key: delivery.endpoint_id,
          // Without waiting once the schema id is known (for all but the first).
          value:
            codec.encodeKnown(topics.dispatch, 'WEBHOOK_DELIVERY', delivery) ??
            (await codec.encode(topics.dispatch, 'WEBHOOK_DELIVERY', delivery)),
        });
        bump(counts.out, type);
      }
    }
    try {
      await commit({ partition: batch.partition, messages: out, nextOffset: (BigInt(last) + 1n).toString() });
    } catch (error) {
      seen.restore(touched);
      if (error instanceof TransactionError) {
        if (error.code === TransactionErrorCode.FENCED)
          fail(error, 'fenced: another filter with this instance id took over');
        if (error.code === TransactionErrorCode.OUTCOME_UNKNOWN) unsettled.add(batch.partition);
      }
      // kafkajs runs the batch again (or restarts the consumer, which reads the committed offsets).
      throw error;
    }
    // Moves the fetch position on; the committed offset went with the transaction.
    resolveOffset(last);
    for (const [status, n] of counts.in) metrics.eventsIn.inc({ status }, n);
    for (const [type, n] of counts.out) metrics.deliveriesOut.inc({ event_type: type }, n);
    for (const [reason, n] of counts.skipped) metrics.skipped.inc({ reason }, n);
    await heartbeat();
  }

  return {
    readiness() {
      if (failure !== undefined) return 'the consumer stopped for good';
      if (!joined) return 'not a member of the consumer group';
      return writer.ready || 'the last transaction failed; the producer is not registered again yet';
    },
    async start() {
      await consumer.connect();
      await consumer.subscribe({ topic: topics.events, fromBeginning: true });
      // The partitions of a fetch at once, so that their batches share a transaction.
      await consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently: PARTITIONS_AT_ONCE,
        eachBatch,
      });
    },
    async stop() {
      await consumer.disconnect();
    },
  };
}
