import type { PartitionMetadata } from 'kafkajs';
import { type LenientReaderOptions, withLenientReader } from './lenient-metadata.ts';
import { MIN_INSYNC_REPLICAS } from './provision.ts';

/** Kafka's LEADER_NOT_AVAILABLE: the partition has no live leader. */
const LEADER_NOT_AVAILABLE = 5;

/** The replication of one topic as the brokers report it now. */
export interface TopicHealth {
  readonly topic: string;
  readonly partitions: number;
  /** Replicas of its partitions (the largest, should they differ). */
  readonly replicationFactor: number;
  /** The topic's `min.insync.replicas`; undefined when its config could not be read. */
  readonly minInsyncReplicas: number | undefined;
  /** Partitions with fewer in-sync replicas than replicas: a copy is missing or behind. */
  readonly underReplicated: readonly number[];
  /** Partitions with fewer in-sync replicas than `min.insync.replicas`: `acks=all` writes are refused. */
  readonly belowMinIsr: readonly number[];
  /** Partitions without a leader: neither reads nor writes. */
  readonly offline: readonly number[];
}

/** Whether a partition has no live leader. */
export function isOffline(partition: Pick<PartitionMetadata, 'leader' | 'partitionErrorCode'>): boolean {
  return partition.leader < 0 || partition.partitionErrorCode === LEADER_NOT_AVAILABLE;
}

/** Reads a topic's health from its metadata and its `min.insync.replicas`. Pure. */
export function topicHealth(
  topic: string,
  partitions: readonly PartitionMetadata[],
  minInsyncReplicas: number | undefined,
): TopicHealth {
  const ids = (keep: (p: PartitionMetadata) => boolean) =>
    partitions
      .filter(keep)
      .map((p) => p.partitionId)
      .sort((a, b) => a - b);
  return {
    topic,
    partitions: partitions.length,
    replicationFactor: Math.max(0, ...partitions.map((p) => p.replicas.length)),
    minInsyncReplicas,
    underReplicated: ids((p) => p.isr.length < p.replicas.length),
    belowMinIsr: ids((p) => minInsyncReplicas !== undefined && p.isr.length < minInsyncReplicas),
    offline: ids(isOffline),
  };
}

/** A topic's health with its configs as the broker reports them (defaults included). */
export interface TopicState extends TopicHealth {
  readonly configs: Readonly<Record<string, string>>;
}

/**
 * The health of existing topics: replication factor, `min.insync.replicas`, and the
 * partitions that are under-replicated, below their minimum ISR or offline, with each topic's
 * configs. Topics missing from the cluster are left out. Reads one broker directly (see
 * `lenient-metadata.ts`), so it answers at once while partitions are offline.
 */
export async function describeTopicHealth(
  options: LenientReaderOptions,
  topics: readonly string[],
): Promise<TopicState[]> {
  return withLenientReader(options, async (reader) => {
    const metadata = await reader.metadata(topics);
    const present = topics.filter((t) => metadata.topics.has(t));
    const configs = await reader.topicConfigs(present);
    return present.map((name) => {
      const topicConfigs = configs.get(name) ?? {};
      const raw = topicConfigs[MIN_INSYNC_REPLICAS];
      const minIsr = raw === undefined ? Number.NaN : Number(raw);
      return {
        ...topicHealth(name, metadata.topics.get(name) ?? [], Number.isInteger(minIsr) ? minIsr : undefined),
        configs: topicConfigs,
      };
    });
  });
}
