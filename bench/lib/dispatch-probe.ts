import { performance } from 'node:perf_hooks';
import type { ContractCodec, PipelineTopics } from '@payhook/contracts';
import type { Consumer, Kafka } from 'kafkajs';

/**
 * A read_committed reader of `webhooks.dispatch`, beside the dispatcher: it sees a delivery
 * record when the dispatcher could first see it, i.e. once the filter's transaction
 * committed. Splits write → arrival into the filter's hop and the dispatcher's.
 */
export interface DispatchProbe {
  /** Receives each delivery id with the `performance.now()` at which it became readable. */
  listen(listener: ((deliveryId: string, at: number) => void) | undefined): void;
  stop(): Promise<void>;
}

/** Joins its own group (under the pipeline's prefix, so it is deleted with it) at the end of the topic. */
export async function startDispatchProbe(
  kafka: Kafka,
  topics: PipelineTopics,
  codec: ContractCodec,
): Promise<DispatchProbe> {
  const consumer: Consumer = kafka.consumer({
    groupId: `${topics.prefix}bench-dispatch-probe`,
    readUncommitted: false,
    // As the dispatcher's: the probe must not see records sooner or later than it does.
    maxWaitTimeInMs: 250,
  });
  let listener: ((deliveryId: string, at: number) => void) | undefined;
  const joined = Promise.withResolvers<void>();
  consumer.on(consumer.events.GROUP_JOIN, () => joined.resolve());
  await consumer.connect();
  await consumer.subscribe({ topic: topics.dispatch, fromBeginning: false });
  await consumer.run({
    autoCommit: true,
    eachBatch: async ({ batch }) => {
      const at = performance.now();
      if (listener === undefined) return;
      for (const message of batch.messages) {
        const delivery = await codec.decode('WEBHOOK_DELIVERY', message.value).catch(() => undefined);
        if (delivery !== undefined) listener(delivery.delivery_id, at);
      }
    },
  });
  await joined.promise;
  return {
    listen(next) {
      listener = next;
    },
    async stop() {
      await consumer.disconnect().catch(() => undefined);
    },
  };
}
