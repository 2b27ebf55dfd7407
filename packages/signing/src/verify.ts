import { timingSafeEqual } from 'node:crypto';
import { NoSecretError, SigningInputError } from './errors.ts';
import { hmacKey } from './key-cache.ts';
import type { SecretInput } from './secret.ts';
import { SIGNATURE_VERSION, signatureOf, WebhookHeader } from './sign.ts';

/** Why a webhook did not verify, as a stable value. */
export const VerifyFailure = {
  /** `webhook-id`, `webhook-timestamp` or `webhook-signature` is absent or empty. */
  MISSING_HEADER: 'missing_header',
  /** The id or timestamp header is repeated, or the timestamp is not an integer. */
  INVALID_HEADER: 'invalid_header',
  /** The timestamp is further in the past than the tolerance. */
  TIMESTAMP_TOO_OLD: 'timestamp_too_old',
  /** The timestamp is further in the future than the tolerance. */
  TIMESTAMP_TOO_NEW: 'timestamp_too_new',
  /** No `v1` signature matches any of the secrets. */
  NO_MATCHING_SIGNATURE: 'no_matching_signature',
} as const;
export type VerifyFailure = (typeof VerifyFailure)[keyof typeof VerifyFailure];

/** Request headers as Node and most HTTP libraries hand them over; names in any case. */
export type IncomingHeaders = Readonly<Record<string, string | readonly string[] | undefined>>;

/** What {@link verify} needs. */
export interface VerifyInput {
  readonly headers: IncomingHeaders;
  /** The raw body as received. Hash these bytes, not a re-serialised parse of them. */
  readonly body: string | Uint8Array;
  /** The secrets the receiver accepts (two during a rotation); at least one. */
  readonly secrets: readonly SecretInput[];
  /** The receiver's current time, in milliseconds since the epoch. */
  readonly nowMs: number;
  /**
   * How far the timestamp may be from `nowMs`, either way, in seconds.
   * @defaultValue 300 (the Standard Webhooks recommendation)
   */
  readonly toleranceSeconds?: number;
}

/** Defaults of {@link VerifyInput}. */
export const verifyDefaults = { toleranceSeconds: 300 } satisfies Partial<VerifyInput>;

/** The outcome of {@link verify}: the verified id and timestamp, or why it failed. */
export type VerifyResult =
  | { readonly ok: true; readonly id: string; readonly timestamp: number }
  | { readonly ok: false; readonly reason: VerifyFailure };

/**
 * Verifies a Standard Webhooks request: the timestamp within the tolerance and at least one
 * `v1` signature equal, compared in constant time, to the HMAC under one of the secrets.
 * A verification failure is a result, not an exception: it is the expected outcome of a
 * forged or stale request.
 *
 * @throws NoSecretError or InvalidSecretError when the receiver's own secrets are unusable.
 */
export function verify(input: VerifyInput): VerifyResult {
  const { toleranceSeconds } = { ...verifyDefaults, ...input };
  if (!(toleranceSeconds >= 0)) throw new SigningInputError('toleranceSeconds', 'must be zero or more');
  if (input.secrets.length === 0) throw new NoSecretError();
  const keys = input.secrets.map((s, i) => hmacKey(s, i));

  const id = single(input.headers, WebhookHeader.ID);
  const stamp = single(input.headers, WebhookHeader.TIMESTAMP);
  const signatures = all(input.headers, WebhookHeader.SIGNATURE);
  if (id === undefined || stamp === undefined || signatures.length === 0) return fail(VerifyFailure.MISSING_HEADER);
  // A canonical integer only: the header text is what was signed, so "0123" and "123" must not both pass.
  if (id === null || stamp === null || !/^(?:0|[1-9]\d{0,14})$/.test(stamp)) {
    return fail(VerifyFailure.INVALID_HEADER);
  }
  const timestamp = Number(stamp);
  const nowSeconds = Math.floor(input.nowMs / 1000);
  if (nowSeconds - timestamp > toleranceSeconds) return fail(VerifyFailure.TIMESTAMP_TOO_OLD);
  if (timestamp - nowSeconds > toleranceSeconds) return fail(VerifyFailure.TIMESTAMP_TOO_NEW);

  // Repeated signature headers count as one space-separated header.
  const offered = signatures
    .flatMap((value) => value.split(' '))
    .filter((s) => s.startsWith(`${SIGNATURE_VERSION},`))
    .map((s) => Buffer.from(s.slice(SIGNATURE_VERSION.length + 1), 'utf8'));
  for (const key of keys) {
    const expected = Buffer.from(signatureOf(key, id, stamp, input.body), 'utf8');
    for (const candidate of offered) {
      // Lengths are public (every v1 signature has the same length); only the bytes are compared in constant time.
      if (candidate.length === expected.length && timingSafeEqual(candidate, expected)) {
        return { ok: true, id, timestamp };
      }
    }
  }
  return fail(VerifyFailure.NO_MATCHING_SIGNATURE);
}

function fail(reason: VerifyFailure): VerifyResult {
  return { ok: false, reason };
}

/** Every non-empty value of a header, whatever the case of its name. */
function all(headers: IncomingHeaders, name: string): string[] {
  const values: string[] = [];
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() !== name || value === undefined) continue;
    values.push(...(typeof value === 'string' ? [value] : value));
  }
  return values.filter((v) => v !== '');
}

/** A header that must appear once: `undefined` when absent or empty, `null` when repeated. */
function single(headers: IncomingHeaders, name: string): string | null | undefined {
  const values = all(headers, name);
  return values.length > 1 ? null : values[0];
}
