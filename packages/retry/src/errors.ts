import { PayhookError } from '@payhook/runtime/errors';

/** Stable error codes of the retry package. */
export const RetryErrorCode = {
  INVALID_OPTION: 'PAYHOOK_RETRY_INVALID_OPTION',
} as const;
export type RetryErrorCode = (typeof RetryErrorCode)[keyof typeof RetryErrorCode];

/**
 * An option or argument of a retry, breaker or rate-limit function is out of range.
 * It is a programming or configuration error, so retrying cannot help.
 */
export class RetryOptionError extends PayhookError {
  /** The offending option, e.g. `attempt` or `ratePerSecond`. */
  readonly option: string;

  constructor(option: string, problem: string) {
    super(RetryErrorCode.INVALID_OPTION, `${option} ${problem}`);
    this.option = option;
  }
}

/** Throws {@link RetryOptionError} unless `value` is a finite number of at least `min`. */
export function requireAtLeast(option: string, value: number, min: number): void {
  if (!Number.isFinite(value) || value < min) {
    throw new RetryOptionError(option, `must be a number >= ${min}, got ${value}`);
  }
}

/** Throws {@link RetryOptionError} unless `value` is an integer of at least `min`. */
export function requireInteger(option: string, value: number, min: number): void {
  if (!Number.isSafeInteger(value) || value < min) {
    throw new RetryOptionError(option, `must be an integer >= ${min}, got ${value}`);
  }
}
