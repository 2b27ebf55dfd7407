/** Stable error codes of the replay code. */
export const ReplayErrorCode = {
  /**
   * A topic the command reads does not exist: the pipeline was not provisioned under this
   * prefix. The value is the one `payhook` reported before this code moved out of the CLI.
   */
  TOPIC_MISSING: 'CLI_OPS_TOPIC_MISSING',
} as const;
export type ReplayErrorCode = (typeof ReplayErrorCode)[keyof typeof ReplayErrorCode];
