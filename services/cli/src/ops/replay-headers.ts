// Moved to @payhook/replay, which the HTTP API shares.
export { REPLAY_ID_HEADER, type ReplayMark, replayHeaders } from '@payhook/replay';
