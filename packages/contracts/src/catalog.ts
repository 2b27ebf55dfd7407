import { RETRY_TOPIC_PREFIX, Topic } from './topics.ts';

/** The record contracts of the pipeline, each backed by one file in `schemas/`. */
export const Contract = {
  PAYMENT_INTENT: { name: 'PaymentIntent', file: 'payment-intent.avsc' },
  PAYMENT_EVENT: { name: 'PaymentEvent', file: 'payment-event.avsc' },
  ENDPOINT: { name: 'Endpoint', file: 'endpoint.avsc' },
  WEBHOOK_DELIVERY: { name: 'WebhookDelivery', file: 'webhook-delivery.avsc' },
  DELIVERY_ATTEMPT: { name: 'DeliveryAttempt', file: 'delivery-attempt.avsc' },
  SCANNER_CHECKPOINT: { name: 'ScannerCheckpoint', file: 'scanner-checkpoint.avsc' },
  API_KEY: { name: 'ApiKey', file: 'api-key.avsc' },
} as const;
export type ContractKey = keyof typeof Contract;
export type ContractSpec = (typeof Contract)[ContractKey];

const BY_TOPIC: Readonly<Record<string, ContractKey>> = {
  [Topic.PAYMENT_INTENTS]: 'PAYMENT_INTENT',
  [Topic.PAYMENT_EVENTS]: 'PAYMENT_EVENT',
  [Topic.ENDPOINTS]: 'ENDPOINT',
  [Topic.WEBHOOK_DISPATCH]: 'WEBHOOK_DELIVERY',
  [Topic.WEBHOOK_DLQ]: 'WEBHOOK_DELIVERY',
  [Topic.WEBHOOK_ATTEMPTS]: 'DELIVERY_ATTEMPT',
  [Topic.SCANNER_CHECKPOINTS]: 'SCANNER_CHECKPOINT',
  [Topic.API_KEYS]: 'API_KEY',
};

/** The contract a topic's values follow; retry tiers carry webhook deliveries. */
export function contractForTopic(topic: string, prefix = ''): ContractKey | undefined {
  if (!topic.startsWith(prefix)) return undefined;
  const name = topic.slice(prefix.length);
  if (name.startsWith(RETRY_TOPIC_PREFIX)) return 'WEBHOOK_DELIVERY';
  return BY_TOPIC[name];
}
