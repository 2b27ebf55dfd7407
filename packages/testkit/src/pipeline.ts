import {
  type ContractCodec,
  type ContractKey,
  type ContractTypes,
  contractForTopic,
  createContractCodec,
  createRegistryClient,
  loadSchemas,
  type PipelineTopics,
  parseRetryTiers,
  pipelineTopics,
  valueSubject,
} from '@payhook/contracts';
import { createRenewingProducer, ensureTopics, pipelineTopicSpecs } from '@payhook/kafka';
import type { Admin, IHeaders, Kafka, KafkaMessage } from 'kafkajs';
import { testEnvironment, uniqueName } from './environment.ts';
import { testKafka } from './kafka.ts';

/**
 * A private pipeline on the shared broker and registry: every topic under a random prefix
 * (so subjects and groups are private too), schemas registered, a producer and a codec.
 */
export interface PipelineFixture {
  readonly prefix: string;
  readonly tiers: string;
  readonly topics: PipelineTopics;
  readonly kafka: Kafka;
  readonly codec: ContractCodec;
  /** Encodes and produces values of a contract, keyed as given. */
  produce<K extends ContractKey>(
    topic: string,
    contract: K,
    records: readonly { key: string; value: ContractTypes[K] }[],
  ): Promise<void>;
  produceRaw(topic: string, key: string, value: Buffer | null, headers?: IHeaders): Promise<void>;
  /** Reads at least `count` records of a topic from the start with a fresh group (read_committed). */
  read(topic: string, count: number, timeoutMs?: number): Promise<KafkaMessage[]>;
  /**
   * Collects every committed record of a topic, decoded, into a live array, from the start
   * and on as they come (stopped in `close()`); each record once, even across broker restarts.
   */
  collect<K extends ContractKey>(topic: string, contract: K): Promise<ContractTypes[K][]>;
  /** The environment a payhook service needs to run on this pipeline. */
  serviceEnv(): Record<string, string>;
  /** Stops collectors and the producer; deletes the pipeline's topics unless `keepTopics`. */
  close(options?: { keepTopics?: boolean }): Promise<void>;
}

export async function createPipelineFixture(
  options: {
    tiers?: string;
    partitions?: number;
    prefix?: string;
    /** @defaultValue the test environment's */
    kafkaBrokers?: readonly string[];
    /** @defaultValue the test environment's */
    schemaRegistryUrl?: string;
  } = {},
): Promise<PipelineFixture> {
  const brokers = options.kafkaBrokers ?? testEnvironment.kafkaBrokers;
  const registryUrl = options.schemaRegistryUrl ?? testEnvironment.schemaRegistryUrl;
  const prefix = options.prefix ?? `${uniqueName('pipe')}.`;
  const tiers = options.tiers ?? '1s,2s';
  const topics = pipelineTopics(parseRetryTiers(tiers), prefix);
  const kafka = testKafka(uniqueName('client'), brokers);
  const admin: Admin = kafka.admin();
  await admin.connect();
  const specs = pipelineTopicSpecs(topics, { partitions: options.partitions ?? 3, tablePartitions: 1 });
  await ensureTopics(admin, specs);
  const registry = createRegistryClient(registryUrl);
  const schemas = loadSchemas();
  for (const spec of specs) {
    const contract = contractForTopic(spec.name, prefix);
    if (contract === undefined) continue;
    await registry.setCompatibility(valueSubject(spec.name));
    await registry.register(valueSubject(spec.name), schemas[contract]);
  }
  const codec = createContractCodec(registry, schemas);
  // Replaced after a failed send (a broker restarted by a test), so that later sends are written.
  const producer = createRenewingProducer({ kafka });
  await producer.connect();
  const collectors: (() => Promise<void>)[] = [];

  return {
    prefix,
    tiers,
    topics,
    kafka,
    codec,
    async produce(topic, contract, records) {
      const messages = await Promise.all(
        records.map(async (r) => ({ key: r.key, value: await codec.encode(topic, contract, r.value) })),
      );
      await producer.send({ topic, messages });
    },
    async produceRaw(topic, key, value, headers) {
      await producer.send({ topic, messages: [{ key, value, ...(headers === undefined ? {} : { headers }) }] });
    },
    async read(topic, count, timeoutMs = 30_000) {
      const consumer = kafka.consumer({ groupId: uniqueName('read'), maxWaitTimeInMs: 100, readUncommitted: false });
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
    async collect(topic, contract) {
      const records: ContractTypes[typeof contract][] = [];
      const consumer = kafka.consumer({ groupId: uniqueName('collect'), maxWaitTimeInMs: 100, readUncommitted: false });
      // After its consumer restarts (the broker went away), records since the last offset commit
      // come again: each offset is collected once.
      const next = new Map<number, bigint>();
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      await consumer.run({
        eachMessage: async ({ partition, message }) => {
          const offset = BigInt(message.offset);
          if (offset < (next.get(partition) ?? 0n)) return;
          records.push(await codec.decode(contract, message.value));
          next.set(partition, offset + 1n);
        },
      });
      collectors.push(() => consumer.disconnect());
      return records;
    },
    serviceEnv() {
      return {
        KAFKA_BROKERS: brokers.join(','),
        SCHEMA_REGISTRY_URL: registryUrl,
        PAYHOOK_RETRY_TIERS: tiers,
        PAYHOOK_TOPIC_PREFIX: prefix,
        PAYHOOK_HTTP_PORT: '0',
        PAYHOOK_HTTP_HOST: '127.0.0.1',
      };
    },
    async close(options = {}) {
      for (const stop of collectors) await stop().catch(() => undefined);
      await producer.disconnect();
      if (options.keepTopics === true) {
        await admin.disconnect();
        return;
      }
      await admin.deleteTopics({ topics: specs.map((s) => s.name) }).catch(() => undefined);
      await admin.disconnect();
    },
  };
}
