import type { PipelineTopics } from '@payhook/contracts';
import type { Admin, Kafka } from 'kafkajs';
import type { GroupLag, LagGroup, PartitionLag } from './model.ts';
import { readOldestUnconsumed } from './oldest-unconsumed.ts';
import { groupPositions } from './positions.ts';

/** Options of {@link measureLag}. */
export interface MeasureLagOptions {
  /** @defaultValue `Date.now` */
  readonly now?: () => number;
}

/**
 * Start of the reading groups' ids, after the pipeline's topic prefix. The name dates from
 * when only the CLI measured lag; it stays so that group listings and ACLs keep matching.
 */
const SCAN_GROUP = 'payhook-cli.lag';

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
  const positions = await groupPositions(admin, groups, existing);
  const oldest = await readOldestUnconsumed(kafka, positions, `${topics.prefix}${SCAN_GROUP}`);

  const at = now();
  return groups.map((group) => {
    const state = described.groups.find((g) => g.groupId === group.groupId);
    const partitions = positions
      .filter((p) => p.groupId === group.groupId)
      .map((p): PartitionLag => {
        const head = oldest(p);
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
