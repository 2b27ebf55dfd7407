import { type ContractCodec, eventTypeOf, type PipelineTopics, type WebhookDelivery } from '@payhook/contracts';
import type { Logger } from '@payhook/runtime';
import type { Consumer, EachBatchPayload, Kafka, Message, Producer } from 'kafkajs';
import type { FilterMetrics } from './metrics.ts';
import type { SeenEvents } from './seen-events.ts';
import type { Subscriptions } from './subscriptions.ts';
import { deliveryId, webhookBody } from './webhook-body.ts';

/** Everything the filter loop needs. */
export interface FilterConsumerDeps {
  readonly kafka: Kafka;
  readonly groupId: string;
  readonly sessionTimeoutMs: number;
  readonly producer: Producer;
  readonly codec: ContractCodec;
  readonly topics: PipelineTopics;
  readonly subscriptions: Subscriptions;
  readonly seen: SeenEvents;
  readonly logger: Logger;
  readonly metrics: FilterMetrics;
}

/** The consume-transform-produce loop over payments.events. */
export interface FilterConsumer {
  start(): Promise<void>;
  stop(): Promise<void>;
  readonly joined: boolean;
}

/**
 * Reads payment events (read_committed) and, per batch, writes the delivery records and the
 * consumed offsets in one transaction: a crash or restart neither loses nor repeats output.
 */
export function createFilterConsumer(deps: FilterConsumerDeps): FilterConsumer {
  const { codec, topics, subscriptions, seen, metrics, producer } = deps;
  const consumer: Consumer = deps.kafka.consumer({
    groupId: deps.groupId,
    readUncommitted: false,
    maxWaitTimeInMs: 250,
  });
  let joined = false;
  consumer.on(consumer.events.GROUP_JOIN, () => {
    joined = true;
  });

  async function eachBatch({ batch, isRunning, isStale, heartbeat, resolveOffset }: EachBatchPayload): Promise<void> {
    if (batch.messages.length === 0 || !isRunning() || isStale()) return;
    const out: Message[] = [];
    const touched = new Map<string, number | undefined>();
    const counts = {
      in: new Map<string, number>(),
      out: new Map<string, number>(),
      skipped: new Map<string, number>(),
    };
    const bump = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);
    for (const message of batch.messages) {
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
      const body = webhookBody(event, type);
      for (const endpoint of recipients) {
        const delivery: WebhookDelivery = {
          delivery_id: deliveryId(event.event_id, endpoint.endpoint_id),
          event_id: event.event_id,
          event_type: type,
          endpoint_id: endpoint.endpoint_id,
          merchant_id: event.merchant_id,
          payment_id: event.payment_id,
          body,
          created_at: event.occurred_at,
        };
        out.push({
          key: endpoint.endpoint_id,
          value: await codec.encode(topics.dispatch, 'WEBHOOK_DELIVERY', delivery),
        });
        bump(counts.out, type);
      }
    }
    const last = batch.messages.at(-1)?.offset as string;
    const tx = await producer.transaction();
    try {
      if (out.length > 0) await tx.send({ topic: topics.dispatch, messages: out });
      await tx.sendOffsets({
        consumerGroupId: deps.groupId,
        topics: [
          { topic: batch.topic, partitions: [{ partition: batch.partition, offset: (BigInt(last) + 1n).toString() }] },
        ],
      });
      await tx.commit();
    } catch (error) {
      await tx.abort().catch(() => undefined);
      seen.restore(touched);
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
    get joined() {
      return joined;
    },
    async start() {
      await consumer.connect();
      await consumer.subscribe({ topic: topics.events, fromBeginning: true });
      // One partition at a time: a transactional producer runs one transaction at a time.
      await consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently: 1,
        eachBatch,
      });
    },
    async stop() {
      await consumer.disconnect();
    },
  };
}
