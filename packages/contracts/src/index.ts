export { Contract, type ContractKey, type ContractSpec, contractForTopic } from './catalog.ts';
export { Chain, type ChainInfo, type ChainKey, chainById, KNOWN_CHAINS, type KnownChainId } from './chains.ts';
export { type ContractCodec, createContractCodec, WIRE_HEADER_BYTES } from './codec.ts';
export { DeliveryHeader } from './delivery-headers.ts';
export {
  contractsEnv,
  processRegistrySecurity,
  type RegistrySecurity,
  type RegistrySecurityEnv,
  registrySecurityEnv,
  registrySecurityOf,
} from './env.ts';
export { ContractError, ContractErrorCode } from './errors.ts';
export {
  DEFAULT_EVENT_TYPES,
  EVENT_TYPE_BY_STATUS,
  EVENT_TYPES,
  EventType,
  eventTypeOf,
  isEventType,
  TEST_EVENT_TYPE,
  type TestEventType,
} from './event-types.ts';
export type * from './generated/contract-types.ts';
export { createRegistryClient, type RegistryClient, SUBJECT_COMPATIBILITY } from './registry.ts';
export { DEFAULT_RETRY_TIERS, parseDuration, parseRetryTiers, type RetryTier } from './retry-tiers.ts';
export { type AvroSchema, defaultSchemasDir, loadSchemas } from './schema-loader.ts';
export { type FileContent, fileField, Secret, secretField, secretFileField } from './secret.ts';
export {
  type PipelineTopics,
  pipelineTopics,
  RETRY_TOPIC_PREFIX,
  type RetryTierTopic,
  retryTopic,
  Topic,
  type TopicName,
  valueSubject,
} from './topics.ts';
export { generateContractTypes } from './typegen.ts';
