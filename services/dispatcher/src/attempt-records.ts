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
  response_excerpt: responseExcerpt(result.bodySnippet),
});

/** Response body bytes kept in an attempt record (UTF-8). */
export const RESPONSE_EXCERPT_BYTES = 512;

/**
 * The start of a response body for the attempts log: at most {@link RESPONSE_EXCERPT_BYTES} as
 * UTF-8, cut between characters; null for an empty or missing body. The sender keeps up to
 * 4 KiB; the log keeps less, since it is written for every attempt.
 */
export function responseExcerpt(snippet: string | undefined): string | null {
  if (snippet === undefined || snippet.length === 0) return null;
  // A UTF-16 unit takes at most 3 bytes (a pair 4): this many always fit.
  if (snippet.length <= RESPONSE_EXCERPT_BYTES / 3) return snippet;
  let text = snippet.slice(0, RESPONSE_EXCERPT_BYTES);
  // Never half of a surrogate pair (it would encode as a replacement character).
  const last = text.charCodeAt(text.length - 1);
  if (last >= 0xd800 && last <= 0xdbff) text = text.slice(0, -1);
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= RESPONSE_EXCERPT_BYTES) return text;
  // Back to the first byte of the character the limit cuts through (continuations are 10xxxxxx).
  let end = RESPONSE_EXCERPT_BYTES;
  while (end > 0 && ((bytes[end] as number) & 0xc0) === 0x80) end--;
  return bytes.toString('utf8', 0, end);
}

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
  response_excerpt: null,
});
