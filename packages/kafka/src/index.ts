export {
  type BatchingProducer,
  BatchingProducerClosedError,
  BatchingProducerErrorCode,
  type BatchingProducerOptions,
  createBatchingProducer,
} from './batching-producer.ts';
export { createKafkaClient, type KafkaClientOptions, silenceKafkajsTimerWarning } from './client.ts';
export {
  checkBrokerTrust,
  KafkaSecurityError,
  KafkaSecurityErrorCode,
  securityErrorOf,
} from './connection-errors.ts';
export { watchConsumerCrash } from './consumer-crash.ts';
export {
  type KafkaSecurityEnv,
  kafkaEnv,
  kafkaEnvSchema,
  kafkaSecurityEnv,
  kafkaSecurityEnvSchema,
  SASL_MECHANISMS,
  type SaslMechanism,
} from './env.ts';
export { headerText } from './headers.ts';
export {
  type LenientMetadata,
  type LenientReader,
  type LenientReaderOptions,
  withLenientReader,
} from './lenient-metadata.ts';
export { keyHashPartitioner, murmur2, partitionOfKey } from './partitioner.ts';
export { connectTransactional, createIdempotentProducer, createTransactionalProducer } from './producer.ts';
export {
  type EnsureTopicsOptions,
  ensureTopics,
  MIN_INSYNC_REPLICAS,
  type ProvisionReport,
  type ReplicationMismatch,
  readTopicConfigs,
} from './provision.ts';
export { MAX_SEND_BYTES, recordBytes, sendSizedChunks } from './record-size.ts';
export {
  createRenewingProducer,
  type RecordSender,
  type RenewingProducer,
  RenewingProducerErrorCode,
  type RenewingProducerOptions,
} from './renewing-producer.ts';
export {
  DEFAULT_REPLICATION,
  type EffectiveReplication,
  effectiveReplication,
  PRODUCTION_BROKERS,
  type ReplicationPolicy,
} from './replication.ts';
export {
  describeSecurity,
  type KafkaSecurity,
  kafkaSecurityFromEnv,
  kafkaSecurityOf,
  PLAINTEXT,
  processKafkaSecurity,
  saslOptions,
  tlsOptions,
} from './security.ts';
export {
  createTableReader,
  type TableChangeListener,
  type TableReader,
  TableReaderErrorCode,
  type TableReaderOptions,
} from './table-reader.ts';
export { describeTopicHealth, isOffline, type TopicHealth, type TopicState, topicHealth } from './topic-health.ts';
export {
  type ScanBatch,
  type ScanOptions,
  type ScanRange,
  type ScanRanges,
  type ScanVerdict,
  scanTopics,
} from './topic-scan.ts';
export { type PipelineTopicOptions, pipelineTopicSpecs, type TopicSpec } from './topic-specs.ts';
export {
  createTransactionalWriter,
  isFencedError,
  type TransactionalWriter,
  type TransactionalWriterOptions,
  TransactionError,
  TransactionErrorCode,
} from './transactional-writer.ts';
