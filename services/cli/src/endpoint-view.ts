import type { Endpoint, EndpointSecret } from '@payhook/contracts';

/** Where a secret stands at one instant. */
export const SecretState = {
  /** Signs, with no end set. */
  CURRENT: 'current',
  /** Signs until its `expires_at` (an older secret during a rotation). */
  EXPIRING: 'expiring',
  /** Past its `expires_at`: signs no more. */
  EXPIRED: 'expired',
  /** Its `active_from` is still ahead. */
  PENDING: 'pending',
} as const;
export type SecretState = (typeof SecretState)[keyof typeof SecretState];

/** The state of a secret at `nowMs`: the window `[active_from, expires_at)` as the dispatcher reads it. */
export function secretState(secret: EndpointSecret, nowMs: number): SecretState {
  if (secret.active_from > nowMs) return SecretState.PENDING;
  if (secret.expires_at === null) return SecretState.CURRENT;
  return nowMs < secret.expires_at ? SecretState.EXPIRING : SecretState.EXPIRED;
}

/** An endpoint as `list --json` shows it: everything but the secrets themselves. */
export function publicView(e: Endpoint, nowMs: number) {
  return {
    endpoint_id: e.endpoint_id,
    merchant_id: e.merchant_id,
    url: e.url,
    event_types: e.event_types,
    enabled: e.enabled,
    disabled_reason: e.disabled_reason,
    deleted_at: e.deleted_at,
    rate_limit_per_second: e.rate_limit_per_second,
    timeout_ms: e.timeout_ms,
    description: e.description,
    updated_at: e.updated_at,
    secrets: e.secrets.map((s) => ({
      active_from: s.active_from,
      expires_at: s.expires_at,
      state: secretState(s, nowMs),
    })),
  };
}

/** One line of `endpoints list`. */
export function describeLine(e: Endpoint, nowMs: number): string {
  const state =
    e.deleted_at !== null
      ? `deleted (${new Date(e.deleted_at).toISOString()})`
      : e.enabled
        ? 'enabled'
        : `disabled (${e.disabled_reason ?? 'no reason'})`;
  return [
    e.endpoint_id,
    `merchant=${e.merchant_id}`,
    state,
    `events=${e.event_types.join(',')}`,
    `rate=${e.rate_limit_per_second ?? 'default'}`,
    `timeout_ms=${e.timeout_ms ?? 'default'}`,
    // A deleted endpoint's secrets were dropped on purpose: "NONE CAN SIGN" would read as a fault.
    ...(e.deleted_at === null ? [`secrets=${describeSecrets(e.secrets, nowMs)}`] : []),
    `url=${e.url}`,
  ].join('  ');
}

/** e.g. `2 (1 current, 1 signing until 2026-01-16T12:00:00.000Z)`; says so when none can sign. */
function describeSecrets(secrets: readonly EndpointSecret[], nowMs: number): string {
  const states = secrets.map((s) => secretState(s, nowMs));
  const count = (state: SecretState) => states.filter((x) => x === state).length;
  const parts = [
    ...(count(SecretState.CURRENT) > 0 ? [`${count(SecretState.CURRENT)} current`] : []),
    ...secrets
      .filter((_, i) => states[i] === SecretState.EXPIRING)
      .map((s) => `1 signing until ${new Date(s.expires_at ?? 0).toISOString()}`),
    ...(count(SecretState.PENDING) > 0 ? [`${count(SecretState.PENDING)} pending`] : []),
    ...(count(SecretState.EXPIRED) > 0 ? [`${count(SecretState.EXPIRED)} expired`] : []),
  ];
  const signing = count(SecretState.CURRENT) + count(SecretState.EXPIRING);
  return `${secrets.length} (${[...parts, ...(signing === 0 ? ['NONE CAN SIGN'] : [])].join(', ')})`;
}
