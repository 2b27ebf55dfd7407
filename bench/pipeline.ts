// End-to-end benchmark: payment events written as the scanner writes them, through the real
// confirmation filter and dispatcher processes, to webhooks at a local receiver; raw undici
// to the same receiver as the baseline in the same run. Writes results/pipeline.json and .md.
// Run `node bench/pipeline.ts --help`.
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createKafkaClient } from '@payhook/kafka';
import { createLogger } from '@payhook/runtime';
import { type BaselineResult, runBaseline } from './lib/baseline.ts';
import { exitOnInterrupt, localStack, log, optionsOrExit, stackProcesses } from './lib/bench-cli.ts';
import { makeMerchants, meanFanOut } from './lib/merchants.ts';
import { deployedAllocatorEnvText } from './lib/options.ts';
import { PIPELINE_HELP, type PipelineBenchOptions, parsePipelineOptions } from './lib/pipeline-options.ts';
import { type PipelineReport, renderPipelineMarkdown, type SaturationResult } from './lib/pipeline-report.ts';
import { openPipelineSession, type PipelineRunResult, type PipelineSession } from './lib/pipeline-session.ts';
import { startReceiver } from './lib/receiver.ts';
import { machineInfo } from './lib/report.ts';
import { errorText, median } from './lib/scenarios.ts';
import type { Closable } from './lib/session.ts';
import { ratio } from './lib/stats.ts';

const BENCH_DIR = dirname(fileURLToPath(import.meta.url));

const opts: PipelineBenchOptions = optionsOrExit(
  () => parsePipelineOptions(process.argv.slice(2), BENCH_DIR),
  PIPELINE_HELP,
);
const { brokers, registryUrl } = localStack();
const startedAt = new Date();
const logger = createLogger({ name: 'payhook-bench', level: 'error', destination: process.stderr });
const kafka = createKafkaClient({ brokers, clientId: 'payhook-bench', logger });
const admin = kafka.admin();
const endpointCount = opts.merchants[0] + opts.merchants[1] * 3 + opts.merchants[2] * 10;
const receiver = await startReceiver(Math.min(endpointCount, 200));
const merchants = makeMerchants(opts.merchants, receiver.origins);
const endpoints = merchants.flatMap((m) => m.endpoints);
const fanOut = meanFanOut(merchants);
const open = new Set<Closable>();
const watch = stackProcesses(brokers, registryUrl);

const report: PipelineReport = {
  benchmark: 'pipeline',
  startedAt: startedAt.toISOString(),
  durationSeconds: 0,
  machine: machineInfo(),
  loadAverage: {},
  settings: {
    merchants: `${opts.merchants[0]} with 1 endpoint, ${opts.merchants[1]} with 3, ${opts.merchants[2]} with 10`,
    endpoints: endpoints.length,
    meanFanOut: Math.round(fanOut * 100) / 100,
    events: opts.events,
    warmupEvents: opts.warmupEvents,
    eventsPartitions: opts.eventsPartitions.join(', '),
    partitions: opts.partitions,
    repeats: opts.repeats,
    txEvents: opts.txEvents,
    pacedRates: opts.pacedRates.join(', '),
    pacedSeconds: opts.pacedSeconds,
    blockMs: opts.blockMs,
    verifyEvery: opts.verifyEvery,
    baselineConcurrency: endpoints.length,
    dispatcherNodeFlags: opts.nodeFlags.join(' ') || 'none',
    dispatcherAllocatorEnv: deployedAllocatorEnvText(),
    serviceCompileCache: 'filled before the run, as the image fills its own',
    retryTiers: '30m (a failed delivery stays parked for the rest of the run)',
    quick: opts.quick,
  },
  baseline: undefined,
  serviceErrors: {},
  saturation: [],
  paced: [],
};
const noteLoad = (label: string) => {
  report.loadAverage[label] = Math.round((os.loadavg()[0] ?? 0) * 100) / 100;
};

const interrupted = exitOnInterrupt(() =>
  Promise.allSettled([...open].map((closable) => closable.close())).then(() => receiver.close()),
);

const describe = (r: PipelineRunResult) =>
  `${r.arrived}/${r.expected} webhooks, ${r.webhooksPerSecond}/s (${r.endToEndPerSecond}/s from the first write), ` +
  `p50 ${r.latencyMs.p50} ms, p99 ${r.latencyMs.p99} ms; cores busy: filter ${r.cpu.byProcess.filter}, ` +
  `dispatcher ${r.cpu.byProcess.dispatcher}, broker ${r.cpu.byProcess.broker ?? '?'}, bench ${r.cpu.byProcess.bench}, ` +
  `others ${r.cpu.others}; ${r.verified} signatures verified, ${r.badSignatures} bad`;

/**
 * A pace is reached when every event went out at it (≥ 95 %), every webhook arrived, and they
 * arrived at ≥ 90 % of it from the first arrival to the last (the tail of the last events'
 * latency stretches that span a little even when the pipeline keeps up).
 */
const paceReached = (r: PipelineRunResult, eventsPerSecond: number, rate: number) =>
  r.complete &&
  r.eventsWritten === r.events &&
  r.eventsWrittenPerSecond >= 0.95 * eventsPerSecond &&
  r.webhooksPerSecond >= 0.9 * rate;

async function withSession<T>(
  label: string,
  eventsPartitions: number,
  body: (session: PipelineSession) => Promise<T>,
): Promise<T> {
  log(`starting a private pipeline (payments.events: ${eventsPartitions} partitions), the filter and the dispatcher`);
  const session = await openPipelineSession({
    kafka,
    admin,
    brokers: brokers.join(','),
    registryUrl,
    partitions: opts.partitions,
    eventsPartitions,
    receiver,
    merchants,
    nodeFlags: opts.nodeFlags,
    logger,
    watch,
    track: open,
  });
  try {
    if (opts.warmupEvents > 0) {
      const warm = await session.run({
        tag: 'warm',
        events: opts.warmupEvents,
        write: { kind: 'backlog', txEvents: opts.txEvents },
        verifyEvery: opts.verifyEvery,
        timeoutMs: opts.runTimeoutMs,
      });
      log(`  warm-up: ${describe(warm)}`);
    }
    return await body(session);
  } finally {
    for (const [name, service] of [
      ['filter', session.filter],
      ['dispatcher', session.dispatcher],
    ] as const) {
      if (service.errors.length === 0) continue;
      const first = service.errors[0] as string;
      report.serviceErrors[`${label}, ${name}`] = { count: service.errors.length, first };
      log(`  the ${name} logged ${service.errors.length} errors, e.g. "${first}"`);
    }
    await session.close();
  }
}

/** Baseline deliveries/s and saturation runs by repetition, for ratios within a repetition. */
const baselines: BaselineResult[] = [];
const baselineOf: (number | undefined)[] = [];
const saturation = new Map<number, { readonly repetition: number; readonly run: PipelineRunResult }[]>();
const failures = new Map<number, string>();
/** Webhooks of a saturation run: events go round-robin over the merchants. */
let expectedWebhooks = 0;
for (let i = 0; i < opts.events; i++) expectedWebhooks += merchants[i % merchants.length]?.endpoints.length ?? 0;

try {
  await admin.connect();
  for (let r = 0; r < opts.repeats && !interrupted(); r++) {
    const of = `${r + 1}/${opts.repeats}`;
    noteLoad(`baseline ${of}`);
    log(`baseline ${of}: raw undici, ${expectedWebhooks} POSTs at concurrency ${endpoints.length}`);
    try {
      const b = await runBaseline({
        receiver,
        endpoints,
        records: expectedWebhooks,
        warmup: Math.min(2_000, expectedWebhooks),
        concurrency: endpoints.length,
        timeoutMs: opts.runTimeoutMs,
        watch,
      });
      baselines.push(b);
      baselineOf[r] = b.receiver.deliveriesPerSecond;
      log(
        `  ${b.receiver.arrived} arrived, ${b.receiver.deliveriesPerSecond}/s; client ${b.cpu.byProcess.client} cores`,
      );
    } catch (error) {
      report.baseline = { error: errorText(error) };
      log(`  failed: ${errorText(error)}`);
    }
    for (const eventsPartitions of opts.eventsPartitions) {
      if (interrupted() || failures.has(eventsPartitions)) continue;
      const label = `saturation ${of}, ${eventsPartitions} events partition(s)`;
      noteLoad(label);
      try {
        await withSession(label, eventsPartitions, async (session) => {
          const run = await session.run({
            tag: `sat${r}p${eventsPartitions}`,
            events: opts.events,
            write: { kind: 'backlog', txEvents: opts.txEvents },
            verifyEvery: opts.verifyEvery,
            timeoutMs: opts.runTimeoutMs,
          });
          log(`  ${label}: ${describe(run)}`);
          saturation.set(eventsPartitions, [...(saturation.get(eventsPartitions) ?? []), { repetition: r, run }]);
          // The paced runs once per variant, in the last repetition; not after a pipeline that
          // did not deliver everything (a stuck filter would only make them time out).
          if (r !== opts.repeats - 1) return;
          if (!run.complete) {
            log('  paced runs skipped: the saturation run did not complete');
            return;
          }
          for (const rate of opts.pacedRates) {
            if (interrupted()) break;
            noteLoad(`paced ${rate}/s`);
            const eventsPerSecond = Math.round((rate / fanOut) * 10) / 10;
            const paced = await session.run({
              tag: `paced${rate}`,
              events: Math.ceil(eventsPerSecond * opts.pacedSeconds),
              write: { kind: 'paced', eventsPerSecond, blockMs: opts.blockMs },
              probe: true,
              verifyEvery: opts.verifyEvery,
              timeoutMs: opts.pacedSeconds * 1000 + opts.runTimeoutMs,
            });
            const reached = paceReached(paced, eventsPerSecond, rate);
            report.paced.push({
              eventsPartitions,
              targetWebhooksPerSecond: rate,
              eventsPerSecond,
              reached,
              run: paced,
            });
            log(
              `  paced ${rate}/s (${eventsPerSecond} events/s, ${reached ? 'reached' : 'NOT reached'}): ${describe(paced)}`,
            );
          }
        });
      } catch (error) {
        failures.set(eventsPartitions, errorText(error));
        log(`  failed: ${errorText(error)}`);
      }
    }
  }
} finally {
  for (const closable of open) await closable.close().catch(() => undefined);
  await receiver.close();
  await admin.disconnect().catch(() => undefined);
}

noteLoad('end');
if (baselines.length > 0) report.baseline = median(baselines, (b) => b.receiver.deliveriesPerSecond);
for (const eventsPartitions of opts.eventsPartitions) {
  const repeated = saturation.get(eventsPartitions) ?? [];
  // A run that did not deliver everything (a stuck filter) has no rate to compare.
  const runs = repeated.map((x) => x.run).filter((x) => x.complete);
  const failed = failures.get(eventsPartitions);
  const run: SaturationResult['run'] =
    runs.length > 0
      ? median(runs, (x) => x.webhooksPerSecond)
      : { error: failed ?? (repeated.length > 0 ? 'no repetition delivered every webhook' : 'not run') };
  // An incomplete run's rate is that of the webhooks that made it: no ratio from it.
  const repeatRatios = repeated.map(({ repetition, run: x }) => {
    const b = baselineOf[repetition];
    return x.complete && b !== undefined ? ratio(x.webhooksPerSecond, b) : null;
  });
  const known = repeatRatios.filter((x): x is number => x !== null).sort((a, b) => a - b);
  report.saturation.push({
    eventsPartitions,
    run,
    ratioToBaseline: known.length === 0 ? null : (known[Math.floor((known.length - 1) / 2)] as number),
    repeatRatios,
    incompleteRepetitions: repeated.length - runs.length,
  });
}
report.durationSeconds = Math.round((Date.now() - startedAt.getTime()) / 1000);
await mkdir(opts.outDir, { recursive: true });
await writeFile(join(opts.outDir, 'pipeline.json'), `${JSON.stringify(report, null, 2)}\n`);
await writeFile(join(opts.outDir, 'pipeline.md'), renderPipelineMarkdown(report));
log(`results written to ${join(opts.outDir, 'pipeline.json')} and pipeline.md`);
for (const s of report.saturation)
  log(`saturation, ${s.eventsPartitions} events partition(s): ratio to raw undici ${s.ratioToBaseline ?? '–'}`);
for (const p of report.paced)
  log(
    `paced ${p.targetWebhooksPerSecond}/s, ${p.eventsPartitions} events partition(s): ${p.reached ? 'reached' : 'not reached'}`,
  );
process.exit(interrupted() ? 130 : 0);
