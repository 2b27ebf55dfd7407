import { randomBytes } from 'node:crypto';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { createContractCodec, createRegistryClient, loadSchemas, pipelineTopics } from '@payhook/contracts';
import { createKafkaClient, createRenewingProducer } from '@payhook/kafka';
import { type Clock, type Logger, PAYHOOK_VERSION, type ReadinessCheck, type Registry } from '@payhook/runtime';
import { secretsKeyRingOf } from '@payhook/signing';
import Fastify, { LogController } from 'fastify';
import { createApiState } from './api-state.ts';
import { authenticate } from './auth.ts';
import type { ApiConfig } from './config.ts';
import { eventTypeSchemas } from './event-type-schemas.ts';
import { createApiMetrics } from './metrics.ts';
import { openApiOptions } from './openapi.ts';
import { createPipelineLag } from './pipeline-lag.ts';
import { createPortalTokens } from './portal-tokens.ts';
import { handleError, Problem, ProblemError, ProblemSchema, sendProblem } from './problems.ts';
import { createReadModelIngester } from './read-model/ingester.ts';
import type { ReadModelStore } from './read-model/read-model-store.ts';
import { openSqliteReadModel } from './read-model/sqlite-store.ts';
import { createRecoveryJobs } from './recovery.ts';
import { createResender } from './resender.ts';
import { registerConsoleRoutes } from './routes/console.ts';
import { registerDeliveryRoutes } from './routes/deliveries.ts';
import { registerEndpointRoutes } from './routes/endpoints.ts';
import { registerEventTypeRoutes } from './routes/event-types.ts';
import { registerOperationsRoutes } from './routes/operations.ts';
import { registerOperatorRoutes } from './routes/operator.ts';
import { registerPaymentRoutes } from './routes/payments.ts';
import { registerPortalLinkRoutes } from './routes/portal-links.ts';
import { registerRecoveryRoutes } from './routes/recovery.ts';
import type { ApiServer } from './server.ts';
import { type ApiStore, createApiStore } from './store.ts';

/** What the composition root hands the API. */
export interface ApiDeps {
  readonly config: ApiConfig;
  readonly logger: Logger;
  readonly registry: Registry;
  readonly clock: Clock;
  /** A table stopped following its topic for good: the process should exit non-zero. Logged only by default. */
  readonly onFatal?: (error: unknown) => void;
  /**
   * Opens the read model's store when the API starts.
   * @defaultValue SQLite at `API_READ_MODEL_PATH`
   */
  readonly openReadModel?: (config: ApiConfig, pipeline: string) => ReadModelStore;
}

/** A running API. */
export interface ApiApp {
  readonly server: ApiServer;
  readonly store: ApiStore;
  /** The read model, once started. */
  readonly readModel: ReadModelStore;
  /** Resolves once the read model has read every topic up to its end at start (it reads on after). */
  readonly readModelCaughtUp: Promise<void>;
  readonly readiness: readonly ReadinessCheck[];
  /** The port it listens on, once started. */
  readonly port: number;
  /**
   * Reads every table up to its topic's end, opens the read model and starts following the
   * pipeline into it, then listens (ready once the read model has caught up too).
   */
  start(): Promise<void>;
  /** Stops accepting requests and answers those in flight, then closes the tables and the producer. */
  stop(): Promise<void>;
}

/** Wires the API from its dependencies; nothing connects until `start()`. */
export function createApiApp(deps: ApiDeps): ApiApp {
  const { config, logger, clock } = deps;
  const metrics = createApiMetrics(deps.registry);
  const topics = pipelineTopics(config.PAYHOOK_RETRY_TIERS, config.PAYHOOK_TOPIC_PREFIX);
  const kafka = createKafkaClient({ brokers: config.KAFKA_BROKERS, clientId: 'payhook-api', logger });
  const codec = createContractCodec(createRegistryClient(config.SCHEMA_REGISTRY_URL), loadSchemas());
  // Replaced after a failed write, so that the next write gets new sequence numbers.
  const producer = createRenewingProducer({ kafka, logger });
  const store = createApiStore({
    kafka,
    producer,
    codec,
    topics,
    logger,
    onFailed: (error) => deps.onFatal?.(error),
    secretsKey: secretsKeyRingOf(config),
  });
  // Idempotency-Key records and jobs, shared by the replicas through their topics.
  const state = createApiState({
    kafka,
    producer,
    topics,
    logger,
    onFailed: (error) => deps.onFatal?.(error),
    secretsKey: secretsKeyRingOf(config),
    idempotencyTtlMs: config.API_IDEMPOTENCY_TTL_MS,
    now: () => clock.now(),
  });
  const { idempotency } = state;
  // The pipeline a read model file was built from: another prefix or tier list rebuilds it.
  const pipeline = JSON.stringify({ prefix: topics.prefix, tiers: topics.retry.map((t) => t.label) });
  const openReadModel =
    deps.openReadModel ??
    ((c: ApiConfig, p: string) =>
      openSqliteReadModel({ path: c.API_READ_MODEL_PATH, pipeline: p, cacheMb: c.API_READ_MODEL_CACHE_MB }));
  let readStore: ReadModelStore | undefined;
  let ingester: ReturnType<typeof createReadModelIngester> | undefined;
  const caughtUp = Promise.withResolvers<void>();
  caughtUp.promise.catch(() => undefined);
  const readModel = (): ReadModelStore => {
    if (readStore === undefined) throw new ProblemError(Problem.UNAVAILABLE, 'the read model is not open yet');
    return readStore;
  };
  const portalKey = config.PAYHOOK_PORTAL_KEY_FILE ?? config.PAYHOOK_PORTAL_KEY;
  const portal = createPortalTokens(portalKey ?? randomBytes(32), () => clock.now());
  const lag = createPipelineLag({
    kafka,
    topics,
    filterGroupId: config.FILTER_GROUP_ID,
    dispatcherGroupId: config.DISPATCHER_GROUP_ID,
  });
  const resender = createResender({ kafka, codec, topics, producer });
  const jobs = createRecoveryJobs({
    kafka,
    codec,
    topics,
    producer,
    logger,
    now: () => clock.now(),
    table: state.jobs,
  });
  const readiness: ReadinessCheck[] = [
    { name: 'tables', check: () => store.caughtUp || 'the payments, endpoints and API keys tables are not caught up' },
    { name: 'api-state', check: () => state.caughtUp || 'the idempotency and jobs tables are not caught up' },
    {
      name: 'read-model',
      check: () => ingester?.caughtUp === true || 'the read model has not caught up with the pipeline topics',
    },
  ];

  const server = buildServer({ config, logger, version: PAYHOOK_VERSION });
  server.addHook('onResponse', async (request, reply) => {
    const labels = {
      method: request.method,
      route: request.routeOptions.url ?? 'unmatched',
      status: String(reply.statusCode),
    };
    metrics.requests.inc(labels);
    metrics.duration.observe(labels, reply.elapsedTime / 1_000);
  });
  registerOperationsRoutes(server, { registry: deps.registry, readiness });
  registerConsoleRoutes(server, { dir: config.API_CONSOLE_DIR });
  void server.register(async (v1: ApiServer) => {
    // Authentication first (onRequest), so the rate limit (preHandler) counts per key.
    v1.addHook('onRequest', async (request) => {
      request.principal = authenticate(request.headers.authorization, store.apiKeys, portal);
    });
    await v1.register(rateLimit, {
      max: config.API_RATE_LIMIT_PER_MINUTE,
      timeWindow: 60_000,
      hook: 'preHandler',
      keyGenerator: (request) => request.principal?.keyId ?? request.ip,
      errorResponseBuilder: (_request, context) =>
        new ProblemError(Problem.RATE_LIMITED, `at most ${context.max} requests per minute per API key`, {
          headers: { 'retry-after': String(Math.max(1, Math.ceil(context.ttl / 1_000))) },
        }),
    });
    const routeDeps = { store, idempotency, readModel, now: () => clock.now() };
    registerPaymentRoutes(v1, routeDeps);
    registerEndpointRoutes(v1, { ...routeDeps, allowList: config.DISPATCHER_DEV_ALLOW_LIST });
    registerDeliveryRoutes(v1, { readModel, resender });
    registerEventTypeRoutes(v1, { eventTypes: eventTypeSchemas() });
    registerRecoveryRoutes(v1, { store, jobs, now: () => clock.now() });
    registerOperatorRoutes(v1, { readModel, lag, now: () => clock.now() });
    registerPortalLinkRoutes(v1, { portal, ttlMs: config.API_PORTAL_LINK_TTL_MS, publicUrl: config.API_PUBLIC_URL });
  });

  let port = 0;
  return {
    server,
    store,
    get readModel() {
      return readModel();
    },
    readModelCaughtUp: caughtUp.promise,
    readiness,
    get port() {
      return port;
    },
    async start() {
      if (secretsKeyRingOf(config) === undefined) {
        logger.warn('PAYHOOK_SECRETS_KEY is not set: endpoints created here keep their signing secrets in plaintext');
      }
      if (portalKey === undefined) {
        logger.warn('PAYHOOK_PORTAL_KEY is not set: portal links are signed with a key of this process only');
      }
      await producer.connect();
      await Promise.all([store.start(), state.start()]);
      readStore = openReadModel(config, pipeline);
      ingester = createReadModelIngester({
        kafka,
        codec,
        topics,
        store: readStore,
        logger,
        applied: metrics.readModelRecords,
        onFailed: (error) => deps.onFatal?.(error),
      });
      // Not awaited: a rebuild of a large read model must not keep /healthz from answering.
      ingester.start().then(caughtUp.resolve, caughtUp.reject);
      const address = await server.listen({ host: config.PAYHOOK_HTTP_HOST, port: config.PAYHOOK_HTTP_PORT });
      port = Number(new URL(address).port);
      logger.info({ port, keys: [...store.apiKeys.values()].length }, 'api listening');
    },
    async stop() {
      // Requests in flight are answered (their writes acknowledged) before the producer goes.
      await server.close();
      // The read model's consumer before its store: no batch is written to a closed file.
      await ingester?.stop();
      await readStore?.close();
      await resender.stop();
      await lag.stop();
      // Jobs still running finish their scan; what they sent is acknowledged before the producer goes.
      await jobs.stop();
      await state.stop();
      await store.stop();
      await producer.disconnect();
    },
  };
}

/** The Fastify server with the API's error handling and OpenAPI generation, before routes. */
export function buildServer(options: { config: ApiConfig; logger: Logger; version: string }): ApiServer {
  const server = Fastify({
    loggerInstance: options.logger.child({ component: 'http' }),
    // Each request is counted in the metrics; a log line per request would repeat them.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: options.config.API_BODY_LIMIT_BYTES,
    // Bodies are validated as sent: no coercion ("5" is not 5), no unknown field dropped silently.
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, allErrors: true, useDefaults: true } },
    return503OnClosing: true,
  }).withTypeProvider<TypeBoxTypeProvider>();
  // Only JSON bodies: anything else is a 415.
  server.removeContentTypeParser('text/plain');
  server.addSchema(ProblemSchema);
  server.setErrorHandler(handleError);
  server.setNotFoundHandler((request, reply) =>
    sendProblem(reply, request, Problem.NOT_FOUND, `no route ${request.method} ${request.url.split('?')[0]}`),
  );
  void server.register(swagger, openApiOptions(options.version));
  return server;
}
