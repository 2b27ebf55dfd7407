import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ApiApp, apiEnvSchema, createApiApp } from '@payhook/api';
import { type ApiClient, createApiClient } from '@payhook/api/client';
import { createLogger, createMetricsRegistry, parseEnv, systemClock } from '@payhook/runtime';
import { createPipelineFixture, type PipelineFixture } from '@payhook/testkit';
import type { Admin } from 'kafkajs';
import { runCli } from '../cli/run-cli.ts';

/** A private pipeline, the API on a random loopback port over it, and the CLI on the same pipeline. */
export interface ApiFixture {
  readonly pipeline: PipelineFixture;
  readonly app: ApiApp;
  readonly baseUrl: string;
  /** The environment the API and the CLI run with. */
  readonly env: Record<string, string>;
  /** A typed client sending `key` (none when undefined). */
  client(key?: string): ApiClient;
  /** Runs the payhook CLI against the pipeline. */
  cli(args: readonly string[]): ReturnType<typeof runCli>;
  /** Creates a key with the CLI and waits until the API's keys table knows it. */
  createKey(args: readonly string[]): Promise<{ key: string; keyId: string }>;
  /** Records ever written to a topic (compaction does not run within a test: its lag is a minute). */
  recordCount(topic: string): Promise<number>;
  close(): Promise<void>;
}

/**
 * Starts the fixture; `env` overrides the API's configuration; `logs` receives its log lines at
 * debug; `options.pipeline` runs the API over an existing pipeline (left to the caller to close).
 * The read model lives in a temporary directory and has caught up when this resolves.
 */
export async function startApiFixture(
  env: Record<string, string> = {},
  logs?: NodeJS.WritableStream,
  options: { pipeline?: PipelineFixture } = {},
): Promise<ApiFixture> {
  const pipeline = options.pipeline ?? (await createPipelineFixture({ tiers: '5s', partitions: 1 }));
  const dataDir = mkdtempSync(join(tmpdir(), 'payhook-api-'));
  const serviceEnv = {
    ...pipeline.serviceEnv(),
    DISPATCHER_DEV_ALLOW_LIST: '127.0.0.1',
    API_READ_MODEL_PATH: join(dataDir, 'read-model.sqlite'),
    ...env,
  };
  const app = createApiApp({
    config: parseEnv(apiEnvSchema, serviceEnv),
    logger: createLogger({
      name: 'payhook-api',
      level: logs === undefined ? (process.env.TEST_LOG_LEVEL ?? 'error') : 'debug',
      ...(logs === undefined ? {} : { destination: logs }),
    }),
    registry: createMetricsRegistry('api'),
    clock: systemClock,
  });
  await app.start();
  await app.readModelCaughtUp;
  const baseUrl = `http://127.0.0.1:${app.port}`;
  const admin: Admin = pipeline.kafka.admin();
  await admin.connect();
  const cli = (args: readonly string[]) => runCli(args, serviceEnv);
  return {
    pipeline,
    app,
    baseUrl,
    env: serviceEnv,
    client: (key) => createApiClient(baseUrl, key),
    cli,
    async createKey(args) {
      const result = await cli(['api-keys', 'create', ...args, '--json']);
      if (result.code !== 0) throw new Error(`api-keys create failed: ${result.stderr}`);
      const { key, key_id: keyId } = JSON.parse(result.stdout) as { key: string; key_id: string };
      const deadline = Date.now() + 15_000;
      while (app.store.apiKeys.get(keyId) === undefined) {
        if (Date.now() > deadline) throw new Error(`the API did not read key ${keyId}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      return { key, keyId };
    },
    async recordCount(topic) {
      const offsets = await admin.fetchTopicOffsets(topic);
      return offsets.reduce((sum, p) => sum + Number(p.high), 0);
    },
    async close() {
      await app.stop();
      await admin.disconnect();
      // A pipeline handed in belongs to the caller.
      if (options.pipeline === undefined) await pipeline.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
