import { envField } from '@payhook/runtime';
import { z } from 'zod';

/** Environment variables of every Kafka client; compose into a service's schema. */
export const kafkaEnv = {
  /** Comma-separated `host:port` list. */
  KAFKA_BROKERS: envField.hostPorts().default(['127.0.0.1:9092']),
  /** Partitions of the stream topics when provisioning. */
  PAYHOOK_PARTITIONS: envField.positiveInt().default(6),
  /** Replicas of each partition when provisioning; capped at the cluster's broker count. */
  PAYHOOK_REPLICATION_FACTOR: envField.positiveInt().default(3),
  /** Topic config `min.insync.replicas` when provisioning; capped at the replication factor. */
  PAYHOOK_MIN_INSYNC_REPLICAS: envField.positiveInt().default(2),
} as const;

export const kafkaEnvSchema = z.object(kafkaEnv);
