import { randomBytes } from 'node:crypto';
import type { ContractCodec, PipelineTopics } from '@payhook/contracts';
import type { RecordSender } from '@payhook/kafka';
import { createPublisher, findDeliveries } from '@payhook/replay';
import type { Admin, Kafka } from 'kafkajs';

/** What a resend did. */
export interface ResendOutcome {
  /** `rs_…`, sent as the `payhook-replay-id` header. */
  readonly resendId: string;
  /** Records re-published to `webhooks.dispatch` (0 when the delivery's records are gone). */
  readonly sent: number;
}

/** Re-publishes deliveries as `payhook resend` does. */
export interface Resender {
  resend(deliveryId: string, reason: string): Promise<ResendOutcome>;
  stop(): Promise<void>;
}

/**
 * `payhook resend --delivery` over HTTP: the same search (the DLQ first, then dispatch and
 * the retry tiers) and the same publisher (key and value unchanged, so the same webhook-id;
 * retry state dropped; replay headers set), from `@payhook/replay`.
 */
export function createResender(deps: {
  readonly kafka: Kafka;
  readonly codec: ContractCodec;
  readonly topics: PipelineTopics;
  readonly producer: RecordSender;
}): Resender {
  let admin: Promise<Admin> | undefined;
  const clients = {
    topics: deps.topics,
    kafka: deps.kafka,
    codec: () => deps.codec,
    groupIdPrefix: 'payhook-api.resend',
    admin() {
      admin ??= (async () => {
        const a = deps.kafka.admin();
        await a.connect();
        return a;
      })();
      // A failed connection is tried again on the next resend.
      admin.catch(() => {
        admin = undefined;
      });
      return admin;
    },
  };
  return {
    async resend(deliveryId, reason) {
      const resendId = `rs_${randomBytes(8).toString('hex')}`;
      const found = await findDeliveries(clients, { deliveryId });
      if (found.length === 0) return { resendId, sent: 0 };
      const publisher = createPublisher({
        producer: async () => deps.producer,
        destination: deps.topics.dispatch,
        mark: { id: resendId, reason },
      });
      for (const candidate of found) await publisher.add(candidate);
      await publisher.flush();
      return { resendId, sent: found.length };
    },
    async stop() {
      await (await admin?.catch(() => undefined))?.disconnect().catch(() => undefined);
    },
  };
}
