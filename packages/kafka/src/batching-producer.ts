import { type Logger, PayhookError } from '@payhook/runtime';
import type { ICustomPartitioner, Kafka, Message, PartitionMetadata, RecordMetadata } from 'kafkajs';
import { keyHashPartitioner } from './partitioner.ts';
import { MAX_SEND_BYTES, recordBytes } from './record-size.ts';
import type { RenewingProducer } from './renewing-producer.ts';

/** Stable error codes of {@link createBatchingProducer}. */
export const BatchingProducerErrorCode = {
  CLOSED: 'PAYHOOK_BATCHING_PRODUCER_CLOSED',
  UNKNOWN_PARTITION: 'PAYHOOK_BATCHING_PRODUCER_UNKNOWN_PARTITION',
  NOT_ACKNOWLEDGED: 'PAYHOOK_BATCHING_PRODUCER_NOT_ACKNOWLEDGED',
} as const;
export type BatchingProducerErrorCode = (typeof BatchingProducerErrorCode)[keyof typeof BatchingProducerErrorCode];

/** A send after {@link BatchingProducer.close} was called. */
export class BatchingProducerClosedError extends PayhookError {
  constructor() {
    super(BatchingProducerErrorCode.CLOSED, 'the batching producer is closed and accepts no more records');
  }
}

/** Options of {@link createBatchingProducer}. */
export interface BatchingProducerOptions {
  /**
   * The client the producer was made from. Its admin reads each topic's partitions, so that
   * every record's partition (and with it the record's own offset) is known before its batch
   * goes out, and a send to a missing topic fails on its own instead of failing a batch.
   */
  readonly kafka: Kafka;
  /**
   * How long the first queued record waits for others to join its batch.
   * @defaultValue 5
   */
  readonly lingerMs?: number;
  /**
   * A batch goes out as soon as this many records are queued.
   * @defaultValue 500
   */
  readonly maxBatchRecords?: number;
  /**
   * Approximate bytes (keys, values, headers, per-record overhead) of one batch. Below the
   * broker's default `message.max.bytes` (1 MiB), so a partition's share of a batch of small
   * records is never refused as too large; a single larger record goes out alone.
   * @defaultValue 900_000
   */
  readonly maxBatchBytes?: number;
  /**
   * A topic's partition list older than this is read again (in the background) on its next send.
   * @defaultValue 300_000
   */
  readonly metadataMaxAgeMs?: number;
  /**
   * Chooses the partition of a record without one. Must be the partitioner of the producers
   * it sends through, so keys land where the rest of the pipeline puts them.
   * @defaultValue {@link keyHashPartitioner} (the Java client's, as in `createIdempotentProducer`)
   */
  readonly createPartitioner?: ICustomPartitioner;
  /** Reports background metadata refreshes that failed. */
  readonly logger?: Logger;
}

const defaults = {
  lingerMs: 5,
  maxBatchRecords: 500,
  maxBatchBytes: MAX_SEND_BYTES,
  metadataMaxAgeMs: 300_000,
  createPartitioner: keyHashPartitioner,
} as const satisfies Partial<BatchingProducerOptions>;

/** Many small sends combined into few `sendBatch` calls. */
export interface BatchingProducer {
  /**
   * Queues one record. Resolves once the broker acknowledged (acks=all) the batch it went out
   * in, with the record's own `offset`; the other fields are those of its partition's share
   * of the batch. Rejects with the batch's error, with the metadata lookup's error (a topic
   * that does not exist, for example), or with {@link BatchingProducerClosedError}. A
   * rejected send may still have been written when the batch failed on another partition:
   * delivery is at least once.
   */
  send(topic: string, message: Message): Promise<RecordMetadata>;
  /**
   * Queues one record like {@link BatchingProducer.send}, for a caller that needs only to know
   * that it was written: resolves with nothing, so no metadata is built for the record.
   */
  write(topic: string, message: Message): Promise<void>;
  /**
   * Sends everything queued now and waits until every send made before this call has
   * settled. Never rejects for failed sends: each send's own promise carries its error.
   */
  flush(): Promise<void>;
  /** Flushes, then refuses new sends. Does not disconnect the producer (the caller owns it). */
  close(): Promise<void>;
  /** Sends accepted and not yet settled: awaiting metadata, queued or in the batch in flight. */
  readonly pending: number;
}

interface EntryBase {
  readonly topic: string;
  message: Message;
  /** The record's size, set when it is accepted. */
  bytes: number;
  enqueuedAt: number;
  readonly promise: Promise<unknown>;
  readonly reject: (error: unknown) => void;
}

/** A queued record: its caller wants its metadata (`send`) or only its acknowledgement (`write`). */
type Entry =
  | (EntryBase & { readonly metadata: true; readonly resolve: (metadata: RecordMetadata) => void })
  | (EntryBase & { readonly metadata: false; readonly resolve: () => void });

/** A partition's part of a batch's answer: its base offset, and how many of its records were settled so far. */
interface PartitionAck {
  readonly metadata: RecordMetadata;
  readonly baseOffset: bigint;
  taken: number;
}

interface Route {
  readonly partitions: PartitionMetadata[];
  readonly readAt: number;
  refreshing: boolean;
}

/**
 * Wraps a renewing producer (`createRenewingProducer`, the caller connects and disconnects it)
 * so that `send` queues records and they go out together via `producer.sendBatch({ acks: -1 })`,
 * after `lingerMs` or at `maxBatchRecords` / `maxBatchBytes`. A batch that failed may be in the
 * log all the same (its answer lost); the renewing producer replaces its producer after it, so
 * the next batch gets new sequence numbers instead of being refused or taken for a retry.
 *
 * At most one batch is in flight at a time. The idempotent producer keeps one request's
 * records in order, but kafkajs hands out sequence numbers per request and gives them back
 * when a request fails; a second batch in flight could take them while the first is being
 * retried, and a failed first batch would leave a later batch's records written behind it.
 * One batch in flight keeps each partition's records in send order, and it gives
 * backpressure: while the broker works on one batch the next one grows, so batches get
 * larger exactly when the broker is slower, and callers that await their sends slow down
 * with it.
 */
export function createBatchingProducer(producer: RenewingProducer, options: BatchingProducerOptions): BatchingProducer {
  const settings = { ...defaults, ...options };
  const { kafka, logger, lingerMs, maxBatchRecords, maxBatchBytes, metadataMaxAgeMs } = settings;
  if (!Number.isFinite(lingerMs) || lingerMs < 0) throw new RangeError('lingerMs must be a number >= 0');
  if (!Number.isInteger(maxBatchRecords) || maxBatchRecords < 1)
    throw new RangeError('maxBatchRecords must be a positive integer');
  if (!Number.isFinite(maxBatchBytes) || maxBatchBytes < 1) throw new RangeError('maxBatchBytes must be > 0');
  if (!Number.isFinite(metadataMaxAgeMs) || metadataMaxAgeMs < 0)
    throw new RangeError('metadataMaxAgeMs must be a number >= 0');

  const partitioner = settings.createPartitioner();
  const admin = kafka.admin();
  let adminReady: Promise<void> | undefined;

  const routes = new Map<string, Route>();
  /** Sends waiting for their topic's first partition list, in send order. */
  const routing = new Map<string, Entry[]>();
  const queue: Entry[] = [];
  let queuedBytes = 0;
  const outstanding = new Set<Entry>();
  let inFlight = false;
  let lingerTimer: NodeJS.Timeout | undefined;
  /** Flushes in progress: while any is, queued records go out without lingering. */
  let flushing = 0;
  let closing: Promise<void> | undefined;

  const now = () => performance.now();

  /** Settles an entry its partition's answer acknowledged; metadata is built for a `send` only. */
  const succeed = (entry: Entry, ack: PartitionAck) => {
    outstanding.delete(entry);
    if (entry.metadata) entry.resolve({ ...ack.metadata, offset: String(ack.baseOffset + BigInt(ack.taken)) });
    else entry.resolve();
  };
  const fail = (entry: Entry, error: unknown) => {
    outstanding.delete(entry);
    entry.reject(error);
  };

  async function readPartitions(topic: string): Promise<PartitionMetadata[]> {
    adminReady ??= admin.connect().catch((error: unknown) => {
      adminReady = undefined;
      throw error;
    });
    await adminReady;
    const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
    const partitions = topics.find((t) => t.name === topic)?.partitions ?? [];
    if (partitions.length === 0) throw new Error(`topic ${topic} has no partitions`);
    return partitions;
  }

  function refreshIfStale(topic: string, route: Route): void {
    if (route.refreshing || now() - route.readAt < metadataMaxAgeMs) return;
    route.refreshing = true;
    readPartitions(topic).then(
      (partitions) => {
        if (routes.get(topic) === route) routes.set(topic, { partitions, readAt: now(), refreshing: false });
      },
      (error: unknown) => {
        // The next send reads the partitions afresh and fails on its own if the topic is gone.
        if (routes.get(topic) === route) routes.delete(topic);
        logger?.warn({ topic, err: error }, 'reading topic partitions failed');
      },
    );
  }

  function enqueue(entry: Entry, partitions: PartitionMetadata[]): void {
    const own = entry.message.partition;
    if (own !== undefined && own !== null && !partitions.some((p) => p.partitionId === own)) {
      fail(
        entry,
        new PayhookError(
          BatchingProducerErrorCode.UNKNOWN_PARTITION,
          `topic ${entry.topic} has no partition ${own} (it has ${partitions.length})`,
        ),
      );
      return;
    }
    const partition = own ?? partitioner({ topic: entry.topic, partitionMetadata: partitions, message: entry.message });
    entry.message = { ...entry.message, partition };
    entry.enqueuedAt = now();
    queue.push(entry);
    queuedBytes += entry.bytes;
    pump();
  }

  function pump(): void {
    if (inFlight) return;
    const head = queue[0];
    if (head === undefined) return;
    const waited = now() - head.enqueuedAt;
    const due = flushing > 0 || queue.length >= maxBatchRecords || queuedBytes >= maxBatchBytes || waited >= lingerMs;
    if (!due) {
      lingerTimer ??= setTimeout(
        () => {
          lingerTimer = undefined;
          pump();
        },
        Math.max(0, lingerMs - waited),
      );
      return;
    }
    if (lingerTimer !== undefined) {
      clearTimeout(lingerTimer);
      lingerTimer = undefined;
    }
    const batch = takeBatch();
    inFlight = true;
    void deliver(batch).finally(() => {
      inFlight = false;
      pump();
    });
  }

  function takeBatch(): Entry[] {
    let count = 0;
    let bytes = 0;
    for (const entry of queue) {
      if (count === maxBatchRecords || (count > 0 && bytes + entry.bytes > maxBatchBytes)) break;
      count++;
      bytes += entry.bytes;
    }
    queuedBytes -= bytes;
    return queue.splice(0, count);
  }

  async function deliver(batch: readonly Entry[]): Promise<void> {
    const byTopic = new Map<string, Message[]>();
    for (const entry of batch) {
      const messages = byTopic.get(entry.topic);
      if (messages === undefined) byTopic.set(entry.topic, [entry.message]);
      else messages.push(entry.message);
    }
    let acknowledged: RecordMetadata[];
    try {
      acknowledged = await producer.sendBatch({
        acks: -1,
        topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })),
      });
    } catch (error) {
      // Partitions may have moved or the topic may be gone: read them again on the next send.
      for (const topic of byTopic.keys()) routes.delete(topic);
      for (const entry of batch) fail(entry, error);
      return;
    }
    // A partition's records are written in the order they were given, from its base offset on.
    // `taken` counts the partition's records handed out so far: a record's offset is the base
    // offset plus its place, computed only for the sends that asked for metadata.
    const next = new Map<string, Map<number, PartitionAck>>();
    for (const metadata of acknowledged) {
      if (metadata.baseOffset === undefined) continue;
      let partitions = next.get(metadata.topicName);
      if (partitions === undefined) {
        partitions = new Map();
        next.set(metadata.topicName, partitions);
      }
      partitions.set(metadata.partition, { metadata, baseOffset: BigInt(metadata.baseOffset), taken: 0 });
    }
    for (const entry of batch) {
      const ack = next.get(entry.topic)?.get(entry.message.partition as number);
      if (ack === undefined) {
        fail(
          entry,
          new PayhookError(
            BatchingProducerErrorCode.NOT_ACKNOWLEDGED,
            `the broker's answer named no offset for ${entry.topic} partition ${String(entry.message.partition)}`,
          ),
        );
        continue;
      }
      succeed(entry, ack);
      ack.taken += 1;
    }
  }

  function send(topic: string, message: Message): Promise<RecordMetadata> {
    const { promise, resolve, reject } = Promise.withResolvers<RecordMetadata>();
    accept({ topic, message, bytes: 0, enqueuedAt: 0, promise, resolve, reject, metadata: true });
    return promise;
  }

  function write(topic: string, message: Message): Promise<void> {
    const { promise, resolve, reject } = Promise.withResolvers<void>();
    accept({ topic, message, bytes: 0, enqueuedAt: 0, promise, resolve, reject, metadata: false });
    return promise;
  }

  /**
   * Refuses an entry once closing, else sizes it, routes it to its partition and queues it,
   * reading the topic's partitions first if need be.
   */
  function accept(entry: Entry): void {
    if (closing !== undefined) {
      entry.reject(new BatchingProducerClosedError());
      return;
    }
    const { topic } = entry;
    entry.bytes = recordBytes(entry.message);
    outstanding.add(entry);

    const route = routes.get(topic);
    if (route !== undefined) {
      refreshIfStale(topic, route);
      enqueue(entry, route.partitions);
      return;
    }
    const waiting = routing.get(topic);
    if (waiting !== undefined) {
      waiting.push(entry);
      return;
    }
    routing.set(topic, [entry]);
    readPartitions(topic).then(
      (partitions) => {
        routes.set(topic, { partitions, readAt: now(), refreshing: false });
        const ready = routing.get(topic) ?? [];
        routing.delete(topic);
        for (const waiter of ready) enqueue(waiter, partitions);
      },
      (error: unknown) => {
        const failed = routing.get(topic) ?? [];
        routing.delete(topic);
        for (const waiter of failed) fail(waiter, error);
      },
    );
  }

  async function flush(): Promise<void> {
    if (outstanding.size === 0) return;
    const settled = Promise.allSettled([...outstanding].map((entry) => entry.promise));
    flushing++;
    pump();
    try {
      await settled;
    } finally {
      flushing--;
    }
  }

  function close(): Promise<void> {
    closing ??= (async () => {
      await flush();
      // Only an admin that connected needs disconnecting.
      const connected = await adminReady?.then(
        () => true,
        () => false,
      );
      if (connected === true) await admin.disconnect();
    })();
    return closing;
  }

  return {
    send,
    write,
    flush,
    close,
    get pending() {
      return outstanding.size;
    },
  };
}
