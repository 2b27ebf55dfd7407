import { requireAtLeast } from './errors.ts';

/** Options of {@link parseRetryAfter}. */
export interface RetryAfterOptions {
  /**
   * The longest delay honoured, in milliseconds: a receiver cannot park a delivery for
   * longer than this, however far away its `Retry-After` points.
   * @defaultValue 86_400_000 (24 hours)
   */
  readonly maxMs?: number;
}

/** Defaults of {@link RetryAfterOptions}. */
export const retryAfterDefaults = { maxMs: 86_400_000 } satisfies Partial<RetryAfterOptions>;

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const DAY = '(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)';
const LONG_DAY = '(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)';
const MONTH = '(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)';
const TIME = '(\\d{2}):(\\d{2}):(\\d{2})';
// The three forms RFC 9110 section 5.6.7 obliges a recipient to accept. Date.parse is not
// used: it accepts almost anything ("1", "2024") and would turn garbage into a date.
const IMF_FIXDATE = new RegExp(`^${DAY}, (\\d{2}) ${MONTH} (\\d{4}) ${TIME} GMT$`, 'i');
const RFC_850 = new RegExp(`^${LONG_DAY}, (\\d{2})-${MONTH}-(\\d{2}) ${TIME} GMT$`, 'i');
const ASCTIME = new RegExp(`^${DAY} ${MONTH} ( \\d|\\d{2}) ${TIME} (\\d{4})$`, 'i');

/**
 * The delay a `Retry-After` header asks for, in milliseconds from `nowMs`: either
 * delta-seconds (`120`) or an HTTP-date (`Wed, 21 Oct 2015 07:28:00 GMT`, and the two
 * obsolete date forms). A date in the past means no delay (0). The result is capped at
 * `maxMs`. Anything else, including negative or fractional seconds, is `null`: the header
 * is ignored rather than trusted.
 */
export function parseRetryAfter(
  headerValue: string | null | undefined,
  nowMs: number,
  options: RetryAfterOptions = {},
): number | null {
  const { maxMs } = { ...retryAfterDefaults, ...options };
  requireAtLeast('maxMs', maxMs, 0);
  if (headerValue === null || headerValue === undefined) return null;
  const value = headerValue.trim();
  // Huge digit strings become large or infinite numbers, which the cap turns into maxMs.
  if (/^\d+$/.test(value)) return Math.min(Number(value) * 1000, maxMs);
  const dateMs = parseHttpDate(value, nowMs);
  if (dateMs === null) return null;
  return Math.min(Math.max(0, dateMs - nowMs), maxMs);
}

/** An HTTP-date in milliseconds since the epoch, or `null` when it is not one. */
function parseHttpDate(value: string, nowMs: number): number | null {
  let m = IMF_FIXDATE.exec(value);
  if (m !== null) return utc(Number(m[3]), m[2], Number(m[1]), m[4], m[5], m[6]);
  m = RFC_850.exec(value);
  if (m !== null) return utc(fullYear(Number(m[3]), nowMs), m[2], Number(m[1]), m[4], m[5], m[6]);
  m = ASCTIME.exec(value);
  if (m !== null) return utc(Number(m[6]), m[1], Number(m[2]), m[3], m[4], m[5]);
  return null;
}

/**
 * RFC 9110: a two-digit year that would be more than 50 years in the future is the most
 * recent past year with those digits.
 */
function fullYear(twoDigits: number, nowMs: number): number {
  const nowYear = new Date(nowMs).getUTCFullYear();
  const year = nowYear - (nowYear % 100) + twoDigits;
  return year > nowYear + 50 ? year - 100 : year;
}

function utc(
  year: number,
  monthName: string | undefined,
  day: number,
  h: string | undefined,
  min: string | undefined,
  s: string | undefined,
): number | null {
  const month = MONTHS.indexOf((monthName ?? '').toLowerCase());
  const [hours, minutes, seconds] = [Number(h), Number(min), Number(s)];
  // 60 is a leap second; the millisecond clock has none, so it counts as :59.
  if (hours > 23 || minutes > 59 || seconds > 60) return null;
  // setUTCFullYear, unlike Date.UTC, keeps years below 100 as written. It also rolls
  // 31 Feb over into March; a real date survives the round trip.
  const date = new Date(0);
  date.setUTCFullYear(year, month, day);
  date.setUTCHours(hours, minutes, Math.min(seconds, 59), 0);
  if (date.getUTCMonth() !== month || date.getUTCDate() !== day) return null;
  return date.getTime();
}
