import type { DeliveryAttempt, WebhookDelivery } from '@payhook/contracts';
import type { DeliveryResult } from '@payhook/http-delivery';
import type { FailureFacts, RetryState } from './headers.ts';

/** Where a record was read: `webhooks.dispatch` (index -1) or a retry tier. */
export interface TierContext {
  readonly label: string;
  readonly index: number;
}

/** Why a record waits in a tier without a request. */
export type HoldReason = 'circuit_open' | 'retry_after' | 'endpoint_stalled';

/** The failure of a record that was not sent: its attempt count is unchanged. */
export const noRequest = (state: RetryState, now: number, errorClass: string, error: string): FailureFacts => ({
  attempts: state.attempts,
  failedAtMs: now,
  status: undefined,
  errorClass,
  error,
});

/** The attempts-log record of a request that got an outcome. */
export const sentAttempt = (
  delivery: WebhookDelivery,
  tier: TierContext,
  state: RetryState,
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
  replayed_at: state.replayedAtMs ?? null,
  next_attempt_at: nextAttemptAt,
});

/** The attempts-log record of a decision taken without a request: held in a tier, or parked. */
export const unsentAttempt = (
  delivery: WebhookDelivery,
  tier: TierContext,
  state: RetryState,
  failure: FailureFacts,
  outcome: 'HELD' | 'PARKED',
  reason: string,
  nextAttemptAt: number | null,
): DeliveryAttempt => ({
  delivery_id: delivery.delivery_id,
  event_id: delivery.event_id,
  payment_id: delivery.payment_id,
  endpoint_id: delivery.endpoint_id,
  attempt: failure.attempts,
  tier: tier.label,
  outcome,
  status_code: null,
  duration_ms: 0,
  error_class: reason,
  error_message: failure.error ?? null,
  attempted_at: failure.failedAtMs,
  replayed_at: state.replayedAtMs ?? null,
  next_attempt_at: nextAttemptAt,
});
