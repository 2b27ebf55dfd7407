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
  readonly kafkaPort: number;
  readonly controllerPort: number;
  readonly registryPort: number;
  /** JSON-RPC port of the local chain (anvil). */
  readonly anvilPort: number;
  /** Largest heap of each JVM, e.g. `768m`. */
  readonly kafkaHeap: string;
  readonly registryHeap: string;
}

const schema = z.object({
  PAYHOOK_DEV_HOME: z.string().optional(),
  PAYHOOK_DEV_KAFKA_PORT: envField.port().default(9092),
  PAYHOOK_DEV_CONTROLLER_PORT: envField.port().default(9093),
  PAYHOOK_DEV_REGISTRY_PORT: envField.port().default(8081),
  PAYHOOK_DEV_ANVIL_PORT: envField.port().default(8545),
  PAYHOOK_DEV_KAFKA_HEAP: z
    .string()
    .regex(/^\d+[mg]$/, 'must look like 768m or 1g')
    .default('768m'),
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
    kafkaPort: parsed.PAYHOOK_DEV_KAFKA_PORT,
    controllerPort: parsed.PAYHOOK_DEV_CONTROLLER_PORT,
    registryPort: parsed.PAYHOOK_DEV_REGISTRY_PORT,
    anvilPort: parsed.PAYHOOK_DEV_ANVIL_PORT,
    kafkaHeap: parsed.PAYHOOK_DEV_KAFKA_HEAP,
    registryHeap: parsed.PAYHOOK_DEV_REGISTRY_HEAP,
  };
}
