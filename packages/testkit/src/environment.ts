import { randomBytes } from 'node:crypto';

/** The broker and registry the tests use: the local stack's defaults unless the environment says otherwise. */
export const testEnvironment = {
  kafkaBrokers: (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(','),
  schemaRegistryUrl: process.env.SCHEMA_REGISTRY_URL ?? 'http://127.0.0.1:8081/apis/ccompat/v7',
} as const;

/** A name no other test run uses, e.g. `t-contracts-3f9a1c2b`. */
export function uniqueName(prefix: string): string {
  return `t-${prefix}-${randomBytes(4).toString('hex')}`;
}
