import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import {
  type ContractCodec,
  contractForTopic,
  createContractCodec,
  createRegistryClient,
  type Endpoint,
  loadSchemas,
  type PipelineTopics,
  parseRetryTiers,
  pipelineTopics,
  valueSubject,
  type WebhookDelivery,
} from '@payhook/contracts';
import { createDispatcherApp, type DispatcherApp, dispatcherEnvSchema } from '@payhook/dispatcher';
import type { Connector, Resolve } from '@payhook/http-delivery';
import { createIdempotentProducer, ensureTopics, pipelineTopicSpecs } from '@payhook/kafka';
import { createLogger, createMetricsRegistry, parseEnv, type Registry, systemClock } from '@payhook/runtime';
import { generateSecret } from '@payhook/signing';
import { testEnvironment, testKafka, uniqueName } from '@payhook/testkit';
import type { Admin, IHeaders, Kafka, KafkaMessage, Producer } from 'kafkajs';

const DISPATCHER_MAIN = fileURLToPath(new URL('../../services/dispatcher/src/main.ts', import.meta.url));

/** A private pipeline (own topic prefix, subjects and group) with a dispatcher running in-process. */
export interface DispatcherFixture {
  readonly topics: PipelineTopics;
  readonly kafka: Kafka;
  readonly codec: ContractCodec;
  app: DispatcherApp;
  /** The metrics registry of the in-process dispatcher. */
  metrics: Registry;
  addEndpoint(partial: Partial<Endpoint> & { url: string }): Promise<Endpoint>;
  dispatch(endpoint: Endpoint, overrides?: Partial<WebhookDelivery>): Promise<WebhookDelivery>;
  /** Produces `count` deliveries round-robin over the endpoints, in one request. */
  dispatchMany(endpoints: readonly Endpoint[], count: number): Promise<WebhookDelivery[]>;
  produceRaw(topic: string, key: string, value: Buffer | null, headers?: IHeaders): Promise<void>;
  /** Reads `count` records of a topic from the start (fresh group). */
  read(topic: string, count: number, timeoutMs?: number): Promise<KafkaMessage[]>;
  /** The dispatcher's environment for this pipeline, plus overrides. */
  dispatcherEnv(env?: Record<string, string>): Record<string, string>;
  startDispatcher(env?: Record<string, string>, inject?: { resolve?: Resolve; connector?: Connector }): Promise<void>;
  /** Runs the real dispatcher process (its composition root); killed in `close()`. */
  spawnDispatcher(env?: Record<string, string>): ChildProcess;
  close(): Promise<void>;
}

export async function createDispatcherFixture(
  options: { tiers?: string; partitions?: number } = {},
): Promise<DispatcherFixture> {
  const prefix = `${uniqueName('disp')}.`;
  const tiers = options.tiers ?? '1s,2s';
  const topics = pipelineTopics(parseRetryTiers(tiers), prefix);
  const kafka = testKafka();
  const admin: Admin = kafka.admin();
  await admin.connect();
  const specs = pipelineTopicSpecs(topics, { partitions: options.partitions ?? 3, tablePartitions: 1 });
  await ensureTopics(admin, specs);
  const registry = createRegistryClient(testEnvironment.schemaRegistryUrl);
  const schemas = loadSchemas();
  for (const spec of specs) {
    const contract = contractForTopic(spec.name, prefix);
    if (contract === undefined) continue;
    await registry.setCompatibility(valueSubject(spec.name));
    await registry.register(valueSubject(spec.name), schemas[contract]);
  }
  const codec = createContractCodec(registry, schemas);
  const producer: Producer = createIdempotentProducer(kafka);
  await producer.connect();
  const readers: (() => Promise<void>)[] = [];
  const children: ChildProcess[] = [];

  async function sendDeliveries(
    items: { endpoint: Endpoint; overrides: Partial<WebhookDelivery> }[],
  ): Promise<WebhookDelivery[]> {
    const deliveries = items.map(({ endpoint, overrides }) => {
      const id = randomBytes(6).toString('hex');
      return {
        delivery_id: `msg_${id}`,
        event_id: `evt_${id}`,
        event_type: 'payment.confirmed',
        endpoint_id: endpoint.endpoint_id,
        merchant_id: endpoint.merchant_id,
        payment_id: `pay_${id}`,
        body: JSON.stringify({
          type: 'payment.confirmed',
          id: `evt_${id}`,
          data: { payment_id: `pay_${id}`, amount: '1' },
        }),
        created_at: Date.now(),
        ...overrides,
      } satisfies WebhookDelivery;
    });
    const messages = await Promise.all(
      deliveries.map(async (d) => ({
        key: d.endpoint_id,
        value: await codec.encode(topics.dispatch, 'WEBHOOK_DELIVERY', d),
      })),
    );
    await producer.send({ topic: topics.dispatch, messages });
    return deliveries;
  }

  const fixture: DispatcherFixture = {
    topics,
    kafka,
    codec,
    app: undefined as unknown as DispatcherApp,
    metrics: undefined as unknown as Registry,
    async addEndpoint(partial) {
      const endpoint: Endpoint = {
        endpoint_id: uniqueName('ep'),
        merchant_id: 'mer_test',
        secrets: [{ secret: generateSecret(), active_from: Date.now() - 60_000, expires_at: null }],
        event_types: ['payment.confirmed'],
        rate_limit_per_second: null,
        timeout_ms: null,
        enabled: true,
        disabled_reason: null,
        updated_at: Date.now(),
        ...partial,
      };
      const value = await codec.encode(topics.endpoints, 'ENDPOINT', endpoint);
      await producer.send({ topic: topics.endpoints, messages: [{ key: endpoint.endpoint_id, value }] });
      return endpoint;
    },
    async dispatch(endpoint, overrides = {}) {
      const [delivery] = await sendDeliveries([{ endpoint, overrides }]);
      return delivery as WebhookDelivery;
    },
    dispatchMany(endpoints, count) {
      return sendDeliveries(
        Array.from({ length: count }, (_, i) => ({
          endpoint: endpoints[i % endpoints.length] as Endpoint,
          overrides: {},
        })),
      );
    },
    async produceRaw(topic, key, value, headers) {
      await producer.send({ topic, messages: [{ key, value, ...(headers === undefined ? {} : { headers }) }] });
    },
    async read(topic, count, timeoutMs = 30_000) {
      const consumer = kafka.consumer({ groupId: uniqueName('read'), maxWaitTimeInMs: 100 });
      const out: KafkaMessage[] = [];
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      await consumer.run({ eachMessage: async ({ message }) => void out.push(message) });
      const deadline = Date.now() + timeoutMs;
      while (out.length < count && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      await consumer.disconnect();
      if (out.length < count) throw new Error(`expected ${count} records on ${topic}, found ${out.length}`);
      return out;
    },
    dispatcherEnv(env = {}) {
      return {
        KAFKA_BROKERS: testEnvironment.kafkaBrokers.join(','),
        SCHEMA_REGISTRY_URL: testEnvironment.schemaRegistryUrl,
        PAYHOOK_RETRY_TIERS: tiers,
        PAYHOOK_TOPIC_PREFIX: prefix,
        PAYHOOK_HTTP_PORT: '0',
        PAYHOOK_HTTP_HOST: '127.0.0.1',
        DISPATCHER_DEV_ALLOW_LIST: '127.0.0.1',
        DISPATCHER_RETRY_JITTER: '0',
        DISPATCHER_COMMIT_INTERVAL_MS: '100',
        DISPATCHER_SHUTDOWN_DEADLINE_MS: '2000',
        DISPATCHER_SESSION_TIMEOUT_MS: '6000',
        ...env,
      };
    },
    async startDispatcher(env = {}, inject = {}) {
      const config = parseEnv(dispatcherEnvSchema, fixture.dispatcherEnv(env));
      const logger = createLogger({
        name: 'dispatcher-test',
        level: process.env.TEST_LOG_LEVEL ?? 'error',
        destination: process.stderr,
      });
      fixture.app = createDispatcherApp({
        config,
        logger,
        registry: (fixture.metrics = createMetricsRegistry('dispatcher')),
        clock: systemClock,
        ...inject,
      });
      await fixture.app.start();
      readers.push(() => fixture.app.stop());
    },
    spawnDispatcher(env = {}) {
      const child = spawn(process.execPath, [DISPATCHER_MAIN], {
        env: { ...process.env, LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'warn', ...fixture.dispatcherEnv(env) },
        stdio: ['ignore', 'ignore', 'inherit'],
      });
      children.push(child);
      return child;
    },
    async close() {
      for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      for (const stop of readers.reverse()) await stop().catch(() => undefined);
      await producer.disconnect();
      await admin.deleteTopics({ topics: specs.map((s) => s.name) }).catch(() => undefined);
      await admin.disconnect();
    },
  };
  return fixture;
}

/** A header as text. */
export function header(message: KafkaMessage, name: string): string | undefined {
  const raw = message.headers?.[name];
  const value = Array.isArray(raw) ? raw[0] : raw;
  return value === undefined ? undefined : value.toString();
}
