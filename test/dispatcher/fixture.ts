import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { ContractCodec, Endpoint, PipelineTopics, WebhookDelivery } from '@payhook/contracts';
import { createDispatcherApp, type DispatcherApp, dispatcherEnvSchema } from '@payhook/dispatcher';
import { createLogger, createMetricsRegistry, parseEnv, type Registry, systemClock } from '@payhook/runtime';
import { generateSecret } from '@payhook/signing';
import { createPipelineFixture, type PipelineFixture, uniqueName } from '@payhook/testkit';
import type { IHeaders, Kafka, KafkaMessage } from 'kafkajs';

const DISPATCHER_MAIN = fileURLToPath(new URL('../../services/dispatcher/src/main.ts', import.meta.url));

/** A private pipeline with a dispatcher running in-process or as a real process. */
export interface DispatcherFixture {
  readonly pipeline: PipelineFixture;
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
  read(topic: string, count: number, timeoutMs?: number): Promise<KafkaMessage[]>;
  /** The dispatcher's environment for this pipeline, plus overrides. */
  dispatcherEnv(env?: Record<string, string>): Record<string, string>;
  startDispatcher(env?: Record<string, string>, inject?: { networkModule?: string }): Promise<void>;
  /** Runs the real dispatcher process (its composition root); killed in `close()`. */
  spawnDispatcher(env?: Record<string, string>): ChildProcess;
  close(): Promise<void>;
}

/** A test endpoint with one fresh secret, subscribed to confirmed payments. */
export function testEndpoint(partial: Partial<Endpoint> & { url: string }): Endpoint {
  return {
    endpoint_id: uniqueName('ep'),
    merchant_id: 'mer_test',
    secrets: [{ secret: generateSecret(), active_from: Date.now() - 60_000, expires_at: null }],
    event_types: ['payment.confirmed'],
    rate_limit_per_second: null,
    timeout_ms: null,
    enabled: true,
    disabled_reason: null,
    deleted_at: null,
    description: '',
    updated_at: Date.now(),
    ...partial,
  };
}

function testDelivery(endpoint: Endpoint): WebhookDelivery {
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
  };
}

export async function createDispatcherFixture(
  options: { tiers?: string; partitions?: number } = {},
): Promise<DispatcherFixture> {
  const pipeline = await createPipelineFixture(options);
  const { topics } = pipeline;
  const stops: (() => Promise<void>)[] = [];
  const children: ChildProcess[] = [];

  const sendDeliveries = async (deliveries: WebhookDelivery[]) => {
    await pipeline.produce(
      topics.dispatch,
      'WEBHOOK_DELIVERY',
      deliveries.map((d) => ({ key: d.endpoint_id, value: d })),
    );
    return deliveries;
  };

  const fixture: DispatcherFixture = {
    pipeline,
    topics,
    kafka: pipeline.kafka,
    codec: pipeline.codec,
    app: undefined as unknown as DispatcherApp,
    metrics: undefined as unknown as Registry,
    async addEndpoint(partial) {
      const endpoint = testEndpoint(partial);
      await pipeline.produce(topics.endpoints, 'ENDPOINT', [{ key: endpoint.endpoint_id, value: endpoint }]);
      return endpoint;
    },
    async dispatch(endpoint, overrides = {}) {
      const [delivery] = await sendDeliveries([{ ...testDelivery(endpoint), ...overrides }]);
      return delivery as WebhookDelivery;
    },
    dispatchMany(endpoints, count) {
      return sendDeliveries(
        Array.from({ length: count }, (_, i) => testDelivery(endpoints[i % endpoints.length] as Endpoint)),
      );
    },
    produceRaw: (topic, key, value, headers) => pipeline.produceRaw(topic, key, value, headers),
    read: (topic, count, timeoutMs) => pipeline.read(topic, count, timeoutMs),
    dispatcherEnv(env = {}) {
      return {
        ...pipeline.serviceEnv(),
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
      fixture.metrics = createMetricsRegistry('dispatcher');
      fixture.app = createDispatcherApp({ config, logger, registry: fixture.metrics, clock: systemClock, ...inject });
      await fixture.app.start();
      const app = fixture.app;
      stops.push(() => app.stop());
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
      for (const stop of stops.reverse()) await stop().catch(() => undefined);
      await pipeline.close();
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
