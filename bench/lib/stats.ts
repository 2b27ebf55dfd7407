/** Latency percentiles in milliseconds, rounded to 0.1 ms. */
export interface LatencySummary {
  readonly count: number;
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
  readonly max: number;
  readonly mean: number;
}

const round1 = (n: number) => Math.round(n * 10) / 10;

/** Nearest-rank percentiles of the samples (milliseconds). */
export function summarize(samples: ArrayLike<number>): LatencySummary {
  const sorted = Float64Array.from(samples).sort();
  const n = sorted.length;
  if (n === 0)
    return { count: 0, p50: Number.NaN, p95: Number.NaN, p99: Number.NaN, max: Number.NaN, mean: Number.NaN };
  const at = (q: number) => sorted[Math.min(n - 1, Math.max(0, Math.ceil(q * n) - 1))] as number;
  let sum = 0;
  for (const s of sorted) sum += s;
  return {
    count: n,
    p50: round1(at(0.5)),
    p95: round1(at(0.95)),
    p99: round1(at(0.99)),
    max: round1(sorted[n - 1] as number),
    mean: round1(sum / n),
  };
}

/** Events per second over the span from the first to the last timestamp (milliseconds). */
export function ratePerSecond(count: number, firstMs: number, lastMs: number): number {
  const span = lastMs - firstMs;
  if (count < 2 || !(span > 0)) return Number.NaN;
  return Math.round((count / span) * 1000);
}

/** `a / b` rounded to three decimals. */
export function ratio(a: number, b: number): number {
  return Math.round((a / b) * 1000) / 1000;
}
