import type { Admin } from 'kafkajs';
import type { LagGroup } from './model.ts';

/** Where one group stands on one partition. */
export interface GroupPosition {
  readonly groupId: string;
  readonly topic: string;
  readonly partition: number;
  /** Offset after the last stable record. */
  readonly end: bigint;
  /** The group's committed offset; null when it has none. */
  readonly committed: bigint | null;
  /** The first offset the group has still to read: `committed`, or the log start without one or behind it. */
  readonly from: bigint;
}

/**
 * Where each group stands on every partition of its topics: the topics it has committed
 * offsets for and those of {@link LagGroup.topics}, as far as they exist. In group order,
 * then by topic and partition.
 */
export async function groupPositions(
  admin: Admin,
  groups: readonly LagGroup[],
  existing: ReadonlySet<string>,
): Promise<GroupPosition[]> {
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

  const positions: GroupPosition[] = [];
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
        positions.push({ groupId: group.groupId, topic, partition, end: high, committed: offset, from });
      }
    }
  }
  return positions;
}
