import { createKafkaClient } from '@payhook/kafka';
import { createLogger } from '@payhook/runtime';
import type { Admin } from 'kafkajs';
import type { PipelineEnv } from './context.ts';

/** Runs `fn` with a connected admin client and always disconnects it. */
export async function withAdmin<T>(env: PipelineEnv, fn: (admin: Admin) => Promise<T>): Promise<T> {
  const kafka = createKafkaClient({
    brokers: env.KAFKA_BROKERS,
    clientId: 'payhook-cli',
    logger: createLogger({ name: 'payhook-cli', level: 'warn', destination: process.stderr }),
    connectionTimeoutMs: 3_000,
    // A person is waiting: fail within seconds when the broker is unreachable.
    retries: 2,
  });
  const admin = kafka.admin();
  await admin.connect();
  try {
    return await fn(admin);
  } finally {
    await admin.disconnect();
  }
}
