import { setTimeout as sleep } from 'node:timers/promises';
import { deliveriesFor, Subscriptions } from '@payhook/confirmation-filter';
import {
  type ContractCodec,
  DeliveryHeader,
  type Endpoint,
  eventTypeOf,
  type PaymentEvent,
  type WebhookDelivery,
} from '@payhook/contracts';
import { headerText, type RecordSender, type ScanRange, scanTopics } from '@payhook/kafka';
import { TokenBucket } from '@payhook/retry';
import type { IHeaders, Kafka, KafkaMessage, Message } from 'kafkajs';
import { matchesDelivery, type ReplayFilter } from './delivery-filter.ts';
import { inWindow } from './offset-ranges.ts';
import type { Progress, ScanCounts } from './progress.ts';
import { REPLAY_ID_HEADER, replayHeaders } from './replay-headers.ts';

/** One delivery a replay would re-publish, with what a person needs to recognise it. */
export interface ReplayCandidate {
  readonly deliveryId: string;
  readonly endpointId: string;
  readonly paymentId: string;
  readonly eventType: string;
  /** When the delivery first entered the pipeline (its provenance), else when its record was written. */
  readonly originalTimeMs: number;
  readonly dlqReason: string | null;
  /** The source record. */
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  /** Written to its timestamp so `resend` can pick the latest record of a delivery. */
  readonly timestampMs: number;
  /** Key and value as they go out; the headers are completed when the record is sent. */
  readonly key: Buffer | string | null;
  readonly value: Buffer | null;
  readonly sourceHeaders: IHeaders | undefined;
}

/** Turns one source record into the deliveries it stands for (none when it does not match). */
export type CandidateBuilder = (topic: string, partition: number, message: KafkaMessage) => Promise<ReplayCandidate[]>;

/** Records a builder could not read (poison records), counted rather than re-sent. */
export interface SkipCounts {
  undecodable: number;
}

/** A source record that does not decode as its topic's contract (a poison record), and why. */
export interface PoisonRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  /** The record key as text (the endpoint id on delivery topics), null when it has none. */
  readonly key: string | null;
  readonly timestampMs: number;
  /** The decoder's error code and message, e.g. `CONTRACT_DECODE_MAGIC_BYTE: record starts with byte 123, …`. */
  readonly reason: string;
}

/** Told of every poison record a builder skips. */
export type PoisonListener = (record: PoisonRecord) => void;

/**
 * Decodes a source record, or counts it as undecodable, tells `onPoison` and returns
 * undefined. Retryable failures (the registry unreachable) are thrown: they say nothing
 * about the record.
 */
async function decodeOrSkip<T>(
  decode: () => Promise<T>,
  where: { topic: string; partition: number; message: KafkaMessage },
  skipped: SkipCounts,
  onPoison: PoisonListener | undefined,
): Promise<T | undefined> {
  try {
    return await decode();
  } catch (error) {
    if ((error as { retryable?: boolean }).retryable === true) throw error;
    skipped.undecodable++;
    const code = (error as { code?: unknown }).code;
    const message = error instanceof Error ? error.message : String(error);
    onPoison?.({
      topic: where.topic,
      partition: where.partition,
      offset: where.message.offset,
      key: where.message.key === null ? null : where.message.key.toString(),
      timestampMs: Number(where.message.timestamp),
      reason: typeof code === 'string' ? `${code}: ${message}` : message,
    });
    return undefined;
  }
}

/**
 * Candidates from delivery records (DLQ, dispatch, retry tiers): key and value bytes kept as
 * they are, so the delivery id (`webhook-id`) and body are the original ones. Records written
 * by the replay `skipReplayId` itself are skipped (a replay of dispatch meets its own output).
 */
export function deliveryCandidates(deps: {
  readonly codec: ContractCodec;
  readonly filter: ReplayFilter;
  readonly skipReplayId?: string;
  readonly skipped: SkipCounts;
  /** Told of each undecodable record, whatever the filters (they cannot be applied to it). */
  readonly onPoison?: PoisonListener;
}): CandidateBuilder {
  return async (topic, partition, message) => {
    if (deps.skipReplayId !== undefined && headerText(message.headers, REPLAY_ID_HEADER) === deps.skipReplayId) {
      return [];
    }
    const delivery: WebhookDelivery | undefined = await decodeOrSkip(
      () => deps.codec.decode('WEBHOOK_DELIVERY', message.value),
      { topic, partition, message },
      deps.skipped,
      deps.onPoison,
    );
    if (delivery === undefined) return [];
    const timestampMs = Number(message.timestamp);
    if (!matchesDelivery(deps.filter, delivery, timestampMs)) return [];
    const original = Number(headerText(message.headers, DeliveryHeader.ORIGINAL_TIMESTAMP));
    return [
      {
        deliveryId: delivery.delivery_id,
        endpointId: delivery.endpoint_id,
        paymentId: delivery.payment_id,
        eventType: delivery.event_type,
        originalTimeMs: Number.isFinite(original) && original > 0 ? original : timestampMs,
        dlqReason: headerText(message.headers, DeliveryHeader.DLQ_REASON) ?? null,
        topic,
        partition,
        offset: message.offset,
        timestampMs,
        key: message.key,
        value: message.value,
        sourceHeaders: message.headers,
      },
    ];
  };
}

/**
 * Candidates from payment events: the delivery records the confirmation filter would write
 * for them today, one per enabled endpoint of the merchant subscribed to the event's type.
 * Delivery ids derive from the event and the endpoint, so they equal the first delivery's.
 */
export function eventCandidates(deps: {
  readonly codec: ContractCodec;
  readonly dispatchTopic: string;
  readonly filter: ReplayFilter;
  readonly endpoints: readonly Endpoint[];
  readonly skipped: SkipCounts;
  /** Told of each undecodable record, whatever the filters (they cannot be applied to it). */
  readonly onPoison?: PoisonListener;
}): CandidateBuilder {
  const { filter } = deps;
  // The filter's own recipient selection, over the endpoints as they are now.
  const subscriptions = new Subscriptions(() => deps.endpoints);
  return async (topic, partition, message) => {
    const event: PaymentEvent | undefined = await decodeOrSkip(
      () => deps.codec.decode('PAYMENT_EVENT', message.value),
      { topic, partition, message },
      deps.skipped,
      deps.onPoison,
    );
    if (event === undefined) return [];
    const type = eventTypeOf(event.status);
    const timestampMs = Number(message.timestamp);
    if (type === null || !inWindow(filter.window, timestampMs)) return [];
    if (filter.eventTypes !== undefined && !filter.eventTypes.includes(type)) return [];
    if (filter.paymentId !== undefined && event.payment_id !== filter.paymentId) return [];
    const recipients = subscriptions
      .recipients(event.merchant_id, type)
      .filter((e) => filter.endpointId === undefined || e.endpoint_id === filter.endpointId);
    const out: ReplayCandidate[] = [];
    for (const delivery of deliveriesFor(event, type, recipients)) {
      if (filter.deliveryId !== undefined && delivery.delivery_id !== filter.deliveryId) continue;
      out.push({
        deliveryId: delivery.delivery_id,
        endpointId: delivery.endpoint_id,
        paymentId: delivery.payment_id,
        eventType: type,
        originalTimeMs: event.occurred_at,
        dlqReason: null,
        topic,
        partition,
        offset: message.offset,
        timestampMs,
        key: delivery.endpoint_id,
        value: await deps.codec.encode(deps.dispatchTopic, 'WEBHOOK_DELIVERY', delivery),
        sourceHeaders: undefined,
      });
    }
    return out;
  };
}

/** Sends candidates to the destination, stamped as replayed, optionally rate limited. */
export interface Publisher {
  /**
   * Queues a candidate; waits first when the rate limit says so (sending what is queued
   * meanwhile, and calling `onWait` at least once a second while waiting).
   */
  add(candidate: ReplayCandidate, onWait?: () => Promise<void>): Promise<void>;
  /** Sends what is queued; resolves once the broker acknowledged it (acks=all). */
  flush(): Promise<number>;
  readonly queued: number;
}

/** Largest number of records in one produce request. */
const MAX_SEND_RECORDS = 500;
/** Longest sleep while waiting for the rate limit. */
const MAX_WAIT_STEP_MS = 1_000;

/** A publisher to `destination` for the replay `mark`. */
export function createPublisher(deps: {
  readonly producer: () => Promise<RecordSender>;
  readonly destination: string;
  readonly mark: { readonly id: string; readonly reason: string };
  /** Records per second; unlimited when undefined. */
  readonly rate?: number | undefined;
  readonly now?: () => number;
}): Publisher {
  const now = deps.now ?? Date.now;
  // A tenth of a second's worth at most goes out at once: evenly spaced at low rates, and
  // at high rates still in batches rather than one request per record.
  const bucket =
    deps.rate === undefined
      ? undefined
      : new TokenBucket({ ratePerSecond: deps.rate, burst: Math.max(1, Math.ceil(deps.rate / 10)) }, now());
  let queue: ReplayCandidate[] = [];
  const flush = async (): Promise<number> => {
    if (queue.length === 0) return 0;
    const batch = queue;
    queue = [];
    const atMs = now();
    const messages: Message[] = batch.map((c) => ({
      key: c.key,
      value: c.value,
      headers: replayHeaders(c.sourceHeaders, { id: deps.mark.id, reason: deps.mark.reason, atMs }),
    }));
    await (await deps.producer()).send({ topic: deps.destination, acks: -1, messages });
    return batch.length;
  };
  return {
    get queued() {
      return queue.length;
    },
    async add(candidate, onWait) {
      if (bucket !== undefined) {
        for (let wait = bucket.tryTake(now()); wait > 0; wait = bucket.tryTake(now())) {
          await flush();
          await onWait?.();
          // In steps, so a slow rate never starves the caller's heartbeats.
          await sleep(Math.min(wait, MAX_WAIT_STEP_MS));
        }
      }
      queue.push(candidate);
      if (queue.length >= MAX_SEND_RECORDS) await flush();
    },
    flush,
  };
}

/** Options of {@link runReplay}. */
export interface ReplayRunOptions {
  readonly kafka: Kafka;
  /** Start of the scanning group's id (the pipeline's prefix belongs in it). */
  readonly groupIdPrefix: string;
  readonly topic: string;
  /** Per partition of `topic`, the offsets to scan. */
  readonly ranges: ReadonlyMap<number, ScanRange>;
  readonly build: CandidateBuilder;
  /** Sends the candidates; undefined for a dry run, which only collects them. */
  readonly publisher: Publisher | undefined;
  /** Running totals, updated as records are scanned, matched and sent. */
  readonly counts: ScanCounts;
  readonly progress: Progress;
  /** Every matching candidate, in scan order (dry runs list them). */
  readonly onCandidate?: (candidate: ReplayCandidate) => void;
  /**
   * Called after records were sent, with the offset from which nothing of the partition is
   * unsent: the place to store a cursor (produce first, then cursor: at least once).
   */
  readonly onProgress?: (partition: number, next: bigint, sent: number) => Promise<void>;
}

/** Scans the ranges once, handing every matching delivery to the publisher. */
export async function runReplay(options: ReplayRunOptions): Promise<void> {
  const { counts, publisher, progress } = options;
  await scanTopics({
    kafka: options.kafka,
    ranges: new Map([[options.topic, options.ranges]]),
    groupIdPrefix: options.groupIdPrefix,
    onBatch: async ({ topic, partition, messages, next, heartbeat }) => {
      for (const message of messages) {
        counts.scanned++;
        const candidates = await options.build(topic, partition, message);
        for (const candidate of candidates) {
          counts.matched++;
          options.onCandidate?.(candidate);
          if (publisher === undefined) continue;
          const before = publisher.queued;
          await publisher.add(candidate, heartbeat);
          if (publisher.queued <= before) {
            // What was queued went out (a full batch, or a wait for the rate limit): every
            // record before this one is sent, this one perhaps only in part.
            const sent = before + 1 - publisher.queued;
            counts.sent += sent;
            await options.onProgress?.(partition, BigInt(message.offset), sent);
            await heartbeat();
          }
        }
        progress.update(counts);
      }
      if (publisher !== undefined) {
        const sent = await publisher.flush();
        counts.sent += sent;
        await options.onProgress?.(partition, next, sent);
      }
      progress.update(counts);
      return 'continue' as const;
    },
  });
}
