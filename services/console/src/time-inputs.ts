/** A `datetime-local` value (the reader's time zone) for an instant. */
export function localInput(ms: number): string {
  const d = new Date(ms);
  d.setMinutes(d.getMinutes() - d.getTimezoneOffset());
  return d.toISOString().slice(0, 16);
}

/**
 * A `datetime-local` value as an instant for the API (ISO 8601, UTC); what does not parse is
 * kept as typed, so that the API names the field; empty is undefined.
 */
export function instant(value: string): string | undefined {
  if (value === '') return undefined;
  const ms = new Date(value).getTime();
  return Number.isNaN(ms) ? value : new Date(ms).toISOString();
}
