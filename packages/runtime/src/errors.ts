/** Stable error codes of the runtime package. */
export const RuntimeErrorCode = {
  CONFIG_INVALID: 'PAYHOOK_CONFIG_INVALID',
  SHUTDOWN_TIMEOUT: 'PAYHOOK_SHUTDOWN_TIMEOUT',
} as const;
export type RuntimeErrorCode = (typeof RuntimeErrorCode)[keyof typeof RuntimeErrorCode];

/**
 * Base class of every payhook error: a stable string `code`, an optional `cause`,
 * and whether retrying the same operation can succeed.
 */
export class PayhookError extends Error {
  readonly code: string;
  readonly retryable: boolean;

  constructor(code: string, message: string, options: { cause?: unknown; retryable?: boolean } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.retryable = options.retryable ?? false;
  }
}

/** One environment variable that is missing or malformed. */
export interface ConfigIssue {
  /** The environment variable's name, e.g. `KAFKA_BROKERS`. */
  readonly variable: string;
  /** What was wrong with it, in words. */
  readonly problem: string;
}

/** Raised when the environment does not describe a valid configuration. */
export class ConfigError extends PayhookError {
  readonly issues: readonly ConfigIssue[];

  constructor(issues: readonly ConfigIssue[]) {
    super(
      RuntimeErrorCode.CONFIG_INVALID,
      `invalid configuration: ${issues.map((i) => `${i.variable}: ${i.problem}`).join('; ')}`,
    );
    this.issues = issues;
  }
}
