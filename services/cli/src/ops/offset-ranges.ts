// Moved to @payhook/replay, which the HTTP API shares.
export { inWindow, offsetRanges, type PartitionOffsets, requireTopics, type TimeWindow } from '@payhook/replay';
