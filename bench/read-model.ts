// Read model benchmark: how fast the API process builds its read model from the pipeline's
// topics, against a plain kafkajs consumer of the same records in the same run (the baseline)
// and against the dispatcher's peak attempt rate (bench/results/dispatcher.json); and how long
// an attempt takes from its write to being visible through GET /v1/deliveries/{id} while
// attempts stream in. Writes results/read-model.json and .md. `node bench/read-model.ts --help`.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { WebhookDelivery } from '@payhook/contracts';
import { createPipelineFixture, uniqueName } from '@payhook/testkit';
import { type ApiProcess, startApiProcess } from './lib/api-process.ts';
import { deliveredAttempt } from './lib/attempt-corpus.ts';
import { dispatcherPeak as dispatcherPeakOf, machineInfo, reportHeader, writeResults } from './lib/report.ts';
import { summarize } from './lib/stats.ts';

const argv = process.argv.slice(2);
if (argv.includes('--help') || argv.includes('-h')) {
  process.stdout.write(
    'Usage: node bench/read-model.ts [--quick]\nNeeds the local stack (npm run payhook -- dev up). --quick: fewer records, for a smoke run.\n',
  );
  process.exit(0);
}
const quick = argv.includes('--quick');
const settings = {
  deliveries: quick ? 2_000 : 10_000,
  attempts: quick ? 10_000 : 60_000,
  partitions: 6,
  pacedAttemptsPerSecond: quick ? 500 : 2_000,
  pacedSeconds: quick ? 5 : 15,
  lagSamples: quick ? 50 : 300,
  quick,
};
const log = (m: string) => process.stdout.write(`${new Date().toISOString().slice(11, 19)} ${m}\n`);
const startedAt = new Date();

const pipe = await createPipelineFixture({ tiers: '5s', partitions: settings.partitions });
const dataDir = mkdtempSync(join(tmpdir(), 'payhook-bench-read-model-'));
const env = {
  PATH: process.env.PATH ?? '',
  ...pipe.serviceEnv(),
  API_READ_MODEL_PATH: join(dataDir, 'read-model.sqlite'),
  API_RATE_LIMIT_PER_MINUTE: '1000000',
  LOG_LEVEL: 'info',
};
const now = Date.now();
const delivery = (i: number): WebhookDelivery => ({
  delivery_id: `msg_b${i}`,
  event_id: `evt_b${i}`,
  event_type: 'payment.confirmed',
  endpoint_id: `ep_${i % 200}`,
  merchant_id: `mer_${i % 20}`,
  payment_id: `pay_b${i}`,
  body: '{"type":"payment.confirmed"}',
  created_at: now + i,
});
const attempt = (d: WebhookDelivery, n: number, at: number) => deliveredAttempt(d, n, at);

async function produceInChunks<T>(
  topic: string,
  contract: 'WEBHOOK_DELIVERY' | 'DELIVERY_ATTEMPT',
  items: { key: string; value: T }[],
) {
  for (let i = 0; i < items.length; i += 2_000) {
    await pipe.produce(topic, contract, items.slice(i, i + 2_000) as never);
  }
}

let exitCode = 0;
let api: ApiProcess | undefined;
const report = reportHeader('read-model', startedAt, settings);
try {
  log(`writing ${settings.deliveries} deliveries and ${settings.attempts} attempts`);
  const deliveries = Array.from({ length: settings.deliveries }, (_, i) => delivery(i));
  await produceInChunks(
    pipe.topics.dispatch,
    'WEBHOOK_DELIVERY',
    deliveries.map((d) => ({ key: d.endpoint_id, value: d })),
  );
  await produceInChunks(
    pipe.topics.attempts,
    'DELIVERY_ATTEMPT',
    Array.from({ length: settings.attempts }, (_, i) => {
      const d = deliveries[i % deliveries.length] as WebhookDelivery;
      return { key: d.delivery_id, value: attempt(d, Math.floor(i / deliveries.length) + 1, now + i) };
    }),
  );
  const total = settings.deliveries + settings.attempts;

  // Baseline: the same records read and decoded by a plain consumer, written nowhere: what the
  // read model adds to it is its SQLite transactions.
  log('baseline: a plain kafkajs consumer decoding the same records');
  const consumer = pipe.kafka.consumer({ groupId: uniqueName('bench-baseline'), maxWaitTimeInMs: 100 });
  await consumer.connect();
  await consumer.subscribe({ topics: [pipe.topics.dispatch, pipe.topics.attempts], fromBeginning: true });
  let seen = 0;
  let first = 0;
  let last = 0;
  await consumer.run({
    autoCommit: false,
    eachBatch: async ({ batch }) => {
      if (first === 0) first = performance.now();
      const contract = batch.topic === pipe.topics.attempts ? 'DELIVERY_ATTEMPT' : 'WEBHOOK_DELIVERY';
      for (const message of batch.messages) await pipe.codec.decode(contract, message.value);
      seen += batch.messages.length;
      last = performance.now();
    },
  });
  while (seen < total) await new Promise((r) => setTimeout(r, 20));
  await consumer.disconnect();
  const baselineRate = Math.round(total / ((last - first) / 1_000));
  log(`baseline ${baselineRate} records/s`);

  // The API builds its read model from the start of the topics.
  log('read model: the API process rebuilding from the topics');
  api = await startApiProcess(env);
  const base = api.base;
  // The API logs how long reading up to the end took, from its first batch (as the baseline is timed).
  const caughtUp = await api.logLine<{ records: number; ms: number }>('read model caught up');
  if (caughtUp.records !== total) throw new Error(`the read model read ${caughtUp.records} records, not ${total}`);
  const ingestRate = Math.round(total / (caughtUp.ms / 1_000));
  log(`read model ${ingestRate} records/s`);

  // Lag: attempts streaming in at a steady rate; sampled attempts polled through the API.
  const headers = await api.createKey(['--operator']);
  log(
    `lag: ${settings.pacedAttemptsPerSecond} attempts/s for ${settings.pacedSeconds} s, ${settings.lagSamples} sampled`,
  );
  const samples = Array.from({ length: settings.lagSamples }, (_, i) => delivery(1_000_000 + i));
  await produceInChunks(
    pipe.topics.dispatch,
    'WEBHOOK_DELIVERY',
    samples.map((d) => ({ key: d.endpoint_id, value: d })),
  );
  const lags: number[] = [];
  const end = Date.now() + settings.pacedSeconds * 1_000;
  let paced = 0;
  const background = (async () => {
    const perTick = Math.max(1, Math.round(settings.pacedAttemptsPerSecond / 20));
    while (Date.now() < end) {
      const tick = Date.now();
      const batch = Array.from({ length: perTick }, () => {
        const d = deliveries[paced++ % deliveries.length] as WebhookDelivery;
        return { key: d.delivery_id, value: attempt(d, 100 + paced, Date.now()) };
      });
      await pipe.produce(pipe.topics.attempts, 'DELIVERY_ATTEMPT', batch);
      await new Promise((r) => setTimeout(r, Math.max(0, 50 - (Date.now() - tick))));
    }
  })();
  const gap = (settings.pacedSeconds * 1_000) / settings.lagSamples;
  for (const d of samples) {
    const value = attempt(d, 1, Date.now());
    await pipe.produce(pipe.topics.attempts, 'DELIVERY_ATTEMPT', [{ key: d.delivery_id, value }]);
    const written = performance.now();
    for (;;) {
      const r = await fetch(`${base}/v1/deliveries/${d.delivery_id}`, { headers });
      if (r.status === 200 && ((await r.json()) as { attempt_count: number }).attempt_count >= 1) break;
      await new Promise((res) => setTimeout(res, 2));
    }
    lags.push(performance.now() - written);
    await new Promise((r) => setTimeout(r, Math.max(0, gap - (performance.now() - written))));
  }
  await background;
  await api.stop();

  const { run: dispatcherRun, attemptsPerSecond: dispatcherPeak } = dispatcherPeakOf();
  const lag = summarize(lags);
  Object.assign(report, {
    durationSeconds: Math.round((Date.now() - startedAt.getTime()) / 1_000),
    baselineRecordsPerSecond: baselineRate,
    readModelRecordsPerSecond: ingestRate,
    readModelOverBaseline: Math.round((ingestRate / baselineRate) * 1_000) / 1_000,
    dispatcherPeakAttemptsPerSecond: dispatcherPeak,
    dispatcherMeasured:
      dispatcherRun === undefined ? null : { at: dispatcherRun.startedAt, on: dispatcherRun.machine?.cpuModel },
    readModelOverDispatcherPeak:
      dispatcherPeak === null ? null : Math.round((ingestRate / dispatcherPeak) * 1_000) / 1_000,
    pacedAttempts: paced,
    visibleLagMs: lag,
  });
  const md = `# Read model benchmark

Measured ${startedAt.toISOString()} on ${machineInfo().cpuModel} (${machineInfo().cores} cores), Node ${process.version}.
Broker, registry, the API process and the benchmark share the machine (load average at start
${(report.loadAverageAtStart as number[]).join(', ')}). The baseline is measured in
the same run; the dispatcher's peak comes from its own benchmark${dispatcherRun === undefined ? '' : ` (${dispatcherRun.startedAt} on ${dispatcherRun.machine?.cpuModel})`}:
every attempt it makes is one record of webhooks.attempts, so the read model keeps up with it while it
ingests faster than that. The lag is from the broker's acknowledgement of an attempt to the first
GET /v1/deliveries/{id} that shows it (polled every 2 ms).

| figure | value |
| --- | --- |
| records (deliveries + attempts) | ${total.toLocaleString('en')} on ${settings.partitions} partitions |
| baseline: plain kafkajs consumer decoding each record, records/s | ${baselineRate.toLocaleString('en')} |
| read model rebuild (decode + SQLite, one transaction per batch), records/s | ${ingestRate.toLocaleString('en')} |
| read model ÷ baseline | ${report.readModelOverBaseline} |
| dispatcher's peak attempt rate (dispatcher.json, all healthy), attempts/s | ${dispatcherPeak?.toLocaleString('en') ?? 'not measured'} |
| read model ÷ dispatcher's peak | ${report.readModelOverDispatcherPeak ?? '—'} |
| attempt write → visible in GET /v1/deliveries/{id}, ms (p50 / p95 / p99 / max) | ${lag.p50} / ${lag.p95} / ${lag.p99} / ${lag.max} |
| while attempts streamed in at, /s | ${settings.pacedAttemptsPerSecond.toLocaleString('en')} for ${settings.pacedSeconds} s |
`;
  writeResults('read-model', report, md);
} catch (error) {
  exitCode = 1;
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
} finally {
  await api?.stop().catch(() => undefined);
  await pipe.close();
  rmSync(dataDir, { recursive: true, force: true });
}
process.exit(exitCode);
