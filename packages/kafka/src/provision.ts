import type { Logger } from '@payhook/runtime';
import kafkajs, { type Admin } from 'kafkajs';

// kafkajs is CommonJS: its runtime values come from the default export.
const { ConfigResourceTypes } = kafkajs;

import { type EffectiveReplication, effectiveReplication, type ReplicationPolicy } from './replication.ts';
import type { TopicSpec } from './topic-specs.ts';

/** The topic config that holds a topic's minimum in-sync replicas. */
export const MIN_INSYNC_REPLICAS = 'min.insync.replicas';

/** Options of {@link ensureTopics}. */
export interface EnsureTopicsOptions {
  /**
   * Replication of the topics, capped at the cluster's broker count (see
   * {@link effectiveReplication}).
   * @defaultValue replication factor 3, `min.insync.replicas` 2
   */
  readonly replication?: Partial<ReplicationPolicy>;
  /** Logs what changed, and warnings about replication. @defaultValue none */
  readonly logger?: Logger;
}

/** A topic whose replication factor is not the intended one (Kafka changes it only by a reassignment). */
export interface ReplicationMismatch {
  readonly topic: string;
  readonly actual: number;
  readonly intended: number;
}

/** What {@link ensureTopics} did to each topic. */
export interface ProvisionReport {
  readonly created: string[];
  /** Topics whose configs were set back to the intended values. */
  readonly reconfigured: string[];
  /** Topics that got more partitions. */
  readonly expanded: string[];
  readonly unchanged: string[];
  /** The replication used, fitted to the cluster, with its notes and warnings. */
  readonly replication: EffectiveReplication;
  /** Existing topics with another replication factor than intended; left as they are. */
  readonly replicationMismatches: ReplicationMismatch[];
}

/**
 * Brings the broker's topics to the intended specs, idempotently: creates what is missing
 * (replicated as `options.replication` asks, capped at the cluster's broker count), raises
 * partition counts that are lower than intended (never lowers them: Kafka cannot), and sets
 * configs that differ, `min.insync.replicas` included. An existing topic's replication factor
 * is reported when it differs, never changed.
 */
export async function ensureTopics(
  admin: Admin,
  specs: readonly TopicSpec[],
  options: EnsureTopicsOptions = {},
): Promise<ProvisionReport> {
  const { logger } = options;
  const existing = new Set(await admin.listTopics());
  const present = specs.filter((s) => existing.has(s.name));
  const described = [...present.map((s) => s.name), ...INTERNAL_TOPICS.filter((t) => existing.has(t))];
  // kafkajs asks for every topic when given none.
  const metadata = described.length > 0 ? await admin.fetchTopicMetadata({ topics: described }) : { topics: [] };
  const replication = effectiveReplication(
    options.replication,
    await clusterSize(
      admin,
      metadata.topics.flatMap((t) => t.partitions),
    ),
  );
  for (const note of replication.notes) logger?.info({ brokers: replication.brokers }, note);
  for (const warning of replication.warnings) logger?.warn({ brokers: replication.brokers }, warning);
  const intendedConfig = (spec: TopicSpec): Record<string, string> => ({
    ...spec.config,
    [MIN_INSYNC_REPLICAS]: String(replication.minInsyncReplicas),
  });

  const report: ProvisionReport = {
    created: [],
    reconfigured: [],
    expanded: [],
    unchanged: [],
    replication,
    replicationMismatches: [],
  };
  const missing = specs.filter((s) => !existing.has(s.name));
  if (missing.length > 0) {
    await admin.createTopics({
      waitForLeaders: true,
      topics: missing.map((s) => ({
        topic: s.name,
        numPartitions: s.partitions,
        replicationFactor: replication.replicationFactor,
        configEntries: Object.entries(intendedConfig(s)).map(([name, value]) => ({ name, value })),
      })),
    });
    for (const s of missing) {
      report.created.push(s.name);
      logger?.info(
        { topic: s.name, partitions: s.partitions, replicationFactor: replication.replicationFactor },
        'topic created',
      );
    }
  }

  if (present.length === 0) return report;
  const byName = new Map(metadata.topics.map((t) => [t.name, t.partitions]));
  const configs = await readTopicConfigs(
    admin,
    present.map((s) => s.name),
  );

  for (const spec of present) {
    let changed = false;
    const partitions = byName.get(spec.name) ?? [];
    const count = partitions.length;
    if (count < spec.partitions) {
      await admin.createPartitions({ topicPartitions: [{ topic: spec.name, count: spec.partitions }] });
      report.expanded.push(spec.name);
      logger?.info({ topic: spec.name, from: count, to: spec.partitions }, 'topic partitions added');
      changed = true;
    }
    const actualFactor = Math.max(0, ...partitions.map((p) => p.replicas.length));
    if (count > 0 && actualFactor !== replication.replicationFactor) {
      report.replicationMismatches.push({
        topic: spec.name,
        actual: actualFactor,
        intended: replication.replicationFactor,
      });
      logger?.warn(
        { topic: spec.name, actual: actualFactor, intended: replication.replicationFactor },
        'topic has another replication factor than intended; Kafka changes it only by a partition reassignment',
      );
    }
    const intended = intendedConfig(spec);
    const current = configs.get(spec.name) ?? {};
    const differs = Object.entries(intended).some(([k, v]) => current[k] !== v);
    if (differs) {
      // AlterConfigs replaces the topic's whole config: every intended entry goes with it.
      await admin.alterConfigs({
        validateOnly: false,
        resources: [
          {
            type: ConfigResourceTypes.TOPIC,
            name: spec.name,
            configEntries: Object.entries(intended).map(([name, value]) => ({ name, value })),
          },
        ],
      });
      report.reconfigured.push(spec.name);
      logger?.info({ topic: spec.name, config: intended }, 'topic configs set');
      changed = true;
    }
    if (!changed) report.unchanged.push(spec.name);
  }
  return report;
}

/** Topics whose replicas tell which brokers the cluster has, besides the pipeline's. */
const INTERNAL_TOPICS = ['__consumer_offsets', '__transaction_state'] as const;

/**
 * Brokers of the cluster: those that answer, and those that hold replicas of existing topics
 * while they are down. Metadata lists only live brokers; counting those alone, provisioning
 * during a broker's restart would create topics with fewer copies than the cluster can hold,
 * where Kafka should rather refuse until the broker is back.
 */
async function clusterSize(admin: Admin, partitions: readonly { replicas: readonly number[] }[]): Promise<number> {
  const cluster = await admin.describeCluster();
  const ids = new Set(cluster.brokers.map((b) => b.nodeId));
  for (const partition of partitions) for (const id of partition.replicas) ids.add(id);
  return Math.max(1, ids.size);
}

/** Reads topic configs as a map of topic name to `{configName: value}`. */
export async function readTopicConfigs(
  admin: Admin,
  topics: readonly string[],
): Promise<Map<string, Record<string, string>>> {
  const result = new Map<string, Record<string, string>>();
  if (topics.length === 0) return result;
  const described = await admin.describeConfigs({
    includeSynonyms: false,
    resources: topics.map((name) => ({ type: ConfigResourceTypes.TOPIC, name })),
  });
  for (const resource of described.resources) {
    const entries: Record<string, string> = {};
    for (const entry of resource.configEntries) entries[entry.configName] = entry.configValue;
    result.set(resource.resourceName, entries);
  }
  return result;
}
