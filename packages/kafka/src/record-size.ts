import type { Message } from 'kafkajs';

/**
 * Bytes of records one send may carry: below the broker's default `message.max.bytes` (1 MiB),
 * which a partition's share of a request must not pass, with room for the batch header.
 */
export const MAX_SEND_BYTES = 900_000;

/** Rough per-record overhead of the record batch format (varints, attributes, timestamps). */
const RECORD_OVERHEAD_BYTES = 70;

function byteLength(value: Buffer | string | null | undefined): number {
  if (value === null || value === undefined) return 0;
  return typeof value === 'string' ? Buffer.byteLength(value) : value.length;
}

/** Approximate bytes of a record in a batch: key, value, headers and the format's overhead. */
export function recordBytes(message: Message): number {
  let bytes = RECORD_OVERHEAD_BYTES + byteLength(message.key) + byteLength(message.value);
  const headers = message.headers;
  if (headers === undefined) return bytes;
  for (const name in headers) {
    const value = headers[name];
    bytes += Buffer.byteLength(name);
    if (Array.isArray(value)) for (const item of value) bytes += byteLength(item);
    else bytes += byteLength(value);
  }
  return bytes;
}

/**
 * Splits records, in order, into runs of at most `maxBytes` each (a single larger record makes
 * a run of its own), so that no send is refused as too large however many records there are.
 */
export function sendSizedChunks(messages: readonly Message[], maxBytes = MAX_SEND_BYTES): Message[][] {
  const chunks: Message[][] = [];
  let current: Message[] = [];
  let bytes = 0;
  for (const message of messages) {
    const size = recordBytes(message);
    if (current.length > 0 && bytes + size > maxBytes) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(message);
    bytes += size;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}
