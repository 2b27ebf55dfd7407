import { ReplayErrorCode } from '@payhook/replay';

/** Stable error codes of the operations commands (replay, resend, attempts, lag). */
export const OpsErrorCode = {
  /** A topic the command reads does not exist: the pipeline was not provisioned under this prefix. */
  TOPIC_MISSING: ReplayErrorCode.TOPIC_MISSING,
  /** A stored replay cursor cannot be read. */
  CURSOR_UNREADABLE: 'CLI_OPS_CURSOR_UNREADABLE',
} as const;
export type OpsErrorCode = (typeof OpsErrorCode)[keyof typeof OpsErrorCode];
