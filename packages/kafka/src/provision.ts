import type { Logger } from '@payhook/runtime';
import kafkajs, { type Admin } from 'kafkajs';

// kafkajs is CommonJS: its runtime values come from the default export.
const { ConfigResourceTypes } = kafkajs;

import type { TopicSpec } from './topic-specs.ts';

/** What {@link ensureTopics} did to each topic. */
export interface ProvisionReport {
  readonly created: string[];
  /** Topics whose configs were set back to the intended values. */
  readonly reconfigured: string[];
  /** Topics that got more partitions. */
  readonly expanded: string[];
  readonly unchanged: string[];
}

/**
 * Brings the broker's topics to the intended specs, idempotently: creates what is missing,
 * raises partition counts that are lower than intended (never lowers them: Kafka cannot),
 * and sets configs that differ.
 */
export async function ensureTopics(
  admin: Admin,
  specs: readonly TopicSpec[],
  logger?: Logger,
): Promise<ProvisionReport> {
  const report: ProvisionReport = { created: [], reconfigured: [], expanded: [], unchanged: [] };
  const existing = new Set(await admin.listTopics());
  const missing = specs.filter((s) => !existing.has(s.name));
  if (missing.length > 0) {
    await admin.createTopics({
      waitForLeaders: true,
      topics: missing.map((s) => ({
        topic: s.name,
        numPartitions: s.partitions,
        replicationFactor: -1,
        configEntries: Object.entries(s.config).map(([name, value]) => ({ name, value })),
      })),
    });
    for (const s of missing) {
      report.created.push(s.name);
      logger?.info({ topic: s.name, partitions: s.partitions }, 'topic created');
    }
  }

  const present = specs.filter((s) => existing.has(s.name));
  if (present.length === 0) return report;
  const metadata = await admin.fetchTopicMetadata({ topics: present.map((s) => s.name) });
  const partitionCounts = new Map(metadata.topics.map((t) => [t.name, t.partitions.length]));
  const configs = await readTopicConfigs(
    admin,
    present.map((s) => s.name),
  );

  for (const spec of present) {
    let changed = false;
    const count = partitionCounts.get(spec.name) ?? 0;
    if (count < spec.partitions) {
      await admin.createPartitions({ topicPartitions: [{ topic: spec.name, count: spec.partitions }] });
      report.expanded.push(spec.name);
      logger?.info({ topic: spec.name, from: count, to: spec.partitions }, 'topic partitions added');
      changed = true;
    }
    const current = configs.get(spec.name) ?? {};
    const differs = Object.entries(spec.config).some(([k, v]) => current[k] !== v);
    if (differs) {
      await admin.alterConfigs({
        validateOnly: false,
        resources: [
          {
            type: ConfigResourceTypes.TOPIC,
            name: spec.name,
            configEntries: Object.entries(spec.config).map(([name, value]) => ({ name, value })),
          },
        ],
      });
      report.reconfigured.push(spec.name);
      logger?.info({ topic: spec.name, config: spec.config }, 'topic configs set');
      changed = true;
    }
    if (!changed) report.unchanged.push(spec.name);
  }
  return report;
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
