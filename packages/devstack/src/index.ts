export {
  ANVIL_CHAIN_ID,
  type AnvilNode,
  anvilBinary,
  anvilUrl,
  freePort,
  rpcChainId,
  type StandaloneAnvilOptions,
  startAnvil,
} from './anvil-node.ts';
export {
  type KafkaCluster,
  type KafkaClusterNode,
  kafkaCluster,
  type StandaloneKafkaClusterOptions,
  startKafkaCluster,
} from './kafka-cluster.ts';
export { defaultKafkaHeap } from './kafka-layout.ts';
export {
  type KafkaBroker,
  type KafkaNodeStatus,
  kafkaReady,
  type SecureKafkaListener,
  type StandaloneKafkaOptions,
  startKafka,
  startKafkaBroker,
  stopKafka,
} from './kafka-node.ts';
export { parseQuorumStatus, type QuorumStatus } from './metadata-quorum.ts';
export {
  parseReferenceOutput,
  type ReferenceReadOptions,
  type ReferenceRecord,
  readCommittedReference,
} from './reference-consumer.ts';
export { CCOMPAT_PATH, registryUrl } from './registry-node.ts';
export { SCRAM_USERS, SECURE_USERS, type SecureListener } from './secure-listener.ts';
export { type DevStackSettings, devStackSettings, MAX_KAFKA_NODES, VERSIONS } from './settings.ts';
export {
  type ComponentStatus,
  type StackEndpoints,
  stackDown,
  stackEndpoints,
  stackStatus,
  stackUp,
} from './stack.ts';
