import {
  type ContractCodec,
  createContractCodec,
  createRegistryClient,
  type Endpoint,
  loadSchemas,
  type PipelineTopics,
  pipelineTopics,
} from '@payhook/contracts';
// The package's entry point only for types: with sender threads, this thread never loads the
// HTTP client (its modules would take heap here that every collection walks).
import type { Connector, HttpSender, HttpSenderOptions, Resolve, ThreadedHttpSender } from '@payhook/http-delivery';
import { checkSenderOptions } from '@payhook/http-delivery/sender-options';
import { createThreadedHttpSender } from '@payhook/http-delivery/threaded';
import { createBatchingProducer, createKafkaClient, createRenewingProducer, createTableReader } from '@payhook/kafka';
import { CircuitBreakerRegistry, TokenBucketRegistry } from '@payhook/retry';
import { type Clock, type Logger, PAYHOOK_VERSION, type ReadinessCheck, type Registry } from '@payhook/runtime';
import { secretsKeyRingOf } from '@payhook/signing';
import type { DispatcherConfig } from './config.ts';
import { configWarnings } from './config-warnings.ts';
import { createDeliveryHandler } from './delivery-handler.ts';
import { createDispatchConsumer } from './dispatch-consumer.ts';
import type { EndpointDirectory } from './endpoint-directory.ts';
import { EndpointHolds } from './endpoint-holds.ts';
import { EndpointLanes } from './endpoint-lanes.ts';
import { createDispatcherMetrics, type DispatcherMetrics } from './metrics.ts';
import { persistentSink } from './persistent-sink.ts';
import { createRouter } from './router.ts';
import { SecretOpener } from './secret-opener.ts';

/** What the composition root hands the dispatcher. */
export interface DispatcherDeps {
  readonly config: DispatcherConfig;
  readonly logger: Logger;
  readonly registry: Registry;
  readonly clock: Clock;
  /**
   * Injected in tests to prove the SSRF guard: the URL of a module whose exports `resolve`
   * and `connector` replace name resolution and raw connections. A module rather than
   * functions, because the sender may run in its own threads.
   */
  readonly networkModule?: string;
  /**
   * Called when the dispatcher cannot go on (its consumer or its endpoints table stopped for
   * good, or a sender thread died); the process should exit non-zero so that its supervisor
   * starts it again. Logged only by default.
   */
  readonly onFatal?: (error: unknown) => void;
}

/** A running dispatcher. */
export interface DispatcherApp {
  readonly topics: PipelineTopics;
  readonly metrics: DispatcherMetrics;
  readonly readiness: readonly ReadinessCheck[];
  start(): Promise<void>;
  /** Graceful: stop fetching, drain within the deadline, commit, leave the group, close clients. */
  stop(): Promise<void>;
}

/** Wires the dispatcher from its dependencies; nothing connects until `start()`. */
export function createDispatcherApp(deps: DispatcherDeps): DispatcherApp {
  const { config, logger, clock } = deps;
  const metrics = createDispatcherMetrics(deps.registry);
  const topics = pipelineTopics(config.PAYHOOK_RETRY_TIERS, config.PAYHOOK_TOPIC_PREFIX);
  const kafka = createKafkaClient({ brokers: config.KAFKA_BROKERS, clientId: 'payhook-dispatcher', logger });
  const codec: ContractCodec = createContractCodec(createRegistryClient(config.SCHEMA_REGISTRY_URL), loadSchemas());
  // Replaced after a failed batch: the sink tries its records again and they need new sequence numbers.
  const producer = createRenewingProducer({ kafka, logger });
  const sink = createBatchingProducer(producer, { kafka, logger, lingerMs: config.DISPATCHER_WRITE_LINGER_MS });
  const endpoints = createTableReader<Endpoint>({
    kafka,
    topic: topics.endpoints,
    decode: (_key, value) => codec.decode('ENDPOINT', value),
    logger,
    // A new URL, a rotated secret or a disabled endpoint would no longer apply: stop, to be
    // started again, rather than deliver on a stale table.
    onFailed: (error) => deps.onFatal?.(error),
  });
  // Disabled here until the endpoints topic catches up with the disabling write.
  const disabledLocally = new Map<string, Endpoint>();
  endpoints.onChange((id) => disabledLocally.delete(id));
  const directory: EndpointDirectory = {
    get: (id) => disabledLocally.get(id) ?? endpoints.get(id),
    catchUp: async () => {
      await endpoints.catchUp(ENDPOINT_CATCH_UP_MS);
    },
    async disable(endpoint, reason) {
      const disabled: Endpoint = { ...endpoint, enabled: false, disabled_reason: reason, updated_at: clock.now() };
      disabledLocally.set(endpoint.endpoint_id, disabled);
      const value = await codec.encode(topics.endpoints, 'ENDPOINT', disabled);
      await sink.send(topics.endpoints, { key: endpoint.endpoint_id, value });
    },
  };
  const sender = createSender(config, clock, deps);
  if ('threadHeapStatistics' in sender) metrics.watchSenderHeaps(() => sender.threadHeapStatistics());
  const breakers = new CircuitBreakerRegistry({
    failureThreshold: config.DISPATCHER_BREAKER_FAILURES,
    coolDownMs: config.DISPATCHER_BREAKER_COOLDOWN_MS,
    clock,
    onStateChange: (change) => {
      metrics.breakerTransitions.inc({ to: change.to });
      logger.warn({ endpointId: change.key, from: change.from, to: change.to }, 'circuit breaker state changed');
    },
  });
  const buckets = new TokenBucketRegistry({
    defaultLimit: { ratePerSecond: config.DISPATCHER_DEFAULT_RATE_PER_SECOND },
    clock,
  });
  // Lane tasks beyond the sender's slots would only queue inside it: capped alike.
  const lanes = new EndpointLanes({
    perEndpoint: config.DISPATCHER_PER_ENDPOINT_CONCURRENCY,
    maxRunning: config.DISPATCHER_MAX_IN_FLIGHT,
    slowAfterMs: config.DISPATCHER_SLOW_ATTEMPT_MS,
    maxSlow: config.DISPATCHER_MAX_SLOW_IN_FLIGHT,
    maxQueuedWhileSlow: config.DISPATCHER_MAX_QUEUED_WHILE_SLOW,
  });
  metrics.watchLanes(lanes);
  const shutdown = new AbortController();
  const handler = createDeliveryHandler({
    codec,
    directory,
    sender,
    breakers,
    buckets,
    // The router needs only to know that its records were written: no metadata is built.
    router: createRouter({
      sink: persistentSink({ send: sink.write }, { signal: shutdown.signal, logger }),
      codec,
      topics,
    }),
    topics,
    clock,
    logger,
    metrics,
    userAgent: `payhook/${PAYHOOK_VERSION} (+webhooks)`,
    holds: new EndpointHolds(),
    secrets: new SecretOpener(secretsKeyRingOf(config)),
    jitter: config.DISPATCHER_RETRY_JITTER,
    lastTierRepeats: config.DISPATCHER_LAST_TIER_REPEATS,
    maxRetryAfterMs: config.DISPATCHER_MAX_RETRY_AFTER,
    maxDeliveryAgeMs: config.DISPATCHER_MAX_DELIVERY_AGE,
    signal: shutdown.signal,
  });
  const consumer = createDispatchConsumer({
    kafka,
    groupId: `${config.PAYHOOK_TOPIC_PREFIX}${config.DISPATCHER_GROUP_ID}`,
    topics,
    handler,
    lanes,
    clock,
    logger,
    metrics,
    maxUnfinishedPerPartition: config.DISPATCHER_MAX_UNFINISHED_PER_PARTITION,
    commitIntervalMs: config.DISPATCHER_COMMIT_INTERVAL_MS,
    partitionsConsumedConcurrently: config.DISPATCHER_PARTITIONS_CONCURRENTLY,
    sessionTimeoutMs: config.DISPATCHER_SESSION_TIMEOUT_MS,
    jitter: config.DISPATCHER_RETRY_JITTER,
    onFatal: deps.onFatal ?? (() => undefined),
  });

  return {
    topics,
    metrics,
    readiness: [
      { name: 'endpoints', check: () => endpoints.caughtUp || 'endpoints table is still loading' },
      { name: 'consumer', check: () => consumer.joined || 'not yet a member of the consumer group' },
    ],
    async start() {
      const warnings = configWarnings({
        tiers: topics.retry,
        lastTierRepeats: config.DISPATCHER_LAST_TIER_REPEATS,
        jitter: config.DISPATCHER_RETRY_JITTER,
        maxDeliveryAgeMs: config.DISPATCHER_MAX_DELIVERY_AGE,
        breakerCoolDownMs: config.DISPATCHER_BREAKER_COOLDOWN_MS,
        maxRetryAfterMs: config.DISPATCHER_MAX_RETRY_AFTER,
      });
      for (const { level, message } of warnings) logger[level](message);
      await producer.connect();
      // Deliveries need the endpoints: load the whole table before the first record.
      await endpoints.start();
      await consumer.start();
      logger.info({ topics: [topics.dispatch, ...topics.retry.map((t) => t.topic)] }, 'dispatcher started');
    },
    async stop() {
      await consumer.stop(config.DISPATCHER_SHUTDOWN_DEADLINE_MS, () => shutdown.abort());
      await sink.close();
      await producer.disconnect();
      await endpoints.stop();
      await sender.close();
    },
  };
}

/** How long a record naming an endpoint the table does not hold waits for the table to catch up. */
const ENDPOINT_CATCH_UP_MS = 5_000;

/**
 * The HTTP sender: in its own threads unless DISPATCHER_SENDER_THREADS is 0. A thread reads
 * `Retry-After` dates against the system clock rather than `clock`.
 */
function createSender(config: DispatcherConfig, clock: Clock, deps: DispatcherDeps): HttpSender | ThreadedHttpSender {
  const options = {
    devAllowList: config.DISPATCHER_DEV_ALLOW_LIST,
    connectTimeoutMs: config.DISPATCHER_CONNECT_TIMEOUT_MS,
    headersTimeoutMs: config.DISPATCHER_REQUEST_TIMEOUT_MS,
    bodyTimeoutMs: config.DISPATCHER_REQUEST_TIMEOUT_MS,
    // The lanes' running tasks, slow ones included: the sender never makes them queue.
    maxConcurrent: config.DISPATCHER_MAX_IN_FLIGHT + config.DISPATCHER_MAX_SLOW_IN_FLIGHT,
  };
  const { networkModule } = deps;
  if (config.DISPATCHER_SENDER_THREADS > 0) {
    return createThreadedHttpSender({
      ...options,
      threads: config.DISPATCHER_SENDER_THREADS,
      heap: {
        youngGenerationMb: config.DISPATCHER_SENDER_YOUNG_GENERATION_MB,
        oldGenerationMb: config.DISPATCHER_SENDER_OLD_GENERATION_MB,
      },
      ...(networkModule === undefined ? {} : { networkModule }),
      onFatal: (error) => {
        deps.logger.fatal({ err: error }, 'a sender thread stopped; the dispatcher cannot send');
        deps.onFatal?.(error);
      },
    });
  }
  if (networkModule === undefined) return inProcessSender({ ...options, clock });
  const network = import(networkModule) as Promise<{ resolve: Resolve; connector: Connector }>;
  return inProcessSender({
    ...options,
    clock,
    resolve: async (host) => (await network).resolve(host),
    connector: (connect, callback) =>
      void network.then(
        ({ connector }) => connector(connect, callback),
        (error: unknown) => callback(error instanceof Error ? error : new Error(String(error)), null),
      ),
  });
}

/**
 * A sender on this thread (DISPATCHER_SENDER_THREADS=0), its module loaded on first use. Bad
 * options still fail here, at once.
 */
function inProcessSender(options: HttpSenderOptions): HttpSender {
  checkSenderOptions(options);
  let loaded: HttpSender | undefined;
  const sender = import('@payhook/http-delivery').then(({ createHttpSender }) => {
    loaded = createHttpSender(options);
    return loaded;
  });
  return {
    // Once loaded, a send goes straight to it, without waiting on the import again.
    send: (request) => (loaded === undefined ? sender.then((s) => s.send(request)) : loaded.send(request)),
    close: async () => (await sender).close(),
    destroy: async () => (await sender).destroy(),
  };
}
