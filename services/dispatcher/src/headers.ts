import { DeliveryHeader } from '@payhook/contracts';
import { headerText } from '@payhook/kafka';
import type { IHeaders } from 'kafkajs';

/** The header names are part of the contracts: other workspaces read them too. */
export { DeliveryHeader };

/** Why a record ended in the DLQ. */
export const DeadLetterReason = {
  RETRIES_EXHAUSTED: 'retries_exhausted',
  ENDPOINT_UNKNOWN: 'endpoint_unknown',
  ENDPOINT_DISABLED: 'endpoint_disabled',
  /** The endpoint answered 410 Gone and was disabled. */
  ENDPOINT_GONE: 'endpoint_gone',
  /** The URL is invalid or resolves to a refused address. */
  UNSAFE_URL: 'unsafe_url',
  /** The endpoint has no secret active at send time. */
  NO_ACTIVE_SECRET: 'no_active_secret',
  /**
   * A signing secret sealed at rest cannot be opened: its key is not configured, or the value
   * does not authenticate (altered in the topic, or copied from another endpoint).
   */
  SECRET_UNREADABLE: 'secret_unreadable',
  /** Nothing could be signed: an active secret is malformed, or the delivery id cannot travel in a header. */
  CANNOT_SIGN: 'cannot_sign',
  /** Older than DISPATCHER_MAX_DELIVERY_AGE when it failed or had to wait again. */
  MAX_AGE_EXCEEDED: 'max_age_exceeded',
  /**
   * Written by earlier versions only (an open breaker now makes a record wait, never park it);
   * kept so that such records can still be selected for a replay.
   */
  CIRCUIT_OPEN: 'circuit_open',
  /** Written by earlier versions only, like {@link DeadLetterReason.CIRCUIT_OPEN}. */
  ENDPOINT_STALLED: 'endpoint_stalled',
  /** The record cannot be decoded: wrong magic byte, unknown schema id, garbage. */
  POISON_RECORD: 'poison_record',
} as const;
export type DeadLetterReason = (typeof DeadLetterReason)[keyof typeof DeadLetterReason];

/** A delivery's retry state as read from its headers. */
export interface RetryState {
  readonly attempts: number;
  /** Tiers visited so far; undefined on a record that never went through one. */
  readonly hops: number | undefined;
  readonly dueAtMs: number | undefined;
  readonly firstFailureAtMs: number | undefined;
  /** Until when the endpoint asked not to be sent anything (a `Retry-After` met earlier). */
  readonly holdUntilMs: number | undefined;
  /** When an operator replayed the record: its age counts from then. */
  readonly replayedAtMs: number | undefined;
  readonly originalTopic: string | undefined;
  readonly originalPartition: number | undefined;
  readonly originalOffset: string | undefined;
  readonly originalTimestamp: string | undefined;
}

function headerNumber(headers: IHeaders | undefined, name: string): number | undefined {
  const text = headerText(headers, name);
  if (text === undefined) return undefined;
  const n = Number(text);
  return Number.isFinite(n) ? n : undefined;
}

/** The retry state of a record without payhook headers: fresh from `webhooks.dispatch`, never tried. */
const FRESH: RetryState = Object.freeze({
  attempts: 0,
  hops: undefined,
  dueAtMs: undefined,
  firstFailureAtMs: undefined,
  holdUntilMs: undefined,
  replayedAtMs: undefined,
  originalTopic: undefined,
  originalPartition: undefined,
  originalOffset: undefined,
  originalTimestamp: undefined,
});

/** Whether any header is one of the delivery headers (all named `payhook-…`). */
function hasDeliveryHeaders(headers: IHeaders): boolean {
  for (const name in headers) if (name.startsWith('payhook-')) return true;
  return false;
}

/** Reads the retry state; a record fresh from `webhooks.dispatch` has none (0 attempts). */
export function readRetryState(headers: IHeaders | undefined): RetryState {
  // Most records are fresh: one shared state, no lookups.
  if (headers === undefined || !hasDeliveryHeaders(headers)) return FRESH;
  return {
    attempts: headerNumber(headers, DeliveryHeader.ATTEMPTS) ?? 0,
    hops: headerNumber(headers, DeliveryHeader.HOPS),
    dueAtMs: headerNumber(headers, DeliveryHeader.DUE_AT),
    firstFailureAtMs: headerNumber(headers, DeliveryHeader.FIRST_FAILURE_AT),
    holdUntilMs: headerNumber(headers, DeliveryHeader.HOLD_UNTIL),
    replayedAtMs: headerNumber(headers, DeliveryHeader.REPLAYED_AT),
    originalTopic: headerText(headers, DeliveryHeader.ORIGINAL_TOPIC),
    originalPartition: headerNumber(headers, DeliveryHeader.ORIGINAL_PARTITION),
    originalOffset: headerText(headers, DeliveryHeader.ORIGINAL_OFFSET),
    originalTimestamp: headerText(headers, DeliveryHeader.ORIGINAL_TIMESTAMP),
  };
}

/** Where a consumed record came from. */
export interface SourceRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly timestamp: string;
  readonly headers: IHeaders | undefined;
}

/** The failure being recorded on the way to a tier or the DLQ. */
export interface FailureFacts {
  readonly attempts: number;
  readonly failedAtMs: number;
  readonly status: number | undefined;
  readonly errorClass: string;
  readonly error: string | undefined;
}

/**
 * Headers for the next hop: the record's other headers are kept (e.g. a replay marker),
 * provenance is set from the record itself the first time and carried afterwards.
 */
export function nextHopHeaders(
  source: SourceRecord,
  failure: FailureFacts,
  next: { tier?: string; hops?: number; dueAtMs?: number; holdUntilMs?: number; deadLetterReason?: DeadLetterReason },
): IHeaders {
  const state = readRetryState(source.headers);
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(source.headers ?? {})) {
    if (name.startsWith('payhook-') || value === undefined) continue;
    const text = headerText(source.headers, name);
    if (text !== undefined) headers[name] = text;
  }
  const copy = (name: string) => {
    const value = headerText(source.headers, name);
    if (value !== undefined) headers[name] = value;
  };
  copy(DeliveryHeader.REPLAYED_AT);
  copy(DeliveryHeader.REPLAY_REASON);
  headers[DeliveryHeader.ATTEMPTS] = String(failure.attempts);
  headers[DeliveryHeader.FIRST_FAILURE_AT] = String(state.firstFailureAtMs ?? failure.failedAtMs);
  headers[DeliveryHeader.LAST_FAILURE_AT] = String(failure.failedAtMs);
  if (failure.status !== undefined) headers[DeliveryHeader.LAST_STATUS] = String(failure.status);
  headers[DeliveryHeader.LAST_ERROR_CLASS] = failure.errorClass;
  if (failure.error !== undefined) headers[DeliveryHeader.LAST_ERROR] = failure.error.slice(0, 500);
  headers[DeliveryHeader.ORIGINAL_TOPIC] = state.originalTopic ?? source.topic;
  headers[DeliveryHeader.ORIGINAL_PARTITION] = String(state.originalPartition ?? source.partition);
  headers[DeliveryHeader.ORIGINAL_OFFSET] = state.originalOffset ?? source.offset;
  headers[DeliveryHeader.ORIGINAL_TIMESTAMP] = state.originalTimestamp ?? source.timestamp;
  if (next.tier !== undefined) headers[DeliveryHeader.TIER] = next.tier;
  if (next.hops !== undefined) headers[DeliveryHeader.HOPS] = String(next.hops);
  if (next.dueAtMs !== undefined) headers[DeliveryHeader.DUE_AT] = String(next.dueAtMs);
  if (next.holdUntilMs !== undefined) headers[DeliveryHeader.HOLD_UNTIL] = String(next.holdUntilMs);
  if (next.deadLetterReason !== undefined) headers[DeliveryHeader.DLQ_REASON] = next.deadLetterReason;
  return headers;
}
