import { createSecretKey, type KeyObject } from 'node:crypto';
import { type SecretInput, secretKey } from './secret.ts';

/** Secret strings whose parsed keys are kept; past this the cache starts afresh. */
const MAX_CACHED_KEYS = 50_000;

const keys = new Map<string, KeyObject>();

/**
 * The HMAC key of a secret. A `whsec_` string is parsed and validated once and its
 * `KeyObject` kept (signing with a prepared key costs a fraction of parsing each time); raw
 * bytes are validated and wrapped on every call, since the caller may change them.
 *
 * @throws InvalidSecretError naming `index` when the secret is malformed (never cached).
 */
export function hmacKey(secret: SecretInput, index?: number): KeyObject {
  if (typeof secret !== 'string') return createSecretKey(secretKey(secret, index));
  let key = keys.get(secret);
  if (key === undefined) {
    key = createSecretKey(secretKey(secret, index));
    if (keys.size >= MAX_CACHED_KEYS) keys.clear();
    keys.set(secret, key);
  }
  return key;
}
