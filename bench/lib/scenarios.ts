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
const errorText = (error: unknown) =>
  (error instanceof Error ? error.message : String(error)).replace(/(?:file:\/\/)?\/[\w.@+-]+(?:\/[\w.@+-]+)+/g, '…');

/** The run whose deliveries/s is the median of the repetitions, with every repetition's rate. */
function median<T>(runs: readonly T[], rate: (run: T) => number): Repeated<T> {
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
    cpuProfileDir: opts.cpuProfileDir,
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

/** One line about a run, for the console. */
export const describe = (r: RunResult) =>
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

/** Raw undici at the dispatcher's concurrency, and to one endpoint at its per-endpoint concurrency. */
export async function baselineScenarios(ctx: BenchContext, healthy: readonly BenchEndpoint[]): Promise<void> {
  const { opts, log, report } = ctx;
  const s = report.scenarios;
  const wants = (name: Scenario) => opts.scenarios.includes(name) && !ctx.interrupted();
  const once = (endpoints: readonly BenchEndpoint[], records: number, warmup: number, concurrency: number) =>
    runBaseline({
      receiver: ctx.receiver,
      endpoints,
      records,
      warmup,
      concurrency,
      timeoutMs: opts.runTimeoutMs,
      watch: ctx.watch,
    });
  const line = (b: BaselineResult) =>
    `${b.receiver.arrived} arrived, ${b.receiver.deliveriesPerSecond}/s at the receiver, ` +
    `p50 ${b.client.latencyMs.p50} ms, p99 ${b.client.latencyMs.p99} ms; cores busy: client ` +
    `${b.cpu.byProcess.client}, bench ${b.cpu.byProcess.bench}, others ${b.cpu.others}`;
  if (wants('baseline')) {
    try {
      const runs: BaselineResult[] = [];
      for (let r = 0; r < opts.repeats && !ctx.interrupted(); r++) {
        const label = `baseline ${r + 1}/${opts.repeats}`;
        await noteBackground(ctx, label);
        const b = await quietly(ctx, label, () => {
          log(`${label}: raw undici, ${opts.records} deliveries at concurrency ${opts.concurrency}`);
          return once(healthy, opts.records, opts.warmup, opts.concurrency);
        });
        runs.push(b);
        log(`  ${line(b)}`);
      }
      s.baseline = median(runs, (b) => b.receiver.deliveriesPerSecond);
    } catch (error) {
      s.baseline = { error: errorText(error) };
      log(`  failed: ${errorText(error)}`);
    }
  }
  if (wants('hot')) {
    try {
      const label = 'baseline, one endpoint';
      await noteBackground(ctx, label);
      const b = await quietly(ctx, label, () => {
        log(`${label}: raw undici, ${opts.hotRecords} deliveries at concurrency ${opts.perEndpoint}`);
        return once(healthy.slice(0, 1), opts.hotRecords, Math.min(opts.warmup, opts.hotRecords), opts.perEndpoint);
      });
      s.hotBaseline = b;
      log(`  ${line(b)}`);
    } catch (error) {
      s.hotBaseline = { error: errorText(error) };
      log(`  failed: ${errorText(error)}`);
    }
  }
}

/**
 * All healthy: each repetition gets a fresh pipeline and dispatcher warmed the same way, as
 * the hanging repetitions do, so the two are compared like for like. Then, in one more
 * dispatcher, the paced run and the one-endpoint run.
 */
export async function healthyScenarios(ctx: BenchContext, healthy: readonly BenchEndpoint[]): Promise<void> {
  const { opts, log } = ctx;
  const s = ctx.report.scenarios;
  const wants = (name: Scenario) => opts.scenarios.includes(name) && !ctx.interrupted();
  if (wants('healthy')) {
    try {
      const runs: RunResult[] = [];
      for (let r = 0; r < opts.repeats && !ctx.interrupted(); r++) {
        const label = `all healthy ${r + 1}/${opts.repeats}`;
        const run = await quietly(ctx, label, (attempt) =>
          withSession(ctx, label, healthy, {}, async (session) => {
            await warm(ctx, session, 'hwarm');
            const measured = await session.run({
              tag: `healthy${r}x${attempt}`,
              count: opts.records,
              timeoutMs: opts.runTimeoutMs,
            });
            log(`  all healthy: ${describe(measured)}`);
            return measured;
          }),
        );
        runs.push(run);
      }
      s.healthy = median(runs, (run) => run.deliveriesPerSecond);
    } catch (error) {
      s.healthy = { error: errorText(error) };
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

/**
 * A share of the endpoints never answers. Each repetition gets a fresh pipeline and
 * dispatcher, so every one starts with closed circuit breakers.
 */
export async function hangingScenario(ctx: BenchContext): Promise<void> {
  const { opts, log } = ctx;
  if (!opts.scenarios.includes('hanging') || ctx.interrupted()) return;
  const list = makeEndpoints(ctx, opts.endpoints, hangingPick(opts.hangingShare));
  const healthyOnly = list.filter((e) => !e.hanging);
  const env = { DISPATCHER_REQUEST_TIMEOUT_MS: String(opts.hangTimeoutMs) };
  try {
    const runs: RunResult[] = [];
    for (let r = 0; r < opts.repeats && !ctx.interrupted(); r++) {
      const label = `${Math.round(opts.hangingShare * 100)} % hanging ${r + 1}/${opts.repeats}`;
      const run = await quietly(ctx, label, (attempt) =>
        withSession(ctx, label, list, env, async (session) => {
          await warm(ctx, session, 'gwarm', (seq) => healthyOnly[seq % healthyOnly.length] as BenchEndpoint);
          const measured = await session.run({
            tag: `hanging${r}x${attempt}`,
            count: opts.records,
            timeoutMs: opts.runTimeoutMs,
          });
          log(`  healthy endpoints: ${describe(measured)}; ${measured.hangingRequests} requests hung`);
          return measured;
        }),
      );
      runs.push(run);
    }
    ctx.report.scenarios.hanging = {
      ...median(runs, (run) => run.deliveriesPerSecond),
      hangingEndpoints: list.length - healthyOnly.length,
      healthyEndpoints: healthyOnly.length,
    };
  } catch (error) {
    ctx.report.scenarios.hanging = { error: errorText(error) };
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
