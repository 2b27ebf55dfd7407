import { randomBytes } from 'node:crypto';
import { InvalidSecretError, SecretProblem, SigningInputError } from './errors.ts';

/** The prefix of a Standard Webhooks secret string. */
export const SECRET_PREFIX = 'whsec_';

/** Smallest key accepted, in bytes (the Standard Webhooks recommendation). */
export const MIN_SECRET_BYTES = 24;
/** Largest key accepted, in bytes (the Standard Webhooks recommendation). */
export const MAX_SECRET_BYTES = 64;

/** A secret as callers hold it: the `whsec_…` string, or key bytes already parsed. */
export type SecretInput = string | Uint8Array;

// Canonical standard alphabet with padding: what receivers' libraries decode. Node's own
// base64 decoder skips characters it does not know, so it cannot be the validator.
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const EXPECTED = `${MIN_SECRET_BYTES} to ${MAX_SECRET_BYTES}`;

/**
 * Decodes a `whsec_<base64>` secret into its key bytes.
 *
 * @param index - position in a list, named in the error so an operator can find the bad entry.
 * @throws InvalidSecretError saying what is wrong, never echoing the secret.
 */
export function parseSecret(secret: string, index?: number): Uint8Array {
  const at = index === undefined ? {} : { index };
  if (!secret.startsWith(SECRET_PREFIX)) throw new InvalidSecretError(SecretProblem.MISSING_PREFIX, at);
  const encoded = secret.slice(SECRET_PREFIX.length);
  if (!BASE64.test(encoded)) throw new InvalidSecretError(SecretProblem.NOT_BASE64, at);
  return checkedKey(new Uint8Array(Buffer.from(encoded, 'base64')), index);
}

/**
 * Encodes key bytes as a `whsec_<base64>` secret.
 *
 * @throws InvalidSecretError when the key length is out of bounds.
 */
export function formatSecret(key: Uint8Array): string {
  checkedKey(key);
  return `${SECRET_PREFIX}${Buffer.from(key.buffer, key.byteOffset, key.byteLength).toString('base64')}`;
}

/** Options of {@link generateSecret}. */
export interface GenerateSecretOptions {
  /**
   * Key length in bytes, from 24 to 32. 32 bytes match the HMAC-SHA256 output size,
   * beyond which a longer key adds no strength.
   * @defaultValue 32
   */
  readonly bytes?: number;
  /** Source of random bytes; @defaultValue `crypto.randomBytes`. Tests pass a fixed one. */
  readonly randomBytes?: (size: number) => Uint8Array;
}

/** Defaults of {@link GenerateSecretOptions}. */
export const generateSecretDefaults = { bytes: 32, randomBytes } satisfies Partial<GenerateSecretOptions>;

/** A new random secret, as a `whsec_<base64>` string. */
export function generateSecret(options: GenerateSecretOptions = {}): string {
  const { bytes, randomBytes: random } = { ...generateSecretDefaults, ...options };
  if (!Number.isInteger(bytes) || bytes < MIN_SECRET_BYTES || bytes > 32) {
    throw new SigningInputError('bytes', `must be an integer from ${MIN_SECRET_BYTES} to 32, got ${bytes}`);
  }
  const key = random(bytes);
  if (key.length !== bytes) throw new SigningInputError('randomBytes', `returned ${key.length} bytes, not ${bytes}`);
  return formatSecret(key);
}

/** The key bytes of a secret given either way. */
export function secretKey(secret: SecretInput, index?: number): Uint8Array {
  return typeof secret === 'string' ? parseSecret(secret, index) : checkedKey(secret, index);
}

function checkedKey(key: Uint8Array, index?: number): Uint8Array {
  const details = { keyLength: key.length, expected: EXPECTED, ...(index === undefined ? {} : { index }) };
  if (key.length < MIN_SECRET_BYTES) throw new InvalidSecretError(SecretProblem.TOO_SHORT, details);
  if (key.length > MAX_SECRET_BYTES) throw new InvalidSecretError(SecretProblem.TOO_LONG, details);
  return key;
}
