// Moved to @payhook/replay, which the HTTP API shares.
export { createProgress, type Progress, type ProgressOptions, type ScanCounts } from '@payhook/replay';
