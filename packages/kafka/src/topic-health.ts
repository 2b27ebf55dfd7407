import type { Admin, PartitionMetadata } from 'kafkajs';
import { MIN_INSYNC_REPLICAS, readTopicConfigs } from './provision.ts';

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

/**
 * The health of existing topics: replication factor, `min.insync.replicas`, and the
 * partitions that are under-replicated, below their minimum ISR or offline. Topics missing
 * from the cluster are left out.
 */
export async function describeTopicHealth(admin: Admin, topics: readonly string[]): Promise<TopicHealth[]> {
  const existing = new Set(await admin.listTopics());
  const present = topics.filter((t) => existing.has(t));
  if (present.length === 0) return [];
  const [metadata, configs] = await Promise.all([
    admin.fetchTopicMetadata({ topics: present }),
    readTopicConfigs(admin, present),
  ]);
  return present.flatMap((name) => {
    const described = metadata.topics.find((t) => t.name === name);
    if (described === undefined) return [];
    const raw = configs.get(name)?.[MIN_INSYNC_REPLICAS];
    const minIsr = raw === undefined ? undefined : Number(raw);
    return [topicHealth(name, described.partitions, Number.isInteger(minIsr) ? minIsr : undefined)];
  });
}
