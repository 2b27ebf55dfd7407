export { type AddressClassification, classifyAddress, isPublicAddress } from './address-policy.ts';
export {
  AddressCategory,
  type AddressRange,
  IPV4_RANGES,
  IPV6_GLOBAL_UNICAST,
  IPV6_RANGES,
  Ipv4Embedding,
} from './address-ranges.ts';
export { createDevAllowList, type DevAllowList, EMPTY_ALLOW_LIST } from './allow-list.ts';
export { type CheckedAddressesOptions, resolveCheckedAddresses } from './checked-addresses.ts';
export {
  AllowListError,
  AttemptDeadlineError,
  ConnectTimeoutError,
  DnsLookupError,
  type EndpointRefusalCode,
  EndpointRefusedError,
  HttpDeliveryErrorCode,
  SenderClosedError,
  SenderThreadError,
} from './errors.ts';
export { type Connector, createGuardedConnector, type GuardedConnectorOptions } from './guarded-connector.ts';
export {
  createHttpSender,
  type DeliveryResult,
  type HttpSender,
  type HttpSenderOptions,
  type SendRequest,
  type SendSigning,
} from './http-sender.ts';
export {
  type Classification,
  classifyError,
  classifyStatus,
  DeliveryOutcome,
  ERROR_CODE_TABLE,
  ErrorClass,
  STATUS_TABLE,
  type StatusRule,
} from './outcome.ts';
export { type Resolve, type ResolvedAddress, systemResolve } from './resolver.ts';
export { checkSenderOptions } from './sender-options.ts';
export type { ThreadSenderOptions } from './threaded/protocol.ts';
export type { ThreadHeapLimits } from './threaded/thread-heap.ts';
export {
  createThreadedHttpSender,
  type ThreadedHttpSender,
  type ThreadedHttpSenderOptions,
} from './threaded/threaded-sender.ts';
export { type EndpointUrl, parseEndpointUrl } from './url-policy.ts';
