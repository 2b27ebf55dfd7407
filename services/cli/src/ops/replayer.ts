// Moved to @payhook/replay, which the HTTP API shares.
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
} from '@payhook/replay';
