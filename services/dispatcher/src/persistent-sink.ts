import { setTimeout as sleep } from 'node:timers/promises';
import { BatchingProducerClosedError } from '@payhook/kafka';
import type { Logger } from '@payhook/runtime';
import type { Message } from 'kafkajs';
import type { RecordSink } from './router.ts';

/** Options of {@link persistentSink}. */
export interface PersistentSinkOptions {
  /** Aborted when the dispatcher gives up on its in-flight work (the shutdown deadline). */
  readonly signal: AbortSignal;
  readonly logger: Logger;
  /** @defaultValue 200 */
  readonly firstDelayMs?: number;
  /** @defaultValue 10_000 */
  readonly maxDelayMs?: number;
  /** At most one warning per this long, with the count of writes tried again since. @defaultValue 5_000 */
  readonly warnEveryMs?: number;
}

/**
 * A sink whose failed writes are tried again, pausing twice as long each time, until the
 * broker takes them or `signal` aborts (then the last error is thrown).
 *
 * A record's offset is finished only once its writes (attempt, retry or dead letter) are
 * acknowledged. Without this, a broker outage longer than the producer's own retries would
 * hold its partition's commit point at the first record whose write failed until the
 * partition moved to another member, and every record delivered after it would be delivered
 * again then. Trying again may write a record twice (a failed batch may have been written in
 * part): an attempt logged twice, or a retry delivered twice with the same `webhook-id`.
 */
export function persistentSink(sink: RecordSink, options: PersistentSinkOptions): RecordSink {
  const { signal, logger, firstDelayMs = 200, maxDelayMs = 10_000, warnEveryMs = 5_000 } = options;
  let retried = 0;
  let warnedAt = Number.NEGATIVE_INFINITY;
  /** After a failed write: pauses, then tries again until the write is taken or the signal aborts. */
  async function again(topic: string, message: Message, first: unknown): Promise<unknown> {
    let error = first;
    for (let delayMs = firstDelayMs; ; delayMs = Math.min(delayMs * 2, maxDelayMs)) {
      if (signal.aborted || error instanceof BatchingProducerClosedError) throw error;
      retried++;
      const now = performance.now();
      if (now - warnedAt >= warnEveryMs) {
        logger.warn({ err: error, topic, retried }, 'writing records failed; trying them again');
        warnedAt = now;
        retried = 0;
      }
      await sleep(delayMs, undefined, { signal }).catch(() => undefined);
      if (signal.aborted) throw error;
      try {
        return await sink.send(topic, message);
      } catch (next) {
        error = next;
      }
    }
  }
  return {
    // The first try is the sink's own promise: a write that succeeds (nearly all) costs no more.
    send(topic, message) {
      let first: Promise<unknown>;
      try {
        first = sink.send(topic, message);
      } catch (error) {
        return again(topic, message, error);
      }
      return first.catch((error: unknown) => again(topic, message, error));
    },
  };
}
