import { createRequire } from 'node:module';
import kafkajs, { type PartitionMetadata } from 'kafkajs';
import { silenceKafkajsTimerWarning } from './client.ts';
import { securityErrorOf } from './connection-errors.ts';
import { type KafkaSecurity, processKafkaSecurity, saslOptions, tlsOptions } from './security.ts';

// One connection to one broker, and nothing else: kafkajs's admin client connects to the whole
// cluster behind its seed, refreshes metadata of every topic, and retries for up to a minute, so
// it cannot say whether one given node answers (the readiness probe of a local node) or read
// topic health quickly while brokers are down (`topics describe`, the lag exporter's gauges).
// This reader sends Metadata and DescribeConfigs through kafkajs's own connection and protocol
// modules on the first broker that answers and keeps partition errors as data, as the Java
// client does (the patched kafkajs does too; unpatched 2.2.4 rejected the whole response).
// kafkajs is pinned (and patched) at 2.2.4; the modules used here are part of that version.
const require = createRequire(import.meta.url);

interface KafkajsRequest {
  readonly apiKey: number;
  readonly apiVersion: number;
  readonly apiName: string;
  encode(): Promise<unknown>;
}
interface KafkajsResponse<T> {
  decode(raw: Buffer): Promise<T>;
  parse(decoded: T): Promise<T>;
}
interface KafkajsConnection {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  send<T>(options: { request: KafkajsRequest; response: KafkajsResponse<T>; logResponseError?: boolean }): Promise<T>;
}
type ConnectionClass = new (options: Record<string, unknown>) => KafkajsConnection;
interface KafkajsConnectionPool {
  getConnection(): Promise<KafkajsConnection>;
}
interface KafkajsBroker {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
}

const Connection = require('kafkajs/src/network/connection.js') as ConnectionClass;
// With SASL, kafkajs's broker does the handshake (API versions, then the mechanism's exchange).
const ConnectionPool = require('kafkajs/src/network/connectionPool.js') as new (
  options: Record<string, unknown>,
) => KafkajsConnectionPool;
const Broker = require('kafkajs/src/broker/index.js') as new (options: Record<string, unknown>) => KafkajsBroker;
const socketFactory = (require('kafkajs/src/network/socketFactory.js') as () => unknown)();
const { createLogger } = require('kafkajs/src/loggers/index.js') as {
  createLogger(options: { level: number; logCreator: () => () => void }): unknown;
};
// Failures reach the caller as errors; the connection's own log lines are not wanted.
const silentLogger = createLogger({ level: kafkajs.logLevel.NOTHING, logCreator: () => () => undefined });
const metadataRequest = require('kafkajs/src/protocol/requests/metadata/v6/request.js') as (options: {
  topics: readonly string[];
  allowAutoTopicCreation: boolean;
}) => KafkajsRequest;
const metadataResponse =
  require('kafkajs/src/protocol/requests/metadata/v6/response.js') as KafkajsResponse<RawMetadata>;
const describeConfigsRequest = require('kafkajs/src/protocol/requests/describeConfigs/v1/request.js') as (options: {
  resources: readonly { type: number; name: string; configNames?: readonly string[] }[];
}) => KafkajsRequest;
const describeConfigsResponse =
  require('kafkajs/src/protocol/requests/describeConfigs/v1/response.js') as KafkajsResponse<RawConfigs>;

interface RawMetadata {
  readonly brokers: readonly { nodeId: number; host: string; port: number }[];
  readonly controllerId: number;
  readonly topicMetadata: readonly {
    topicErrorCode: number;
    topic: string;
    partitionMetadata: readonly (PartitionMetadata & { offlineReplicas?: number[] })[];
  }[];
}
interface RawConfigs {
  readonly resources: readonly {
    errorCode: number;
    errorMessage: string | null;
    resourceName: string;
    configEntries: readonly { configName: string; configValue: string }[];
  }[];
}

/** Kafka's UNKNOWN_TOPIC_OR_PARTITION. */
const UNKNOWN_TOPIC = 3;

/** Metadata of some topics, partition errors kept as data. */
export interface LenientMetadata {
  /** Brokers that are alive (registered and unfenced). */
  readonly brokers: readonly number[];
  /** Partitions of each topic that exists; absent topics are missing from the map. */
  readonly topics: ReadonlyMap<string, readonly PartitionMetadata[]>;
}

/** Options of {@link withLenientReader}. */
export interface LenientReaderOptions {
  /** `host:port` of one or more brokers; the first that answers is used. */
  readonly brokers: readonly string[];
  /** @defaultValue 3_000 */
  readonly connectionTimeoutMs?: number;
  /** @defaultValue 10_000 */
  readonly requestTimeoutMs?: number;
  /**
   * TLS and SASL.
   * @defaultValue the process's `KAFKA_SSL`, `KAFKA_SSL_*` and `KAFKA_SASL_*` variables
   */
  readonly security?: KafkaSecurity;
}

/** Reads topics' metadata and configs without failing on partitions that have errors. */
export interface LenientReader {
  /** Live brokers as the broker connected to sees them. */
  brokers(): Promise<readonly number[]>;
  metadata(topics: readonly string[]): Promise<LenientMetadata>;
  /** Topic configs as the broker reports them (defaults included). */
  topicConfigs(topics: readonly string[]): Promise<Map<string, Record<string, string>>>;
}

/** Connects to the first broker that answers, runs `fn` with a reader, and disconnects. */
export async function withLenientReader<T>(
  options: LenientReaderOptions,
  fn: (reader: LenientReader) => Promise<T>,
): Promise<T> {
  const { connection, disconnect } = await connect(options);
  try {
    const fetchMetadata = (topics: readonly string[]) =>
      connection.send({
        request: metadataRequest({ topics, allowAutoTopicCreation: false }),
        // decode only: kafkajs's parse throws on the first partition error.
        response: { decode: metadataResponse.decode, parse: async (decoded) => decoded },
      });
    return await fn({
      async brokers() {
        // An empty list would ask for every topic; one name keeps the answer small.
        const response = await fetchMetadata(['__consumer_offsets']);
        return response.brokers.map((b) => b.nodeId);
      },
      async metadata(topics) {
        if (topics.length === 0) return { brokers: [], topics: new Map() };
        const response = await fetchMetadata(topics);
        const result = new Map<string, readonly PartitionMetadata[]>();
        for (const topic of response.topicMetadata) {
          if (topic.topicErrorCode === UNKNOWN_TOPIC) continue;
          if (topic.topicErrorCode !== 0) throw kafkaError(topic.topicErrorCode, `topic ${topic.topic}`);
          result.set(
            topic.topic,
            topic.partitionMetadata.map(({ offlineReplicas: _, ...p }) => p),
          );
        }
        return { brokers: response.brokers.map((b) => b.nodeId), topics: result };
      },
      async topicConfigs(topics) {
        const configs = new Map<string, Record<string, string>>();
        if (topics.length === 0) return configs;
        const response = await connection.send({
          request: describeConfigsRequest({
            resources: topics.map((name) => ({ type: kafkajs.ConfigResourceTypes.TOPIC, name })),
          }),
          response: { decode: describeConfigsResponse.decode, parse: async (decoded) => decoded },
        });
        for (const resource of response.resources) {
          if (resource.errorCode !== 0) {
            throw kafkaError(resource.errorCode, `configs of ${resource.resourceName}: ${resource.errorMessage ?? ''}`);
          }
          configs.set(
            resource.resourceName,
            Object.fromEntries(resource.configEntries.map((e) => [e.configName, e.configValue])),
          );
        }
        return configs;
      },
    });
  } finally {
    await disconnect().catch(() => undefined);
  }
}

async function connect(
  options: LenientReaderOptions,
): Promise<{ connection: KafkajsConnection; disconnect(): Promise<void> }> {
  silenceKafkajsTimerWarning();
  const security = options.security ?? processKafkaSecurity();
  const ssl = tlsOptions(security);
  const sasl = saslOptions(security);
  const failures: string[] = [];
  for (const address of options.brokers) {
    const separator = address.lastIndexOf(':');
    const connectionOptions = {
      host: address.slice(0, separator),
      port: Number(address.slice(separator + 1)),
      logger: silentLogger,
      socketFactory,
      clientId: 'payhook-topic-health',
      connectionTimeout: options.connectionTimeoutMs ?? 3_000,
      requestTimeout: options.requestTimeoutMs ?? 10_000,
      ...(ssl === undefined ? {} : { ssl }),
      ...(sasl === undefined ? {} : { sasl }),
    };
    try {
      if (sasl === undefined) {
        const connection = new Connection(connectionOptions);
        await connection.connect();
        return { connection, disconnect: () => connection.disconnect() };
      }
      const pool = new ConnectionPool(connectionOptions);
      const broker = new Broker({ connectionPool: pool, logger: silentLogger, allowAutoTopicCreation: false });
      try {
        await broker.connect();
        return { connection: await pool.getConnection(), disconnect: () => broker.disconnect() };
      } catch (error) {
        await broker.disconnect().catch(() => undefined);
        throw error;
      }
    } catch (error) {
      // Settings that cannot work fail the same way on every broker.
      const permanent = securityErrorOf(error, security, address);
      if (permanent !== undefined) throw permanent;
      failures.push(`${address}: ${(error as Error).message}`);
    }
  }
  throw new Error(`no broker answered (${failures.join('; ')})`);
}

const { createErrorFromCode } = require('kafkajs/src/protocol/error.js') as {
  createErrorFromCode(code: number): Error;
};

function kafkaError(code: number, what: string): Error {
  const error = createErrorFromCode(code);
  error.message = `${what}: ${error.message}`;
  return error;
}
