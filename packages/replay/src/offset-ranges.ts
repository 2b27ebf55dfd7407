import { PayhookError } from '@payhook/runtime';
import type { Admin } from 'kafkajs';
import { ReplayErrorCode } from './errors.ts';

/** One partition's offsets: what it holds and the part a command reads. */
export interface PartitionOffsets {
  readonly partition: number;
  /** First offset still in the log. */
  readonly low: bigint;
  /** Offset after the last stable record (the end a read_committed reader reaches). */
  readonly high: bigint;
  /** First offset to read: the first record at or after `since`, else `low`. */
  readonly start: bigint;
  /** Offset after the last record to read: the first record at or after `until`, else `high`. */
  readonly end: bigint;
}

/** A time window; either side may be open. Milliseconds since the epoch. */
export interface TimeWindow {
  readonly sinceMs?: number | undefined;
  /** Exclusive. */
  readonly untilMs?: number | undefined;
}

/** Whether a time falls inside a window (`until` exclusive). */
export function inWindow(window: TimeWindow, ms: number): boolean {
  return (
    (window.sinceMs === undefined || ms >= window.sinceMs) && (window.untilMs === undefined || ms < window.untilMs)
  );
}

/**
 * Fails with status 1 naming the topics that do not exist. `listTopics`, not a metadata
 * request: a metadata request for a missing topic may create it.
 */
export async function requireTopics(admin: Admin, topics: readonly string[], prefix: string): Promise<void> {
  const existing = new Set(await admin.listTopics());
  const missing = topics.filter((t) => !existing.has(t));
  if (missing.length > 0) {
    throw new PayhookError(
      ReplayErrorCode.TOPIC_MISSING,
      `topic ${missing.join(', ')} does not exist: run "payhook topics create" and "payhook schemas register" (PAYHOOK_TOPIC_PREFIX="${prefix}")`,
    );
  }
}

/**
 * Every partition of a topic with the offsets of a time window, from the broker's timestamp
 * index (`ListOffsets` by timestamp): the window's records are those from `start` to `end`.
 * Timestamps need not grow within a partition, so readers check each record's own timestamp
 * as well.
 */
export async function offsetRanges(admin: Admin, topic: string, window: TimeWindow = {}): Promise<PartitionOffsets[]> {
  const offsets = await admin.fetchTopicOffsets(topic);
  const at = async (ms: number | undefined): Promise<Map<number, bigint> | undefined> =>
    ms === undefined
      ? undefined
      : new Map((await admin.fetchTopicOffsetsByTimestamp(topic, ms)).map((p) => [p.partition, BigInt(p.offset)]));
  const since = await at(window.sinceMs);
  const until = await at(window.untilMs);
  return offsets
    .map(({ partition, low, high }) => {
      const lo = BigInt(low);
      const hi = BigInt(high);
      const clamp = (o: bigint) => (o < lo ? lo : o > hi ? hi : o);
      const start = clamp(since?.get(partition) ?? lo);
      // A window that ends before it starts is empty, at its start.
      const end = clamp(until?.get(partition) ?? hi);
      if (end < start) return { partition, low: lo, high: hi, start, end: start };
      return { partition, low: lo, high: hi, start, end };
    })
    .sort((a, b) => a.partition - b.partition);
}
