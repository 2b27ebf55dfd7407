/** How the partitions of a topic are copied across brokers. */
export interface ReplicationPolicy {
  /**
   * Copies of each partition, each on its own broker.
   * @defaultValue 3
   */
  readonly replicationFactor: number;
  /**
   * Copies in sync that an `acks=all` write needs (the topic config `min.insync.replicas`);
   * with fewer, the partition refuses writes rather than keep them on too few brokers.
   * @defaultValue 2
   */
  readonly minInsyncReplicas: number;
}

/** Production replication: a broker may be lost without losing a write or refusing one. */
export const DEFAULT_REPLICATION = { replicationFactor: 3, minInsyncReplicas: 2 } as const satisfies ReplicationPolicy;

/** Clusters of this many brokers or more are taken for production ones. */
export const PRODUCTION_BROKERS = 3;

/** The replication a cluster can hold, from the one asked for. */
export interface EffectiveReplication extends ReplicationPolicy {
  /** What was asked for, defaults filled in. */
  readonly requested: ReplicationPolicy;
  /** Brokers of the cluster. */
  readonly brokers: number;
  /** What was lowered to fit the cluster, in words (expected on a development broker). */
  readonly notes: readonly string[];
  /** Settings that put data or availability at risk on this cluster, in words: log them as warnings. */
  readonly warnings: readonly string[];
}

function positiveInteger(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`${name} must be a positive integer, not ${value}`);
  return value;
}

/**
 * Fits the replication asked for to a cluster of `brokers`: the factor is capped at the
 * broker count (a topic cannot have more copies than brokers) and `min.insync.replicas` at the
 * factor (else no write could ever succeed). Warns when a production-sized cluster gets a
 * single copy, and when every copy must be in sync (one broker down then stops writes).
 */
export function effectiveReplication(
  requested: Partial<ReplicationPolicy> | undefined,
  brokers: number,
): EffectiveReplication {
  const asked: ReplicationPolicy = {
    replicationFactor: positiveInteger(
      'replicationFactor',
      requested?.replicationFactor ?? DEFAULT_REPLICATION.replicationFactor,
    ),
    minInsyncReplicas: positiveInteger(
      'minInsyncReplicas',
      requested?.minInsyncReplicas ?? DEFAULT_REPLICATION.minInsyncReplicas,
    ),
  };
  positiveInteger('brokers', brokers);
  const replicationFactor = Math.min(asked.replicationFactor, brokers);
  const minInsyncReplicas = Math.min(asked.minInsyncReplicas, replicationFactor);
  const notes: string[] = [];
  if (replicationFactor < asked.replicationFactor) {
    notes.push(
      `replication factor ${asked.replicationFactor} capped at ${replicationFactor}: the cluster has ${brokers} broker${brokers === 1 ? '' : 's'}`,
    );
  }
  if (minInsyncReplicas < asked.minInsyncReplicas) {
    notes.push(`min.insync.replicas ${asked.minInsyncReplicas} capped at the replication factor ${replicationFactor}`);
  }
  const warnings: string[] = [];
  if (brokers >= PRODUCTION_BROKERS && replicationFactor === 1) {
    warnings.push(
      `replication factor 1 on a cluster of ${brokers} brokers: losing one broker loses its partitions' records ` +
        `and stops their reads and writes until it returns; use ${DEFAULT_REPLICATION.replicationFactor}`,
    );
  }
  if (replicationFactor > 1 && minInsyncReplicas === replicationFactor) {
    warnings.push(
      `min.insync.replicas equals the replication factor (${replicationFactor}): acks=all writes stop ` +
        'while any one replica is down; use one less',
    );
  }
  return { replicationFactor, minInsyncReplicas, requested: asked, brokers, notes, warnings };
}
