import { generateSecret } from '@payhook/signing';
import type { Admin, Kafka } from 'kafkajs';
import { type BaselineResult, runBaseline } from './baseline.ts';
import { type BenchEndpoint, endpointId, PATH } from './deliveries.ts';
import type { BenchOptions, Scenario } from './options.ts';
import { type CpuWindow, machineLoad } from './proc.ts';
import type { Receiver } from './receiver.ts';
import type { BenchReport, MemoryResult, Repeated } from './report.ts';
import { type Closable, openSession, type RunResult, type Session } from './session.ts';

/** What every scenario shares. */
export interface BenchContext {
  readonly opts: BenchOptions;
  readonly receiver: Receiver;
  readonly kafka: Kafka;
  readonly admin: Admin;
  readonly brokers: readonly string[];
  readonly registryUrl: string;
  /** Processes whose CPU use is reported with the dispatcher's. */
  readonly watch: Readonly<Record<string, number | undefined>>;
  /** Whatever is open (pipelines, sessions), closed by the caller on an interrupt. */
  readonly open: Set<Closable>;
  readonly report: BenchReport;
  readonly log: (message: string) => void;
  readonly interrupted: () => boolean;
}

/** An error for the results: its message, with any file path in it (a stack line, say) left out. */
export const errorText = (error: unknown) =>
  (error instanceof Error ? error.message : String(error)).replace(/(?:file:\/\/)?\/[\w.@+-]+(?:\/[\w.@+-]+)+/g, '…');

/** The run whose deliveries/s is the median of the repetitions, with every repetition's rate. */
export function median<T>(runs: readonly T[], rate: (run: T) => number): Repeated<T> {
  const sorted = [...runs].sort((a, b) => rate(a) - rate(b));
  const middle = sorted[Math.floor((sorted.length - 1) / 2)] as T;
  return { ...middle, repeatRates: runs.map(rate) };
}

/** `count` endpoints spread over the receiver's origins; `hanging(i)` ones are never answered. */
export function makeEndpoints(
  ctx: BenchContext,
  count: number,
  hanging: (i: number) => boolean = () => false,
): BenchEndpoint[] {
  const { origins } = ctx.receiver;
  return Array.from({ length: count }, (_, i) => {
    const id = endpointId(i);
    const hangs = hanging(i);
    return {
      index: i,
      id,
      url: `${origins[i % origins.length]}${hangs ? PATH.HANG : PATH.OK}${id}`,
      secret: generateSecret(),
      hanging: hangs,
    };
  });
}

/** Spreads the hanging share evenly over the endpoints (every fifth for 20 %). */
const hangingPick = (share: number) => (i: number) => Math.floor((i + 1) * share) > Math.floor(i * share);

/**
 * What else keeps the machine busy before a scenario starts (other work on a shared host).
 * Waits, within bounds, for it to drop below `--max-background`, then goes on regardless.
 */
async function noteBackground(ctx: BenchContext, label: string): Promise<void> {
  const { opts, report, log } = ctx;
  const until = Date.now() + opts.quietWaitSeconds * 1000;
  let busy = await machineLoad(2_000);
  while (busy !== undefined && busy > opts.maxBackground && Date.now() < until && !ctx.interrupted()) {
    log(`${label}: ${busy} of ${report.machine.cores} cores busy with other work; waiting for a quieter moment`);
    busy = await machineLoad(2_000);
  }
  report.backgroundCores[label] = busy ?? null;
  log(`${label}: before starting, ${busy ?? '?'} of ${report.machine.cores} cores were busy with other work`);
}

async function withSession<T>(
  ctx: BenchContext,
  label: string,
  list: readonly BenchEndpoint[],
  env: Record<string, string>,
  body: (session: Session) => Promise<T>,
): Promise<T> {
  const { opts, log } = ctx;
  await noteBackground(ctx, label);
  log(`${label}: creating a private pipeline with ${list.length} endpoints and starting the dispatcher`);
  const session = await openSession({
    kafka: ctx.kafka,
    admin: ctx.admin,
    brokers: ctx.brokers.join(','),
    registryUrl: ctx.registryUrl,
    partitions: opts.partitions,
    receiver: ctx.receiver,
    endpoints: list,
    env: { DISPATCHER_PER_ENDPOINT_CONCURRENCY: String(opts.perEndpoint), ...opts.dispatcherEnv, ...env },
    nodeFlags: opts.nodeFlags,
    cpuProfileDir: opts.cpuProfileDir,
    liveProduce: opts.liveProduce,
    watch: ctx.watch,
    track: ctx.open,
  });
  try {
    return await body(session);
  } finally {
    const errors = session.dispatcher.errors;
    if (errors.length > 0) log(`${label}: the dispatcher logged ${errors.length} errors, e.g. "${errors[0]}"`);
    await session.close();
  }
}

/** Half the benchmark dispatcher's session timeout: held longer, it may lose its partitions. */
const HELD_WARNING_MS = 3_000;
const HELD_TOO_LONG =
  ' (the dispatcher was held that long: close to its 6 s session timeout, so the run may include a rebalance)';

/** One line about a run, for the console. */
export const describe = (r: RunResult) =>
  (r.backlog ? `backlog written in ${r.produceMs} ms${r.produceMs > HELD_WARNING_MS ? HELD_TOO_LONG : ''}; ` : '') +
  `${r.arrived}/${r.expected} arrived, ${r.deliveriesPerSecond}/s, p50 ${r.latencyMs.p50} ms, p99 ${r.latencyMs.p99} ms; ` +
  `cores busy: dispatcher ${r.cpu.byProcess.dispatcher}, broker ${r.cpu.byProcess.broker ?? '?'}, ` +
  `bench ${r.cpu.byProcess.bench}, others ${r.cpu.others}, machine ${r.cpu.machine}/${r.cpu.cores}`;

async function warm(ctx: BenchContext, session: Session, tag: string, pick?: (seq: number) => BenchEndpoint) {
  const { opts } = ctx;
  if (opts.warmup === 0) return;
  const r = await session.run({ tag, count: opts.warmup, timeoutMs: opts.runTimeoutMs, ...(pick ? { pick } : {}) });
  ctx.log(`  warm-up: ${describe(r)}`);
}

/**
 * Runs a measurement until other work on the machine left it alone: a run during which
 * other processes kept more than `--max-background` cores busy is discarded (and counted in
 * the report) and tried again after a quieter moment, up to `--attempts` tries in all.
 */
async function quietly<T extends { readonly cpu: CpuWindow }>(
  ctx: BenchContext,
  label: string,
  measure: (attempt: number) => Promise<T>,
): Promise<T> {
  const { opts, report } = ctx;
  for (let attempt = 1; ; attempt++) {
    const result = await measure(attempt);
    const others = result.cpu.others;
    if (others === undefined || others <= opts.maxBackground || attempt >= opts.attempts || ctx.interrupted()) {
      return result;
    }
    report.discardedRuns[label] = (report.discardedRuns[label] ?? 0) + 1;
    ctx.log(`  discarded: other work kept ${others} cores busy during the run; trying again`);
    await noteBackground(ctx, label);
  }
}

function baselineRun(
  ctx: BenchContext,
  label: string,
  endpoints: readonly BenchEndpoint[],
  spec: { records: number; warmup: number; concurrency: number },
  nodeFlags: readonly string[] = ctx.opts.baselineNodeFlags,
): Promise<BaselineResult> {
  return quietly(ctx, label, async () => {
    ctx.log(`${label}: raw undici, ${spec.records} deliveries at concurrency ${spec.concurrency}`);
    const b = await runBaseline({
      receiver: ctx.receiver,
      endpoints,
      ...spec,
      timeoutMs: ctx.opts.runTimeoutMs,
      nodeFlags,
      watch: ctx.watch,
    });
    ctx.log(
      `  ${b.receiver.arrived} arrived, ${b.receiver.deliveriesPerSecond}/s at the receiver, ` +
        `p50 ${b.client.latencyMs.p50} ms, p99 ${b.client.latencyMs.p99} ms; cores busy: client ` +
        `${b.cpu.byProcess.client}, bench ${b.cpu.byProcess.bench}, others ${b.cpu.others}`,
    );
    return b;
  });
}

/** One all-healthy (or hanging) repetition: a fresh pipeline and dispatcher, warmed, then measured. */
function dispatcherRun(
  ctx: BenchContext,
  label: string,
  list: readonly BenchEndpoint[],
  env: Record<string, string>,
  tag: string,
): Promise<RunResult> {
  const answering = list.filter((e) => !e.hanging);
  return quietly(ctx, label, (attempt) =>
    withSession(ctx, label, list, env, async (session) => {
      await warm(ctx, session, `${tag}warm`, (seq) => answering[seq % answering.length] as BenchEndpoint);
      const run = await session.run({
        tag: `${tag}x${attempt}`,
        count: ctx.opts.records,
        timeoutMs: ctx.opts.runTimeoutMs,
      });
      const hung = run.hangingRequests > 0 ? `; ${run.hangingRequests} requests hung` : '';
      ctx.log(`  ${list.length > answering.length ? 'healthy endpoints' : 'all healthy'}: ${describe(run)}${hung}`);
      return run;
    }),
  );
}

/**
 * The baseline, all-healthy and hanging runs, interleaved: repetition r of each runs next to
 * the others' repetition r, so that the ratios are taken between runs that saw the machine in
 * the same state (another tenant's load comes and goes over minutes). Each dispatcher run
 * gets a fresh pipeline and dispatcher, warmed the same way.
 */
export async function repeatedScenarios(ctx: BenchContext, healthy: readonly BenchEndpoint[]): Promise<void> {
  const { opts, log, report } = ctx;
  const s = report.scenarios;
  const wants = (name: Scenario) => opts.scenarios.includes(name) && !ctx.interrupted();
  const hangingList = makeEndpoints(ctx, opts.endpoints, hangingPick(opts.hangingShare));
  const hangingEnv = { DISPATCHER_REQUEST_TIMEOUT_MS: String(opts.hangTimeoutMs) };
  type Repeating = 'baseline' | 'flagged' | 'healthy' | 'hanging';
  const runs: { baseline: BaselineResult[]; flagged: BaselineResult[]; healthy: RunResult[]; hanging: RunResult[] } = {
    baseline: [],
    flagged: [],
    healthy: [],
    hanging: [],
  };
  const failed: Partial<Record<Repeating, string>> = {};
  const attempt = async <T>(name: Repeating, measure: () => Promise<T>) => {
    if (failed[name] !== undefined || !wants(name)) return undefined;
    try {
      return await measure();
    } catch (error) {
      failed[name] = errorText(error);
      log(`  failed: ${failed[name]}`);
      return undefined;
    }
  };
  for (let r = 0; r < opts.repeats && !ctx.interrupted(); r++) {
    const of = `${r + 1}/${opts.repeats}`;
    const b = await attempt('baseline', async () => {
      await noteBackground(ctx, `baseline ${of}`);
      const { records, warmup, concurrency } = opts;
      return baselineRun(ctx, `baseline ${of}`, healthy, { records, warmup, concurrency });
    });
    const f = await attempt('flagged', async () => {
      const { records, warmup, concurrency } = opts;
      const label = `baseline under the dispatcher's node flags ${of}`;
      return baselineRun(ctx, label, healthy, { records, warmup, concurrency }, opts.nodeFlags);
    });
    const h = await attempt('healthy', () => dispatcherRun(ctx, `all healthy ${of}`, healthy, {}, `healthy${r}`));
    const g = await attempt('hanging', () =>
      dispatcherRun(
        ctx,
        `${Math.round(opts.hangingShare * 100)} % hanging ${of}`,
        hangingList,
        hangingEnv,
        `hanging${r}`,
      ),
    );
    if (b) runs.baseline.push(b);
    if (f) runs.flagged.push(f);
    if (h) runs.healthy.push(h);
    if (g) runs.hanging.push(g);
    report.repetitions.push({
      baseline: b?.receiver.deliveriesPerSecond ?? null,
      healthy: h?.deliveriesPerSecond ?? null,
      hanging: g?.complete ? g.deliveriesPerSecond : null,
      baselineCpuMs: b?.client.cpuMsPerRequest ?? null,
      healthyCpuMs: h?.cpu.dispatcherCpuMsPerDelivery ?? null,
      flagged: f?.receiver.deliveriesPerSecond ?? null,
      flaggedCpuMs: f?.client.cpuMsPerRequest ?? null,
    });
  }
  const pick = <T>(name: keyof typeof runs, list: T[], rate: (run: T) => number) =>
    failed[name] !== undefined ? { error: failed[name] } : list.length > 0 ? median(list, rate) : undefined;
  s.baseline = pick('baseline', runs.baseline, (b) => b.receiver.deliveriesPerSecond);
  s.flagged = pick('flagged', runs.flagged, (b) => b.receiver.deliveriesPerSecond);
  s.healthy = pick('healthy', runs.healthy, (run) => run.deliveriesPerSecond);
  const hanging = pick('hanging', runs.hanging, (run) => run.deliveriesPerSecond);
  s.hanging =
    hanging === undefined || 'error' in hanging
      ? hanging
      : {
          ...hanging,
          hangingEndpoints: hangingList.filter((e) => e.hanging).length,
          healthyEndpoints: hangingList.filter((e) => !e.hanging).length,
        };
}

/** One endpoint: raw undici at the per-endpoint concurrency, then the dispatcher; and the paced run. */
export async function pacedAndHotScenarios(ctx: BenchContext, healthy: readonly BenchEndpoint[]): Promise<void> {
  const { opts, log } = ctx;
  const s = ctx.report.scenarios;
  const wants = (name: Scenario) => opts.scenarios.includes(name) && !ctx.interrupted();
  if (wants('hot')) {
    try {
      const label = 'baseline, one endpoint';
      await noteBackground(ctx, label);
      s.hotBaseline = await baselineRun(ctx, label, healthy.slice(0, 1), {
        records: opts.hotRecords,
        warmup: Math.min(opts.warmup, opts.hotRecords),
        concurrency: opts.perEndpoint,
      });
    } catch (error) {
      s.hotBaseline = { error: errorText(error) };
      log(`  failed: ${errorText(error)}`);
    }
  }
  if (!wants('paced') && !wants('hot')) return;
  try {
    await withSession(ctx, 'paced and one endpoint', healthy, {}, async (session) => {
      await warm(ctx, session, 'pwarm');
      if (wants('paced')) {
        const run = await quietly(ctx, 'paced', (attempt) =>
          session.run({
            tag: `paced${attempt}`,
            count: opts.pacedRate * opts.pacedSeconds,
            ratePerSecond: opts.pacedRate,
            timeoutMs: opts.pacedSeconds * 1000 + opts.runTimeoutMs,
          }),
        );
        s.paced = { ...run, targetRatePerSecond: opts.pacedRate };
        log(`  paced ${opts.pacedRate}/s (produced at ${run.producedPerSecond}/s): ${describe(run)}`);
      }
      if (wants('hot')) {
        const hot = healthy[0] as BenchEndpoint;
        const run = await quietly(ctx, 'one endpoint', (attempt) =>
          session.run({ tag: `hot${attempt}`, count: opts.hotRecords, pick: () => hot, timeoutMs: opts.runTimeoutMs }),
        );
        s.hot = run;
        log(`  one endpoint: ${describe(run)}; attempt duration mean ${run.attemptDurationMeanMs} ms`);
      }
    });
  } catch (error) {
    if (wants('paced')) s.paced ??= { error: errorText(error) };
    if (wants('hot')) s.hot ??= { error: errorText(error) };
    log(`  failed: ${errorText(error)}`);
  }
}

/** Many endpoints loaded; a paced flow, then a backlog burst that reaches every endpoint. */
export async function memoryScenario(ctx: BenchContext): Promise<void> {
  const { opts, log } = ctx;
  if (!opts.scenarios.includes('memory') || ctx.interrupted()) return;
  try {
    const list = makeEndpoints(ctx, opts.memoryEndpoints);
    await withSession(ctx, 'memory', list, {}, async (session) => {
      log(`  ready with ${list.length} endpoints: RSS ${session.readyRssMb} MiB`);
      const pacedSeconds = Math.min(opts.pacedSeconds, 10);
      const paced = await session.run({
        tag: 'mpaced',
        count: opts.pacedRate * pacedSeconds,
        ratePerSecond: opts.pacedRate,
        timeoutMs: pacedSeconds * 1000 + opts.runTimeoutMs,
      });
      log(`  paced: ${describe(paced)}; RSS up to ${paced.dispatcherRssMaxMb} MiB`);
      // A backlog, as after an outage: every endpoint gets at least one delivery at once.
      const burst = await session.run({
        tag: 'mburst',
        count: Math.max(opts.records, list.length),
        timeoutMs: opts.runTimeoutMs,
      });
      log(`  burst: ${describe(burst)}; RSS up to ${burst.dispatcherRssMaxMb} MiB`);
      const result: MemoryResult = {
        endpoints: list.length,
        readyRssMb: session.readyRssMb,
        paced,
        burst,
        peakRssMb: burst.dispatcherPeakRssMb,
      };
      ctx.report.scenarios.memory = result;
    });
  } catch (error) {
    ctx.report.scenarios.memory = { error: errorText(error) };
    log(`  failed: ${errorText(error)}`);
  }
}
