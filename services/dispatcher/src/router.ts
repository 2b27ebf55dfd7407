import type { ContractCodec, DeliveryAttempt, PipelineTopics } from '@payhook/contracts';
import type { Message } from 'kafkajs';
import { type DeadLetterReason, type FailureFacts, nextHopHeaders, type SourceRecord } from './headers.ts';

/** Where records are produced: the batching producer in production. */
export interface RecordSink {
  send(topic: string, message: Message): Promise<unknown>;
}

/** A consumed delivery record, kept as bytes so it is re-published unchanged. */
export interface InboundRecord {
  readonly source: SourceRecord;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
}

/** Re-publishes failed deliveries to a retry tier or the DLQ, and logs attempts. */
export interface Router {
  /** To a retry tier, due at `dueAtMs`. Resolves once the broker has the record. */
  retry(
    record: InboundRecord,
    failure: FailureFacts,
    next: { topic: string; tier: string; hops: number; dueAtMs: number; holdUntilMs?: number },
  ): Promise<void>;
  /** To the DLQ with its reason. Resolves once the broker has the record. */
  deadLetter(record: InboundRecord, failure: FailureFacts, reason: DeadLetterReason): Promise<void>;
  /** Appends to the attempts log. Resolves once the broker has the record. */
  attempt(attempt: DeliveryAttempt): Promise<unknown>;
}

/** A router over a record sink. */
export function createRouter(deps: { sink: RecordSink; codec: ContractCodec; topics: PipelineTopics }): Router {
  const { sink, codec, topics } = deps;
  const logAttempt = (attempt: DeliveryAttempt, value: Buffer) =>
    sink.send(topics.attempts, { key: attempt.delivery_id, value });
  return {
    async retry(record, failure, next) {
      await sink.send(next.topic, {
        key: record.key,
        value: record.value,
        headers: nextHopHeaders(record.source, failure, next),
      });
    },
    async deadLetter(record, failure, reason) {
      await sink.send(topics.dlq, {
        key: record.key,
        value: record.value,
        headers: nextHopHeaders(record.source, failure, { deadLetterReason: reason }),
      });
    },
    attempt(attempt) {
      // One record per attempt, encoded without waiting once the schema id is known (for all
      // but the first): only the write itself is waited for.
      let value: Buffer | undefined;
      try {
        value = codec.encodeKnown(topics.attempts, 'DELIVERY_ATTEMPT', attempt);
      } catch (error) {
        return Promise.reject(error);
      }
      if (value !== undefined) return logAttempt(attempt, value);
      return codec.encode(topics.attempts, 'DELIVERY_ATTEMPT', attempt).then((encoded) => logAttempt(attempt, encoded));
    },
  };
}
