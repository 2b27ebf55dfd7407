import { describeTopicHealth } from '@payhook/kafka';
import { Gauge, type Registry } from '@payhook/runtime';

/** The replication of the pipeline's topics as gauges, one series per topic. */
export interface TopicHealthGauges {
  /** Reads every topic's partitions from the brokers and sets the gauges. */
  measure(): Promise<void>;
}

/**
 * Gauges of partitions that are under-replicated (a copy missing or behind), below their
 * `min.insync.replicas` (`acks=all` writes are refused: the pipeline stops) and offline (no
 * leader). Read through the lenient metadata reader, which keeps working while partitions are
 * offline, when the kafkajs admin client fails.
 */
export function createTopicHealthGauges(deps: {
  readonly brokers: readonly string[];
  readonly topics: readonly string[];
  readonly registry: Registry;
}): TopicHealthGauges {
  const registers = [deps.registry];
  const labelNames = ['topic'] as const;
  const underReplicated = new Gauge({
    name: 'payhook_kafka_under_replicated_partitions',
    help: 'Partitions of a pipeline topic with fewer in-sync replicas than replicas',
    labelNames,
    registers,
  });
  const belowMinIsr = new Gauge({
    name: 'payhook_kafka_below_min_isr_partitions',
    help: 'Partitions of a pipeline topic with fewer in-sync replicas than min.insync.replicas: acks=all writes are refused',
    labelNames,
    registers,
  });
  const offline = new Gauge({
    name: 'payhook_kafka_offline_partitions',
    help: 'Partitions of a pipeline topic without a leader: neither reads nor writes',
    labelNames,
    registers,
  });
  return {
    async measure() {
      const health = await describeTopicHealth({ brokers: deps.brokers }, deps.topics);
      // Topics that went stop being reported.
      for (const gauge of [underReplicated, belowMinIsr, offline]) gauge.reset();
      for (const topic of health) {
        underReplicated.set({ topic: topic.topic }, topic.underReplicated.length);
        belowMinIsr.set({ topic: topic.topic }, topic.belowMinIsr.length);
        offline.set({ topic: topic.topic }, topic.offline.length);
      }
    },
  };
}
