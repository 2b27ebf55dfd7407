// Read model at scale: the SQLite read model filled with a million attempts through its store's
// own write interface (the batches its ingester applies), then the API process serving it: p50,
// p95 and p99 of GET /v1/deliveries with each filter and of POST /v1/payments over HTTP, against
// GET /healthz and an unfiltered first page in the same run. The status filter's indexes are
// measured absent (a file of the previous schema) and then added as an existing file gains them.
// Writes results/read-model-scale.json and .md. `node bench/read-model-scale.ts --help`.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { ADDED_INDEXES, addIndexes, openSqliteReadModel } from '@payhook/api/read-model';
import { parseRetryTiers, pipelineTopics } from '@payhook/contracts';
import { createPipelineFixture, uniqueName } from '@payhook/testkit';
import { type ApiProcess, startApiProcess } from './lib/api-process.ts';
import {
  attemptCorpus,
  type CorpusTotals,
  endpointId,
  LARGEST_MERCHANT,
  type SampleDelivery,
} from './lib/attempt-corpus.ts';
import { dispatcherPeak, machineInfo, reportHeader, writeResults } from './lib/report.ts';
import { type LatencySummary, ratio, summarize } from './lib/stats.ts';

const HELP = `Usage: node bench/read-model-scale.ts [--quick] [--attempts N] [--samples N]

Fills a temporary SQLite read model with N attempts (default 1,000,000; --quick 100,000) of many
merchants, endpoints and payments through the store's write interface, starts the API on it and
measures GET /v1/deliveries with each filter and POST /v1/payments over HTTP (--samples requests
each, default 300), with and without the status filter's indexes. Needs the local stack
(npm run payhook -- dev up). Removes its database and topics when it ends.
`;
const argv = process.argv.slice(2);
if (argv.includes('--help') || argv.includes('-h')) {
  process.stdout.write(HELP);
  process.exit(0);
}
const numberArg = (name: string, fallback: number): number => {
  const i = argv.indexOf(name);
  if (i === -1) return fallback;
  const n = Number(argv[i + 1]);
  if (!Number.isSafeInteger(n) || n < 1) {
    process.stderr.write(`${name} must be a positive integer, got ${JSON.stringify(argv[i + 1])}\n`);
    process.exit(2);
  }
  return n;
};
const quick = argv.includes('--quick');
const settings = {
  attempts: numberArg('--attempts', quick ? 100_000 : 1_000_000),
  merchants: 50,
  endpointsPerMerchant: 8,
  days: 30,
  tiers: '5s,1m,10m,1h,6h,24h',
  chunkDeliveries: 2_000,
  samplesPerScenario: numberArg('--samples', quick ? 60 : 300),
  /** Turns each phase takes; its samples are split among them. */
  rounds: 3,
  /** A scenario stops sampling after this long (a slow filter gets fewer samples). */
  scenarioBudgetSeconds: quick ? 5 : 20,
  quick,
};
const log = (m: string) => process.stdout.write(`${new Date().toISOString().slice(11, 19)} ${m}\n`);
const startedAt = new Date();
const dataDir = mkdtempSync(join(tmpdir(), 'payhook-bench-read-model-scale-'));
const dbPath = join(dataDir, 'read-model.sqlite');
let api: ApiProcess | undefined;
let closePipe: (() => Promise<void>) | undefined;
let cleaning: Promise<void> | undefined;
const cleanUp = () => {
  cleaning ??= (async () => {
    await api?.stop().catch(() => undefined);
    await closePipe?.().catch(() => undefined);
    rmSync(dataDir, { recursive: true, force: true });
  })();
  return cleaning;
};
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => void cleanUp().then(() => process.exit(130)));
}
const fileMb = () =>
  Math.round(
    ['', '-wal'].reduce(
      (sum, suffix) => sum + (statSync(`${dbPath}${suffix}`, { throwIfNoEntry: false })?.size ?? 0),
      0,
    ) / 1_048_576,
  );

/** Fills the store chunk by chunk, one transaction per batch as the ingester writes. */
async function fill(prefix: string) {
  const topics = pipelineTopics(parseRetryTiers(settings.tiers), prefix);
  // The pipeline the API names its file by (app.ts): the same, so the API opens this file as it is.
  const pipeline = JSON.stringify({ prefix: topics.prefix, tiers: topics.retry.map((t) => t.label) });
  const store = openSqliteReadModel({ path: dbPath, pipeline });
  const totals: CorpusTotals = {
    attempts: 0,
    deliveries: 0,
    deliveryRecords: 0,
    payments: 0,
    byStatus: { delivered: 0, retrying: 0, failed: 0 },
  };
  const samples = { deliveries: [] as SampleDelivery[], every: 200 };
  const endMs = Date.now();
  const began = performance.now();
  let reported = { attempts: 0, records: 0, at: began };
  /** Records per second over each twentieth of the fill: how writing slows as the file grows. */
  const intervals: { attemptsStored: number; recordsPerSecond: number }[] = [];
  let batches = 0;
  for (const chunk of attemptCorpus(
    {
      attempts: settings.attempts,
      merchants: settings.merchants,
      endpointsPerMerchant: settings.endpointsPerMerchant,
      days: settings.days,
      endMs,
      tiers: topics.retry,
      // Topics the API does not read: their positions are the store's, never the API's.
      topicPrefix: `${prefix}bench-fill.`,
      chunk: settings.chunkDeliveries,
      seed: 15,
    },
    totals,
    samples,
  )) {
    for (const batch of chunk) await store.apply(batch);
    batches += chunk.length;
    if (totals.attempts - reported.attempts >= settings.attempts / 20) {
      const now = {
        attempts: totals.attempts,
        records: totals.attempts + totals.deliveryRecords,
        at: performance.now(),
      };
      const rate = Math.round((now.records - reported.records) / ((now.at - reported.at) / 1_000));
      intervals.push({ attemptsStored: now.attempts, recordsPerSecond: rate });
      reported = now;
      log(
        `filled ${totals.attempts.toLocaleString('en')} attempts, ${totals.deliveries.toLocaleString('en')} deliveries (${rate.toLocaleString('en')} records/s lately, ${fileMb()} MB)`,
      );
    }
  }
  const seconds = (performance.now() - began) / 1_000;
  const counts = await store.counts();
  await store.close();
  if (counts.attempts !== totals.attempts || counts.deliveries !== totals.deliveries) {
    throw new Error(`the store holds ${JSON.stringify(counts)}, the corpus wrote ${JSON.stringify(totals)}`);
  }
  return { totals, samples: samples.deliveries, endMs, seconds, batches, intervals };
}

type Headers = Record<string, string>;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const pickOf = <T>(list: readonly T[]): T => list[Math.floor(Math.random() * list.length)] as T;
const iso = (ms: number) => new Date(ms).toISOString();

/** One request of a measured line, picked anew each time. */
type Request = () => { url: string; init?: RequestInit };

/**
 * Times `count` sequential requests (after two unmeasured ones), each read to its end, stopping
 * early once `budgetMs` has passed and ten are timed.
 */
async function measure(request: Request, expect: number, count: number, budgetMs: number): Promise<number[]> {
  const samples: number[] = [];
  const stopAt = performance.now() + budgetMs;
  for (let i = -2; i < count; i++) {
    const { url, init } = request();
    const t0 = performance.now();
    const response = await fetch(url, init);
    await response.arrayBuffer();
    const ms = performance.now() - t0;
    if (response.status !== expect) throw new Error(`${url} answered ${response.status}, expected ${expect}`);
    if (i >= 0) samples.push(ms);
    if (performance.now() > stopAt && samples.length >= 10) break;
  }
  return samples;
}

interface Scenario {
  readonly name: string;
  /** The query string, picked anew for each request. */
  readonly query: () => string;
}

let exitCode = 0;
const report = reportHeader('read-model-scale', startedAt, settings);
try {
  const prefix = `${uniqueName('scale')}.`;
  log(`filling ${settings.attempts.toLocaleString('en')} attempts into ${dbPath}`);
  const filled = await fill(prefix);
  const { totals, samples, endMs } = filled;
  const fillRate = Math.round((totals.attempts + totals.deliveryRecords) / filled.seconds);
  const filledMb = fileMb();
  log(`filled in ${Math.round(filled.seconds)} s (${fillRate.toLocaleString('en')} records/s), ${filledMb} MB`);

  const pipe = await createPipelineFixture({ tiers: settings.tiers, partitions: 1, prefix });
  closePipe = () => pipe.close();
  api = await startApiProcess({
    PATH: process.env.PATH ?? '',
    ...pipe.serviceEnv(),
    API_READ_MODEL_PATH: dbPath,
    API_RATE_LIMIT_PER_MINUTE: '100000000',
    LOG_LEVEL: 'info',
  });
  const base = api.base;
  const merchantKey = await api.createKey(['--merchant', LARGEST_MERCHANT]);
  const operatorKey = await api.createKey(['--operator']);
  // The API kept the filled file (a file it did not recognise would have been emptied).
  const probe = samples[0];
  if (probe === undefined) throw new Error('the corpus kept no sample deliveries');
  const seen = await fetch(`${base}/v1/deliveries/${probe.deliveryId}`, { headers: merchantKey });
  if (seen.status !== 200) throw new Error(`GET /v1/deliveries/${probe.deliveryId} answered ${seen.status}`);

  // Cursors deep into the list: the cursor of the first row before a time from half to nearly
  // all of the way back, as a client paging that far would hold.
  const deepCursors = async (headers: Headers) => {
    const out: string[] = [];
    const spanMs = settings.days * 86_400_000;
    for (let i = 0; i < 20; i++) {
      const until = iso(endMs - spanMs * (0.5 + 0.45 * Math.random()));
      const r = await fetch(`${base}/v1/deliveries?limit=1&until=${until}`, { headers });
      const cursor = ((await r.json()) as { next_cursor: string | null }).next_cursor;
      if (cursor !== null) out.push(cursor);
    }
    if (out.length === 0) throw new Error('no deep cursor found');
    return out;
  };
  const principals = [
    { name: 'merchant', detail: `${LARGEST_MERCHANT}, a fifth of all deliveries`, headers: merchantKey },
    { name: 'operator', detail: 'every merchant', headers: operatorKey },
  ];
  const cursors = new Map<string, string[]>();
  for (const p of principals) cursors.set(p.name, await deepCursors(p.headers));
  const healthyEndpoints = Array.from({ length: settings.endpointsPerMerchant - 2 }, (_, k) => endpointId(0, k));
  const scenarios = (principal: string): Scenario[] => [
    { name: 'first page, no filter', query: () => '' },
    { name: 'endpoint_id', query: () => `endpoint_id=${pickOf(samples).endpointId}` },
    { name: 'payment_id', query: () => `payment_id=${pickOf(samples).paymentId}` },
    { name: 'status=delivered', query: () => 'status=delivered' },
    { name: 'status=retrying', query: () => 'status=retrying' },
    { name: 'status=failed', query: () => 'status=failed' },
    {
      name: 'endpoint_id + status=failed (a healthy endpoint: none)',
      query: () => `endpoint_id=${pickOf(healthyEndpoints)}&status=failed`,
    },
    {
      name: 'since + until (one hour)',
      query: () => {
        const t = pickOf(samples).createdAtMs;
        return `since=${iso(t - 1_800_000)}&until=${iso(t + 1_800_000)}`;
      },
    },
    { name: 'cursor deep into the list', query: () => `cursor=${pickOf(cursors.get(principal) ?? [])}` },
  ];

  const lines: { principal: string; scenario: string; expect: number; request: Request }[] = [
    {
      principal: 'none',
      scenario: 'GET /healthz (baseline)',
      expect: 200,
      request: () => ({ url: `${base}/healthz` }),
    },
    ...principals.flatMap((p) =>
      scenarios(p.name).map((sc) => ({
        principal: p.name,
        scenario: sc.name,
        expect: 200,
        request: () => ({ url: `${base}/v1/deliveries?${sc.query()}`, init: { headers: p.headers } }),
      })),
    ),
    {
      principal: 'merchant',
      scenario: 'POST /v1/payments',
      expect: 201,
      request: () => ({
        url: `${base}/v1/payments`,
        init: {
          method: 'POST',
          headers: { ...merchantKey, 'content-type': 'application/json' },
          body: JSON.stringify({
            chain_id: 31337,
            deposit_address: `0x${randomBytes(20).toString('hex')}`,
            amount_expected: '1000000',
          }),
        },
      }),
    },
  ];
  const sqlite = () => {
    const db = new DatabaseSync(dbPath);
    db.exec('PRAGMA busy_timeout = 5000');
    return db;
  };
  const PHASES = ['without status indexes', 'with status indexes'] as const;
  const timings = new Map(PHASES.map((phase) => [phase, lines.map((): number[] => [])]));
  const migrations: { seconds: number }[] = [];
  /** The pages the status indexes held, freed by dropping them (the file keeps its size). */
  let indexMb: number | undefined;
  // The two phases take turns, so that other work on the machine weighs on both alike.
  for (let round = 0; round < settings.rounds; round++) {
    for (const phase of PHASES) {
      const db = sqlite();
      if (phase === 'without status indexes') {
        const pragma = (name: string) => (db.prepare(`PRAGMA ${name}`).get() as Record<string, number>)[name] ?? 0;
        const freeBefore = pragma('freelist_count');
        for (const name of Object.keys(ADDED_INDEXES)) db.exec(`DROP INDEX IF EXISTS ${name}`);
        indexMb ??= Math.round(((pragma('freelist_count') - freeBefore) * pragma('page_size')) / 1_048_576);
      } else {
        // As the store does when it opens a file of the previous schema (sqlite-schema.ts).
        const t0 = performance.now();
        addIndexes(db);
        const seconds = Math.round((performance.now() - t0) / 100) / 10;
        migrations.push({ seconds });
        log(`status indexes added to the filled file in ${seconds} s`);
      }
      db.close();
      const perLine = Math.ceil(settings.samplesPerScenario / settings.rounds);
      const budgetMs = (settings.scenarioBudgetSeconds * 1_000) / settings.rounds;
      for (const [i, line] of lines.entries()) {
        const times = await measure(line.request, line.expect, perLine, budgetMs);
        timings.get(phase)?.[i]?.push(...times);
      }
      log(`round ${round + 1} of ${settings.rounds}, ${phase}: measured`);
      await sleep(100);
    }
  }
  const phases = Object.fromEntries(
    PHASES.map((phase) => [
      phase,
      lines.map((line, i) => {
        const times = timings.get(phase)?.[i] ?? [];
        return {
          principal: line.principal,
          scenario: line.scenario,
          ...summarize(times),
          budgetHit: times.length < settings.samplesPerScenario,
        };
      }),
    ]),
  );
  const migration = migrations.sort((a, b) => a.seconds - b.seconds)[Math.floor(migrations.length / 2)];
  await cleanUp();

  const before = phases['without status indexes'] ?? [];
  const after = phases['with status indexes'] ?? [];
  Object.assign(report, {
    durationSeconds: Math.round((Date.now() - startedAt.getTime()) / 1_000),
    corpus: { ...totals, merchants: settings.merchants, endpoints: settings.merchants * settings.endpointsPerMerchant },
    fill: {
      seconds: Math.round(filled.seconds),
      recordsPerSecond: fillRate,
      batches: filled.batches,
      intervals: filled.intervals,
    },
    fileMb: filledMb,
    statusIndexesMb: indexMb,
    migration,
    migrations,
    phases,
  });
  const fmt = (r: LatencySummary | undefined) => (r === undefined ? '—' : `${r.p50} / ${r.p95} / ${r.p99}`);
  const table = after
    .map((a, i) => {
      const b = before[i];
      const gain = b === undefined ? '—' : `${ratio(b.p99, a.p99)}×`;
      return `| ${a.principal} | ${a.scenario} | ${fmt(b)} | ${fmt(a)} | ${gain} | ${a.count}${a.budgetHit ? ' (time cap)' : ''} |`;
    })
    .join('\n');
  const { run: dispatcherRun, attemptsPerSecond: peak } = dispatcherPeak();
  const firstRate = filled.intervals[0]?.recordsPerSecond ?? fillRate;
  const lastRate = filled.intervals.at(-1)?.recordsPerSecond ?? fillRate;
  // At its peak every delivery the dispatcher makes is one dispatch record and one attempt record.
  const keepsUpWith = peak === null ? null : ratio(lastRate, 2 * peak);
  Object.assign(report, {
    fillRecordsPerSecondFirstTwentieth: firstRate,
    fillRecordsPerSecondLastTwentieth: lastRate,
    dispatcherPeakAttemptsPerSecond: peak,
    dispatcherMeasured:
      dispatcherRun === undefined ? null : { at: dispatcherRun.startedAt, on: dispatcherRun.machine?.cpuModel },
    lastTwentiethOverDispatcherPeakRecords: keepsUpWith,
  });
  const en = (n: number) => n.toLocaleString('en');
  const md = `# Read model at scale

Measured ${startedAt.toISOString()} on ${machineInfo().cpuModel} (${machineInfo().cores} cores), Node ${process.version}, with
the broker, the registry, the API process and the benchmark on one machine (load average at start
${(report.loadAverageAtStart as number[]).join(', ')}: other work shared the cores).

## Filling

The SQLite read model was filled through its store's own write interface (\`apply\`, one
transaction per batch of one topic, as the ingester writes; ${en(settings.chunkDeliveries)} deliveries per chunk) with
${en(totals.attempts)} attempts of ${en(totals.deliveries)} deliveries (${en(totals.byStatus.delivered)} delivered,
${en(totals.byStatus.retrying)} retrying, ${en(totals.byStatus.failed)} failed) for ${en(totals.payments)} payments of
${settings.merchants} merchants and ${settings.merchants * settings.endpointsPerMerchant} endpoints over ${settings.days} days. A fifth of the payments are one
merchant's; each merchant has healthy endpoints, a flaky one (deliveries that succeed after a
few tiers) and a broken one (every tier, ${settings.tiers}, then the DLQ). With the
${en(totals.deliveryRecords)} delivery records (dispatch, retry, DLQ) that is ${en(totals.attempts + totals.deliveryRecords)} records in
${Math.round(filled.seconds)} s: ${en(fillRate)} records/s overall, ${en(firstRate)} records/s over the first twentieth
(the baseline: the same store while the file is small) and ${en(lastRate)} records/s over the last,
with the file near ${en(totals.attempts)} attempts (${filledMb} MB). By twentieths:
${filled.intervals.map((i) => en(i.recordsPerSecond)).join(', ')}.

${
  peak === null
    ? 'The dispatcher has not been benchmarked here (bench/results/dispatcher.json), so there is no peak to compare with.'
    : `The dispatcher's peak is ${en(peak)} attempts/s (dispatcher.json, ${dispatcherRun?.startedAt} on ${dispatcherRun?.machine?.cpuModel}),
each one delivery that brings a dispatch record and an attempt record: ${en(2 * peak)} records/s. The
last twentieth's rate is ${keepsUpWith} times that.`
}

## Requests

Then the API process served the file: sequential requests over HTTP on loopback, each read to
its end, pages of 50, ${settings.samplesPerScenario} per line and phase (fewer when a line passed ${settings.scenarioBudgetSeconds} s). The merchant
key is the largest merchant's (${LARGEST_MERCHANT}: a fifth of the rows); the operator key sees every row. The
list's queries pick their values anew for each request (an endpoint, a payment, an hour, a cursor
from half to nearly all of the way down the list). Each phase took ${settings.rounds} turns, alternately,
so that other work on the machine weighs on both alike: without the status filter's indexes (the
file as the previous schema left it), and with them, added to the filled file as the store adds
them when it opens one (${migration?.seconds ?? '?'} s at the median of ${migrations.length}; they take ${indexMb ?? '?'} MB of the file).
Lines that the status indexes do not serve differ between the phases by noise alone: they show how
far a ratio in this table can be trusted.

| key | request | without status indexes, ms p50 / p95 / p99 | with them, ms p50 / p95 / p99 | p99 without ÷ with | samples |
| --- | --- | --- | --- | --- | --- |
${table}
`;
  writeResults('read-model-scale', report, md);
} catch (error) {
  exitCode = 1;
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
} finally {
  await cleanUp();
}
process.exit(exitCode);
