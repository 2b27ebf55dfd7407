import { invalidField } from './problems.ts';

/** A page position: the last object of the previous page, newest first (time, then id). */
export interface PagePosition {
  readonly atMs: number;
  readonly id: string;
}

/** The opaque `next_cursor` of a page that ends at `position`. */
export function encodeCursor(position: PagePosition): string {
  return Buffer.from(JSON.stringify([position.atMs, position.id]), 'utf8').toString('base64url');
}

/**
 * The position a `cursor` query parameter names.
 * @throws ProblemError 422 naming `querystring.cursor` when it is not one this API wrote
 */
export function decodeCursor(cursor: string | undefined): PagePosition | undefined {
  if (cursor === undefined) return undefined;
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (
      Array.isArray(parsed) &&
      parsed.length === 2 &&
      Number.isSafeInteger(parsed[0]) &&
      typeof parsed[1] === 'string' &&
      parsed[1].length > 0
    ) {
      return { atMs: parsed[0] as number, id: parsed[1] };
    }
  } catch {
    // refused below
  }
  throw invalidField('querystring.cursor', 'is not a cursor from a previous page');
}

export const DEFAULT_PAGE = 50;
export const MAX_PAGE = 250;

/** The `limit` query parameter, 1 to {@link MAX_PAGE}. */
export function pageLimit(limit: string | undefined): number {
  const n = limit === undefined ? DEFAULT_PAGE : Number(limit);
  if (n > MAX_PAGE) throw invalidField('querystring.limit', `must be from 1 to ${MAX_PAGE}`);
  return n;
}

/** A `date-time` query parameter (already checked by its schema) in epoch milliseconds. */
export function timeParam(value: string | undefined): number | undefined {
  return value === undefined ? undefined : Date.parse(value);
}

/** Refuses a window whose end is not after its start, naming the end's parameter. */
export function checkWindow(startMs: number | undefined, endMs: number | undefined, endField: string): void {
  if (startMs !== undefined && endMs !== undefined && endMs <= startMs) {
    throw invalidField(`querystring.${endField}`, 'must be later than the start of the window');
  }
}
