import { createHash } from 'node:crypto';
import type { PipelineTopics } from '@payhook/contracts';
import type { ReplayFilter } from '@payhook/replay';
import { CliUsageError } from '../cli-error.ts';

export { matchesDelivery, type ReplayFilter } from '@payhook/replay';

/** What a replay reads. */
export const SourceKind = {
  /** Delivery records (DLQ, dispatch, a retry tier): re-published as they are. */
  DELIVERIES: 'deliveries',
  /** Payment events: their delivery records are built again for today's endpoints. */
  EVENTS: 'events',
} as const;
export type SourceKind = (typeof SourceKind)[keyof typeof SourceKind];

/** The topic a replay reads, resolved from `--from`. */
export interface ReplaySource {
  readonly kind: SourceKind;
  readonly topic: string;
  /** How `--from` names it: `dlq`, `dispatch`, `retry:<tier>` or `events`. */
  readonly label: string;
}

/**
 * The source named by `--from`: `dlq`, `dispatch`, `retry:<tier>` (a tier label of
 * PAYHOOK_RETRY_TIERS), `events`, or the name of one of those topics (with or without the
 * topic prefix).
 */
export function parseSource(option: string, raw: string, topics: PipelineTopics): ReplaySource {
  const value = raw.trim();
  const named: ReplaySource[] = [
    { kind: SourceKind.DELIVERIES, topic: topics.dlq, label: 'dlq' },
    { kind: SourceKind.DELIVERIES, topic: topics.dispatch, label: 'dispatch' },
    ...topics.retry.map((t) => ({ kind: SourceKind.DELIVERIES, topic: t.topic, label: `retry:${t.label}` })),
    { kind: SourceKind.EVENTS, topic: topics.events, label: 'events' },
  ];
  const unprefixed = (topic: string) => topic.slice(topics.prefix.length);
  const found = named.find((s) => s.label === value || s.topic === value || unprefixed(s.topic) === value);
  if (found !== undefined) return found;
  const tiers = topics.retry.map((t) => t.label).join(', ');
  if (value.startsWith('retry:')) {
    throw new CliUsageError(`${option}: "${value}" is not a retry tier of PAYHOOK_RETRY_TIERS; the tiers are ${tiers}`);
  }
  throw new CliUsageError(
    `${option}: cannot replay from "${value}"; choose dlq, dispatch, retry:<tier> (${tiers}) or events, or one of their topic names`,
  );
}

/** The filter set as plain data with a fixed key order and sorted lists: equal filters, equal JSON. */
export function normaliseFilter(source: ReplaySource, filter: ReplayFilter): Record<string, unknown> {
  return {
    from: source.topic,
    endpoint: filter.endpointId ?? null,
    event_types: filter.eventTypes === undefined ? null : [...filter.eventTypes].sort(),
    payment: filter.paymentId ?? null,
    delivery: filter.deliveryId ?? null,
    since: filter.window.sinceMs === undefined ? null : new Date(filter.window.sinceMs).toISOString(),
    until: filter.window.untilMs === undefined ? null : new Date(filter.window.untilMs).toISOString(),
  };
}

/**
 * The id of a replay without `--id`: derived from the normalised filter set, so running the
 * same replay again finds its cursor.
 */
export function replayIdOf(source: ReplaySource, filter: ReplayFilter): string {
  const digest = createHash('sha256')
    .update(JSON.stringify(normaliseFilter(source, filter)))
    .digest('hex');
  return `rp_${digest.slice(0, 16)}`;
}

/** The filter set in words, for the first line a replay prints. */
export function describeFilter(source: ReplaySource, filter: ReplayFilter): string {
  const parts = [`from ${source.topic}`];
  if (filter.endpointId !== undefined) parts.push(`endpoint ${filter.endpointId}`);
  if (filter.eventTypes !== undefined) parts.push(`event type ${filter.eventTypes.join('|')}`);
  if (filter.paymentId !== undefined) parts.push(`payment ${filter.paymentId}`);
  if (filter.deliveryId !== undefined) parts.push(`delivery ${filter.deliveryId}`);
  if (filter.window.sinceMs !== undefined) parts.push(`since ${new Date(filter.window.sinceMs).toISOString()}`);
  if (filter.window.untilMs !== undefined) parts.push(`until ${new Date(filter.window.untilMs).toISOString()}`);
  return parts.join(', ');
}
