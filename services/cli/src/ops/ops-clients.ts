import {
  type ContractCodec,
  createContractCodec,
  createRegistryClient,
  loadSchemas,
  type PipelineTopics,
} from '@payhook/contracts';
import { createKafkaClient, createRenewingProducer, type RenewingProducer } from '@payhook/kafka';
import { createLogger } from '@payhook/runtime';
import type { Admin, Kafka } from 'kafkajs';
import { type PipelineEnv, pipelineLayout } from '../context.ts';

/** The clients an operations command works with; opened on first use, closed by {@link withOps}. */
export interface OpsClients {
  readonly env: PipelineEnv;
  readonly topics: PipelineTopics;
  readonly kafka: Kafka;
  /** A connected admin client. */
  admin(): Promise<Admin>;
  codec(): ContractCodec;
  /**
   * A connected idempotent producer (the Java client's partitioner, like the pipeline's),
   * replaced after a failed send so that the next one gets new sequence numbers.
   */
  producer(): Promise<RenewingProducer>;
}

/**
 * Runs `fn` with the operations clients and always closes the ones it opened. Nothing
 * connects until asked for, so a command that fails validation first never connects.
 */
export async function withOps<R>(env: PipelineEnv, fn: (clients: OpsClients) => Promise<R>): Promise<R> {
  const { topics } = pipelineLayout(env);
  // kafkajs warns on every idempotent producer with bounded retries (bounded here on purpose);
  // its failures still reach the command as errors.
  const kafkaLogger = createLogger({ name: 'payhook-cli', level: 'error', destination: process.stderr });
  const kafka = createKafkaClient({
    brokers: env.KAFKA_BROKERS,
    clientId: 'payhook-cli',
    logger: kafkaLogger,
    connectionTimeoutMs: 3_000,
    // A person is waiting: fail within seconds when the broker is unreachable.
    retries: 2,
  });
  let admin: Promise<Admin> | undefined;
  let producer: Promise<RenewingProducer> | undefined;
  let codec: ContractCodec | undefined;
  const clients: OpsClients = {
    env,
    topics,
    kafka,
    admin() {
      admin ??= (async () => {
        const a = kafka.admin();
        await a.connect();
        return a;
      })();
      return admin;
    },
    codec() {
      codec ??= createContractCodec(createRegistryClient(env.SCHEMA_REGISTRY_URL), loadSchemas());
      return codec;
    },
    producer() {
      producer ??= (async () => {
        const p = createRenewingProducer({ kafka });
        await p.connect();
        return p;
      })();
      return producer;
    },
  };
  try {
    return await fn(clients);
  } finally {
    await (await producer?.catch(() => undefined))?.disconnect().catch(() => undefined);
    await (await admin?.catch(() => undefined))?.disconnect().catch(() => undefined);
  }
}
