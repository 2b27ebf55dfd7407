import { isSealed, openSecret, type SecretsKeyRing } from '@payhook/signing';

/** Opened secrets kept before the cache is emptied: a few per endpoint, for many endpoints. */
const MAX_CACHED = 50_000;

/**
 * Opens the sealed signing secrets of endpoints at send time, keeping the opened ones so that
 * a delivery costs a map lookup rather than a decryption. The endpoints table keeps the sealed
 * form, so nothing the dispatcher writes back (a 410 disabling an endpoint) holds a plaintext
 * secret. Entries are keyed by endpoint and sealed value: the endpoint id is the associated
 * data, so a value copied to another endpoint must fail there, not hit the cache.
 */
export class SecretOpener {
  readonly #ring: SecretsKeyRing | undefined;
  readonly #opened = new Map<string, string>();

  constructor(ring: SecretsKeyRing | undefined) {
    this.#ring = ring;
  }

  /**
   * The plaintext of an endpoint's stored secrets, in order.
   * @throws SealedSecretError when one cannot be opened.
   */
  open(stored: readonly string[], endpointId: string): string[] {
    if (!stored.some(isSealed)) return stored as string[];
    return stored.map((value) => {
      if (!isSealed(value)) return value;
      const key = `${endpointId}\u0000${value}`;
      let plaintext = this.#opened.get(key);
      if (plaintext === undefined) {
        plaintext = openSecret(value, endpointId, this.#ring);
        if (this.#opened.size >= MAX_CACHED) this.#opened.clear();
        this.#opened.set(key, plaintext);
      }
      return plaintext;
    });
  }
}
