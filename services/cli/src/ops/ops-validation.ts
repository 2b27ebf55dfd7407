import { CliUsageError } from '../cli-error.ts';
import type { TimeWindow } from './offset-ranges.ts';

// Like ../validation.ts: every parser names the option it read, so a person knows what to fix.

/** Longest `--reason` accepted: it travels in a header of every re-published record. */
export const MAX_REASON_LENGTH = 500;

const ISO_TIME = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?(Z|[+-]\d{2}:\d{2}))?$/;
const GROUP_ID = /^[A-Za-z0-9._:-]{1,249}$/;

function bad(option: string, problem: string): CliUsageError {
  return new CliUsageError(`${option}: ${problem}`);
}

/**
 * An ISO 8601 instant such as `2026-01-15T12:00:00Z`, `2026-01-15T12:00:00.250+01:00` or a
 * day, `2026-01-15` (midnight UTC), in milliseconds since the epoch. A time of day needs its
 * offset: a bare local time means different instants on different machines.
 */
export function parseTime(option: string, raw: string): number {
  const value = raw.trim();
  const match = ISO_TIME.exec(value);
  const hint = 'is not an ISO 8601 time like 2026-01-15T12:00:00Z or 2026-01-15';
  if (match === null) {
    const local = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(value);
    throw bad(
      option,
      local ? `"${value}" needs a zone: add Z (UTC) or an offset such as +02:00` : `"${value}" ${hint}`,
    );
  }
  const [, year, month, day, hour = '0', minute = '0', second = '0'] = match;
  const calendar = new Date(Date.UTC(Number(year), Number(month) - 1, Number(day)));
  // Date.parse would roll 2026-02-31 over into March: check the fields themselves.
  if (
    calendar.getUTCFullYear() !== Number(year) ||
    calendar.getUTCMonth() + 1 !== Number(month) ||
    calendar.getUTCDate() !== Number(day) ||
    Number(hour) > 23 ||
    Number(minute) > 59 ||
    Number(second) > 59
  ) {
    throw bad(option, `"${value}" is not a real date and time`);
  }
  return Date.parse(match[4] === undefined ? `${value}T00:00:00Z` : value);
}

/** `--since` and `--until` as a window; `--until` must come after `--since`. */
export function parseWindow(since: string | undefined, until: string | undefined): TimeWindow {
  const sinceMs = since === undefined ? undefined : parseTime('--since', since);
  const untilMs = until === undefined ? undefined : parseTime('--until', until);
  if (sinceMs !== undefined && untilMs !== undefined && untilMs <= sinceMs) {
    throw bad('--until', 'must be later than --since');
  }
  return { sinceMs, untilMs };
}

/** Why records are replayed: 1 to 500 visible characters (spaces allowed), recorded in a header. */
export function parseReason(option: string, raw: string): string {
  const value = raw.trim();
  if (value.length === 0) throw bad(option, 'must say why (it is recorded on every re-published record)');
  if (value.length > MAX_REASON_LENGTH) throw bad(option, `is longer than ${MAX_REASON_LENGTH} characters`);
  if (/\p{C}/u.test(value)) throw bad(option, 'must not contain control characters');
  return value;
}

/** A consumer group id: 1 to 249 letters, digits, `.`, `_`, `:` or `-`. */
export function parseGroupId(option: string, raw: string): string {
  if (!GROUP_ID.test(raw)) throw bad(option, 'must be 1 to 249 letters, digits, ".", "_", ":" or "-"');
  return raw;
}
