import type { Endpoint } from '@payhook/contracts';
import { generateSecret } from '@payhook/signing';

// The changes an existing endpoint can go through, as pure functions of its current version:
// the CLI (`payhook endpoints update|delete|rotate-secret`) and the HTTP API write what these
// return, so both change endpoints the same way.

/** The `disabled_reason` of a deleted endpoint. */
export const DELETED_REASON = 'deleted';

/** The fields an update may set, each already validated. */
export type EndpointChanges = Partial<
  Pick<Endpoint, 'url' | 'event_types' | 'rate_limit_per_second' | 'timeout_ms' | 'enabled' | 'description'>
>;

/** What {@link updateEndpoint} gives: the next version and the fields whose value changed. */
export interface EndpointUpdate {
  /** The next version; the current one itself when nothing changed (nothing to write). */
  readonly endpoint: Endpoint;
  readonly changed: readonly (keyof EndpointChanges)[];
}

/**
 * The endpoint with `changes` applied: same id and secrets, `updated_at` now. Enabling clears
 * the disabled reason; disabling without one records `disabledReason`.
 */
export function updateEndpoint(
  current: Endpoint,
  changes: EndpointChanges,
  nowMs: number,
  disabledReason = 'disabled by an operator',
): EndpointUpdate {
  const changed = (Object.keys(changes) as (keyof EndpointChanges)[]).filter(
    (field) => changes[field] !== undefined && JSON.stringify(changes[field]) !== JSON.stringify(current[field]),
  );
  if (changed.length === 0) return { endpoint: current, changed };
  const next: Endpoint = { ...current, ...changes, updated_at: nowMs };
  if (changed.includes('enabled')) next.disabled_reason = next.enabled ? null : disabledReason;
  return { endpoint: next, changed };
}

/**
 * The endpoint deleted: disabled with {@link DELETED_REASON}, `deleted_at` now and its signing
 * secrets removed (nothing signs for it again); undefined when it was deleted already.
 */
export function deleteEndpoint(current: Endpoint, nowMs: number): Endpoint | undefined {
  if (current.deleted_at !== null) return undefined;
  return {
    ...current,
    enabled: false,
    disabled_reason: DELETED_REASON,
    deleted_at: nowMs,
    secrets: [],
    updated_at: nowMs,
  };
}

/** What {@link rotateEndpointSecret} gives. */
export interface SecretRotation {
  readonly endpoint: Endpoint;
  /** The new secret, in plaintext: shown to its owner once. */
  readonly secret: string;
  /** When the older secrets stop signing. */
  readonly previousExpireAt: number;
}

/**
 * The endpoint with a new signing secret: older secrets keep signing for `overlapMs` (or less,
 * if they were to end sooner already); those already ended are dropped.
 */
export function rotateEndpointSecret(
  current: Endpoint,
  overlapMs: number,
  nowMs: number,
  secret: string = generateSecret(),
): SecretRotation {
  const until = nowMs + overlapMs;
  const older = current.secrets
    .map((s) => ({ ...s, expires_at: s.expires_at === null ? until : Math.min(s.expires_at, until) }))
    .filter((s) => s.expires_at > nowMs);
  return {
    secret,
    previousExpireAt: until,
    endpoint: {
      ...current,
      secrets: [...older, { secret, active_from: nowMs, expires_at: null }],
      updated_at: nowMs,
    },
  };
}
