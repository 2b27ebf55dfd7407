import { setTimeout as sleep } from 'node:timers/promises';
import {
  type ContractCodec,
  ContractError,
  type DeliveryAttempt,
  type PipelineTopics,
  type WebhookDelivery,
} from '@payhook/contracts';
import type { DeliveryResult, HttpSender } from '@payhook/http-delivery';
import { DeliveryOutcome } from '@payhook/http-delivery/outcome';
import {
  type CircuitBreaker,
  type CircuitBreakerRegistry,
  CircuitState,
  holdStep,
  nextStep,
  type RetryStep,
  type TokenBucketRegistry,
} from '@payhook/retry';
import { type Clock, type Logger, PayhookError } from '@payhook/runtime';
import { SealedSecretError, SigningErrorCode } from '@payhook/signing';
import { type HoldReason, noRequest, sentAttempt, type TierContext, unsentAttempt } from './attempt-records.ts';

export type { TierContext };

import type { EndpointDirectory } from './endpoint-directory.ts';
import type { EndpointHolds } from './endpoint-holds.ts';
import { DeadLetterReason, type FailureFacts, type RetryState, readRetryState } from './headers.ts';
import type { DispatcherMetrics } from './metrics.ts';
import type { InboundRecord, Router } from './router.ts';
import type { SecretOpener } from './secret-opener.ts';

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

/** Why a record cannot be read, as a contract error (a poison record). */
const asPoison = (error: unknown): ContractError =>
  error instanceof ContractError ? error : new ContractError('CONTRACT_DECODE_INVALID', String(error));

/** Everything {@link createDeliveryHandler} needs. */
export interface DeliveryHandlerDeps {
  readonly codec: ContractCodec;
  readonly directory: EndpointDirectory;
  readonly sender: HttpSender;
  readonly breakers: CircuitBreakerRegistry;
  readonly buckets: TokenBucketRegistry;
  /** Endpoints that asked, with a `Retry-After`, to be sent nothing for a while. */
  readonly holds: EndpointHolds;
  /** Opens signing secrets sealed at rest. */
  readonly secrets: SecretOpener;
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
  /** The longest `Retry-After` honoured; longer ones are clamped to it. */
  readonly maxRetryAfterMs: number;
  /** How long a delivery is tried at most, from its creation or replay. */
  readonly maxDeliveryAgeMs: number;
  /** Aborted on shutdown: in-flight requests stop and their records stay uncommitted. */
  readonly signal: AbortSignal;
}

/** Builds the function that takes one consumed delivery record to exactly one destination. */
export function createDeliveryHandler(deps: DeliveryHandlerDeps) {
  const { codec, directory, router, clock, metrics, topics } = deps;
  const headers = { 'content-type': 'application/json', 'user-agent': deps.userAgent } as const;

  /**
   * Decodes a delivery; a record that cannot be read is returned as its error. Without waiting
   * once its writer's schema is known (nearly always); a promise only while it is fetched.
   */
  function decode(record: InboundRecord): WebhookDelivery | ContractError | Promise<WebhookDelivery | ContractError> {
    try {
      const known = codec.decodeKnown('WEBHOOK_DELIVERY', record.value);
      if (known !== undefined) return known;
    } catch (error) {
      return asPoison(error);
    }
    return codec.decode('WEBHOOK_DELIVERY', record.value).catch((error: unknown) => decodeAgain(record, error));
  }

  /** After a failed decode: waits out an unreachable registry, or returns why the record is poison. */
  async function decodeAgain(record: InboundRecord, first: unknown): Promise<WebhookDelivery | ContractError> {
    for (let error = first; ; ) {
      if (!(error instanceof ContractError) || !error.retryable) return asPoison(error);
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

  /** Parks a decoded record that no request was made for, and logs why in the attempts log. */
  function parkUnsent(
    record: InboundRecord,
    delivery: WebhookDelivery,
    tier: TierContext,
    state: RetryState,
    failure: FailureFacts,
    reason: DeadLetterReason,
  ): Settlement {
    return afterWrites(
      park(record, failure, reason),
      router.attempt(unsentAttempt(delivery, tier, state, failure, 'PARKED', reason, null)),
    );
  }

  /** When the delivery's age starts: its creation, or the operator's replay of it. */
  const firstSeenAt = (delivery: WebhookDelivery, state: RetryState): number =>
    Math.max(delivery.created_at, state.replayedAtMs ?? 0);

  /** Writes a record to where `step` sends it; `dueAtMs` is undefined when that is the DLQ. */
  function route(
    record: InboundRecord,
    failure: FailureFacts,
    step: RetryStep,
    hops: number,
    reason: string,
    holdUntilMs?: number,
  ): { dueAtMs: number | undefined; written: Promise<void> } {
    if (step.kind === 'dead-letter') return { dueAtMs: undefined, written: park(record, failure, step.reason) };
    // The pipeline's own (prefixed) topic of the tier, not the bare name the step carries.
    const tier = topics.retry[step.tierIndex];
    if (tier === undefined) throw new Error(`retry tier ${step.tierIndex} is not configured`);
    const written = router
      .retry(record, failure, { topic: tier.topic, tier: tier.label, hops, dueAtMs: step.dueAtMs, holdUntilMs })
      .then(() => metrics.retriesScheduled.inc({ tier: tier.label, reason }));
    return { dueAtMs: step.dueAtMs, written };
  }

  /**
   * Takes a record to the tier that covers `waitMs` without a request: no attempt is spent and
   * no tier hop counted; only the maximum age sends it to the DLQ. The attempts log says why.
   */
  function hold(
    record: InboundRecord,
    delivery: WebhookDelivery,
    tier: TierContext,
    state: RetryState,
    wait: { ms: number; reason: HoldReason; why: string; untilMs?: number },
  ): Settlement {
    const failure = noRequest(state, clock.now(), wait.reason, wait.why);
    const step = holdStep({
      tiers: topics.retry,
      failedAtMs: failure.failedAtMs,
      waitMs: wait.ms,
      jitter: deps.jitter,
      firstSeenAtMs: firstSeenAt(delivery, state),
      maxAgeMs: deps.maxDeliveryAgeMs,
    });
    const next = route(record, failure, step, state.hops ?? 0, wait.reason, wait.untilMs);
    const logged = unsentAttempt(
      delivery,
      tier,
      state,
      failure,
      next.dueAtMs === undefined ? 'PARKED' : 'HELD',
      next.dueAtMs === undefined ? DeadLetterReason.MAX_AGE_EXCEEDED : wait.reason,
      next.dueAtMs ?? null,
    );
    return afterWrites(next.written, router.attempt(logged));
  }

  /** How long an endpoint's open breaker (or its probe in flight) keeps a record waiting. */
  function breakerWaitMs(breaker: CircuitBreaker, now: number): number {
    const { state, nextAllowedAtMs } = breaker.snapshot();
    // Open: the rest of the cool-down. Half-open with a probe out: its answer usually comes
    // soon, so wait the first tier rather than the probe's whole timeout.
    if (state === CircuitState.OPEN && nextAllowedAtMs !== null) return nextAllowedAtMs - now;
    return (topics.retry[0] as { delayMs: number }).delayMs;
  }

  /**
   * Takes a record that waited behind an endpoint that does not answer on to a tier without a
   * request (reason `endpoint_stalled`), so that its partition can move on: to the tier after
   * the one it was read from, so that it backs off while the endpoint stays silent.
   */
  function moveOn(record: InboundRecord, tier: TierContext): Settlement {
    return {
      done: Promise.resolve(decode(record)).then((decoded) => {
        const state = readRetryState(record.source.headers);
        if (decoded instanceof ContractError) return parkPoison(record, state, decoded).done;
        const next = topics.retry[Math.min(tier.index + 1, topics.retry.length - 1)] as { delayMs: number };
        const why = 'the endpoint left an earlier attempt unanswered';
        return hold(record, decoded, tier, state, { ms: next.delayMs, reason: 'endpoint_stalled', why }).done;
      }),
    };
  }

  function parkPoison(record: InboundRecord, state: RetryState, error: ContractError): Settlement {
    deps.logger.warn({ topic: record.source.topic, offset: record.source.offset, code: error.code }, 'poison record');
    return afterWrites(
      park(record, noRequest(state, clock.now(), error.code, error.message), DeadLetterReason.POISON_RECORD),
    );
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
    const read = decode(record);
    const decoded = read instanceof Promise ? await read : read;
    if (decoded instanceof ContractError) return parkPoison(record, state, decoded);
    const delivery = decoded;

    let endpoint = directory.get(delivery.endpoint_id);
    if (endpoint === undefined) {
      // The delivery may have overtaken its endpoint (just created, the filter already knew it):
      // unknown only once the table has read everything written before now.
      await directory.catchUp();
      endpoint = directory.get(delivery.endpoint_id);
    }
    if (endpoint === undefined) {
      const failure = noRequest(state, now, 'ENDPOINT_UNKNOWN', 'no such endpoint');
      return parkUnsent(record, delivery, tier, state, failure, DeadLetterReason.ENDPOINT_UNKNOWN);
    }
    if (!endpoint.enabled) {
      const failure = noRequest(state, now, 'ENDPOINT_DISABLED', endpoint.disabled_reason ?? 'disabled');
      return parkUnsent(record, delivery, tier, state, failure, DeadLetterReason.ENDPOINT_DISABLED);
    }

    // Before the breaker: a record that cannot be sent must not take a half-open probe.
    let secrets: readonly string[];
    try {
      secrets = deps.secrets.signingSecrets(endpoint.secrets, endpoint.endpoint_id, now);
    } catch (error) {
      if (!(error instanceof SealedSecretError)) throw error;
      // Never sent with a wrong signature: parked until the key is configured or the record mended.
      deps.logger.error(
        { ...idsOf(delivery), keyId: error.keyId, reason: error.message },
        'cannot open signing secret',
      );
      const failure = noRequest(state, now, 'SECRET_UNREADABLE', error.message);
      return parkUnsent(record, delivery, tier, state, failure, DeadLetterReason.SECRET_UNREADABLE);
    }
    if (secrets.length === 0) {
      const failure = noRequest(state, now, 'NO_ACTIVE_SECRET', 'no signing secret is active');
      return parkUnsent(record, delivery, tier, state, failure, DeadLetterReason.NO_ACTIVE_SECRET);
    }

    // The endpoint asked to be left alone (here, or on the pod that wrote this record): wait
    // without a request, and without asking the breaker, which has nothing to learn.
    const holdUntilMs = Math.max(deps.holds.until(endpoint.endpoint_id, now) ?? 0, state.holdUntilMs ?? 0);
    if (holdUntilMs > now) {
      const why = 'the endpoint asked to wait (Retry-After)';
      return hold(record, delivery, tier, state, {
        ms: holdUntilMs - now,
        reason: 'retry_after',
        why,
        untilMs: holdUntilMs,
      });
    }

    const breaker = deps.breakers.get(endpoint.endpoint_id);
    if (!breaker.tryAcquire()) {
      const why = 'circuit open: no request sent';
      return hold(record, delivery, tier, state, { ms: breakerWaitMs(breaker, now), reason: 'circuit_open', why });
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
      const failure = noRequest(state, now, 'CANNOT_SIGN', error.message);
      return parkUnsent(record, delivery, tier, state, failure, DeadLetterReason.CANNOT_SIGN);
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
        router.attempt(sentAttempt(delivery, tier, state, attempt, result, sentAt, 'DELIVERED', undefined, null)),
      );
    }
    // A Retry-After speaks for the endpoint: hold every record of it until then (clamped).
    const retryAfterMs =
      result.outcome === DeliveryOutcome.THROTTLED && result.retryAfterMs !== undefined && result.retryAfterMs !== null
        ? Math.min(result.retryAfterMs, deps.maxRetryAfterMs)
        : undefined;
    const heldUntilMs = retryAfterMs === undefined ? undefined : clock.now() + retryAfterMs;
    if (heldUntilMs !== undefined) deps.holds.hold(endpoint.endpoint_id, heldUntilMs, clock.now());
    // A throttled answer is the endpoint pacing us, not failing: it never opens the breaker.
    // A 503 without Retry-After is an endpoint that is down, and counts like a 5xx.
    if (result.outcome === DeliveryOutcome.RETRYABLE || (result.status === 503 && retryAfterMs === undefined))
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
        // No request was made: no attempt to count.
        return parkUnsent(
          record,
          delivery,
          tier,
          state,
          { ...failure, attempts: state.attempts },
          DeadLetterReason.UNSAFE_URL,
        );
      default: {
        const reason = result.outcome === DeliveryOutcome.THROTTLED ? 'throttled' : 'failure';
        const step = nextStep({
          tiers: topics.retry,
          attempt,
          lastTierRepeats: deps.lastTierRepeats,
          failedAtMs: failure.failedAtMs,
          retryAfterMs: retryAfterMs ?? null,
          jitter: deps.jitter,
          firstSeenAtMs: firstSeenAt(delivery, state),
          maxAgeMs: deps.maxDeliveryAgeMs,
        });
        const next = route(record, failure, step, (state.hops ?? 0) + 1, reason, heldUntilMs);
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
      router.attempt(sentAttempt(delivery, tier, state, attempt, result, sentAt, outcome, failure, nextAttemptAt)),
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

/** What {@link createDeliveryHandler} returns: `handle` for a record's attempt, `moveOn` for a record given up on. */
export type DeliveryHandler = ReturnType<typeof createDeliveryHandler>;
