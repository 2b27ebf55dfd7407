import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Environment, envField, parseEnv } from '@payhook/runtime';
import { z } from 'zod';

/** Pinned versions of the local infrastructure. */
export const VERSIONS = {
  /** Must match `deploy/local/kafka/pom.xml`. */
  kafka: '4.1.1',
  /** 3.0.x is the newest line whose app runs on Java 17; 3.1 and later need Java 21. */
  apicurio: '3.0.9',
} as const;

/** Where the local stack listens and keeps its state. */
export interface DevStackSettings {
  /** Repository root (holds `deploy/local`). */
  readonly root: string;
  /** Data, logs and PID files; removed by `down` unless data is kept. */
  readonly stateDir: string;
  /** Downloaded and extracted distributions; kept across `down`. */
  readonly cacheDir: string;
  readonly host: string;
  /**
   * KRaft nodes of the local Kafka, each a combined broker and controller (all of them voters).
   * Undefined: as many as the state folder was formatted for, else one.
   */
  readonly kafkaNodes: number | undefined;
  /** Client port of the first Kafka node; node `i` (from 0) listens on `kafkaPort + 2i`. */
  readonly kafkaPort: number;
  /**
   * A `SASL_SSL` listener (TLS with a throwaway CA, SCRAM users) beside the plaintext one.
   * Undefined: as the state folder was formatted, else none.
   */
  readonly kafkaSecure: boolean | undefined;
  /** `SASL_SSL` port of the first Kafka node; node `i` uses `kafkaSecurePort + 2i`. */
  readonly kafkaSecurePort: number;
  /** Controller port of the first Kafka node; node `i` uses `controllerPort + 2i`. */
  readonly controllerPort: number;
  readonly registryPort: number;
  /** JSON-RPC port of the local chain (anvil). */
  readonly anvilPort: number;
  /**
   * Largest heap of each Kafka node's JVM, e.g. `768m`.
   * @defaultValue `768m` for one node, `384m` each for a cluster
   */
  readonly kafkaHeap: string | undefined;
  /** Largest heap of the registry's JVM. */
  readonly registryHeap: string;
}

/** The most KRaft nodes a local cluster may have (each is a JVM of its own). */
export const MAX_KAFKA_NODES = 5;

const schema = z.object({
  PAYHOOK_DEV_HOME: z.string().optional(),
  PAYHOOK_DEV_BROKERS: z.coerce
    .number({ error: 'must be a number' })
    .int('must be an integer')
    .min(1, `must be from 1 to ${MAX_KAFKA_NODES}`)
    .max(MAX_KAFKA_NODES, `must be from 1 to ${MAX_KAFKA_NODES}`)
    .optional(),
  // Nodes after the first take the ports two and four above: 9092/9093, 9094/9095, 9096/9097.
  PAYHOOK_DEV_KAFKA_PORT: envField.port().default(9092),
  PAYHOOK_DEV_CONTROLLER_PORT: envField.port().default(9093),
  PAYHOOK_DEV_SECURE: z
    .enum(['true', 'false'], { error: 'must be true or false' })
    .transform((v) => v === 'true')
    .optional(),
  PAYHOOK_DEV_KAFKA_SECURE_PORT: envField.port().default(9192),
  PAYHOOK_DEV_REGISTRY_PORT: envField.port().default(8081),
  PAYHOOK_DEV_ANVIL_PORT: envField.port().default(8545),
  PAYHOOK_DEV_KAFKA_HEAP: z
    .string()
    .regex(/^\d+[mg]$/, 'must look like 768m or 1g')
    .optional(),
  PAYHOOK_DEV_REGISTRY_HEAP: z
    .string()
    .regex(/^\d+[mg]$/, 'must look like 512m or 1g')
    .default('512m'),
});

/** Reads the dev stack's settings from the environment. @throws ConfigError naming the variable. */
export function devStackSettings(env: Environment = process.env): DevStackSettings {
  const parsed = parseEnv(schema, env);
  const root = fileURLToPath(new URL('../../../', import.meta.url));
  const home = parsed.PAYHOOK_DEV_HOME ?? join(root, '.local');
  return {
    root,
    stateDir: join(home, 'dev'),
    cacheDir: join(home, 'cache'),
    host: '127.0.0.1',
    kafkaNodes: parsed.PAYHOOK_DEV_BROKERS,
    kafkaPort: parsed.PAYHOOK_DEV_KAFKA_PORT,
    kafkaSecure: parsed.PAYHOOK_DEV_SECURE,
    kafkaSecurePort: parsed.PAYHOOK_DEV_KAFKA_SECURE_PORT,
    controllerPort: parsed.PAYHOOK_DEV_CONTROLLER_PORT,
    registryPort: parsed.PAYHOOK_DEV_REGISTRY_PORT,
    anvilPort: parsed.PAYHOOK_DEV_ANVIL_PORT,
    kafkaHeap: parsed.PAYHOOK_DEV_KAFKA_HEAP,
    registryHeap: parsed.PAYHOOK_DEV_REGISTRY_HEAP,
  };
}
