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

/** How many requests of one minute took one duration (minutes since the epoch). */
export interface DurationCount {
  readonly minute: number;
  readonly duration_ms: number;
  readonly n: number;
}

/**
 * Percentiles of each minute's request durations, for every minute from `sinceMs` up to the one
 * holding `nowMs`; a minute without requests has zeros. `counted` comes in order of minute, then
 * duration (as the read model's query gives it), so each minute's values arrive sorted.
 */
export function latencyPerMinute(counted: Iterable<DurationCount>, sinceMs: number, nowMs: number): LatencyMinute[] {
  const first = Math.floor(sinceMs / 60_000);
  const minutes = Math.max(0, Math.floor(nowMs / 60_000) - first + 1);
  const byMinute: [duration: number, n: number][][] = Array.from({ length: minutes }, () => []);
  for (const c of counted) byMinute[c.minute - first]?.push([c.duration_ms, c.n]);
  return byMinute.map((counts, i) => {
    const requests = counts.reduce((sum, [, n]) => sum + n, 0);
    return {
      atMs: (first + i) * 60_000,
      requests,
      p50Ms: percentileOfCounts(counts, requests, 0.5),
      p95Ms: percentileOfCounts(counts, requests, 0.95),
      p99Ms: percentileOfCounts(counts, requests, 0.99),
    };
  });
}

/** The nearest-rank percentile of sorted values given with their counts. */
function percentileOfCounts(counts: readonly [number, number][], total: number, share: number): number {
  if (total === 0) return 0;
  const rank = Math.max(1, Math.ceil(share * total));
  let seen = 0;
  for (const [value, n] of counts) {
    seen += n;
    if (seen >= rank) return value;
  }
  return counts.at(-1)?.[0] ?? 0;
}
