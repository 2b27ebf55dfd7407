import type {
  ApiKey,
  ContractCodec,
  Endpoint,
  PaymentIntent,
  PipelineTopics,
  WebhookDelivery,
} from '@payhook/contracts';
import { createTableReader, type RecordSender } from '@payhook/kafka';
import type { Logger, PayhookError } from '@payhook/runtime';
import { type SecretsKeyRing, sealSecrets } from '@payhook/signing';
import type { Kafka } from 'kafkajs';
import { type TableView, withOwnWrites } from './own-writes.ts';

export type { TableView } from './own-writes.ts';

/** The compacted topics the API reads and writes: Kafka stays the source of truth. */
export interface ApiStore {
  readonly intents: TableView<PaymentIntent>;
  readonly endpoints: TableView<Endpoint>;
  readonly apiKeys: TableView<ApiKey>;
  /** Every table has caught up with its topic and still follows it. */
  readonly caughtUp: boolean;
  /**
   * Waits until the endpoints table has read what the topic held at the call (another replica's
   * change too); false when that did not happen within `timeoutMs`.
   */
  latestEndpoints(timeoutMs: number): Promise<boolean>;
  /**
   * Encodes with the registry and writes, acknowledged by every in-sync replica. The value is
   * readable here from the call on (so a concurrent create conflicts with it) and forgotten if
   * the write fails. Across replicas the check stays a read of the topic: two pods may accept
   * the same deposit address within moments of each other, as two CLI runs may.
   */
  writeIntent(intent: PaymentIntent): Promise<void>;
  writeEndpoint(endpoint: Endpoint): Promise<void>;
  /** Writes a delivery record to `webhooks.dispatch` (keyed by its endpoint), acknowledged by every in-sync replica. */
  writeDelivery(delivery: WebhookDelivery): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** Options of {@link createApiStore}. */
export interface ApiStoreOptions {
  readonly kafka: Kafka;
  readonly producer: RecordSender;
  readonly codec: ContractCodec;
  readonly topics: PipelineTopics;
  readonly logger: Logger;
  /** A table's consumer stopped for good: the API no longer follows its topics. */
  readonly onFailed: (error: PayhookError) => void;
  /** Seals endpoints' signing secrets before they are written; without it they are written in plaintext. */
  readonly secretsKey: SecretsKeyRing | undefined;
}

/** The three tables, each materialised with the table reader every service uses. */
export function createApiStore(options: ApiStoreOptions): ApiStore {
  const { kafka, codec, topics, logger, producer } = options;
  const intents = createTableReader<PaymentIntent>({
    kafka,
    topic: topics.intents,
    decode: (_key, value) => codec.decode('PAYMENT_INTENT', value),
    logger,
    onFailed: options.onFailed,
  });
  const endpoints = createTableReader<Endpoint>({
    kafka,
    topic: topics.endpoints,
    decode: (_key, value) => codec.decode('ENDPOINT', value),
    logger,
    onFailed: options.onFailed,
  });
  // A revoked key must stop working: a key table that no longer follows its topic stops the API.
  const apiKeys = createTableReader<ApiKey>({
    kafka,
    topic: topics.apiKeys,
    decode: (_key, value) => codec.decode('API_KEY', value),
    logger,
    onFailed: options.onFailed,
  });
  const recentIntents = withOwnWrites(intents, (i) => i.payment_id);
  const recentEndpoints = withOwnWrites(
    endpoints,
    (e) => e.endpoint_id,
    (e) => e.updated_at,
  );
  const readers = [intents, endpoints, apiKeys] as const;

  return {
    intents: recentIntents.view,
    endpoints: recentEndpoints.view,
    apiKeys,
    get caughtUp() {
      return readers.every((r) => r.caughtUp);
    },
    // Held before the first await: a concurrent create of the same id or deposit address sees it.
    writeIntent: (intent) =>
      recentIntents.write(intent.payment_id, intent, async () => {
        const value = await codec.encode(topics.intents, 'PAYMENT_INTENT', intent);
        await producer.send({ topic: topics.intents, acks: -1, messages: [{ key: intent.payment_id, value }] });
      }),
    async writeEndpoint(plain) {
      const ring = options.secretsKey;
      const endpoint =
        ring === undefined ? plain : { ...plain, secrets: sealSecrets(plain.secrets, plain.endpoint_id, ring) };
      await recentEndpoints.write(endpoint.endpoint_id, endpoint, async () => {
        const value = await codec.encode(topics.endpoints, 'ENDPOINT', endpoint);
        await producer.send({ topic: topics.endpoints, acks: -1, messages: [{ key: endpoint.endpoint_id, value }] });
      });
    },
    latestEndpoints: (timeoutMs) => endpoints.catchUp(timeoutMs),
    async writeDelivery(delivery) {
      const value = await codec.encode(topics.dispatch, 'WEBHOOK_DELIVERY', delivery);
      await producer.send({ topic: topics.dispatch, acks: -1, messages: [{ key: delivery.endpoint_id, value }] });
    },
    async start() {
      await Promise.all(readers.map((r) => r.start()));
    },
    async stop() {
      await Promise.all(readers.map((r) => r.stop()));
    },
  };
}
