import { DeliveryHeader } from '@payhook/contracts';
import { headerText, type ScanRange, scanTopics } from '@payhook/kafka';
import type { Kafka } from 'kafkajs';
import type { GroupPosition } from './positions.ts';

/** The first record a group has still to read on a partition. */
export interface OldestUnconsumed {
  readonly timestampMs: number;
  /** Its `payhook-due-at` header, when it carries a valid one (records in a retry tier). */
  readonly dueAtMs: number | undefined;
}

/** The oldest unconsumed record at a position; undefined when the group is caught up there. */
export type OldestUnconsumedLookup = (position: GroupPosition) => OldestUnconsumed | undefined;

const recordKey = (topic: string, partition: number, offset: bigint) => `${topic}\u0000${partition}\u0000${offset}`;

/**
 * Reads the first record at or after every position that is behind its partition's end, in
 * one scan (read_committed, so a transaction marker is never the record found) through
 * short-lived consumer groups `<groupIdPrefix>.<random>`. Several groups may stand at
 * different places on a partition: it is read from the earliest of them, and only as far as
 * needed.
 */
export async function readOldestUnconsumed(
  kafka: Kafka,
  positions: readonly GroupPosition[],
  groupIdPrefix: string,
): Promise<OldestUnconsumedLookup> {
  const heads = new Map<string, OldestUnconsumed>();
  const ranges = new Map<string, Map<number, ScanRange>>();
  const wanted = new Map<string, bigint[]>();
  for (const p of positions) {
    if (p.from >= p.end) continue;
    const k = `${p.topic}\u0000${p.partition}`;
    wanted.set(k, [...(wanted.get(k) ?? []), p.from]);
    const partitions = ranges.get(p.topic) ?? new Map<number, ScanRange>();
    const known = partitions.get(p.partition);
    partitions.set(p.partition, {
      start: known === undefined || p.from < known.start ? p.from : known.start,
      end: p.end,
    });
    ranges.set(p.topic, partitions);
  }
  await scanTopics({
    kafka,
    ranges,
    groupIdPrefix,
    onBatch: ({ topic, partition, messages }) => {
      const offsets = wanted.get(`${topic}\u0000${partition}`) ?? [];
      for (const message of messages) {
        const offset = BigInt(message.offset);
        const due = Number(headerText(message.headers, DeliveryHeader.DUE_AT));
        for (const from of offsets) {
          const k = recordKey(topic, partition, from);
          if (offset >= from && !heads.has(k)) {
            heads.set(k, { timestampMs: Number(message.timestamp), dueAtMs: Number.isFinite(due) ? due : undefined });
          }
        }
      }
      return offsets.every((from) => heads.has(recordKey(topic, partition, from))) ? 'done' : 'continue';
    },
  });
  return (p) => (p.from < p.end ? heads.get(recordKey(p.topic, p.partition, p.from)) : undefined);
}
