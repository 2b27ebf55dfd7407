import type { PipelineTopics } from '@payhook/contracts';

/** The intended shape of one topic. */
export interface TopicSpec {
  readonly name: string;
  readonly partitions: number;
  /** Topic-level configs, as the broker spells them. */
  readonly config: Readonly<Record<string, string>>;
}

/** Options of {@link pipelineTopicSpecs}. */
export interface PipelineTopicOptions {
  /**
   * Partitions of the stream topics (events, dispatch, retry tiers, DLQ, attempts): the
   * upper bound on useful dispatcher pods.
   * @defaultValue 6
   */
  readonly partitions?: number;
  /** @defaultValue 3 */
  readonly tablePartitions?: number;
}

const DAY_MS = 86_400_000;

const compacted = { 'cleanup.policy': 'compact', 'min.compaction.lag.ms': String(60_000) } as const;
/** Compacted, and dropped once older than `ms` (state that means nothing after a while). */
const compactedFor = (ms: number) => ({ ...compacted, 'cleanup.policy': 'compact,delete', 'retention.ms': String(ms) });
const retained = (ms: number) => ({ 'cleanup.policy': 'delete', 'retention.ms': String(ms) });

/** Every topic of the pipeline with its partitions and configs. */
export function pipelineTopicSpecs(topics: PipelineTopics, options: PipelineTopicOptions = {}): TopicSpec[] {
  const partitions = options.partitions ?? 6;
  const tablePartitions = options.tablePartitions ?? 3;
  if (!Number.isInteger(partitions) || partitions < 1) throw new Error('partitions must be a positive integer');
  if (!Number.isInteger(tablePartitions) || tablePartitions < 1)
    throw new Error('tablePartitions must be a positive integer');
  return [
    { name: topics.intents, partitions: tablePartitions, config: compacted },
    { name: topics.endpoints, partitions: tablePartitions, config: compacted },
    { name: topics.apiKeys, partitions: tablePartitions, config: compacted },
    // The API's Idempotency-Key records (kept 24 h by default) and jobs: a week is plenty.
    { name: topics.apiIdempotency, partitions: tablePartitions, config: compactedFor(7 * DAY_MS) },
    { name: topics.apiJobs, partitions: tablePartitions, config: compactedFor(7 * DAY_MS) },
    // One partition: the scanner writes its checkpoints in the same transaction as its events.
    { name: topics.checkpoints, partitions: 1, config: compacted },
    { name: topics.events, partitions, config: retained(7 * DAY_MS) },
    { name: topics.dispatch, partitions, config: retained(7 * DAY_MS) },
    // A record waits in its tier for the tier's delay: keep it well beyond that.
    ...topics.retry.map((tier) => ({
      name: tier.topic,
      partitions,
      config: retained(Math.max(7 * DAY_MS, 3 * tier.delayMs)),
    })),
    { name: topics.dlq, partitions, config: retained(30 * DAY_MS) },
    { name: topics.attempts, partitions, config: retained(30 * DAY_MS) },
  ];
}
