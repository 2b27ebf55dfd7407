import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** Every API key starts with this, so a leaked one is recognisable (secret scanners, logs). */
export const API_KEY_PREFIX = 'phk_';

/** `phk_<key_id>_<secret>`: the id is 16 hex digits, the secret 32 random bytes in base64url. */
const API_KEY = /^phk_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;

/** A key as issued: the token is shown once; only the id and the hash are stored. */
export interface IssuedApiKey {
  readonly keyId: string;
  /** `phk_<key_id>_<secret>`, what the client sends as `Authorization: Bearer <token>`. */
  readonly token: string;
  /** Hex SHA-256 of the secret part. */
  readonly hash: string;
}

/** A new random key. */
export function issueApiKey(): IssuedApiKey {
  const keyId = randomBytes(8).toString('hex');
  const secret = randomBytes(32).toString('base64url');
  return { keyId, token: `${API_KEY_PREFIX}${keyId}_${secret}`, hash: hashApiKeySecret(secret) };
}

/** The id and secret of a well-formed token, or `undefined`. */
export function parseApiKey(token: string): { keyId: string; secret: string } | undefined {
  const match = API_KEY.exec(token);
  if (match === null) return undefined;
  return { keyId: match[1] as string, secret: match[2] as string };
}

/**
 * Hex SHA-256 of a key's secret. A fast hash is enough: the secret is 256 random bits, so
 * there is nothing to guess a dictionary for, and the check runs on every request.
 */
export function hashApiKeySecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/** Whether `secret` hashes to `hash`, compared in constant time. */
export function apiKeySecretMatches(secret: string, hash: string): boolean {
  const actual = createHash('sha256').update(secret, 'utf8').digest();
  const expected = Buffer.from(hash, 'hex');
  return expected.length === actual.length && timingSafeEqual(actual, expected);
}
