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
  type KafkaBroker,
  kafkaReady,
  type StandaloneKafkaOptions,
  startKafka,
  startKafkaBroker,
  stopKafka,
} from './kafka-node.ts';
export { CCOMPAT_PATH, registryUrl } from './registry-node.ts';
export { type DevStackSettings, devStackSettings, VERSIONS } from './settings.ts';
export {
  type ComponentStatus,
  type StackEndpoints,
  stackDown,
  stackEndpoints,
  stackStatus,
  stackUp,
} from './stack.ts';
