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
  /** API keys of the HTTP API (hashes only), compacted, keyed by key id. */
  API_KEYS: 'api-keys',
  /** Idempotency-Key records of the HTTP API, compacted, keyed by API key and idempotency key. */
  API_IDEMPOTENCY: 'api.idempotency',
  /** Background jobs of the HTTP API with their progress, compacted, keyed by job id. */
  API_JOBS: 'api.jobs',
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

/** One retry tier with its topic. */
export interface RetryTierTopic {
  readonly label: string;
  readonly delayMs: number;
  readonly topic: string;
}

/**
 * The concrete topic names of one pipeline. A prefix lets several pipelines (staging and
 * production, or each test) share a cluster and a registry.
 */
export interface PipelineTopics {
  readonly prefix: string;
  readonly intents: string;
  readonly events: string;
  readonly endpoints: string;
  readonly dispatch: string;
  readonly dlq: string;
  readonly attempts: string;
  readonly checkpoints: string;
  /** API keys of the HTTP API, compacted. */
  readonly apiKeys: string;
  /** The HTTP API's Idempotency-Key records (JSON), compacted. */
  readonly apiIdempotency: string;
  /** The HTTP API's jobs (JSON), compacted. */
  readonly apiJobs: string;
  /** The retry tiers in order, each with its topic. */
  readonly retry: readonly RetryTierTopic[];
}

/** The topic names of a pipeline with these retry tiers, under an optional prefix. */
export function pipelineTopics(tiers: readonly { label: string; delayMs: number }[], prefix = ''): PipelineTopics {
  return {
    prefix,
    intents: `${prefix}${Topic.PAYMENT_INTENTS}`,
    events: `${prefix}${Topic.PAYMENT_EVENTS}`,
    endpoints: `${prefix}${Topic.ENDPOINTS}`,
    dispatch: `${prefix}${Topic.WEBHOOK_DISPATCH}`,
    dlq: `${prefix}${Topic.WEBHOOK_DLQ}`,
    attempts: `${prefix}${Topic.WEBHOOK_ATTEMPTS}`,
    checkpoints: `${prefix}${Topic.SCANNER_CHECKPOINTS}`,
    apiKeys: `${prefix}${Topic.API_KEYS}`,
    apiIdempotency: `${prefix}${Topic.API_IDEMPOTENCY}`,
    apiJobs: `${prefix}${Topic.API_JOBS}`,
    retry: tiers.map((t) => ({ label: t.label, delayMs: t.delayMs, topic: `${prefix}${retryTopic(t.label)}` })),
  };
}
