/**
 * One signing secret of an endpoint with its validity window: the `EndpointSecret` record
 * of the Avro `Endpoint` schema, so its fields are snake_case.
 */
export interface EndpointSecret {
  /** Standard Webhooks secret, `whsec_<base64>`. */
  readonly secret: string;
  /** First instant the secret signs, in milliseconds since the epoch. */
  readonly active_from: number;
  /** Instant it stops signing (exclusive), in milliseconds; `null` while it is current. */
  readonly expires_at: number | null;
}

/**
 * The secrets that sign a delivery sent at `nowMs`: each whose window
 * `[active_from, expires_at)` contains that instant. During a rotation the old secret keeps
 * an `expires_at` in the future while the new one is already active, so both sign and
 * receivers that still hold either one keep verifying.
 *
 * Input order is kept, so the signature header is stable for a given endpoint record.
 * An empty result means the endpoint cannot be signed for at that time.
 */
export function activeSecrets(secrets: readonly EndpointSecret[], nowMs: number): string[] {
  return secrets
    .filter((s) => s.active_from <= nowMs && (s.expires_at === null || nowMs < s.expires_at))
    .map((s) => s.secret);
}
