import type { IHeaders } from 'kafkajs';

/** One header as a string (kafkajs gives Buffers, possibly arrays of them: the last one counts). */
export function headerText(headers: IHeaders | undefined, name: string): string | undefined {
  const raw = headers?.[name];
  const value = Array.isArray(raw) ? raw[raw.length - 1] : raw;
  if (value === undefined) return undefined;
  return typeof value === 'string' ? value : value.toString('utf8');
}
