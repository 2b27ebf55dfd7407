/**
 * Converts a `Retry-After` value (RFC 9110: delay-seconds or an HTTP-date) into a delay
 * in milliseconds from `nowMs`. A date in the past means "now" (0). Returns `undefined`
 * for an absent or unparsable value, so the caller falls back to its own schedule.
 */
export function parseRetryAfter(value: string | undefined, nowMs: number): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  // Date.parse would also take "1.5" or "2020"; an HTTP-date always names a weekday.
  if (!/^[A-Za-z]{3,9},? /.test(text)) return undefined;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}
