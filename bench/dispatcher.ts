// Dispatcher benchmark: raw undici as the baseline, then the real dispatcher process on a
// private pipeline of the real broker and registry: all healthy, paced, one hot endpoint,
// hanging endpoints, and a large endpoints table. Writes results/dispatcher.json and .md.
// Run `node bench/dispatcher.ts --help`.
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createKafkaClient } from '@payhook/kafka';
import { createLogger } from '@payhook/runtime';
import { testEnvironment } from '@payhook/testkit';
import { type BenchOptions, HELP, parseOptions, UsageError } from './lib/options.ts';
import { pidListeningOn } from './lib/proc.ts';
import { startReceiver } from './lib/receiver.ts';
import { type BenchReport, evaluate, machineInfo, renderMarkdown } from './lib/report.ts';
import {
  type BenchContext,
  makeEndpoints,
  memoryScenario,
  pacedAndHotScenarios,
  repeatedScenarios,
} from './lib/scenarios.ts';
import type { Closable } from './lib/session.ts';

const BENCH_DIR = dirname(fileURLToPath(import.meta.url));

let parsed: BenchOptions | undefined;
try {
  parsed = parseOptions(process.argv.slice(2), BENCH_DIR);
} catch (error) {
  if (!(error instanceof UsageError)) throw error;
  process.stderr.write(`${error.message}\n\n${HELP}`);
  process.exit(2);
}
if (parsed === undefined) {
  process.stdout.write(HELP);
  process.exit(0);
}
const opts: BenchOptions = parsed;

const brokers = testEnvironment.kafkaBrokers;
const registryUrl = testEnvironment.schemaRegistryUrl;
// Everything this benchmark talks to must be on this machine.
const loopback = (host: string) => ['127.0.0.1', 'localhost', '[::1]'].includes(host);
const portOf = (hostPort: string) => Number(hostPort.slice(hostPort.lastIndexOf(':') + 1));
if (brokers.some((b) => !loopback(b.slice(0, b.lastIndexOf(':')))) || !loopback(new URL(registryUrl).hostname)) {
  process.stderr.write('KAFKA_BROKERS and SCHEMA_REGISTRY_URL must point at 127.0.0.1: the benchmark stays local\n');
  process.exit(2);
}

const log = (message: string) => process.stdout.write(`${new Date().toISOString().slice(11, 19)} ${message}\n`);
const startedAt = new Date();
const kafka = createKafkaClient({
  brokers,
  clientId: 'payhook-bench',
  logger: createLogger({ name: 'payhook-bench', level: 'error', destination: process.stderr }),
});
const admin = kafka.admin();
const receiver = await startReceiver(opts.origins);
const open = new Set<Closable>();

const report: BenchReport = {
  benchmark: 'dispatcher',
  startedAt: startedAt.toISOString(),
  durationSeconds: 0,
  machine: machineInfo(),
  settings: {
    records: opts.records,
    repeats: opts.repeats,
    warmup: opts.warmup,
    endpoints: opts.endpoints,
    origins: opts.origins,
    baselineConcurrency: opts.concurrency,
    perEndpointConcurrency: opts.perEndpoint,
    partitions: opts.partitions,
    hotRecords: opts.hotRecords,
    pacedRatePerSecond: opts.pacedRate,
    pacedSeconds: opts.pacedSeconds,
    hangingShare: opts.hangingShare,
    hangingRequestTimeoutMs: opts.hangTimeoutMs,
    memoryEndpoints: opts.memoryEndpoints,
    maxBackgroundCores: opts.maxBackground,
    attempts: opts.attempts,
    retryTiers: '30m (a failed delivery stays parked for the rest of the run)',
    quick: opts.quick,
    scenarios: opts.scenarios.join(', '),
    dispatcherNodeFlags: opts.nodeFlags.join(' ') || 'none',
    dispatcherEnv:
      Object.entries(opts.dispatcherEnv)
        .map(([k, v]) => `${k}=${v}`)
        .join(' ') || 'defaults (plus the settings above)',
  },
  backgroundCores: {},
  discardedRuns: {},
  repetitions: [],
  scenarios: {},
  ratios: [],
  targets: [],
};

// Stop by ourselves on Ctrl-C too: the dispatcher children go, the private topics are deleted.
let interrupted = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    interrupted = true;
    log(`${signal}: cleaning up`);
    const timer = setTimeout(() => process.exit(130), 20_000);
    void Promise.allSettled([...open].map((closable) => closable.close()))
      .then(() => receiver.close())
      .finally(() => {
        clearTimeout(timer);
        process.exit(130);
      });
  });
}

const ctx: BenchContext = {
  opts,
  receiver,
  kafka,
  admin,
  brokers,
  registryUrl,
  // On a small machine these compete with the dispatcher: their CPU use is reported with its.
  watch: {
    broker: pidListeningOn(portOf(brokers[0] ?? '')),
    registry: pidListeningOn(Number(new URL(registryUrl).port || 80)),
  },
  open,
  report,
  log,
  interrupted: () => interrupted,
};

try {
  await admin.connect();
  const healthy = makeEndpoints(ctx, opts.endpoints);
  await repeatedScenarios(ctx, healthy);
  await pacedAndHotScenarios(ctx, healthy);
  await memoryScenario(ctx);
} finally {
  for (const closable of open) await closable.close().catch(() => undefined);
  await receiver.close();
  await admin.disconnect().catch(() => undefined);
}

const finished: BenchReport = {
  ...report,
  ...evaluate(report),
  durationSeconds: Math.round((Date.now() - startedAt.getTime()) / 1000),
};
await mkdir(opts.outDir, { recursive: true });
await writeFile(join(opts.outDir, 'dispatcher.json'), `${JSON.stringify(finished, null, 2)}\n`);
await writeFile(join(opts.outDir, 'dispatcher.md'), renderMarkdown(finished));
log(`results written to ${join(opts.outDir, 'dispatcher.json')} and dispatcher.md`);
for (const r of finished.ratios) log(`ratio: ${r.name}: ${r.value ?? '–'}`);
for (const t of finished.targets) {
  const verdict = t.met === null ? 'not measured' : t.met ? 'met' : 'NOT met';
  log(`target: ${t.name}: ${t.value ?? '–'} ${t.unit} (${t.target}) ${verdict}`);
}
process.exit(interrupted ? 130 : 0);
