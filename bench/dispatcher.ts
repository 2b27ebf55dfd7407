// Dispatcher benchmark: raw undici as the baseline, then the real dispatcher process on a
// private pipeline of the real broker and registry: all healthy, paced, one hot endpoint,
// hanging endpoints, and a large endpoints table. Writes results/dispatcher.json and .md.
// Run `node bench/dispatcher.ts --help`.
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createKafkaClient } from '@payhook/kafka';
import { createLogger } from '@payhook/runtime';
import { exitOnInterrupt, localStack, log, optionsOrExit, stackProcesses } from './lib/bench-cli.ts';
import { type BenchOptions, deployedAllocatorEnvText, HELP, parseOptions } from './lib/options.ts';
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

const opts: BenchOptions = optionsOrExit(() => parseOptions(process.argv.slice(2), BENCH_DIR), HELP);
const { brokers, registryUrl } = localStack();

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
    unpacedRuns: opts.liveProduce
      ? 'produced while the dispatcher consumes'
      : 'a backlog: written while the dispatcher is held (SIGSTOP), measured from its release',
    quick: opts.quick,
    scenarios: opts.scenarios.join(', '),
    dispatcherNodeFlags: opts.nodeFlags.join(' ') || 'none',
    dispatcherAllocatorEnv: deployedAllocatorEnvText(),
    serviceCompileCache: 'filled before the run, as the image fills its own',
    baselineNodeFlags: opts.baselineNodeFlags.join(' ') || 'none (Node’s defaults)',
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
const interrupted = exitOnInterrupt(() =>
  Promise.allSettled([...open].map((closable) => closable.close())).then(() => receiver.close()),
);

const ctx: BenchContext = {
  opts,
  receiver,
  kafka,
  admin,
  brokers,
  registryUrl,
  // On a small machine these compete with the dispatcher: their CPU use is reported with its.
  watch: stackProcesses(brokers, registryUrl),
  open,
  report,
  log,
  interrupted,
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
process.exit(interrupted() ? 130 : 0);
