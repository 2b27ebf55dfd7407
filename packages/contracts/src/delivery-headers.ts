/**
 * Kafka headers that carry a delivery's retry state and provenance across the retry tiers
 * and into the DLQ (modelled on Spring Kafka's `kafka_original-*` / `kafka_exception-*`).
 * The dispatcher writes them; operator tooling and the lag measurement read them.
 */
export const DeliveryHeader = {
  /** Requests made so far: a record moved on without one (an open breaker, a `Retry-After`) does not count. */
  ATTEMPTS: 'payhook-attempts',
  /** When the record in a retry tier becomes due (epoch ms). */
  DUE_AT: 'payhook-due-at',
  /**
   * Until when (epoch ms) the record's endpoint asked not to be sent anything (a `Retry-After`):
   * a record read before then moves on without a request, on whichever pod reads it.
   */
  HOLD_UNTIL: 'payhook-hold-until',
  /** The tier label the record was written to. */
  TIER: 'payhook-tier',
  /** Retry tiers visited after a failed request, counting repeats of the last tier (moves without a request do not count). */
  HOPS: 'payhook-tier-hops',
  FIRST_FAILURE_AT: 'payhook-first-failure-at',
  LAST_FAILURE_AT: 'payhook-last-failure-at',
  /** HTTP status of the last attempt, when a response arrived. */
  LAST_STATUS: 'payhook-last-status',
  /** Stable error class of the last failure, e.g. `HTTP_5XX`, `TIMEOUT_HEADERS`, `circuit_open`. */
  LAST_ERROR_CLASS: 'payhook-last-error-class',
  /** Short, secret-free description of the last failure. */
  LAST_ERROR: 'payhook-last-error',
  /** Where the delivery first entered the pipeline. */
  ORIGINAL_TOPIC: 'payhook-original-topic',
  ORIGINAL_PARTITION: 'payhook-original-partition',
  ORIGINAL_OFFSET: 'payhook-original-offset',
  ORIGINAL_TIMESTAMP: 'payhook-original-timestamp',
  /** Why a record is in the DLQ (one of the dispatcher's `DeadLetterReason`s, e.g. `retries_exhausted`). */
  DLQ_REASON: 'payhook-dlq-reason',
  /** When and why an operator replayed the record. */
  REPLAYED_AT: 'payhook-replayed-at',
  REPLAY_REASON: 'payhook-replay-reason',
} as const;
