import { activeSecrets, type EndpointSecret, isSealed, openSecret, type SecretsKeyRing } from '@payhook/signing';

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
  /** The signing secrets of an endpoint's secret list, for as long as none of its windows opens or closes. */
  readonly #signing = new WeakMap<
    readonly EndpointSecret[],
    { secrets: readonly string[]; from: number; until: number }
  >();

  constructor(ring: SecretsKeyRing | undefined) {
    this.#ring = ring;
  }

  /**
   * The plaintext of the secrets that sign for an endpoint at `nowMs` ({@link activeSecrets},
   * opened). Kept per secret list until one of its windows opens or closes, so that a delivery
   * costs a lookup; an endpoint record that changes brings a new list.
   * @throws SealedSecretError when one cannot be opened (nothing is kept then).
   */
  signingSecrets(secrets: readonly EndpointSecret[], endpointId: string, nowMs: number): readonly string[] {
    const kept = this.#signing.get(secrets);
    if (kept !== undefined && nowMs >= kept.from && nowMs < kept.until) return kept.secrets;
    const opened = this.open(activeSecrets(secrets, nowMs), endpointId);
    let until = Number.POSITIVE_INFINITY;
    for (const s of secrets) {
      if (s.active_from > nowMs) until = Math.min(until, s.active_from);
      if (s.expires_at !== null && s.expires_at > nowMs) until = Math.min(until, s.expires_at);
    }
    this.#signing.set(secrets, { secrets: opened, from: nowMs, until });
    return opened;
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
