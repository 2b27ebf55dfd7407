import type { PipelineTopics } from '@payhook/contracts';
import type { Admin, Kafka } from 'kafkajs';
import type { GroupLag, LagGroup, PartitionLag } from './model.ts';
import { groupPositions } from './positions.ts';
import { readUnconsumed } from './read-unconsumed.ts';
import { type ScanWindow, UNCONSUMED_WINDOW } from './unconsumed-window.ts';

/** Options of {@link measureLag}. */
export interface MeasureLagOptions {
  /** @defaultValue `Date.now` */
  readonly now?: () => number;
  /**
   * How far each lagging partition is read from a group's position.
   * @defaultValue {@link UNCONSUMED_WINDOW} (500 records or 1 MiB)
   */
  readonly window?: ScanWindow;
}

const defaults = { now: Date.now, window: UNCONSUMED_WINDOW } as const satisfies Partial<MeasureLagOptions>;

/**
 * Start of the reading groups' ids, after the pipeline's topic prefix. The name dates from
 * when only the CLI measured lag; it stays so that group listings and ACLs keep matching.
 */
const SCAN_GROUP = 'payhook-cli.lag';

/**
 * Consumer lag per group, topic and partition, in records and in seconds. Each lagging
 * partition is read (read_committed) from the group's committed offset over a bounded window
 * (`options.window`): the records it has still to read are the data records found there,
 * never a transaction marker or an aborted record (offsets beyond a full window count as
 * they are), and the seconds are the age of the first of them, or on a retry tier the longest
 * any of them has waited past its due time. `topics` gives the retry tiers' delays.
 */
export async function measureLag(
  admin: Admin,
  kafka: Kafka,
  groups: readonly LagGroup[],
  topics: PipelineTopics,
  options: MeasureLagOptions = {},
): Promise<GroupLag[]> {
  const { now, window } = { ...defaults, ...options };
  for (const [name, value] of Object.entries(window)) {
    if (!(Number.isSafeInteger(value) && value > 0)) {
      throw new RangeError(`window.${name} must be a positive integer, got ${value}`);
    }
  }
  const existing = new Set(await admin.listTopics());
  const described = await admin.describeGroups(groups.map((g) => g.groupId));
  const tierDelays = new Map(topics.retry.map((t) => [t.topic, t.delayMs]));
  const positions = await groupPositions(admin, groups, existing);
  const unconsumed = await readUnconsumed(kafka, positions, {
    groupIdPrefix: `${topics.prefix}${SCAN_GROUP}`,
    tierDelays,
    window,
  });

  const at = now();
  return groups.map((group) => {
    const state = described.groups.find((g) => g.groupId === group.groupId);
    const partitions = positions
      .filter((p) => p.groupId === group.groupId)
      .map((p): PartitionLag => {
        const read = unconsumed(p);
        return {
          topic: p.topic,
          partition: p.partition,
          endOffset: p.end.toString(),
          committedOffset: p.committed?.toString() ?? null,
          lagOffsets: read?.lagOffsets(p.end) ?? 0,
          oldestUnconsumedAtMs: read?.head?.timestampMs ?? null,
          ageSeconds: (read?.ageMs(at) ?? 0) / 1000,
          lagSeconds: (read?.lagMs(at) ?? 0) / 1000,
          tierDelayMs: tierDelays.get(p.topic) ?? null,
        };
      });
    return { groupId: group.groupId, state: state?.state ?? 'Dead', members: state?.members.length ?? 0, partitions };
  });
}
