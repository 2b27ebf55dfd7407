import { randomUUID } from 'node:crypto';
import { type Logger, PayhookError } from '@payhook/runtime';
import type { Admin, Kafka, KafkaMessage } from 'kafkajs';

/** Stable error codes of {@link createTableReader}. */
export const TableReaderErrorCode = {
  STOPPED: 'PAYHOOK_TABLE_READER_STOPPED',
  CRASHED: 'PAYHOOK_TABLE_READER_CRASHED',
} as const;
export type TableReaderErrorCode = (typeof TableReaderErrorCode)[keyof typeof TableReaderErrorCode];

/** Called after the table changed: the new value, or `undefined` when the key was deleted. */
export type TableChangeListener<T> = (key: string, value: T | undefined) => void;

/** Options of {@link createTableReader}. */
export interface TableReaderOptions<T> {
  readonly kafka: Kafka;
  /** A compacted topic: the latest record per key is the key's value; a null value deletes it. */
  readonly topic: string;
  /**
   * Turns a record's value into the table's value. A throw skips the record (logged at warn,
   * never with its value) and the key keeps its previous value.
   */
  decode(key: string, value: Buffer): Promise<T> | T;
  readonly logger: Logger;
  /**
   * Called once when the reader's consumer stops for good (a failure kafkajs does not restart
   * from), whether or not the table had caught up: from then on the table no longer follows
   * its topic, so a long-running owner should stop and be started again.
   */
  readonly onFailed?: (error: PayhookError) => void;
  /**
   * Start of every reader's consumer group id, `<prefix>.<topic>.<random>`.
   * @defaultValue `'payhook-table'`
   */
  readonly groupIdPrefix?: string;
}

const defaults = { groupIdPrefix: 'payhook-table' } as const satisfies Partial<TableReaderOptions<unknown>>;

/** A compacted topic held in memory as a map from key to decoded value. */
export interface TableReader<T> {
  /**
   * Reads the topic from the beginning; resolves once the table has caught up with the end
   * offsets the topic had when `start` was called (at once for an empty topic). Reading goes
   * on afterwards, so later changes apply within moments. Rejects when the reader stops or
   * its consumer fails for good before that.
   */
  start(): Promise<void>;
  get(key: string): T | undefined;
  values(): IterableIterator<T>;
  readonly size: number;
  /** Whether the table has caught up and is still being kept current (for readiness checks). */
  readonly caughtUp: boolean;
  /**
   * Calls `listener` after every change, the initial load included. Returns the unsubscribe
   * function. A listener that throws is logged and does not stop the reader.
   */
  onChange(listener: TableChangeListener<T>): () => void;
  /**
   * Waits until the table has read everything the topic held when the call was made (its
   * current end offsets), or `timeoutMs` passed; resolves whether it got there. For a caller
   * that did not find a key that may just have been written. Each call reads the end offsets
   * afresh (over one admin client the reader keeps).
   */
  catchUp(timeoutMs: number): Promise<boolean>;
  /** Leaves the consumer group and stops reading; the table keeps its last contents. */
  stop(): Promise<void>;
}

/**
 * Materialises a compacted topic in memory. Every instance reads the whole topic with a
 * consumer group of its own (never committed, so it leaves nothing behind), so that every
 * pod holds the full table rather than the share of partitions a shared group would give it.
 */
export function createTableReader<T>(options: TableReaderOptions<T>): TableReader<T> {
  const { kafka, topic, decode, groupIdPrefix } = { ...defaults, ...options };
  const groupId = `${groupIdPrefix}.${topic}.${randomUUID()}`;
  const logger = options.logger.child({ component: 'table-reader', topic, groupId });
  const table = new Map<string, T>();
  const listeners = new Set<TableChangeListener<T>>();
  // A short fetch wait: disconnect waits for the fetch in flight, so stop() stays quick.
  const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 100, allowAutoTopicCreation: false });

  /**
   * Next offset to apply per partition. A rebalance or a restart after a crash starts the
   * group from the beginning again (it never commits); records already applied are skipped
   * so a key never goes back to an older value for a moment.
   */
  const positions = new Map<number, bigint>();
  /** Position reached per partition, transaction markers included (after every batch). */
  const read = new Map<number, bigint>();
  /** The admin client catch-ups read end offsets with: connected at the first, kept until stop. */
  let catchUpAdmin: Promise<Admin> | undefined;
  /** End offset per partition still to reach; caught up when empty. */
  let remaining: Map<number, bigint> | undefined;
  let reachedEnd = false;
  let failed = false;
  let stopping: Promise<void> | undefined;
  let starting: Promise<void> | undefined;
  const ready = Promise.withResolvers<void>();
  // start() may never be called, or may have returned already: its rejection is not unhandled.
  ready.promise.catch(() => undefined);

  function notify(key: string, value: T | undefined): void {
    for (const listener of listeners) {
      try {
        listener(key, value);
      } catch (error) {
        logger.error({ key, err: error }, 'table change listener failed');
      }
    }
  }

  async function apply(partition: number, message: KafkaMessage): Promise<void> {
    const offset = BigInt(message.offset);
    if (offset < (positions.get(partition) ?? 0n)) return;
    positions.set(partition, offset + 1n);
    if (message.key === null) {
      logger.warn({ partition, offset: message.offset }, 'table record without a key skipped');
      return;
    }
    const key = message.key.toString('utf8');
    if (message.value === null) {
      if (table.delete(key)) notify(key, undefined);
      return;
    }
    let value: T;
    try {
      value = await decode(key, message.value);
    } catch (error) {
      // Only the error's kind: decoders' messages often quote the input (JSON.parse does),
      // and table values can hold secrets.
      logger.warn(
        { partition, offset: message.offset, key, error: describeError(error) },
        'table record skipped: its value does not decode; the key keeps its previous value',
      );
      return;
    }
    table.set(key, value);
    notify(key, value);
  }

  function advance(partition: number, lastOffset: string): void {
    read.set(partition, BigInt(lastOffset) + 1n);
    if (remaining === undefined || reachedEnd) return;
    const end = remaining.get(partition);
    if (end !== undefined && BigInt(lastOffset) + 1n >= end) remaining.delete(partition);
    checkCaughtUp();
  }

  function checkCaughtUp(): void {
    if (remaining === undefined || remaining.size > 0 || reachedEnd) return;
    reachedEnd = true;
    logger.info({ keys: table.size }, 'table caught up');
    ready.resolve();
  }

  async function run(): Promise<void> {
    const admin = kafka.admin();
    await admin.connect();
    let offsets: Awaited<ReturnType<typeof admin.fetchTopicOffsets>>;
    try {
      // Read committed, like the consumer: the ends are the last stable offsets.
      offsets = await admin.fetchTopicOffsets(topic);
    } finally {
      await admin.disconnect();
    }
    remaining = new Map();
    for (const { partition, high, low } of offsets) {
      if (BigInt(high) > BigInt(low)) remaining.set(partition, BigInt(high));
    }

    // Batches holding only transaction markers or aborted records never reach eachBatch, yet
    // they move the position (and a transactional writer's partition ends in a marker), so
    // progress is taken from this event, which fires after every batch.
    consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
      if (payload.topic === topic) advance(payload.partition, payload.lastOffset);
    });
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      if (payload.restart) return;
      failed = true;
      logger.error({ err: payload.error }, 'table reader stopped: its consumer failed');
      const error = new PayhookError(TableReaderErrorCode.CRASHED, `table reader of ${topic} failed`, {
        cause: payload.error,
      });
      ready.reject(error);
      // Not while stopping: a service shutting down is not failing.
      if (stopping === undefined) options.onFailed?.(error);
    });
    checkCaughtUp();

    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        // In order: a partition's later record for a key must win.
        for (const message of batch.messages) await apply(batch.partition, message);
      },
    });
    await ready.promise;
  }

  function start(): Promise<void> {
    if (stopping !== undefined) return Promise.reject(stoppedError(topic));
    starting ??= run().catch(async (error: unknown) => {
      await consumer.disconnect().catch(() => undefined);
      throw error;
    });
    return starting;
  }

  function connectedAdmin(): Promise<Admin> {
    catchUpAdmin ??= (async () => {
      const admin = kafka.admin();
      await admin.connect();
      return admin;
    })();
    // A failed connection is tried again by the next catch-up.
    catchUpAdmin.catch(() => {
      catchUpAdmin = undefined;
    });
    return catchUpAdmin;
  }

  /**
   * Reads the end offsets now (never shared with an earlier call: those may predate a write
   * the caller knows of) and waits for the table to reach them.
   */
  async function catchUp(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    let ends: Awaited<ReturnType<Admin['fetchTopicOffsets']>>;
    // The whole wait is bounded, the end offsets' read too (kafkajs retries it for longer while
    // a broker is slow or gone); a read that loses the race is left to finish in the background.
    let timer: NodeJS.Timeout | undefined;
    const reading = (async () => (await connectedAdmin()).fetchTopicOffsets(topic))();
    try {
      const late = new Promise<undefined>((resolve) => {
        timer = setTimeout(resolve, timeoutMs, undefined);
      });
      const answered = await Promise.race([reading, late]);
      if (answered === undefined) {
        reading.catch(() => undefined);
        logger.warn({ timeoutMs }, 'the end offsets to catch up to did not come in time');
        return false;
      }
      ends = answered;
    } catch (error) {
      logger.warn({ err: error }, 'could not read the end offsets to catch up to');
      return false;
    } finally {
      clearTimeout(timer);
    }
    const behind = () =>
      ends.some((p) => BigInt(p.high) > BigInt(p.low) && (read.get(p.partition) ?? 0n) < BigInt(p.high));
    while (behind()) {
      if (Date.now() >= deadline || failed || stopping !== undefined) return false;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    return true;
  }

  function stop(): Promise<void> {
    stopping ??= (async () => {
      ready.reject(stoppedError(topic));
      const admin = await catchUpAdmin?.catch(() => undefined);
      await Promise.all([consumer.disconnect(), admin?.disconnect().catch(() => undefined)]);
      logger.debug('table reader stopped');
    })();
    return stopping;
  }

  return {
    start,
    stop,
    catchUp,
    get: (key) => table.get(key),
    values: () => table.values(),
    get size() {
      return table.size;
    },
    get caughtUp() {
      return reachedEnd && !failed && stopping === undefined;
    },
    onChange(listener) {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
  };
}

function stoppedError(topic: string): PayhookError {
  return new PayhookError(TableReaderErrorCode.STOPPED, `table reader of ${topic} was stopped before it caught up`);
}

function describeError(error: unknown): { name: string; code?: string } {
  if (!(error instanceof Error)) return { name: typeof error };
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? { name: error.name, code } : { name: error.name };
}
