export { createKafkaClient, type KafkaClientOptions, silenceKafkajsTimerWarning } from './client.ts';
export { kafkaEnv, kafkaEnvSchema } from './env.ts';
export { createIdempotentProducer, createTransactionalProducer } from './producer.ts';
export { ensureTopics, type ProvisionReport, readTopicConfigs } from './provision.ts';
export { type PipelineTopicOptions, pipelineTopicSpecs, type TopicSpec } from './topic-specs.ts';
