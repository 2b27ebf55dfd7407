import {
  type ContractCodec,
  type ContractTypes,
  createContractCodec,
  createRegistryClient,
  loadSchemas,
  type PipelineTopics,
} from '@payhook/contracts';
import { createKafkaClient, createRenewingProducer, createTableReader, type RenewingProducer } from '@payhook/kafka';
import { createLogger, PayhookError } from '@payhook/runtime';
import { isSealed, sealSecrets, secretsKeyRingOf } from '@payhook/signing';
import type { Kafka } from 'kafkajs';
import { type PipelineEnv, pipelineLayout } from './context.ts';

/** Stable error codes of the CLI's table access. */
export const TableErrorCode = {
  /** A table's topic does not exist: the pipeline was not provisioned under this prefix. */
  TOPIC_MISSING: 'CLI_TABLE_TOPIC_MISSING',
} as const;
export type TableErrorCode = (typeof TableErrorCode)[keyof typeof TableErrorCode];

/** The compacted topics the CLI edits, by the contract their values follow. */
export const Table = {
  ENDPOINTS: 'ENDPOINT',
  PAYMENT_INTENTS: 'PAYMENT_INTENT',
  API_KEYS: 'API_KEY',
} as const;
export type Table = (typeof Table)[keyof typeof Table];

/** Reads and writes the pipeline's compacted topics (tables) for one command. */
export interface CliTables {
  readonly topics: PipelineTopics;
  /**
   * The table as it stands: the topic read from the beginning up to the end it had when the
   * read began (latest value per key; records that do not decode are skipped).
   * @throws PayhookError `CLI_TABLE_TOPIC_MISSING` when the topic does not exist.
   */
  read<T extends Table>(table: T): Promise<Map<string, ContractTypes[T]>>;
  /**
   * Encodes a value with the registry (so it is refused before anything is written if it
   * does not match its schema) and writes it under its key, acknowledged by every in-sync
   * replica.
   */
  write<T extends Table>(table: T, key: string, value: ContractTypes[T]): Promise<void>;
}

/**
 * Runs `fn` with access to the tables and always closes the clients it opened. Clients are
 * opened lazily, so a command that fails validation first never connects.
 */
export async function withTables<R>(env: PipelineEnv, fn: (tables: CliTables) => Promise<R>): Promise<R> {
  const { topics } = pipelineLayout(env);
  const logger = createLogger({ name: 'payhook-cli', level: 'warn', destination: process.stderr });
  // kafkajs warns on every idempotent producer with bounded retries (bounded here on purpose);
  // its failures still reach the command as errors.
  const kafkaLogger = createLogger({ name: 'payhook-cli', level: 'error', destination: process.stderr });
  let kafka: Kafka | undefined;
  let codec: ContractCodec | undefined;
  let producer: RenewingProducer | undefined;
  const ring = secretsKeyRingOf(env);
  let warned = false;
  /**
   * An endpoint as it is written: every signing secret sealed under the current key (plaintext
   * ones and ones under an older key sealed again), when a key is configured.
   */
  const sealed = <T>(value: T): T => {
    const endpoint = value as ContractTypes['ENDPOINT'];
    if (ring !== undefined)
      return { ...endpoint, secrets: sealSecrets(endpoint.secrets, endpoint.endpoint_id, ring) } as T;
    if (!warned && endpoint.secrets.some((s) => !isSealed(s.secret))) {
      warned = true;
      logger.warn('PAYHOOK_SECRETS_KEY is not set: signing secrets are written to the endpoints topic in plaintext');
    }
    return value;
  };
  const topicOf = (table: Table): string =>
    table === Table.ENDPOINTS ? topics.endpoints : table === Table.API_KEYS ? topics.apiKeys : topics.intents;
  const client = (): Kafka => {
    kafka ??= createKafkaClient({
      brokers: env.KAFKA_BROKERS,
      clientId: 'payhook-cli',
      logger: kafkaLogger,
      connectionTimeoutMs: 3_000,
      // A person is waiting: fail within seconds when the broker is unreachable.
      retries: 2,
    });
    return kafka;
  };
  const contractCodec = (): ContractCodec => {
    codec ??= createContractCodec(createRegistryClient(env.SCHEMA_REGISTRY_URL), loadSchemas());
    return codec;
  };

  async function ensureTopic(topic: string): Promise<void> {
    // listTopics, not a metadata request: one for a missing topic may create it.
    const admin = client().admin();
    await admin.connect();
    try {
      if (!(await admin.listTopics()).includes(topic)) {
        throw new PayhookError(
          TableErrorCode.TOPIC_MISSING,
          `topic ${topic} does not exist: run "payhook topics create" and "payhook schemas register" (PAYHOOK_TOPIC_PREFIX="${env.PAYHOOK_TOPIC_PREFIX}")`,
        );
      }
    } finally {
      await admin.disconnect();
    }
  }

  const tables: CliTables = {
    topics,
    async read<T extends Table>(table: T) {
      const topic = topicOf(table);
      await ensureTopic(topic);
      const decoder = contractCodec();
      const reader = createTableReader<ContractTypes[T]>({
        kafka: client(),
        topic,
        logger,
        groupIdPrefix: 'payhook-cli',
        decode: (_key, value) => decoder.decode(table, value),
      });
      // The reader hands out values only; the keys come from its change events.
      const keys = new Set<string>();
      reader.onChange((key, value) => void (value === undefined ? keys.delete(key) : keys.add(key)));
      try {
        await reader.start();
        const rows = new Map<string, ContractTypes[T]>();
        for (const key of keys) {
          const value = reader.get(key);
          if (value !== undefined) rows.set(key, value);
        }
        return rows;
      } finally {
        await reader.stop();
      }
    },
    async write<T extends Table>(table: T, key: string, value: ContractTypes[T]) {
      const topic = topicOf(table);
      const encoded = await contractCodec().encode(topic, table, table === Table.ENDPOINTS ? sealed(value) : value);
      if (producer === undefined) {
        // Replaced after a failed write, so that a later write gets new sequence numbers.
        producer = createRenewingProducer({ kafka: client() });
        await producer.connect();
      }
      await producer.send({ topic, acks: -1, messages: [{ key, value: encoded }] });
    },
  };

  try {
    return await fn(tables);
  } finally {
    await producer?.disconnect();
  }
}
