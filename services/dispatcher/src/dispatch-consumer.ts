import type { PipelineTopics } from '@payhook/contracts';
import { watchConsumerCrash } from '@payhook/kafka';
import { tierCapMs } from '@payhook/retry';
import type { Clock, Logger } from '@payhook/runtime';
import type { Consumer, EachBatchPayload, Kafka, KafkaMessage } from 'kafkajs';
import type { DeliveryHandler, Settlement, TierContext } from './delivery-handler.ts';
import type { EndpointLanes } from './endpoint-lanes.ts';
import { readRetryState } from './headers.ts';
import type { DispatcherMetrics } from './metrics.ts';
import { PartitionProgress } from './partition-progress.ts';

/** Options of {@link createDispatchConsumer}. */
export interface DispatchConsumerOptions {
  readonly kafka: Kafka;
  /** @defaultValue `'payhook-dispatcher'` (prefixed with the topic prefix) */
  readonly groupId: string;
  readonly topics: PipelineTopics;
  readonly handler: DeliveryHandler;
  readonly lanes: EndpointLanes;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly metrics: DispatcherMetrics;
  /** Records read but unfinished per partition before reading that partition waits. */
  readonly maxUnfinishedPerPartition: number;
  /** How often finished offsets are committed. */
  readonly commitIntervalMs: number;
  /** Session timeout of the group membership. */
  readonly sessionTimeoutMs: number;
  /** Partitions whose batches are handled at once. */
  readonly partitionsConsumedConcurrently: number;
  /** The retry jitter: a tier record is due at most its tier's delay × (1 + jitter) after its write. */
  readonly jitter: number;
  /**
   * Called when the consumer stopped for good (kafkajs restarts it only after a retriable
   * failure): the process should exit, so that its supervisor starts it again.
   */
  readonly onFatal: (error: unknown) => void;
}

/** The dispatcher's consumer: reads dispatch and every retry tier, hands records to endpoint lanes. */
export interface DispatchConsumer {
  start(): Promise<void>;
  /**
   * Stops fetching, waits up to `deadlineMs` for in-flight deliveries (then calls
   * `abortInFlight`), commits what finished and leaves the group.
   */
  stop(deadlineMs: number, abortInFlight: () => void): Promise<void>;
  /** Whether the consumer has joined its group. */
  readonly joined: boolean;
}

/** Where the records of one fetched batch come from. */
interface BatchSource {
  readonly topic: string;
  readonly partition: number;
  readonly tier: TierContext;
  readonly progress: PartitionProgress;
}

const key = (topic: string, partition: number) => `${topic}\u0000${partition}`;

/** Creates the consumer loop. */
export function createDispatchConsumer(options: DispatchConsumerOptions): DispatchConsumer {
  const { topics, lanes, clock, logger, metrics } = options;
  const tiers = new Map<string, TierContext & { delayMs: number; capMs: number }>(
    topics.retry.map((t, index) => [
      t.topic,
      { label: t.label, index, delayMs: t.delayMs, capMs: tierCapMs(t, options.jitter) },
    ]),
  );
  const dispatchTier: TierContext = { label: 'dispatch', index: -1 };
  const consumer: Consumer = options.kafka.consumer({
    groupId: options.groupId,
    readUncommitted: false,
    maxWaitTimeInMs: 250,
    sessionTimeout: options.sessionTimeoutMs,
    heartbeatInterval: Math.max(500, Math.floor(options.sessionTimeoutMs / 10)),
  });
  const progress = new Map<string, PartitionProgress>();
  const resumeTimers = new Map<string, NodeJS.Timeout>();
  const waiters = new Set<() => void>();
  /** Records past their attempt whose routing writes are not yet acknowledged. */
  const settling = new Set<Promise<void>>();
  let joined = false;
  let stopping = false;
  const subscribed = () => [topics.dispatch, ...topics.retry.map((t) => t.topic)];
  let commitTimer: NodeJS.Timeout | undefined;
  let committing: Promise<void> = Promise.resolve();

  const wake = () => {
    for (const w of waiters) w();
    waiters.clear();
  };

  consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
    joined = true;
    const assigned = new Set<string>();
    for (const [topic, partitions] of Object.entries(payload.memberAssignment)) {
      for (const p of partitions) assigned.add(key(topic, p));
    }
    // A partition that moved away starts afresh if it ever comes back: another member may
    // have advanced it meanwhile. Its in-flight deliveries finish, but commit nothing.
    for (const k of progress.keys()) if (!assigned.has(k)) progress.delete(k);
    for (const [k, timer] of resumeTimers) {
      if (!assigned.has(k)) {
        clearTimeout(timer);
        resumeTimers.delete(k);
      }
    }
    // A rejoin must not leave a tier partition paused with no timer to resume it: resume
    // those now (a head record that is not due yet simply pauses it again).
    const stale = [...assigned].filter((k) => !resumeTimers.has(k) && tiers.has(k.split('\u0000')[0] as string));
    for (const k of stale) {
      const [topic, partition] = k.split('\u0000') as [string, string];
      resume(topic, Number(partition));
    }
    metrics.pausedPartitions.set(resumeTimers.size);
    logger.info({ assigned: assigned.size }, 'partitions assigned');
  });
  watchConsumerCrash(consumer, {
    logger,
    crashed: () => {
      joined = false;
    },
    stopped: (error) => {
      logger.error({ err: error }, 'consumer stopped for good');
      options.onFatal(error);
    },
  });

  async function commit(): Promise<void> {
    const offsets: { topic: string; partition: number; offset: string }[] = [];
    const marks: [PartitionProgress, number][] = [];
    for (const [k, p] of progress) {
      const point = p.commitPoint();
      if (point === undefined) continue;
      const [topic, partition] = k.split('\u0000') as [string, string];
      offsets.push({ topic, partition: Number(partition), offset: String(point) });
      marks.push([p, point]);
    }
    if (offsets.length === 0) return;
    try {
      await consumer.commitOffsets(offsets);
      for (const [p, point] of marks) p.markCommitted(point);
    } catch (error) {
      // A rebalance is under way; the next commit carries the same offsets.
      logger.warn({ err: error }, 'offset commit failed; will retry');
    }
  }
  const scheduleCommits = () => {
    commitTimer = setInterval(() => {
      committing = committing.then(commit);
    }, options.commitIntervalMs);
  };

  /**
   * Resumes a tier partition. While kafkajs restarts its consumer (after a broker outage, say)
   * resuming throws; the partition is then resumed when the group is joined again, since a
   * join resumes every tier partition without a timer.
   */
  function resume(topic: string, partition: number): void {
    try {
      consumer.resume([{ topic, partitions: [partition] }]);
    } catch (error) {
      logger.warn({ err: error, topic, partition }, 'could not resume a tier partition; it resumes at the next join');
    }
  }

  function pauseUntil(topic: string, partition: number, offset: string, dueAtMs: number): void {
    const k = key(topic, partition);
    consumer.pause([{ topic, partitions: [partition] }]);
    // Read the not-yet-due record again when the partition resumes.
    consumer.seek({ topic, partition, offset });
    clearTimeout(resumeTimers.get(k));
    const timer = setTimeout(
      () => {
        resumeTimers.delete(k);
        metrics.pausedPartitions.set(resumeTimers.size);
        resume(topic, partition);
      },
      Math.max(0, dueAtMs - clock.now()),
    );
    resumeTimers.set(k, timer);
    metrics.pausedPartitions.set(resumeTimers.size);
  }

  async function eachBatch({ batch, resolveOffset, heartbeat, isRunning, isStale }: EachBatchPayload): Promise<void> {
    const { topic, partition } = batch;
    const k = key(topic, partition);
    let state = progress.get(k);
    if (state === undefined) {
      state = new PartitionProgress();
      progress.set(k, state);
    }
    const tier = tiers.get(topic);
    const source: BatchSource = { topic, partition, tier: tier ?? dispatchTier, progress: state };
    // The fetch position follows the last record handed on; kafkajs needs it once per batch.
    let handedOn: string | undefined;
    try {
      // Whether the batch still counts changes only while this loop waits, and on a seek
      // (which ends it): checked at the start and after every wait.
      if (!isRunning() || isStale()) return;
      for (const message of batch.messages) {
        if (stopping) return;
        const offset = Number(message.offset);
        if (tier !== undefined) {
          // Never early: a record waits for its due time (or, without the header, its tier delay).
          // Never later than its tier allows either, whatever its header says (a record from an
          // older version, or a bad writer): a partition is held back at most by its own tier.
          const writtenAt = Number(message.timestamp);
          const dueAt = Math.min(
            readRetryState(message.headers).dueAtMs ?? writtenAt + tier.delayMs,
            writtenAt + tier.capMs,
          );
          if (dueAt > clock.now()) {
            // Resolved first: the seek below must have the last word on the fetch position.
            if (handedOn !== undefined) resolveOffset(handedOn);
            handedOn = undefined;
            pauseUntil(topic, partition, message.offset, dueAt);
            return;
          }
        }
        if (!state.begin(offset)) {
          handedOn = message.offset;
          continue;
        }
        let waited = false;
        while (state.unfinished > options.maxUnfinishedPerPartition && isRunning() && !isStale()) {
          waited = true;
          await new Promise<void>((resolve) => {
            waiters.add(resolve);
            setTimeout(resolve, 1_000);
          });
          await heartbeat();
        }
        // Begun, so handed on even if the batch went stale meanwhile: its offset must finish.
        handedOn = message.offset;
        submit(message, source);
        if (waited && (!isRunning() || isStale())) return;
      }
    } finally {
      if (handedOn !== undefined) resolveOffset(handedOn);
    }
  }

  /** Hands one record to its endpoint's lane. */
  function submit(message: KafkaMessage, from: BatchSource): void {
    const { topic, partition, tier, progress: current } = from;
    const offset = Number(message.offset);
    const record = {
      source: { topic, partition, offset: message.offset, timestamp: message.timestamp, headers: message.headers },
      key: message.key,
      value: message.value,
    };
    // Unfinished on purpose after a failure: it is not committed, so it is read again.
    const failed = (error: unknown) =>
      logger.error({ err: error, topic, partition, offset: message.offset }, 'delivery failed unexpectedly');
    // The offset is finished once the routing writes are acknowledged.
    const settle = (settlement: Settlement) => {
      const done: Promise<void> = settlement.done.then(
        (result) => {
          if (result === 'finished') current.finish(offset);
          settling.delete(done);
          wake();
        },
        (error: unknown) => {
          failed(error);
          settling.delete(done);
          wake();
        },
      );
      settling.add(done);
    };
    lanes.submit(
      message.key?.toString('utf8') ?? '',
      async (waiting) => {
        let settlement: Settlement;
        try {
          settlement = await options.handler.handle(record, tier, waiting);
        } catch (error) {
          failed(error);
          wake();
          return;
        }
        // The lane moves on while the writes are on their way.
        settle(settlement);
      },
      () => {
        // Called from the lanes (on a timer, too): nothing may escape.
        try {
          settle(options.handler.moveOn(record, tier));
        } catch (error) {
          failed(error);
        }
      },
    );
  }

  return {
    get joined() {
      return joined;
    },
    async start() {
      await consumer.connect();
      await consumer.subscribe({ topics: subscribed(), fromBeginning: true });
      await consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently: options.partitionsConsumedConcurrently,
        eachBatch,
      });
      scheduleCommits();
    },
    async stop(deadlineMs, abortInFlight) {
      // 1. Stop fetching: pause everything (the member stays in the group and keeps
      //    heartbeating, so it can still commit) and hand no more records to the lanes.
      stopping = true;
      for (const timer of resumeTimers.values()) clearTimeout(timer);
      resumeTimers.clear();
      consumer.pause(subscribed().map((topic) => ({ topic })));
      // 2. Let in-flight deliveries finish, up to the deadline; then abort the rest, which
      //    stay uncommitted and are delivered again by whoever owns the partition next.
      const drained = await Promise.race([
        lanes
          .idle()
          .then(() => Promise.all([...settling]))
          .then(() => true),
        new Promise<boolean>((resolve) => setTimeout(() => resolve(false), deadlineMs).unref()),
      ]);
      if (!drained) {
        logger.warn(
          { running: lanes.running, queued: lanes.queued },
          'shutdown deadline: aborting in-flight deliveries',
        );
        abortInFlight();
        await lanes.idle();
      }
      await Promise.all([...settling]);
      // 3. Commit what finished, then leave the group.
      clearInterval(commitTimer);
      await committing;
      await commit();
      await consumer.disconnect();
    },
  };
}
