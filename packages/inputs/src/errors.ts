import { PayhookError } from '@payhook/runtime';

/** Stable error codes of the inputs package. */
export const InputErrorCode = {
  /** A field's value is not acceptable; the error names the field. */
  INVALID: 'PAYHOOK_INPUT_INVALID',
} as const;
export type InputErrorCode = (typeof InputErrorCode)[keyof typeof InputErrorCode];

/**
 * One field of an input is not acceptable. `field` is the name the caller gave the value
 * (`--amount` on the command line, `amount` in an API body); the message is
 * `<field>: <problem>` and never quotes a value that may hold a secret.
 */
export class InputError extends PayhookError {
  readonly field: string;
  readonly problem: string;

  constructor(field: string, problem: string) {
    super(InputErrorCode.INVALID, `${field}: ${problem}`);
    this.field = field;
    this.problem = problem;
  }
}
