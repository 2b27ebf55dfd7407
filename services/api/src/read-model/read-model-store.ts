import type { AttemptOutcome, DeliveryAttempt, PaymentEvent, PaymentStatus, WebhookDelivery } from '@payhook/contracts';
import type { EndpointHealthFigures, LatencyMinute } from './read-model-figures.ts';

/** Where a delivery record was read: the stages a delivery passes through. */
export const DeliveryStage = { DISPATCH: 'dispatch', RETRY: 'retry', DLQ: 'dlq' } as const;
export type DeliveryStage = (typeof DeliveryStage)[keyof typeof DeliveryStage];

/** A delivery's status as the API shows it, derived from its attempts and where its latest record is. */
export const DeliveryStatus = { DELIVERED: 'delivered', RETRYING: 'retrying', FAILED: 'failed' } as const;
export type DeliveryStatus = (typeof DeliveryStatus)[keyof typeof DeliveryStatus];

/** One consumed record, decoded into what the read model keeps of it. */
export type IngestRecord =
  | { readonly kind: 'event'; readonly offset: bigint; readonly event: PaymentEvent }
  | {
      readonly kind: 'delivery';
      readonly offset: bigint;
      readonly stage: DeliveryStage;
      readonly delivery: WebhookDelivery;
      /** The record's write time. */
      readonly writtenAtMs: number;
      /** The tier label of a retry record (`payhook-tier`), else null. */
      readonly tier: string | null;
      /** When a retry record is due (`payhook-due-at`), else null. */
      readonly dueAtMs: number | null;
      /** Why a DLQ record is there (`payhook-dlq-reason`), else null. */
      readonly dlqReason: string | null;
      /** When an operator re-published this record (`payhook-replayed-at`), else null. */
      readonly replayedAtMs: number | null;
    }
  | { readonly kind: 'attempt'; readonly offset: bigint; readonly attempt: DeliveryAttempt }
  /** A record that does not decode (a poison record): its offset is consumed, no row is written. */
  | { readonly kind: 'skipped'; readonly offset: bigint };

/** The records of one fetched batch of one partition, and where the partition's reading goes on. */
export interface IngestBatch {
  readonly topic: string;
  readonly partition: number;
  readonly records: readonly IngestRecord[];
  /** The offset after the batch (transaction markers included): stored with the rows. */
  readonly nextOffset: bigint;
}

/** One state change of a payment. */
export interface PaymentHistoryEntry {
  readonly eventId: string;
  readonly sequence: number;
  readonly status: PaymentStatus;
  readonly previousStatus: PaymentStatus | null;
  readonly amountReceived: string;
  readonly txHashes: readonly string[];
  readonly blockNumber: number | null;
  readonly blockHash: string | null;
  readonly confirmations: number;
  readonly occurredAtMs: number;
}

/** A payment's state from its events: the latest by sequence, and every change. */
export interface PaymentState {
  readonly paymentId: string;
  readonly merchantId: string;
  readonly status: PaymentStatus;
  readonly amountReceived: string;
  readonly updatedAtMs: number;
  /** By sequence; an event written twice appears once. */
  readonly history: readonly PaymentHistoryEntry[];
}

/** A delivery as listed. */
export interface DeliverySummary {
  readonly deliveryId: string;
  readonly merchantId: string;
  readonly endpointId: string;
  readonly paymentId: string;
  readonly eventId: string;
  readonly eventType: string;
  readonly createdAtMs: number;
  readonly status: DeliveryStatus;
  /** The DLQ's reason while the delivery is failed, else null. */
  readonly failureReason: string | null;
  /** Attempts logged (requests and decisions taken without one). */
  readonly attemptCount: number;
  readonly lastAttemptAtMs: number | null;
  /** When the next attempt is due while retrying (null: none scheduled, or due now). */
  readonly nextAttemptAtMs: number | null;
  /** When an operator last re-published it, else null. */
  readonly replayedAtMs: number | null;
}

/** One entry of a delivery's attempts log. */
export interface AttemptEntry {
  readonly attempt: number;
  readonly tier: string;
  readonly outcome: AttemptOutcome;
  readonly statusCode: number | null;
  readonly durationMs: number;
  readonly errorClass: string | null;
  readonly errorMessage: string | null;
  readonly attemptedAtMs: number;
  readonly replayedAtMs: number | null;
  readonly nextAttemptAtMs: number | null;
  /** The start of the response body, when one arrived. */
  readonly responseExcerpt: string | null;
}

/** A delivery with its body and every attempt. */
export interface DeliveryDetail extends DeliverySummary {
  /** The exact JSON body that is signed and sent. */
  readonly body: string;
  /** In the order they were made. */
  readonly attempts: readonly AttemptEntry[];
}

/** A page position: the last row of the previous page, newest first. */
export interface DeliveryCursor {
  readonly createdAtMs: number;
  readonly deliveryId: string;
}

/** What `GET /v1/deliveries` asks for; every field that is set must match. */
export interface DeliveryQuery {
  /** Null: every merchant (an operator key). */
  readonly merchantId: string | null;
  readonly endpointId?: string | undefined;
  readonly paymentId?: string | undefined;
  readonly status?: DeliveryStatus | undefined;
  /** By creation time: `since` inclusive, `until` exclusive. */
  readonly sinceMs?: number | undefined;
  readonly untilMs?: number | undefined;
  readonly after?: DeliveryCursor | undefined;
  readonly limit: number;
}

/** Rows written, for counting against the topics. */
export interface ReadModelCounts {
  readonly events: number;
  readonly deliveryRecords: number;
  readonly attempts: number;
  readonly deliveries: number;
  readonly payments: number;
}

/**
 * The read model behind payment histories and deliveries. A batch's rows and the partition's
 * next offset are written together, so after any stop the store resumes exactly where its rows
 * end. The embedded store is SQLite; a shared one (PostgreSQL, ClickHouse) implements the same
 * methods.
 */
export interface ReadModelStore {
  /** Next offset to read of every partition the store has rows or positions for. */
  positions(): Promise<ReadonlyMap<string, ReadonlyMap<number, bigint>>>;
  /**
   * Writes a batch's rows and moves its partition's position, atomically. Records below the
   * stored position are skipped (a batch read twice writes nothing twice).
   * @returns the records written
   */
  apply(batch: IngestBatch): Promise<number>;
  payment(paymentId: string): Promise<PaymentState | undefined>;
  /** The current status of each payment that has events, of one merchant or (null) of all. */
  paymentStatuses(merchantId: string | null): Promise<ReadonlyMap<string, PaymentStatus>>;
  deliveries(query: DeliveryQuery): Promise<DeliverySummary[]>;
  delivery(deliveryId: string): Promise<DeliveryDetail | undefined>;
  counts(): Promise<ReadModelCounts>;
  /** An endpoint's requests, delivered ones and latest entry, over its attempts since `sinceMs`. */
  endpointHealth(endpointId: string, sinceMs: number): Promise<EndpointHealthFigures>;
  /** p50/p95/p99 of every endpoint's request durations, per minute from `sinceMs` to `nowMs`. */
  attemptLatency(sinceMs: number, nowMs: number): Promise<LatencyMinute[]>;
  /** Deletes every row and position: the model is rebuilt from the topics. */
  reset(): Promise<void>;
  close(): Promise<void>;
}
