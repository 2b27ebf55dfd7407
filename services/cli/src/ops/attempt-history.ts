import type { ContractCodec, DeliveryAttempt } from '@payhook/contracts';
import { type ScanRange, scanTopics } from '@payhook/kafka';
import type { Admin, Kafka } from 'kafkajs';
import { inWindow, offsetRanges, type TimeWindow } from './offset-ranges.ts';

/** Whose attempts to read; every id that is set must match. */
export interface AttemptQuery {
  readonly paymentId?: string | undefined;
  readonly deliveryId?: string | undefined;
  readonly endpointId?: string | undefined;
  /** By the time attempts were written (an attempt is written right after it ends). */
  readonly window?: TimeWindow;
}

/** What reading the attempts log found. */
export interface AttemptHistory {
  /** In the order they were made: by `attempted_at`, then delivery and attempt number. */
  readonly attempts: DeliveryAttempt[];
  readonly scanned: number;
  /** Records that do not decode, skipped. */
  readonly undecodable: number;
}

/**
 * Reads `webhooks.attempts` (from `since`, up to its end when the read begins) for the
 * attempts of a payment, a delivery or an endpoint.
 */
export async function readAttempts(deps: {
  readonly admin: Admin;
  readonly kafka: Kafka;
  readonly codec: ContractCodec;
  readonly topic: string;
  readonly query: AttemptQuery;
  /** Start of the reading group's id (the pipeline's prefix belongs in it). */
  readonly groupIdPrefix: string;
}): Promise<AttemptHistory> {
  const { query } = deps;
  const partitions = await offsetRanges(deps.admin, deps.topic, query.window ?? {});
  const ranges = new Map<number, ScanRange>(partitions.map((p) => [p.partition, { start: p.start, end: p.end }]));
  const attempts: DeliveryAttempt[] = [];
  let scanned = 0;
  let undecodable = 0;
  await scanTopics({
    kafka: deps.kafka,
    ranges: new Map([[deps.topic, ranges]]),
    groupIdPrefix: deps.groupIdPrefix,
    onBatch: async ({ messages }) => {
      for (const message of messages) {
        scanned++;
        if (!inWindow(query.window ?? {}, Number(message.timestamp))) continue;
        // Attempts are keyed by delivery id: other deliveries need no decoding.
        if (query.deliveryId !== undefined && message.key?.toString('utf8') !== query.deliveryId) continue;
        let attempt: DeliveryAttempt;
        try {
          attempt = await deps.codec.decode('DELIVERY_ATTEMPT', message.value);
        } catch (error) {
          if ((error as { retryable?: boolean }).retryable === true) throw error;
          undecodable++;
          continue;
        }
        if (
          (query.paymentId === undefined || attempt.payment_id === query.paymentId) &&
          (query.deliveryId === undefined || attempt.delivery_id === query.deliveryId) &&
          (query.endpointId === undefined || attempt.endpoint_id === query.endpointId)
        ) {
          attempts.push(attempt);
        }
      }
      return 'continue' as const;
    },
  });
  attempts.sort(
    (a, b) => a.attempted_at - b.attempted_at || a.delivery_id.localeCompare(b.delivery_id) || a.attempt - b.attempt,
  );
  return { attempts, scanned, undecodable };
}
