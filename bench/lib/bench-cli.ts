import { testEnvironment } from '@payhook/testkit';
import { UsageError } from './options.ts';
import { pidListeningOn } from './proc.ts';

/**
 * The options `parse` returns from the command line; on `--help` (`undefined`) the help text
 * and exit 0, on a usage error its message, the help text and exit 2.
 */
export function optionsOrExit<T>(parse: () => T | undefined, help: string): T {
  let parsed: T | undefined;
  try {
    parsed = parse();
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`${error.message}\n\n${help}`);
    process.exit(2);
  }
  if (parsed === undefined) {
    process.stdout.write(help);
    process.exit(0);
  }
  return parsed;
}

/** The broker and registry of the environment; exits 2 unless both are on this machine. */
export function localStack(): { readonly brokers: string[]; readonly registryUrl: string } {
  const brokers = testEnvironment.kafkaBrokers;
  const registryUrl = testEnvironment.schemaRegistryUrl;
  // Everything a benchmark talks to must be on this machine.
  const loopback = (host: string) => ['127.0.0.1', 'localhost', '[::1]'].includes(host);
  if (brokers.some((b) => !loopback(b.slice(0, b.lastIndexOf(':')))) || !loopback(new URL(registryUrl).hostname)) {
    process.stderr.write('KAFKA_BROKERS and SCHEMA_REGISTRY_URL must point at 127.0.0.1: the benchmark stays local\n');
    process.exit(2);
  }
  return { brokers: [...brokers], registryUrl };
}

/** A progress line on stdout, with the time of day. */
export const log = (message: string) => process.stdout.write(`${new Date().toISOString().slice(11, 19)} ${message}\n`);

/**
 * On SIGINT or SIGTERM: `cleanup` (stop children, delete private topics), then exit 130,
 * after at most 20 s. Returns whether an interrupt came.
 */
export function exitOnInterrupt(cleanup: () => Promise<unknown>): () => boolean {
  let interrupted = false;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      interrupted = true;
      log(`${signal}: stopping what the benchmark started and deleting its topics`);
      const timer = setTimeout(() => process.exit(130), 20_000);
      void cleanup().finally(() => {
        clearTimeout(timer);
        process.exit(130);
      });
    });
  }
  return () => interrupted;
}

/** The broker's and the registry's processes, found by their ports (undefined when not found). */
export function stackProcesses(brokers: readonly string[], registryUrl: string) {
  const broker = brokers[0] ?? '';
  return {
    broker: pidListeningOn(Number(broker.slice(broker.lastIndexOf(':') + 1))),
    registry: pidListeningOn(Number(new URL(registryUrl).port || 80)),
  };
}
