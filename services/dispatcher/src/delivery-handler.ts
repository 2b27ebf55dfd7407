import { setTimeout as sleep } from 'node:timers/promises';
import {
  type ContractCodec,
  ContractError,
  type DeliveryAttempt,
  type PipelineTopics,
  type WebhookDelivery,
} from '@payhook/contracts';
import { DeliveryOutcome, type DeliveryResult, type HttpSender } from '@payhook/http-delivery';
import { type CircuitBreakerRegistry, nextStep, type TokenBucketRegistry } from '@payhook/retry';
import { type Clock, type Logger, PayhookError } from '@payhook/runtime';
import { activeSecrets, SigningErrorCode } from '@payhook/signing';
import type { EndpointDirectory } from './endpoint-directory.ts';
import { DeadLetterReason, type FailureFacts, type RetryState, readRetryState } from './headers.ts';
import type { DispatcherMetrics } from './metrics.ts';
import type { InboundRecord, Router } from './router.ts';

/** Where a record was read: `webhooks.dispatch` (index -1) or a retry tier. */
export interface TierContext {
  readonly label: string;
  readonly index: number;
}

/** What became of a record: finished (its offset may be committed) or abandoned on shutdown. */
export type HandleResult = 'finished' | 'abandoned';

/**
 * A record whose attempt is over: the endpoint's lane is free for its next record, while the
 * writes that route this one (retry tier, DLQ, attempts log) may still be on their way.
 * `done` resolves once the broker has them all; only then may the offset be committed.
 */
export interface Settlement {
  readonly done: Promise<HandleResult>;
}

const settled = (result: HandleResult): Settlement => ({ done: Promise.resolve(result) });
const finished = (): HandleResult => 'finished';
const afterWrites = (...writes: Promise<unknown>[]): Settlement => ({
  done: (writes.length === 1 ? (writes[0] as Promise<unknown>) : Promise.all(writes)).then(finished),
});

/** Everything {@link createDeliveryHandler} needs. */
export interface DeliveryHandlerDeps {
  readonly codec: ContractCodec;
  readonly directory: EndpointDirectory;
  readonly sender: HttpSender;
  readonly breakers: CircuitBreakerRegistry;
  readonly buckets: TokenBucketRegistry;
  readonly router: Router;
  readonly topics: PipelineTopics;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly metrics: DispatcherMetrics;
  /** Sent as `user-agent`. */
  readonly userAgent: string;
  /** Extra delay added to each tier's, as a ratio of it (0.1 adds up to 10 %). */
  readonly jitter: number;
  /** Extra visits to the last tier before the DLQ. */
  readonly lastTierRepeats: number;
  /** Aborted on shutdown: in-flight requests stop and their records stay uncommitted. */
  readonly signal: AbortSignal;
}

/** Builds the function that takes one consumed delivery record to exactly one destination. */
export function createDeliveryHandler(deps: DeliveryHandlerDeps) {
  const { codec, directory, router, clock, metrics, topics } = deps;
  const headers = { 'content-type': 'application/json', 'user-agent': deps.userAgent } as const;

  /** Decodes a delivery; a record that cannot be read is returned as its error. */
  function decode(record: InboundRecord): Promise<WebhookDelivery | ContractError> {
    return codec.decode('WEBHOOK_DELIVERY', record.value).catch((error: unknown) => decodeAgain(record, error));
  }

  /** After a failed decode: waits out an unreachable registry, or returns why the record is poison. */
  async function decodeAgain(record: InboundRecord, first: unknown): Promise<WebhookDelivery | ContractError> {
    for (let error = first; ; ) {
      if (!(error instanceof ContractError) || !error.retryable) {
        return error instanceof ContractError ? error : new ContractError('CONTRACT_DECODE_INVALID', String(error));
      }
      // The registry is unreachable: wait for it rather than park a good record.
      deps.logger.warn({ err: error }, 'schema registry unavailable; retrying decode');
      if (deps.signal.aborted) throw error;
      await sleep(1_000, undefined, { signal: deps.signal }).catch(() => undefined);
      try {
        return await codec.decode('WEBHOOK_DELIVERY', record.value);
      } catch (next) {
        error = next;
      }
    }
  }

  async function park(record: InboundRecord, failure: FailureFacts, reason: DeadLetterReason): Promise<void> {
    await router.deadLetter(record, failure, reason);
    metrics.deadLetters.inc({ reason });
  }

  /**
   * Starts the write that takes a failed record to its next tier, after the one it was read
   * from (or the last one again), and says when the next attempt is due: undefined when the
   * record goes to the DLQ instead.
   */
  function scheduleNext(
    record: InboundRecord,
    tier: TierContext,
    state: RetryState,
    failure: FailureFacts,
    reason: string,
    retryAfterMs?: number,
  ): { dueAtMs: number | undefined; written: Promise<void> } {
    // Tiers visited so far (a record without the header, e.g. a replay, counts its tier).
    const hops = state.hops ?? tier.index + 1;
    const step = nextStep({
      tiers: topics.retry,
      attempt: hops + 1,
      lastTierRepeats: deps.lastTierRepeats,
      failedAtMs: failure.failedAtMs,
      retryAfterMs: retryAfterMs ?? null,
      jitter: deps.jitter,
    });
    if (step.kind === 'dead-letter') {
      const deadReason =
        reason === 'circuit_open'
          ? DeadLetterReason.CIRCUIT_OPEN
          : reason === 'endpoint_stalled'
            ? DeadLetterReason.ENDPOINT_STALLED
            : DeadLetterReason.RETRIES_EXHAUSTED;
      return { dueAtMs: undefined, written: park(record, failure, deadReason) };
    }
    const next = topics.retry[step.tierIndex];
    if (next === undefined) throw new Error(`retry tier ${step.tierIndex} is not configured`);
    const written = router
      .retry(record, failure, { topic: next.topic, tier: next.label, hops: hops + 1, dueAtMs: step.dueAtMs })
      .then(() => metrics.retriesScheduled.inc({ tier: next.label, reason }));
    return { dueAtMs: step.dueAtMs, written };
  }

  /** The attempts-log record of an attempt that got an outcome. */
  const attemptRecord = (
    delivery: WebhookDelivery,
    tier: TierContext,
    attempt: number,
    result: DeliveryResult,
    sentAt: number,
    outcome: DeliveryAttempt['outcome'],
    failure: FailureFacts | undefined,
    nextAttemptAt: number | null,
  ): DeliveryAttempt => ({
    delivery_id: delivery.delivery_id,
    event_id: delivery.event_id,
    payment_id: delivery.payment_id,
    endpoint_id: delivery.endpoint_id,
    attempt,
    tier: tier.label,
    outcome,
    status_code: result.status ?? null,
    duration_ms: Math.round(result.durationMs),
    error_class: failure === undefined ? null : result.errorClass,
    error_message: failure?.error ?? null,
    attempted_at: sentAt,
    next_attempt_at: nextAttemptAt,
  });

  /**
   * Takes a record that waited behind an endpoint that does not answer to its next tier
   * without a request (reason `endpoint_stalled`), so that its partition can move on.
   */
  function moveOn(record: InboundRecord, tier: TierContext): Settlement {
    const state = readRetryState(record.source.headers);
    const failure = noRequest(
      state,
      clock.now(),
      'endpoint_stalled',
      'the endpoint left an earlier attempt unanswered',
    );
    return afterWrites(scheduleNext(record, tier, state, failure, 'endpoint_stalled').written);
  }

  /**
   * Takes one record through its attempt. Resolves when the endpoint's lane may move on (the
   * HTTP outcome is known, or no request is to be made); the returned settlement's `done`
   * resolves once the record has reached its destination. `onSending` is called when the
   * request goes out.
   */
  async function handle(record: InboundRecord, tier: TierContext, onSending?: () => void): Promise<Settlement> {
    const state = readRetryState(record.source.headers);
    const now = clock.now();
    const decoded = await decode(record);
    if (decoded instanceof ContractError) {
      deps.logger.warn(
        { topic: record.source.topic, offset: record.source.offset, code: decoded.code },
        'poison record',
      );
      return afterWrites(
        park(record, noRequest(state, now, decoded.code, decoded.message), DeadLetterReason.POISON_RECORD),
      );
    }
    const delivery = decoded;

    const endpoint = directory.get(delivery.endpoint_id);
    if (endpoint === undefined) {
      return afterWrites(
        park(record, noRequest(state, now, 'ENDPOINT_UNKNOWN', 'no such endpoint'), DeadLetterReason.ENDPOINT_UNKNOWN),
      );
    }
    if (!endpoint.enabled) {
      const why = endpoint.disabled_reason ?? 'disabled';
      return afterWrites(
        park(record, noRequest(state, now, 'ENDPOINT_DISABLED', why), DeadLetterReason.ENDPOINT_DISABLED),
      );
    }

    // Before the breaker: a record that cannot be sent must not take a half-open probe.
    const secrets = activeSecrets(endpoint.secrets, now);
    if (secrets.length === 0) {
      return afterWrites(
        park(
          record,
          noRequest(state, now, 'NO_ACTIVE_SECRET', 'no signing secret is active'),
          DeadLetterReason.NO_ACTIVE_SECRET,
        ),
      );
    }

    const breaker = deps.breakers.get(endpoint.endpoint_id);
    if (!breaker.tryAcquire()) {
      const failure = noRequest(state, now, 'circuit_open', 'circuit open: no request sent');
      return afterWrites(scheduleNext(record, tier, state, failure, 'circuit_open').written);
    }

    // Shape load per endpoint; only this endpoint's lane waits.
    const limit = endpoint.rate_limit_per_second === null ? null : { ratePerSecond: endpoint.rate_limit_per_second };
    for (let wait = deps.buckets.tryTake(endpoint.endpoint_id, limit); wait > 0; ) {
      await sleep(wait, undefined, { signal: deps.signal }).catch(() => undefined);
      if (deps.signal.aborted) return settled('abandoned');
      wait = deps.buckets.tryTake(endpoint.endpoint_id, limit);
    }

    const sentAt = clock.now();
    let result: DeliveryResult;
    try {
      result = await deps.sender.send({
        url: endpoint.url,
        headers,
        body: delivery.body,
        // Signed where it is sent (on the sender's thread), with every active secret.
        signing: { id: delivery.delivery_id, timestamp: Math.floor(sentAt / 1000), secrets },
        signal: deps.signal,
        onStart: onSending,
        headersTimeoutMs: endpoint.timeout_ms ?? undefined,
        bodyTimeoutMs: endpoint.timeout_ms ?? undefined,
      });
    } catch (error) {
      // Bad data, not a passing fault: trying again would fail the same way, and leaving the
      // record unfinished would hold its partition's commit point for good.
      if (!isSigningError(error)) throw error;
      deps.logger.warn(
        { ...idsOf(delivery), code: error.code, reason: error.message },
        'cannot sign; parking the record',
      );
      return afterWrites(
        park(record, noRequest(state, now, 'CANNOT_SIGN', error.message), DeadLetterReason.CANNOT_SIGN),
      );
    }
    if (deps.signal.aborted && result.outcome !== DeliveryOutcome.DELIVERED) return settled('abandoned');

    metrics.deliveries.inc({ outcome: result.outcome, tier: tier.label });
    metrics.latency.observe({ outcome: result.outcome }, result.durationMs / 1000);
    const attempt = state.attempts + 1;

    if (result.outcome === DeliveryOutcome.DELIVERED) {
      breaker.onSuccess();
      if (deps.logger.isLevelEnabled('debug'))
        deps.logger.debug({ ...idsOf(delivery), status: result.status, attempt }, 'delivered');
      return afterWrites(
        router.attempt(attemptRecord(delivery, tier, attempt, result, sentAt, 'DELIVERED', undefined, null)),
      );
    }
    if (result.outcome === DeliveryOutcome.RETRYABLE || result.outcome === DeliveryOutcome.THROTTLED)
      breaker.onFailure();

    const failure: FailureFacts = {
      attempts: attempt,
      failedAtMs: clock.now(),
      status: result.status,
      errorClass: result.errorClass,
      error: result.error?.message ?? (result.status === undefined ? undefined : `HTTP ${result.status}`),
    };
    let outcome: DeliveryAttempt['outcome'] = 'DEAD_LETTERED';
    let nextAttemptAt: number | null = null;
    const writes: Promise<unknown>[] = [];

    switch (result.outcome) {
      case DeliveryOutcome.GONE:
        deps.logger.warn(idsOf(delivery), 'endpoint answered 410 Gone; disabling it');
        // Disabled locally at once, so this endpoint's next record is not sent.
        writes.push(directory.disable(endpoint, 'the endpoint answered 410 Gone'));
        metrics.endpointsDisabled.inc();
        writes.push(park(record, failure, DeadLetterReason.ENDPOINT_GONE));
        outcome = 'ENDPOINT_DISABLED';
        break;
      case DeliveryOutcome.REFUSED:
        deps.logger.warn(
          { ...idsOf(delivery), errorClass: result.errorClass },
          'endpoint URL refused; no request sent',
        );
        // No request was made: no attempt to count or to log.
        return afterWrites(park(record, { ...failure, attempts: state.attempts }, DeadLetterReason.UNSAFE_URL));
      default: {
        const reason = result.outcome === DeliveryOutcome.THROTTLED ? 'throttled' : 'failure';
        const next = scheduleNext(record, tier, state, failure, reason, result.retryAfterMs);
        writes.push(next.written);
        if (next.dueAtMs !== undefined) {
          outcome = 'RETRY_SCHEDULED';
          nextAttemptAt = next.dueAtMs;
        }
        deps.logger.info(
          {
            ...idsOf(delivery),
            status: result.status,
            errorClass: result.errorClass,
            attempt,
            nextAttemptAt,
          },
          'delivery failed',
        );
      }
    }
    writes.push(
      router.attempt(attemptRecord(delivery, tier, attempt, result, sentAt, outcome, failure, nextAttemptAt)),
    );
    return afterWrites(...writes);
  }

  return { handle, moveOn };
}

/** Log fields of a delivery (rather than a child logger: most deliveries log nothing). */
const idsOf = (delivery: WebhookDelivery) => ({
  deliveryId: delivery.delivery_id,
  endpointId: delivery.endpoint_id,
  paymentId: delivery.payment_id,
});

/** A signing error (a malformed secret, an id that cannot be a header), on either side of a thread. */
const signingCodes: ReadonlySet<string> = new Set(Object.values(SigningErrorCode));
const isSigningError = (error: unknown): error is PayhookError =>
  error instanceof PayhookError && signingCodes.has(error.code);

/** The failure of a record that was not sent: its attempt count is unchanged. */
const noRequest = (state: RetryState, now: number, errorClass: string, error: string): FailureFacts => ({
  attempts: state.attempts,
  failedAtMs: now,
  status: undefined,
  errorClass,
  error,
});

/** What {@link createDeliveryHandler} returns: `handle` for a record's attempt, `moveOn` for a record given up on. */
export type DeliveryHandler = ReturnType<typeof createDeliveryHandler>;
