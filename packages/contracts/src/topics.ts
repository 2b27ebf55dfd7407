/** Topic names of the pipeline. Retry tiers add one topic each: `webhooks.retry.<label>`. */
export const Topic = {
  /** Payment intents, compacted, keyed by payment id. */
  PAYMENT_INTENTS: 'payments.intents',
  /** Every payment state change, keyed by payment id. */
  PAYMENT_EVENTS: 'payments.events',
  /** Merchant webhook endpoints, compacted, keyed by endpoint id. */
  ENDPOINTS: 'endpoints',
  /** One record per endpoint delivery, keyed by endpoint id. */
  WEBHOOK_DISPATCH: 'webhooks.dispatch',
  /** Deliveries that exhausted their retries or cannot be delivered. */
  WEBHOOK_DLQ: 'webhooks.dlq',
  /** One record per HTTP attempt. */
  WEBHOOK_ATTEMPTS: 'webhooks.attempts',
  /** Scanner checkpoints, compacted, keyed by chain id. */
  SCANNER_CHECKPOINTS: 'scanner.checkpoints',
} as const;
export type TopicName = (typeof Topic)[keyof typeof Topic];

/** Prefix of the retry tier topics. */
export const RETRY_TOPIC_PREFIX = 'webhooks.retry.';

/** The topic of one retry tier, e.g. `webhooks.retry.5s`. */
export function retryTopic(tierLabel: string): string {
  return `${RETRY_TOPIC_PREFIX}${tierLabel}`;
}

/** The registry subject of a topic's values (the topic name strategy). */
export function valueSubject(topic: string): string {
  return `${topic}-value`;
}
