import type { AttemptOutcome } from '@payhook/contracts';

/** Outcomes logged without a request: decisions (held in a tier, parked in the DLQ). */
export const DECISION_OUTCOMES: readonly AttemptOutcome[] = ['HELD', 'PARKED'];

/** The latest entry of an endpoint's attempts log. */
export interface LastAttempt {
  readonly attemptedAtMs: number;
  readonly outcome: AttemptOutcome;
  readonly statusCode: number | null;
  /** The error class of a failed request, or the reason of a decision (`circuit_open`, `retry_after`, …). */
  readonly errorClass: string | null;
  readonly nextAttemptAtMs: number | null;
}

/** An endpoint's attempts over a window, from the attempts log of its deliveries. */
export interface EndpointHealthFigures {
  /** Requests made in the window (decisions taken without one are not requests). */
  readonly requests: number;
  /** Of those, the ones answered 2xx. */
  readonly delivered: number;
  /** The newest entry of the window, request or decision; null when there is none. */
  readonly last: LastAttempt | null;
}

/** Request durations of one minute. */
export interface LatencyMinute {
  /** The minute's start. */
  readonly atMs: number;
  readonly requests: number;
  readonly p50Ms: number;
  readonly p95Ms: number;
  readonly p99Ms: number;
}

/** The value below which `share` of the sorted values lie (nearest rank). */
export function percentile(sorted: readonly number[], share: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.max(1, Math.ceil(share * sorted.length));
  return sorted[Math.min(sorted.length, rank) - 1] ?? 0;
}

/**
 * Percentiles of each minute's request durations, for every minute from `sinceMs` up to the one
 * holding `nowMs`; a minute without requests has zeros.
 */
export function latencyPerMinute(
  rows: readonly { attempted_at: number; duration_ms: number }[],
  sinceMs: number,
  nowMs: number,
): LatencyMinute[] {
  const start = Math.floor(sinceMs / 60_000) * 60_000;
  const minutes = Math.floor(nowMs / 60_000) - start / 60_000 + 1;
  const buckets: number[][] = Array.from({ length: Math.max(0, minutes) }, () => []);
  for (const r of rows) buckets[Math.floor((r.attempted_at - start) / 60_000)]?.push(r.duration_ms);
  return buckets.map((durations, i) => {
    const sorted = durations.sort((a, b) => a - b);
    return {
      atMs: start + i * 60_000,
      requests: sorted.length,
      p50Ms: percentile(sorted, 0.5),
      p95Ms: percentile(sorted, 0.95),
      p99Ms: percentile(sorted, 0.99),
    };
  });
}
