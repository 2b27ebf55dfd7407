import { PayhookError } from '@payhook/runtime';

/** Stable error codes of the CLI. */
export const CliErrorCode = {
  BAD_INPUT: 'CLI_BAD_INPUT',
  FAILED: 'CLI_FAILED',
} as const;

/** Bad input from the person at the terminal: printed as is, exit status 2. */
export class CliUsageError extends PayhookError {
  constructor(message: string) {
    super(CliErrorCode.BAD_INPUT, message);
  }
}

/** A command that did part of its work and failed the rest: printed with its code, exit status 1. */
export class CliFailure extends PayhookError {
  constructor(message: string) {
    super(CliErrorCode.FAILED, message);
  }
}
