import { createHmac, type KeyObject } from 'node:crypto';
import { NoSecretError, SigningInputError } from './errors.ts';
import { hmacKey } from './key-cache.ts';
import type { SecretInput } from './secret.ts';

/** Header names of the Standard Webhooks signature scheme. */
export const WebhookHeader = {
  ID: 'webhook-id',
  TIMESTAMP: 'webhook-timestamp',
  SIGNATURE: 'webhook-signature',
} as const;
export type WebhookHeader = (typeof WebhookHeader)[keyof typeof WebhookHeader];

/** The version tag of HMAC-SHA256 signatures. */
export const SIGNATURE_VERSION = 'v1';

/**
 * The headers that make a request verifiable by a Standard Webhooks receiver. A type alias
 * rather than an interface so it passes as a plain header record (to an HTTP client, or to
 * `verify` in tests).
 */
export type WebhookHeaders = {
  /** The stable message id; the same on every retry and replay, so receivers deduplicate. */
  readonly 'webhook-id': string;
  /** Seconds since the epoch when this attempt was signed. */
  readonly 'webhook-timestamp': string;
  /** `v1,<base64>` per signing secret, separated by single spaces. */
  readonly 'webhook-signature': string;
};

/** What {@link sign} needs. */
export interface SignInput {
  /** Message id: visible ASCII, no spaces (it travels in a header). */
  readonly id: string;
  /** Seconds since the epoch: a non-negative integer. */
  readonly timestamp: number;
  /**
   * The exact request body. Pass the bytes that will be sent; a string is hashed as its
   * UTF-8 encoding, which is what an HTTP client sends for a string body.
   */
  readonly body: string | Uint8Array;
  /** Every secret that signs, usually {@link activeSecrets}; at least one. */
  readonly secrets: readonly SecretInput[];
}

const HEADER_SAFE = /^[\x21-\x7e]+$/;

/**
 * Signs a webhook: one `v1` signature (base64 HMAC-SHA256 of `id.timestamp.body`) per
 * secret. The same secret listed twice signs once.
 *
 * @throws NoSecretError when `secrets` is empty.
 * @throws InvalidSecretError naming the position of a malformed secret.
 * @throws SigningInputError when the id or timestamp cannot be sent.
 */
export function sign(input: SignInput): WebhookHeaders {
  if (!HEADER_SAFE.test(input.id)) {
    throw new SigningInputError('id', 'must be non-empty visible ASCII without spaces');
  }
  if (!Number.isSafeInteger(input.timestamp) || input.timestamp < 0) {
    throw new SigningInputError('timestamp', 'must be a non-negative integer number of seconds');
  }
  if (input.secrets.length === 0) throw new NoSecretError();
  let header: string;
  if (input.secrets.length === 1) {
    // The usual case, outside a rotation.
    header = `${SIGNATURE_VERSION},${signatureOf(hmacKey(input.secrets[0] as SecretInput, 0), input.id, input.timestamp, input.body)}`;
  } else {
    const keys = input.secrets.map((s, i) => hmacKey(s, i));
    const signatures = new Set(keys.map((key) => signatureOf(key, input.id, input.timestamp, input.body)));
    header = [...signatures].map((s) => `${SIGNATURE_VERSION},${s}`).join(' ');
  }
  return {
    'webhook-id': input.id,
    'webhook-timestamp': String(input.timestamp),
    'webhook-signature': header,
  };
}

/**
 * The base64 HMAC-SHA256 of `id.timestamp.body` under `key`, without the version tag.
 * The body goes to the HMAC as given: bytes are never decoded, so a body that is not valid
 * UTF-8 still signs what is sent.
 */
export function signatureOf(
  key: Uint8Array | KeyObject,
  id: string,
  timestamp: number | string,
  body: string | Uint8Array,
): string {
  const hmac = createHmac('sha256', key).update(`${id}.${timestamp}.`, 'utf8');
  if (typeof body === 'string') hmac.update(body, 'utf8');
  else hmac.update(body);
  return hmac.digest('base64');
}
