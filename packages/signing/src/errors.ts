import { PayhookError } from '@payhook/runtime/errors';

/** Stable error codes of the signing package. */
export const SigningErrorCode = {
  SECRET_INVALID: 'PAYHOOK_SIGNING_SECRET_INVALID',
  NO_SECRET: 'PAYHOOK_SIGNING_NO_SECRET',
  INPUT_INVALID: 'PAYHOOK_SIGNING_INPUT_INVALID',
  SECRETS_KEY_INVALID: 'PAYHOOK_SIGNING_SECRETS_KEY_INVALID',
  SEALED_SECRET_UNREADABLE: 'PAYHOOK_SIGNING_SEALED_SECRET_UNREADABLE',
} as const;
export type SigningErrorCode = (typeof SigningErrorCode)[keyof typeof SigningErrorCode];

/** What is wrong with a signing secret, as a stable value callers can branch on. */
export const SecretProblem = {
  /** The string does not start with `whsec_`. */
  MISSING_PREFIX: 'missing_prefix',
  /** The part after the prefix is not canonical, padded, standard base64. */
  NOT_BASE64: 'not_base64',
  /** The key has fewer bytes than the minimum. */
  TOO_SHORT: 'too_short',
  /** The key has more bytes than the maximum. */
  TOO_LONG: 'too_long',
} as const;
export type SecretProblem = (typeof SecretProblem)[keyof typeof SecretProblem];

const PROBLEM_TEXT: Record<SecretProblem, string> = {
  missing_prefix: 'does not start with "whsec_"',
  not_base64: 'is not standard padded base64 after the "whsec_" prefix',
  too_short: 'decodes to too few key bytes',
  too_long: 'decodes to too many key bytes',
};

/**
 * A signing secret is malformed. The message says what is wrong and, when the secret came
 * from a list, its position; it never contains the secret or any part of it, so the error
 * is safe to log.
 */
export class InvalidSecretError extends PayhookError {
  /** What is wrong with the secret. */
  readonly problem: SecretProblem;
  /** Position of the secret in the list it came from, when it came from one. */
  readonly index: number | undefined;
  /** Length of the decoded key, when it decoded; helps an operator without revealing the key. */
  readonly keyLength: number | undefined;

  constructor(problem: SecretProblem, details: { index?: number; keyLength?: number; expected?: string } = {}) {
    const where = details.index === undefined ? 'signing secret' : `signing secret #${details.index + 1}`;
    const expected = details.expected === undefined ? '' : `, expected ${details.expected}`;
    const length = details.keyLength === undefined ? '' : ` (${details.keyLength} bytes${expected})`;
    super(SigningErrorCode.SECRET_INVALID, `${where} ${PROBLEM_TEXT[problem]}${length}`);
    this.problem = problem;
    this.index = details.index;
    this.keyLength = details.keyLength;
  }
}

/** There is no secret to sign with: an endpoint without an active secret cannot be delivered to. */
export class NoSecretError extends PayhookError {
  constructor() {
    super(SigningErrorCode.NO_SECRET, 'no signing secret: at least one active secret is required');
  }
}

/** A message id, timestamp or option is not usable in a signed webhook. */
export class SigningInputError extends PayhookError {
  /** The offending field, e.g. `id` or `timestamp`. */
  readonly field: string;

  constructor(field: string, problem: string) {
    super(SigningErrorCode.INPUT_INVALID, `${field} ${problem}`);
    this.field = field;
  }
}

/** A key-encryption key setting is malformed; the message names what, never the key. */
export class SecretsKeyError extends PayhookError {
  constructor(problem: string) {
    super(SigningErrorCode.SECRETS_KEY_INVALID, problem);
  }
}

/**
 * A sealed signing secret cannot be opened: no key with its id is configured, or it does not
 * authenticate (tampered with, or sealed for another endpoint). Nothing may be signed with it.
 */
export class SealedSecretError extends PayhookError {
  /** The id of the key the secret names, when it names one. */
  readonly keyId: string | undefined;

  constructor(problem: string, keyId?: string) {
    super(SigningErrorCode.SEALED_SECRET_UNREADABLE, problem);
    this.keyId = keyId;
  }
}
