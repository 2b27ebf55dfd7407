import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { EndpointSecret } from './active-secrets.ts';
import { SealedSecretError, SecretsKeyError } from './errors.ts';

/**
 * Signing secrets sealed at rest: AES-256-GCM under a key-encryption key, a fresh 96-bit nonce
 * per value, the endpoint id as associated data (a sealed secret copied to another endpoint
 * does not open). A sealed value names its key by id, so keys can rotate: a ring holds the
 * current key, which seals, and older ones, which still open.
 *
 * Stored form, in the `secret` field of an `EndpointSecret`:
 * `enc:v1:<key id>:<base64url of nonce ‖ ciphertext ‖ tag>`. A value without the prefix is a
 * plaintext `whsec_…` secret written before sealing (or without a key configured).
 */
export const SEALED_PREFIX = 'enc:v1:';

const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const KEY_BYTES = 32;
const KEY_ID = /^[A-Za-z0-9_-]{1,64}$/;

/** One key-encryption key. */
export interface SecretsKey {
  readonly id: string;
  readonly key: Buffer;
}

/** Whether a stored secret is sealed. */
export const isSealed = (stored: string): boolean => stored.startsWith(SEALED_PREFIX);

/** The keys a service holds: the first seals, every one opens what names it. */
export class SecretsKeyRing {
  readonly #keys: ReadonlyMap<string, Buffer>;
  /** The key new values are sealed with. */
  readonly current: SecretsKey;

  constructor(keys: readonly SecretsKey[]) {
    const [current] = keys;
    if (current === undefined) throw new SecretsKeyError('at least one key is required');
    const map = new Map<string, Buffer>();
    for (const { id, key } of keys) {
      if (!KEY_ID.test(id)) throw new SecretsKeyError(`key id "${id}" must be 1 to 64 letters, digits, "_" or "-"`);
      if (key.length !== KEY_BYTES)
        throw new SecretsKeyError(`key "${id}" must be ${KEY_BYTES} bytes, got ${key.length}`);
      if (map.has(id)) throw new SecretsKeyError(`key id "${id}" is given twice`);
      map.set(id, key);
    }
    this.#keys = map;
    this.current = current;
  }

  /**
   * Parses `<id>:<base64 of 32 bytes>[,<id>:<base64>…]`, the current key first (the form of
   * `PAYHOOK_SECRETS_KEY`). Messages name the entry by position and id, never the key.
   */
  static parse(spec: string): SecretsKeyRing {
    const entries = spec
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s.length > 0);
    return new SecretsKeyRing(
      entries.map((entry, i) => {
        const colon = entry.indexOf(':');
        if (colon <= 0) throw new SecretsKeyError(`entry ${i + 1} must be <key id>:<base64 of ${KEY_BYTES} bytes>`);
        const encoded = entry.slice(colon + 1);
        if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encoded)) {
          throw new SecretsKeyError(`key "${entry.slice(0, colon)}" is not base64`);
        }
        return { id: entry.slice(0, colon), key: Buffer.from(encoded, 'base64') };
      }),
    );
  }

  /** Seals a plaintext secret for `endpointId` under the current key. */
  seal(plaintext: string, endpointId: string): string {
    const nonce = randomBytes(NONCE_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.current.key, nonce);
    cipher.setAAD(Buffer.from(endpointId, 'utf8'));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    const sealed = Buffer.concat([nonce, body, cipher.getAuthTag()]).toString('base64url');
    return `${SEALED_PREFIX}${this.current.id}:${sealed}`;
  }

  /**
   * Opens a stored secret of `endpointId`: a plaintext one is returned as it is.
   * @throws SealedSecretError when it names an unknown key or does not authenticate.
   */
  open(stored: string, endpointId: string): string {
    if (!isSealed(stored)) return stored;
    return openWith(this.#keys, stored, endpointId);
  }

  /** Whether a stored secret is sealed under the current key (rotation leaves those alone). */
  isCurrent(stored: string): boolean {
    return stored.startsWith(`${SEALED_PREFIX}${this.current.id}:`);
  }
}

/**
 * Opens a stored secret with an optional ring: plaintext passes, a sealed one without a ring
 * cannot be opened.
 */
export function openSecret(stored: string, endpointId: string, ring: SecretsKeyRing | undefined): string {
  if (!isSealed(stored)) return stored;
  if (ring === undefined) throw new SealedSecretError('the secret is sealed and no PAYHOOK_SECRETS_KEY is configured');
  return ring.open(stored, endpointId);
}

/**
 * The endpoint's secrets sealed under the ring's current key (plaintext ones sealed, ones
 * sealed under another key opened and sealed again); validity windows unchanged.
 */
export function sealSecrets(
  secrets: readonly EndpointSecret[],
  endpointId: string,
  ring: SecretsKeyRing,
): EndpointSecret[] {
  return secrets.map((s) =>
    ring.isCurrent(s.secret) ? { ...s } : { ...s, secret: ring.seal(ring.open(s.secret, endpointId), endpointId) },
  );
}

function openWith(keys: ReadonlyMap<string, Buffer>, stored: string, endpointId: string): string {
  const rest = stored.slice(SEALED_PREFIX.length);
  const colon = rest.indexOf(':');
  const keyId = colon < 0 ? '' : rest.slice(0, colon);
  const key = keys.get(keyId);
  if (key === undefined) {
    throw new SealedSecretError(
      `the secret is sealed under key "${keyId.slice(0, 64)}", which is not configured`,
      keyId,
    );
  }
  const raw = Buffer.from(rest.slice(colon + 1), 'base64url');
  if (raw.length < NONCE_BYTES + TAG_BYTES) throw new SealedSecretError('the sealed secret is truncated', keyId);
  const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, NONCE_BYTES));
  decipher.setAAD(Buffer.from(endpointId, 'utf8'));
  decipher.setAuthTag(raw.subarray(raw.length - TAG_BYTES));
  try {
    return Buffer.concat([
      decipher.update(raw.subarray(NONCE_BYTES, raw.length - TAG_BYTES)),
      decipher.final(),
    ]).toString('utf8');
  } catch {
    throw new SealedSecretError(
      'the sealed secret does not authenticate (altered, or sealed for another endpoint)',
      keyId,
    );
  }
}

/**
 * Reads a key ring from a file (a Kubernetes Secret mounted as a file, for
 * `PAYHOOK_SECRETS_KEY_FILE`); messages name the path, never a key.
 * @throws SecretsKeyError when the file cannot be read or is not a usable key list.
 */
export function readSecretsKeyRingFile(path: string, readFile: (path: string) => string): SecretsKeyRing {
  let text: string;
  try {
    text = readFile(path);
  } catch (error) {
    throw new SecretsKeyError(`cannot read ${path} (${(error as { code?: string }).code ?? 'unreadable'})`);
  }
  return SecretsKeyRing.parse(text);
}
