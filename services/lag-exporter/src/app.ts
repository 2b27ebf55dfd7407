import { type GroupLag, measureLag } from '@payhook/consumer-lag';
import { type PipelineTopics, pipelineTopics } from '@payhook/contracts';
import { createKafkaClient, pipelineTopicSpecs } from '@payhook/kafka';
import { Gauge, type Logger, type ReadinessCheck, type Registry } from '@payhook/runtime';
import type { LagExporterConfig } from './config.ts';
import { createTopicHealthGauges } from './topic-health-gauges.ts';

/** What the composition root hands the exporter. */
export interface LagExporterDeps {
  readonly config: LagExporterConfig;
  readonly logger: Logger;
  readonly registry: Registry;
}

/** A running exporter: measures every interval and serves the figures as gauges. */
export interface LagExporterApp {
  readonly topics: PipelineTopics;
  readonly readiness: readonly ReadinessCheck[];
  /** Measures once now (also what the timer does). */
  measure(): Promise<GroupLag[]>;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export function createLagExporterApp(deps: LagExporterDeps): LagExporterApp {
  const { config, logger } = deps;
  const topics = pipelineTopics(config.PAYHOOK_RETRY_TIERS, config.PAYHOOK_TOPIC_PREFIX);
  const kafka = createKafkaClient({ brokers: config.KAFKA_BROKERS, clientId: 'payhook-lag-exporter', logger });
  const admin = kafka.admin();
  const labelNames = ['group', 'topic', 'partition'] as const;
  const offsets = new Gauge({
    name: 'payhook_consumer_lag_offsets',
    help: 'Records a consumer group has not yet consumed (transaction markers and aborted records excluded), per topic and partition',
    labelNames,
    registers: [deps.registry],
  });
  const seconds = new Gauge({
    name: 'payhook_consumer_lag_seconds',
    help: 'Age of the oldest record a group has not consumed (retry tiers: the longest an unconsumed record has waited past its due time), per topic and partition',
    labelNames,
    registers: [deps.registry],
  });
  const groups = [
    {
      groupId: `${config.PAYHOOK_TOPIC_PREFIX}${config.DISPATCHER_GROUP_ID}`,
      topics: [topics.dispatch, ...topics.retry.map((t) => t.topic)],
    },
    { groupId: `${config.PAYHOOK_TOPIC_PREFIX}${config.FILTER_GROUP_ID}`, topics: [topics.events] },
  ];
  const health = createTopicHealthGauges({
    brokers: config.KAFKA_BROKERS,
    topics: pipelineTopicSpecs(topics).map((spec) => spec.name),
    registry: deps.registry,
  });
  let timer: NodeJS.Timeout | undefined;
  let lastSuccess = 0;

  async function measure(): Promise<GroupLag[]> {
    // Replication is read apart from lag: a cluster that lost partitions is when it matters.
    const replication = health.measure().catch((error: unknown) => {
      logger.warn({ err: error }, 'topic replication measurement failed');
    });
    const result = await measureLag(admin, kafka, groups, topics).finally(() => replication);
    // Partitions that moved away or topics that went stop being reported.
    offsets.reset();
    seconds.reset();
    for (const group of result) {
      for (const p of group.partitions) {
        const labels = { group: group.groupId, topic: p.topic, partition: String(p.partition) };
        offsets.set(labels, p.lagOffsets);
        seconds.set(labels, p.lagSeconds);
      }
    }
    lastSuccess = Date.now();
    return result;
  }

  return {
    topics,
    measure,
    readiness: [
      {
        name: 'lag',
        check: () => Date.now() - lastSuccess < config.LAG_INTERVAL_MS * 3 || 'no successful lag measurement recently',
      },
    ],
    async start() {
      await admin.connect();
      await measure();
      timer = setInterval(() => {
        measure().catch((error: unknown) => logger.warn({ err: error }, 'lag measurement failed'));
      }, config.LAG_INTERVAL_MS);
      logger.info({ groups: groups.map((g) => g.groupId) }, 'lag exporter started');
    },
    async stop() {
      clearInterval(timer);
      await admin.disconnect();
    },
  };
}
