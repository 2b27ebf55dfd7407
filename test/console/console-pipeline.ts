import { createFilterApp, filterEnvSchema } from '@payhook/confirmation-filter';
import { createDispatcherApp, dispatcherEnvSchema } from '@payhook/dispatcher';
import { createLogger, createMetricsRegistry, parseEnv, systemClock } from '@payhook/runtime';
import { type ApiFixture, startApiFixture } from '../api/api-fixture.ts';
import { type Receiver, startReceiver } from '../dispatcher/receiver.ts';
import { createScannerFixture, type ScannerFixture } from '../scanner/scanner-fixture.ts';
import { buildConsole } from './browser.ts';

/** The whole pipeline on real parts with the API serving a fresh build of the console. */
export interface ConsolePipeline {
  readonly chain: ScannerFixture['chain'];
  readonly api: ApiFixture;
  readonly receiver: Receiver;
  close(): Promise<void>;
}

/**
 * A private pipeline and chain, the scanner, the confirmation filter, the dispatcher, a local
 * receiver, and the API (with `env`) serving the console built from its sources just now.
 */
export async function startConsolePipeline(env: Record<string, string>): Promise<ConsolePipeline> {
  const stops: (() => Promise<void> | void)[] = [];
  const close = async () => {
    for (const stop of stops.reverse()) await Promise.resolve(stop()).catch(() => undefined);
  };
  try {
    const [build, receiver, fx] = await Promise.all([buildConsole(), startReceiver(), createScannerFixture()]);
    stops.push(
      build.remove,
      () => receiver.close(),
      () => fx.close(),
    );
    await fx.startScanner();
    const api = await startApiFixture({ ...env, API_CONSOLE_DIR: build.dir }, undefined, { pipeline: fx.pipe });
    stops.push(() => api.close());
    const logger = createLogger({ name: 'console-test', level: process.env.TEST_LOG_LEVEL ?? 'error' });
    const serviceEnv = fx.pipe.serviceEnv();
    const filter = createFilterApp({
      config: parseEnv(filterEnvSchema, { ...serviceEnv, FILTER_INSTANCE_ID: 'console-test' }),
      logger,
      registry: createMetricsRegistry('confirmation-filter'),
    });
    await filter.start();
    stops.push(() => filter.stop());
    const dispatcher = createDispatcherApp({
      config: parseEnv(dispatcherEnvSchema, { ...serviceEnv, DISPATCHER_DEV_ALLOW_LIST: '127.0.0.1' }),
      logger,
      registry: createMetricsRegistry('dispatcher'),
      clock: systemClock,
    });
    await dispatcher.start();
    stops.push(() => dispatcher.stop());
    return { chain: fx.chain, api, receiver, close };
  } catch (error) {
    await close();
    throw error;
  }
}
