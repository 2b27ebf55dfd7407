import type { RetryTier } from '@payhook/contracts';
import { tierCapMs } from '@payhook/retry';

/** The settings {@link configWarnings} looks at. */
export interface RetrySettings {
  readonly tiers: readonly RetryTier[];
  readonly lastTierRepeats: number;
  readonly jitter: number;
  readonly maxDeliveryAgeMs: number;
  readonly breakerCoolDownMs: number;
  readonly maxRetryAfterMs: number;
}

/**
 * Settings that work but probably do not do what was meant, said once at start-up: a maximum
 * age that ends deliveries before their retries are spent, and waits (a breaker's cool-down,
 * the longest Retry-After) that outlast the last tier, so that held records pass through it
 * several times.
 */
export function configWarnings(settings: RetrySettings): { level: 'warn' | 'info'; message: string }[] {
  const { tiers, lastTierRepeats, jitter, maxDeliveryAgeMs } = settings;
  const last = tiers.at(-1);
  if (last === undefined) return [];
  const out: { level: 'warn' | 'info'; message: string }[] = [];
  const retriesMs = tiers.reduce((sum, t) => sum + t.delayMs, 0) + lastTierRepeats * last.delayMs;
  if (maxDeliveryAgeMs < retriesMs) {
    out.push({
      level: 'warn',
      message: `DISPATCHER_MAX_DELIVERY_AGE (${maxDeliveryAgeMs} ms) is shorter than the retry tiers add up to (${retriesMs} ms): failing deliveries reach the DLQ as max_age_exceeded before their retries are spent`,
    });
  }
  const capMs = tierCapMs(last, jitter);
  for (const [name, waitMs] of [
    ['DISPATCHER_BREAKER_COOLDOWN_MS', settings.breakerCoolDownMs],
    ['DISPATCHER_MAX_RETRY_AFTER', settings.maxRetryAfterMs],
  ] as const) {
    if (waitMs > capMs) {
      out.push({
        level: 'info',
        message: `${name} (${waitMs} ms) is longer than the last retry tier (${last.label}): records waiting that long pass through that tier about ${Math.ceil(waitMs / last.delayMs)} times, without a request and without spending attempts`,
      });
    }
  }
  return out;
}
