import type { HeapInfo } from 'node:v8';
import { Counter, Gauge, Histogram, type Registry } from '@payhook/runtime';

/** What the in-flight and buffered gauges report when scraped. */
export interface LaneCounts {
  /** Records being processed now. */
  readonly running: number;
  /** Of those, the ones past the slow threshold (usually waiting on an endpoint that hangs). */
  readonly slow: number;
  /** Records read and waiting for their endpoint lane or a free slot. */
  readonly queued: number;
}

/** The dispatcher's metrics; labels are bounded (outcomes, tier labels, reasons), never ids. */
export interface DispatcherMetrics {
  readonly deliveries: Counter<'outcome' | 'tier'>;
  readonly latency: Histogram<'outcome'>;
  readonly inFlight: Gauge;
  readonly buffered: Gauge;
  readonly slowInFlight: Gauge;
  readonly retriesScheduled: Counter<'tier' | 'reason'>;
  readonly deadLetters: Counter<'reason'>;
  readonly breakerTransitions: Counter<'to'>;
  readonly endpointsDisabled: Counter;
  readonly pausedPartitions: Gauge;
  readonly senderHeap: Gauge<'thread' | 'kind'>;
  /** Where the in-flight and buffered gauges read their values (read at scrape time, not per record). */
  watchLanes(lanes: LaneCounts): void;
  /** Where the sender threads' heap gauge reads them, each in thread order (at scrape time). */
  watchSenderHeaps(read: () => Promise<readonly HeapInfo[]>): void;
}

/** Registers the dispatcher's metrics. */
export function createDispatcherMetrics(registry: Registry): DispatcherMetrics {
  const registers = [registry];
  let lanes: LaneCounts = { running: 0, slow: 0, queued: 0 };
  let senderHeaps: () => Promise<readonly HeapInfo[]> = async () => [];
  return {
    watchLanes(watched) {
      lanes = watched;
    },
    watchSenderHeaps(read) {
      senderHeaps = read;
    },
    deliveries: new Counter({
      name: 'payhook_dispatcher_deliveries_total',
      help: 'HTTP delivery attempts by outcome (delivered, gone, throttled, retryable, refused) and tier read from',
      labelNames: ['outcome', 'tier'],
      registers,
    }),
    latency: new Histogram({
      name: 'payhook_dispatcher_delivery_duration_seconds',
      help: 'Duration of one HTTP delivery attempt, request start to response end',
      labelNames: ['outcome'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15, 30],
      registers,
    }),
    inFlight: new Gauge({
      name: 'payhook_dispatcher_in_flight',
      help: 'Deliveries being processed now',
      registers,
      collect() {
        this.set(lanes.running);
      },
    }),
    slowInFlight: new Gauge({
      name: 'payhook_dispatcher_slow_in_flight',
      help: 'Deliveries running longer than DISPATCHER_SLOW_ATTEMPT_MS (counted apart from DISPATCHER_MAX_IN_FLIGHT)',
      registers,
      collect() {
        this.set(lanes.slow);
      },
    }),
    buffered: new Gauge({
      name: 'payhook_dispatcher_buffered_records',
      help: 'Records read and waiting for their endpoint lane',
      registers,
      collect() {
        this.set(lanes.queued);
      },
    }),
    retriesScheduled: new Counter({
      name: 'payhook_dispatcher_retries_scheduled_total',
      help: 'Deliveries re-published to a retry tier, by tier and reason (failure, throttled, circuit_open, endpoint_stalled)',
      labelNames: ['tier', 'reason'],
      registers,
    }),
    deadLetters: new Counter({
      name: 'payhook_dispatcher_dead_letters_total',
      help: 'Deliveries parked in the DLQ, by reason',
      labelNames: ['reason'],
      registers,
    }),
    breakerTransitions: new Counter({
      name: 'payhook_dispatcher_breaker_transitions_total',
      help: 'Per-endpoint circuit breaker state changes, by the state entered',
      labelNames: ['to'],
      registers,
    }),
    endpointsDisabled: new Counter({
      name: 'payhook_dispatcher_endpoints_disabled_total',
      help: 'Endpoints disabled because they answered 410 Gone',
      registers,
    }),
    pausedPartitions: new Gauge({
      name: 'payhook_dispatcher_paused_partitions',
      help: 'Retry tier partitions paused until their head record is due',
      registers,
    }),
    senderHeap: new Gauge({
      name: 'payhook_dispatcher_sender_heap_bytes',
      help: 'V8 heap of each sender thread: used, and the limit set by DISPATCHER_SENDER_YOUNG_GENERATION_MB and DISPATCHER_SENDER_OLD_GENERATION_MB',
      labelNames: ['thread', 'kind'],
      registers,
      async collect() {
        const heaps = await senderHeaps().catch(() => []);
        this.reset();
        heaps.forEach((heap, index) => {
          const thread = String(index);
          this.set({ thread, kind: 'used' }, heap.used_heap_size);
          this.set({ thread, kind: 'limit' }, heap.heap_size_limit);
        });
      },
    }),
  };
}
