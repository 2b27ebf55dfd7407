import {
  createContractCodec,
  createRegistryClient,
  type Endpoint,
  loadSchemas,
  type PipelineTopics,
  pipelineTopics,
} from '@payhook/contracts';
import { createKafkaClient, createTableReader, createTransactionalWriter } from '@payhook/kafka';
import type { Logger, ReadinessCheck, Registry } from '@payhook/runtime';
import type { FilterConfig } from './config.ts';
import { createFilterConsumer } from './filter-consumer.ts';
import { createFilterMetrics, type FilterMetrics } from './metrics.ts';
import { SeenEvents } from './seen-events.ts';
import { Subscriptions } from './subscriptions.ts';

/** What the composition root hands the filter. */
export interface FilterDeps {
  readonly config: FilterConfig;
  readonly logger: Logger;
  readonly registry: Registry;
  /**
   * Called once when the filter stops for good (its consumer or its endpoints table failed with
   * an error kafkajs does not restart from, or a newer filter with the same instance id took
   * over); the composition
   * root exits so that the supervisor starts it again.
   * @defaultValue none: the filter stays stopped and not ready
   */
  readonly onFatal?: (error: unknown) => void;
}

/** A running confirmation filter. */
export interface FilterApp {
  readonly topics: PipelineTopics;
  readonly metrics: FilterMetrics;
  readonly readiness: readonly ReadinessCheck[];
  start(): Promise<void>;
  stop(): Promise<void>;
}

export function createFilterApp(deps: FilterDeps): FilterApp {
  const { config, logger } = deps;
  const metrics = createFilterMetrics(deps.registry);
  const topics = pipelineTopics(config.PAYHOOK_RETRY_TIERS, config.PAYHOOK_TOPIC_PREFIX);
  const kafka = createKafkaClient({ brokers: config.KAFKA_BROKERS, clientId: 'payhook-confirmation-filter', logger });
  const codec = createContractCodec(createRegistryClient(config.SCHEMA_REGISTRY_URL), loadSchemas());
  const endpoints = createTableReader<Endpoint>({
    kafka,
    topic: topics.endpoints,
    decode: (_k, v) => codec.decode('ENDPOINT', v),
    logger,
    // Subscriptions would stop following the endpoints: stop, to be started again.
    onFailed: (error) => deps.onFatal?.(error),
  });
  const subscriptions = new Subscriptions(() => endpoints.values());
  endpoints.onChange(() => subscriptions.invalidate());
  const groupId = `${config.PAYHOOK_TOPIC_PREFIX}${config.FILTER_GROUP_ID}`;
  const writer = createTransactionalWriter({
    kafka,
    transactionalId: `${groupId}-${config.FILTER_INSTANCE_ID}`,
    logger,
  });
  const consumer = createFilterConsumer({
    kafka,
    groupId,
    sessionTimeoutMs: config.FILTER_SESSION_TIMEOUT_MS,
    writer,
    codec,
    topics,
    subscriptions,
    seen: new SeenEvents(),
    logger,
    metrics,
    onFatal: deps.onFatal ?? (() => undefined),
  });
  return {
    topics,
    metrics,
    readiness: [
      { name: 'endpoints', check: () => endpoints.caughtUp || 'endpoints table is still loading' },
      { name: 'consumer', check: () => consumer.readiness() },
    ],
    async start() {
      await writer.connect();
      // Fan-out needs every endpoint: load the table before the first event.
      await endpoints.start();
      await consumer.start();
      logger.info({ input: topics.events, output: topics.dispatch }, 'confirmation filter started');
    },
    async stop() {
      // The consumer finishes its batch (one transaction) and leaves the group first.
      await consumer.stop();
      await writer.disconnect();
      await endpoints.stop();
    },
  };
}
