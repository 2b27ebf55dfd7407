export { matchesDelivery, type ReplayFilter } from './delivery-filter.ts';
export { ReplayErrorCode } from './errors.ts';
export { inWindow, offsetRanges, type PartitionOffsets, requireTopics, type TimeWindow } from './offset-ranges.ts';
export { createProgress, type Progress, type ProgressOptions, type ScanCounts } from './progress.ts';
export { REPLAY_ID_HEADER, type ReplayMark, replayHeaders } from './replay-headers.ts';
export {
  type CandidateBuilder,
  createPublisher,
  deliveryCandidates,
  eventCandidates,
  type PoisonListener,
  type PoisonRecord,
  type Publisher,
  type ReplayCandidate,
  type ReplayRunOptions,
  runReplay,
  type SkipCounts,
} from './replayer.ts';
export { type DeliverySearchClients, findDeliveries, type ResendQuery } from './resend.ts';
