import type { PipelineTopics } from '@payhook/contracts';
import { DeliveryHeader } from '@payhook/dispatcher';
import type { Admin, Kafka } from 'kafkajs';
import { headerText } from './replay-headers.ts';
import { type ScanRange, scanTopics } from './topic-scan.ts';

/** A consumer group to measure. */
export interface LagGroup {
  readonly groupId: string;
  /**
   * Topics to report even where the group has committed nothing yet (a new group of the
   * pipeline reads them from the beginning). Topics the group has committed offsets for are
   * reported in any case.
   */
  readonly topics?: readonly string[];
}

/** One partition's lag for one group. */
export interface PartitionLag {
  readonly topic: string;
  readonly partition: number;
  /** Offset after the last stable record. */
  readonly endOffset: string;
  /** The group's committed offset (the next record it will read); null when it has none. */
  readonly committedOffset: string | null;
  /** Records between the committed offset (or the log start, without one) and the end. */
  readonly lagOffsets: number;
  /** Timestamp of the oldest record the group has not consumed; null when caught up. */
  readonly oldestUnconsumedAtMs: number | null;
  /** How long that record has waited, in seconds; 0 when caught up. */
  readonly ageSeconds: number;
  /**
   * The lag in seconds: the age, except on a retry tier, where waiting is the tier's job and
   * only the time past the record's due time counts (`payhook-due-at`, else its timestamp
   * plus the tier's delay), floored at 0.
   */
  readonly lagSeconds: number;
  /** The tier's delay when the topic is a retry tier, else null. */
  readonly tierDelayMs: number | null;
}

/** One group's lag. */
export interface GroupLag {
  readonly groupId: string;
  /** As the broker reports it: `Stable`, `Empty`, `PreparingRebalance`, `Dead` (unknown), … */
  readonly state: string;
  readonly members: number;
  /** Sorted by topic, then partition. */
  readonly partitions: PartitionLag[];
}

/** Options of {@link measureLag}. */
export interface MeasureLagOptions {
  /** @defaultValue `Date.now` */
  readonly now?: () => number;
}

interface Pending {
  readonly groupId: string;
  readonly topic: string;
  readonly partition: number;
  readonly end: bigint;
  readonly committed: bigint | null;
  readonly from: bigint;
}

/**
 * Consumer lag per group, topic and partition, in offsets (end − committed) and in seconds
 * (the age of the oldest unconsumed record: the record at the committed offset is read for
 * its timestamp). Reads with read_committed, so transaction markers count as offsets but
 * never as a waiting record. `topics` gives the retry tiers' delays.
 */
export async function measureLag(
  admin: Admin,
  kafka: Kafka,
  groups: readonly LagGroup[],
  topics: PipelineTopics,
  options: MeasureLagOptions = {},
): Promise<GroupLag[]> {
  const now = options.now ?? Date.now;
  const existing = new Set(await admin.listTopics());
  const described = await admin.describeGroups(groups.map((g) => g.groupId));
  const tierDelays = new Map(topics.retry.map((t) => [t.topic, t.delayMs]));
  const endsByTopic = new Map<string, Map<number, { low: bigint; high: bigint }>>();
  const endsOf = async (topic: string) => {
    let ends = endsByTopic.get(topic);
    if (ends === undefined) {
      const offsets = await admin.fetchTopicOffsets(topic);
      ends = new Map(offsets.map((o) => [o.partition, { low: BigInt(o.low), high: BigInt(o.high) }]));
      endsByTopic.set(topic, ends);
    }
    return ends;
  };

  const pending: Pending[] = [];
  for (const group of groups) {
    const committed = await admin.fetchOffsets({ groupId: group.groupId });
    const byTopic = new Map(committed.map((t) => [t.topic, new Map(t.partitions.map((p) => [p.partition, p.offset]))]));
    const names = new Set([...(group.topics ?? []).filter((t) => existing.has(t)), ...byTopic.keys()]);
    for (const topic of [...names].sort()) {
      if (!existing.has(topic)) continue;
      for (const [partition, { low, high }] of [...(await endsOf(topic))].sort((a, b) => a[0] - b[0])) {
        const raw = byTopic.get(topic)?.get(partition);
        const offset = raw === undefined || Number(raw) < 0 ? null : BigInt(raw);
        // Without a commit, or behind the log start (retention removed the rest), the group
        // reads from the first record there is.
        const from = offset === null || offset < low ? low : offset;
        pending.push({ groupId: group.groupId, topic, partition, end: high, committed: offset, from });
      }
    }
  }

  // One read for every partition behind: the first record at or after where each group stands.
  const heads = new Map<string, { timestampMs: number; dueAtMs: number | undefined }>();
  const headKey = (topic: string, partition: number, offset: bigint) => `${topic}\u0000${partition}\u0000${offset}`;
  const ranges = new Map<string, Map<number, ScanRange>>();
  const wanted = new Map<string, bigint[]>();
  for (const p of pending) {
    if (p.from >= p.end) continue;
    const k = `${p.topic}\u0000${p.partition}`;
    wanted.set(k, [...(wanted.get(k) ?? []), p.from]);
    const partitions = ranges.get(p.topic) ?? new Map<number, ScanRange>();
    const known = partitions.get(p.partition);
    // Several groups may stand at different places: read from the earliest to the end.
    partitions.set(p.partition, {
      start: known === undefined || p.from < known.start ? p.from : known.start,
      end: p.end,
    });
    ranges.set(p.topic, partitions);
  }
  await scanTopics({
    kafka,
    ranges,
    groupIdPrefix: `${topics.prefix}payhook-cli.lag`,
    onBatch: ({ topic, partition, messages }) => {
      const offsets = wanted.get(`${topic}\u0000${partition}`) ?? [];
      for (const message of messages) {
        const offset = BigInt(message.offset);
        const due = Number(headerText(message.headers, DeliveryHeader.DUE_AT));
        for (const from of offsets) {
          const k = headKey(topic, partition, from);
          if (offset >= from && !heads.has(k)) {
            heads.set(k, { timestampMs: Number(message.timestamp), dueAtMs: Number.isFinite(due) ? due : undefined });
          }
        }
      }
      return offsets.every((from) => heads.has(headKey(topic, partition, from))) ? 'done' : 'continue';
    },
  });

  const at = now();
  return groups.map((group) => {
    const state = described.groups.find((g) => g.groupId === group.groupId);
    const partitions = pending
      .filter((p) => p.groupId === group.groupId)
      .map((p): PartitionLag => {
        const head = p.from < p.end ? heads.get(headKey(p.topic, p.partition, p.from)) : undefined;
        const tierDelayMs = tierDelays.get(p.topic) ?? null;
        const ageMs = head === undefined ? 0 : Math.max(0, at - head.timestampMs);
        const dueAtMs = head === undefined ? undefined : (head.dueAtMs ?? head.timestampMs + (tierDelayMs ?? 0));
        const lagMs = head === undefined ? 0 : tierDelayMs === null ? ageMs : Math.max(0, at - (dueAtMs ?? at));
        return {
          topic: p.topic,
          partition: p.partition,
          endOffset: p.end.toString(),
          committedOffset: p.committed?.toString() ?? null,
          lagOffsets: Number(p.end > p.from ? p.end - p.from : 0n),
          oldestUnconsumedAtMs: head?.timestampMs ?? null,
          ageSeconds: ageMs / 1000,
          lagSeconds: lagMs / 1000,
          tierDelayMs,
        };
      });
    return { groupId: group.groupId, state: state?.state ?? 'Dead', members: state?.members.length ?? 0, partitions };
  });
}
