import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Endpoint } from '@payhook/contracts';
import type { Admin, Kafka } from 'kafkajs';
import { type BenchEndpoint, makeDelivery } from './deliveries.ts';
import { type DispatcherProcess, deltaOf, startDispatcher, sumOf } from './dispatcher-process.ts';
import { deployedAllocatorEnv } from './options.ts';
import { type BenchPipeline, createBenchPipeline } from './pipeline.ts';
import { type CpuWindow, cpuWindow, memoryOf, rssSampler, threadCpuSecondsOf } from './proc.ts';
import type { Receiver } from './receiver.ts';
import { type RunArrivals, RunTracker } from './tracker.ts';

/** A private pipeline, its endpoints and a dispatcher process reading it. */
export interface Session {
  readonly pipeline: BenchPipeline;
  readonly dispatcher: DispatcherProcess;
  readonly endpoints: readonly BenchEndpoint[];
  /** Dispatcher RSS right after it became ready (endpoints loaded, nothing flowing), MiB. */
  readonly readyRssMb: number | undefined;
  run(spec: RunSpec): Promise<RunResult>;
  /** Stops the dispatcher, then deletes the pipeline. */
  close(): Promise<void>;
}

/** One batch of deliveries through the dispatcher. */
export interface RunSpec {
  /** Distinguishes this run's deliveries from any other's. */
  readonly tag: string;
  readonly count: number;
  /** The endpoint of delivery `seq`; round-robin over every endpoint by default. */
  readonly pick?: (seq: number) => BenchEndpoint;
  /** Produce at this many deliveries per second; all at once when absent. */
  readonly ratePerSecond?: number;
  /**
   * For a run produced at once: the dispatcher is held while the batch is written and released
   * when all of it is in, so that it drains a backlog; false produces while it consumes.
   * @defaultValue the session's `liveProduce` negated
   */
  readonly backlog?: boolean;
  readonly timeoutMs: number;
}

/** What a run measured. */
export interface RunResult extends Omit<RunArrivals, 'firstArrivalAt' | 'lastArrivalAt'> {
  /** How long producing took (the dispatcher held meanwhile for a backlog), and at what rate it went. */
  readonly produceMs: number;
  /** Whether the run drained a backlog written while the dispatcher was held. */
  readonly backlog: boolean;
  readonly producedPerSecond: number;
  readonly cpu: CpuWindow;
  /** Highest sampled RSS of the dispatcher during the run, and its peak so far (VmHWM), MiB. */
  readonly dispatcherRssMaxMb: number | undefined;
  readonly dispatcherPeakRssMb: number | undefined;
  /**
   * The dispatcher's CPU per delivery by thread, µs: its main thread, its sender threads, V8's
   * worker threads (the garbage collector's helpers, background compilation) and the rest.
   */
  readonly dispatcherThreadsUsPerDelivery: ThreadSplit | undefined;
  /** The dispatcher's own view of itself during the run (its default process metrics). */
  readonly dispatcherRuntime: RuntimeFigures;
  /** Counter increases in the dispatcher's own metrics over the run. */
  readonly dispatcherCounters: Record<string, number>;
  /**
   * Mean duration of a successful attempt as the dispatcher's sender times it, ms: from the
   * call (so including any wait for one of its concurrency slots) to the response's end.
   */
  readonly attemptDurationMeanMs: number | undefined;
}

/** A figure for each of the dispatcher's kinds of thread. */
export interface ThreadSplit {
  readonly main: number;
  readonly sender: number;
  readonly v8: number;
  readonly other: number;
}

/** The kind of a dispatcher thread, from its name (as Node and the sender threads name them). */
const threadKind = (name: string): keyof ThreadSplit =>
  name === 'MainThread'
    ? 'main'
    : name.startsWith('payhook-sender')
      ? 'sender'
      : name.startsWith('V8Worker')
        ? 'v8'
        : 'other';

/** µs of CPU per delivery of each kind of thread between two readings. */
function threadSplit(
  before: Record<string, number> | undefined,
  after: Record<string, number> | undefined,
  deliveries: number,
): ThreadSplit | undefined {
  if (before === undefined || after === undefined || deliveries === 0) return undefined;
  const us = (kind: keyof ThreadSplit) => Math.round((((after[kind] ?? 0) - (before[kind] ?? 0)) * 1e6) / deliveries);
  return { main: us('main'), sender: us('sender'), v8: us('v8'), other: us('other') };
}

/** Heap, GC and event-loop figures the dispatcher exports on `/metrics`. */
export interface RuntimeFigures {
  /** Highest V8 heap in use and reserved, sampled once a second, MiB. */
  readonly heapUsedMaxMb: number | undefined;
  readonly heapTotalMaxMb: number | undefined;
  /** Memory outside the V8 heap (Buffers and the like) at the end of the run, MiB. */
  readonly externalMb: number | undefined;
  /** Share of the run's wall time spent in garbage collection. */
  readonly gcShare: number | undefined;
  /**
   * Event-loop delay (how long a ready callback waited), ms, from one-second windows: the
   * median window's p50 and the worst window's p99.
   */
  readonly eventLoopLagP50Ms: number | undefined;
  readonly eventLoopLagP99MaxMs: number | undefined;
}

/** Options of {@link openSession}. */
export interface SessionOptions {
  readonly kafka: Kafka;
  readonly admin: Admin;
  readonly brokers: string;
  readonly registryUrl: string;
  readonly partitions: number;
  readonly receiver: Receiver;
  readonly endpoints: readonly BenchEndpoint[];
  /** Added to (and overriding) the base dispatcher environment. */
  readonly env?: Record<string, string>;
  readonly nodeFlags?: readonly string[];
  readonly cpuProfileDir?: string | undefined;
  /** Runs produced at once write while the dispatcher consumes, unless a run says otherwise. */
  readonly liveProduce?: boolean;
  /** Other processes whose CPU use is reported with the dispatcher's (the broker, the registry). */
  readonly watch?: Readonly<Record<string, number | undefined>>;
  /**
   * Holds whatever is open at any moment (the pipeline while the dispatcher starts, then the
   * session) so that an interrupt can close it.
   */
  readonly track?: Set<Closable>;
}

/** Something an interrupt must close. */
export interface Closable {
  close(): Promise<void>;
}

/**
 * Creates a pipeline, writes the endpoints, and starts the dispatcher as a child process
 * configured like the project's dispatcher tests configure it, tuned for throughput.
 */
export async function openSession(options: SessionOptions): Promise<Session> {
  const pipeline = await createBenchPipeline(options);
  options.track?.add(pipeline);
  let dispatcher: DispatcherProcess;
  try {
    const now = Date.now();
    await pipeline.addEndpoints(options.endpoints.map((e) => toEndpoint(e, now)));
    dispatcher = await startDispatcher({
      env: { ...dispatcherEnv(options.brokers, options.registryUrl, pipeline), ...options.env },
      ...(options.nodeFlags === undefined ? {} : { nodeFlags: options.nodeFlags }),
      cpuProfileDir: options.cpuProfileDir,
    });
  } catch (error) {
    await pipeline.close();
    throw error;
  } finally {
    options.track?.delete(pipeline);
  }
  const readyRssMb = memoryOf(dispatcher.pid)?.rssMb;
  let closing: Promise<void> | undefined;
  const { receiver, endpoints } = options;

  async function run(spec: RunSpec): Promise<RunResult> {
    const pick = spec.pick ?? ((seq: number) => endpoints[seq % endpoints.length] as BenchEndpoint);
    const createdAt = Date.now();
    const deliveries = Array.from({ length: spec.count }, (_, seq) =>
      makeDelivery(spec.tag, seq, pick(seq), createdAt),
    );
    const expected = deliveries.filter((_, seq) => !pick(seq).hanging).length;
    const batch = await pipeline.encode(deliveries);
    const tracker = new RunTracker(spec.tag, expected);
    const onSend = (ids: readonly string[]) => tracker.sent(ids, performance.now());
    const before = await dispatcher.metrics();
    receiver.listen(tracker.onArrival);
    const backlog = spec.ratePerSecond === undefined && (spec.backlog ?? !options.liveProduce);
    let produced = 0;
    let heldMs: number | undefined;
    if (backlog) {
      // The measurement starts at the release: the producer's work is not the dispatcher's.
      const holding = performance.now();
      dispatcher.hold();
      try {
        await pipeline.produce(batch);
      } catch (error) {
        dispatcher.release();
        throw error;
      }
      heldMs = performance.now() - holding;
      produced = spec.count;
    }
    const cpu = cpuWindow({ dispatcher: dispatcher.pid, ...options.watch });
    const threadsAtStart = threadCpuSecondsOf(dispatcher.pid, threadKind);
    const rss = rssSampler(dispatcher.pid);
    const started = performance.now();
    const deadline = started + spec.timeoutMs;
    if (backlog) {
      dispatcher.release();
      tracker.sent(batch.ids, started);
    }
    // After the release: a held process answers no scrape.
    const runtime = runtimeSampler(dispatcher);
    if (!backlog && spec.ratePerSecond === undefined) {
      await pipeline.produce(batch, onSend);
      produced = spec.count;
    } else if (spec.ratePerSecond !== undefined) {
      // Paced: every tick, whatever is due goes in one request (an upstream producer's
      // linger), and a slow send is caught up at the next tick.
      const rate = spec.ratePerSecond;
      while (produced < spec.count && performance.now() < deadline) {
        const elapsed = performance.now() - started;
        const due = Math.min(spec.count, Math.floor((elapsed / 1000) * rate) + 1);
        if (due > produced) {
          await pipeline.produce(batch, onSend, produced, due);
          produced = due;
        }
        await sleep(PACE_TICK_MS);
      }
    }
    const produceMs = heldMs ?? performance.now() - started;
    await tracker.wait(Math.max(0, deadline - performance.now()));
    const arrivals = tracker.summary();
    const cpuUse = cpu.end(arrivals.arrived + arrivals.hangingRequests);
    const threads = threadSplit(
      threadsAtStart,
      threadCpuSecondsOf(dispatcher.pid, threadKind),
      arrivals.arrived + arrivals.hangingRequests,
    );
    const dispatcherRssMaxMb = rss.stop();
    const sampled = await runtime.stop();
    receiver.listen(undefined);
    const after = await dispatcher.metrics();
    const runSeconds = (performance.now() - started) / 1000;
    const { firstArrivalAt: _first, lastArrivalAt: _last, ...figures } = arrivals;
    return {
      ...figures,
      produceMs: Math.round(produceMs),
      backlog,
      producedPerSecond: Math.round((produced / produceMs) * 1000),
      cpu: cpuUse,
      dispatcherThreadsUsPerDelivery: threads,
      dispatcherRssMaxMb,
      dispatcherPeakRssMb: memoryOf(dispatcher.pid)?.peakRssMb,
      attemptDurationMeanMs: meanMs(before, after, 'payhook_dispatcher_delivery_duration_seconds', {
        outcome: 'delivered',
      }),
      dispatcherRuntime: {
        ...sampled,
        externalMb: mib(sumOf(after, 'payhook_nodejs_external_memory_bytes')),
        gcShare: round3(deltaOf(before, after, 'payhook_nodejs_gc_duration_seconds_sum') / runSeconds),
      },
      dispatcherCounters: {
        delivered: deltaOf(before, after, 'payhook_dispatcher_deliveries_total', { outcome: 'delivered' }),
        failedAttempts: deltaOf(before, after, 'payhook_dispatcher_deliveries_total', { outcome: 'retryable' }),
        retriesScheduled: deltaOf(before, after, 'payhook_dispatcher_retries_scheduled_total'),
        retriesCircuitOpen: deltaOf(before, after, 'payhook_dispatcher_retries_scheduled_total', {
          reason: 'circuit_open',
        }),
        deadLetters: deltaOf(before, after, 'payhook_dispatcher_dead_letters_total'),
        breakersOpened: deltaOf(before, after, 'payhook_dispatcher_breaker_transitions_total', { to: 'open' }),
      },
    };
  }

  const session: Session = {
    pipeline,
    dispatcher,
    endpoints,
    readyRssMb,
    run,
    close() {
      // Once, whoever asks first (the scenario's cleanup or an interrupt).
      closing ??= (async () => {
        receiver.releaseHanging();
        await dispatcher.stop();
        await pipeline.close();
        options.track?.delete(session);
      })();
      return closing;
    },
  };
  options.track?.add(session);
  return session;
}

/**
 * The dispatcher's environment on a bench pipeline: as the project's dispatcher tests configure
 * it, tuned for throughput.
 */
export function dispatcherEnv(brokers: string, registryUrl: string, pipeline: BenchPipeline): Record<string, string> {
  return {
    KAFKA_BROKERS: brokers,
    SCHEMA_REGISTRY_URL: registryUrl,
    PAYHOOK_RETRY_TIERS: pipeline.tiers,
    PAYHOOK_TOPIC_PREFIX: pipeline.prefix,
    // Info, as in production.
    LOG_LEVEL: 'info',
    DISPATCHER_DEV_ALLOW_LIST: '127.0.0.1',
    DISPATCHER_RETRY_JITTER: '0',
    DISPATCHER_SHUTDOWN_DEADLINE_MS: '2000',
    DISPATCHER_SESSION_TIMEOUT_MS: '6000',
    // The per-endpoint token bucket would otherwise cap every endpoint at 50/s.
    DISPATCHER_DEFAULT_RATE_PER_SECOND: '1000000',
    ...deployedAllocatorEnv(),
  };
}

const PACE_TICK_MS = 5;
const mib = (bytes: number) => (bytes > 0 ? Math.round((bytes / 1024 / 1024) * 10) / 10 : undefined);
const ms = (seconds: number) => (seconds > 0 ? Math.round(seconds * 10_000) / 10 : undefined);
const round3 = (n: number) => Math.round(n * 1000) / 1000;

/** Mean of a histogram's observations between two scrapes, seconds to ms. */
function meanMs(
  before: Map<string, number>,
  after: Map<string, number>,
  name: string,
  where: Record<string, string>,
): number | undefined {
  const count = deltaOf(before, after, `${name}_count`, where);
  return count > 0 ? Math.round((deltaOf(before, after, `${name}_sum`, where) / count) * 10_000) / 10 : undefined;
}

/**
 * Scrapes the dispatcher's metrics once a second. prom-client restarts its event-loop
 * histogram at every scrape, so each sample covers the second before it.
 */
function runtimeSampler(dispatcher: DispatcherProcess) {
  let used = 0;
  let total = 0;
  const lagP50: number[] = [];
  let lagP99 = 0;
  let pending: Promise<void> = Promise.resolve();
  const sample = () => {
    pending = dispatcher.metrics().then(
      (m) => {
        used = Math.max(used, sumOf(m, 'payhook_nodejs_heap_size_used_bytes'));
        total = Math.max(total, sumOf(m, 'payhook_nodejs_heap_size_total_bytes'));
        lagP50.push(sumOf(m, 'payhook_nodejs_eventloop_lag_p50_seconds'));
        lagP99 = Math.max(lagP99, sumOf(m, 'payhook_nodejs_eventloop_lag_p99_seconds'));
      },
      () => undefined,
    );
  };
  // The first window starts now: whatever the loop did before the run is dropped.
  sample();
  const timer = setInterval(sample, 1_000);
  return {
    async stop() {
      clearInterval(timer);
      await pending;
      lagP50.shift();
      lagP50.sort((a, b) => a - b);
      return {
        heapUsedMaxMb: mib(used),
        heapTotalMaxMb: mib(total),
        eventLoopLagP50Ms: ms(lagP50[Math.floor(lagP50.length / 2)] ?? 0),
        eventLoopLagP99MaxMs: ms(lagP99),
      };
    },
  };
}

/** The endpoints-topic record of a bench endpoint, subscribed to `payment.confirmed`. */
export function toEndpoint(e: BenchEndpoint, now: number, merchantId = merchantOf(e)): Endpoint {
  return {
    endpoint_id: e.id,
    merchant_id: merchantId,
    url: e.url,
    secrets: [{ secret: e.secret, active_from: now - 60_000, expires_at: null }],
    event_types: ['payment.confirmed'],
    rate_limit_per_second: null,
    timeout_ms: null,
    enabled: true,
    disabled_reason: null,
    deleted_at: null,
    description: '',
    updated_at: now,
  };
}

const merchantOf = (e: BenchEndpoint) => `mer_${String(e.index % 1_000).padStart(4, '0')}`;
