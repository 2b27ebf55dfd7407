import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import type { BaselineResult } from './baseline.ts';
import type { RunResult } from './session.ts';

/** The machine the figures were measured on. */
export interface MachineInfo {
  readonly cpuModel: string;
  readonly cores: number;
  readonly totalMemoryMb: number;
  readonly node: string;
  readonly platform: string;
  readonly arch: string;
}

export function machineInfo(): MachineInfo {
  const cpus = os.cpus();
  return {
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    totalMemoryMb: Math.round(os.totalmem() / 1024 / 1024),
    node: process.version,
    platform: `${os.type()} ${os.release()}`,
    arch: os.arch(),
  };
}

/**
 * The fields a benchmark's report opens with. Other work on the machine shows in the load
 * average: the figures are only as steady as it.
 */
export function reportHeader(benchmark: string, startedAt: Date, settings: object): Record<string, unknown> {
  return {
    benchmark,
    startedAt: startedAt.toISOString(),
    machine: machineInfo(),
    settings,
    loadAverageAtStart: os.loadavg().map((n) => Math.round(n * 100) / 100),
  };
}

/** Writes results/<name>.json and .md, and prints the Markdown. */
export function writeResults(name: string, report: Record<string, unknown>, md: string): void {
  const results = new URL('../results/', import.meta.url);
  writeFileSync(new URL(`${name}.json`, results), `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(new URL(`${name}.md`, results), md);
  process.stdout.write(md);
}

/** The dispatcher's latest benchmark (results/dispatcher.json), as the read-model benchmarks compare with it. */
export interface DispatcherRun {
  readonly startedAt?: string;
  readonly machine?: { cpuModel?: string };
  readonly scenarios?: { healthy?: { deliveriesPerSecond?: number } };
}

/** The dispatcher's latest run and its peak attempt rate (all endpoints healthy), when it has run. */
export function dispatcherPeak(): { run: DispatcherRun | undefined; attemptsPerSecond: number | null } {
  const file = new URL('../results/dispatcher.json', import.meta.url);
  const run = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as DispatcherRun) : undefined;
  return { run, attemptsPerSecond: run?.scenarios?.healthy?.deliveriesPerSecond ?? null };
}

/** The median repetition of a run, with the deliveries/s of every repetition. */
export type Repeated<T> = T & { readonly repeatRates: readonly number[] };

/** A figure held against its target. */
export interface TargetCheck {
  readonly name: string;
  readonly value: number | null;
  readonly unit: string;
  readonly target: string;
  readonly met: boolean | null;
}

/** A figure compared with the baseline, with no target. */
export interface Ratio {
  readonly name: string;
  readonly value: number | null;
  readonly of: string;
}

/** One repetition of the interleaved runs: each run's rate and its sender's CPU per request. */
export interface Repetition {
  /** Raw undici's deliveries/s at the receiver. */
  readonly baseline: number | null;
  readonly healthy: number | null;
  /** The hanging run's, when it completed. */
  readonly hanging: number | null;
  /** Raw undici's CPU ms per request. */
  readonly baselineCpuMs: number | null;
  /** The dispatcher's CPU ms per delivery in the all-healthy run. */
  readonly healthyCpuMs: number | null;
  /** Raw undici under the dispatcher's node flags: its deliveries/s and CPU ms per request. */
  readonly flagged: number | null;
  readonly flaggedCpuMs: number | null;
}

/** Everything written to `dispatcher.json`. */
export interface BenchReport {
  readonly benchmark: 'dispatcher';
  readonly startedAt: string;
  readonly durationSeconds: number;
  readonly machine: MachineInfo;
  readonly settings: Record<string, unknown>;
  /** Cores busy machine-wide over two idle seconds before each scenario: load that is not ours. */
  readonly backgroundCores: Record<string, number | null>;
  /** Runs thrown away because other work kept too many cores busy during them, by run. */
  readonly discardedRuns: Record<string, number>;
  /** Deliveries/s of each interleaved repetition: the ratios are medians of these pairs. */
  readonly repetitions: Repetition[];
  readonly scenarios: {
    baseline?: Repeated<BaselineResult> | { error: string };
    /** The raw client again, under the dispatcher's node flags. */
    flagged?: Repeated<BaselineResult> | { error: string };
    /** Raw undici to one endpoint at the per-endpoint concurrency. */
    hotBaseline?: BaselineResult | { error: string };
    /** Every delivery to one endpoint. */
    hot?: RunResult | { error: string };
    healthy?: Repeated<RunResult> | { error: string };
    paced?: (RunResult & { targetRatePerSecond: number }) | { error: string };
    hanging?: (Repeated<RunResult> & { hangingEndpoints: number; healthyEndpoints: number }) | { error: string };
    memory?: MemoryResult | { error: string };
  };
  readonly ratios: readonly Ratio[];
  readonly targets: readonly TargetCheck[];
}

/** What the memory scenario measured. */
export interface MemoryResult {
  readonly endpoints: number;
  /** RSS once the endpoints table was loaded, before any delivery. */
  readonly readyRssMb: number | undefined;
  readonly paced: RunResult;
  readonly burst: RunResult;
  /** The process's peak RSS (VmHWM) at the end of the scenario. */
  readonly peakRssMb: number | undefined;
}

const HANGING_TARGET = 0.9;
const RSS_TARGET_MB = 300;

const ok = <T extends object>(x: T | { error: string } | undefined): T | undefined =>
  x === undefined || 'error' in x ? undefined : (x as T);
const value = (n: number | undefined) => (n === undefined || Number.isNaN(n) ? null : n);
const divide = (a: number | undefined, b: number | undefined) =>
  a === undefined || b === undefined ? null : value(Math.round((a / b) * 1000) / 1000);

/** The median over the repetitions of `a ÷ b` taken within each repetition; null without pairs. */
function pairedMedian(report: BenchReport, a: keyof Repetition, b: keyof Repetition): number | null {
  const ratios = report.repetitions
    .map((r) => (r[a] === null || r[b] === null ? undefined : (r[a] as number) / (r[b] as number)))
    .filter((x): x is number => x !== undefined && Number.isFinite(x))
    .sort((x, y) => x - y);
  if (ratios.length === 0) return null;
  return Math.round((ratios[Math.floor((ratios.length - 1) / 2)] as number) * 1000) / 1000;
}

/** All endpoints ÷ healthy ones in the hanging run: turns a ratio of totals into one per endpoint. */
function hangingScale(hanging: { hangingEndpoints: number; healthyEndpoints: number }): number {
  return (hanging.hangingEndpoints + hanging.healthyEndpoints) / hanging.healthyEndpoints;
}

/** The ratios to the baseline and the figures held against the targets. */
export function evaluate(report: BenchReport): { ratios: Ratio[]; targets: TargetCheck[] } {
  const s = report.scenarios;
  const baseline = ok(s.baseline);
  const hotBaseline = ok(s.hotBaseline);
  const healthy = ok(s.healthy);
  const paced = ok(s.paced);
  const hot = ok(s.hot);
  const hanging = ok(s.hanging);
  const memory = ok(s.memory);
  const ratios: Ratio[] = [
    {
      name: 'dispatcher all-healthy deliveries/s ÷ baseline deliveries/s',
      value:
        pairedMedian(report, 'healthy', 'baseline') ??
        divide(healthy?.deliveriesPerSecond, baseline?.receiver.deliveriesPerSecond),
      of: 'both at the receiver, first to last arrival, same endpoints and concurrency; median of the repetitions’ ratios',
    },
    {
      name: 'dispatcher CPU per delivery ÷ baseline client CPU per request',
      value:
        pairedMedian(report, 'healthyCpuMs', 'baselineCpuMs') ??
        divide(healthy?.cpu.dispatcherCpuMsPerDelivery, baseline?.client.cpuMsPerRequest),
      of: 'CPU time of the sending process; median of the repetitions’ ratios',
    },
    {
      name: 'dispatcher CPU per delivery ÷ the client’s CPU per request under the dispatcher’s node flags',
      value: pairedMedian(report, 'healthyCpuMs', 'flaggedCpuMs'),
      of: 'as above, the raw client given the same flags as the dispatcher: the cost of the code alone',
    },
    {
      name: 'dispatcher one-endpoint deliveries/s ÷ baseline one-endpoint deliveries/s',
      value: divide(hot?.deliveriesPerSecond, hotBaseline?.receiver.deliveriesPerSecond),
      of: `one endpoint, ${String(report.settings.perEndpointConcurrency)} in flight`,
    },
    {
      name: 'paced p99 ÷ baseline p99',
      value: divide(paced?.latencyMs.p99, baseline?.client.latencyMs.p99),
      of: 'produce-to-arrival vs one HTTP request',
    },
  ];
  // An incomplete hanging run has no rate to compare: it would flatter the figure.
  const fraction =
    pairedMedian(report, 'hanging', 'healthy') ??
    (hanging?.complete ? divide(hanging.deliveriesPerSecond, healthy?.deliveriesPerSecond) : null);
  // Each endpoint gets the same number of records in both runs, so a healthy endpoint's own
  // rate compares as the totals scaled by the endpoint counts.
  const perEndpoint =
    fraction === null || hanging === undefined
      ? null
      : value(Math.round(fraction * hangingScale(hanging) * 1000) / 1000);
  ratios.push({
    name: 'healthy endpoints’ total deliveries/s with 20 % hanging ÷ all endpoints’ total with all healthy',
    value: fraction,
    of: 'stricter than the target: the healthy endpoints would have to take over the hanging ones’ share of the machine',
  });
  const flowing = memory?.paced.dispatcherRssMaxMb;
  const peak = memory?.peakRssMb;
  const endpoints = Number(report.settings.memoryEndpoints).toLocaleString('en-US');
  const targets: TargetCheck[] = [
    {
      name: 'a healthy endpoint’s deliveries/s with 20 % of endpoints hanging ÷ its deliveries/s with all healthy',
      value: perEndpoint,
      unit: '',
      target: `≥ ${HANGING_TARGET}`,
      met: perEndpoint === null ? null : perEndpoint >= HANGING_TARGET,
    },
    {
      name: `dispatcher RSS, ${endpoints} endpoints, paced deliveries flowing (highest sample)`,
      value: value(flowing),
      unit: 'MiB',
      target: `< ${RSS_TARGET_MB} MiB`,
      met: flowing === undefined ? null : flowing < RSS_TARGET_MB,
    },
    {
      name: `dispatcher peak RSS (VmHWM), ${endpoints} endpoints, paced flow then a backlog burst`,
      value: value(peak),
      unit: 'MiB',
      target: `< ${RSS_TARGET_MB} MiB`,
      met: peak === undefined ? null : peak < RSS_TARGET_MB,
    },
  ];
  return { ratios, targets };
}

const isError = (x: unknown): x is { error: string } =>
  typeof x === 'object' && x !== null && 'error' in x && typeof (x as { error: unknown }).error === 'string';

const num = (n: number | undefined | null, digits = 0) =>
  n === undefined || n === null || Number.isNaN(n) ? '–' : n.toLocaleString('en-US', { maximumFractionDigits: digits });

/** The Markdown summary. */
export function renderMarkdown(report: BenchReport): string {
  const { machine, scenarios: s } = report;
  const lines: string[] = [];
  lines.push('# Dispatcher benchmark', '');
  lines.push(
    `Measured ${report.startedAt} in ${num(report.durationSeconds)} s on ${machine.cpuModel} ` +
      `(${machine.cores} cores, ${num(machine.totalMemoryMb)} MiB), Node ${machine.node}, ${machine.platform}.`,
    '',
  );
  lines.push(
    'The broker, the schema registry, the receiver and the dispatcher share the machine, as do the benchmark',
    'process (producer and receiver) and the baseline client: figures are relative to a baseline measured in',
    'the same run. `cores` columns say how many cores each party kept busy. The baseline’s bodies are built',
    'before it starts; likewise an unpaced dispatcher run is written while the dispatcher is held and',
    'measured from its release (unless `unpacedRuns` below says otherwise), so that neither shares the',
    'machine with the benchmark’s producer.',
    '',
  );
  lines.push('## Settings', '', '| setting | value |', '| --- | --- |');
  for (const [key, value] of Object.entries(report.settings)) lines.push(`| ${key} | ${String(value)} |`);
  lines.push('');

  lines.push(
    '## Results',
    '',
    '| scenario | deliveries | deliveries/s | p50 ms | p95 ms | p99 ms | max ms | sender CPU ms/delivery | cores busy: sender / broker / bench / others / machine |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  );
  const baselineRow = (name: string, b: BaselineResult | { error: string } | undefined) => {
    if (b === undefined) return;
    if (isError(b)) {
      lines.push(`| ${name} | failed: ${b.error} |`);
      return;
    }
    lines.push(
      `| ${name} | ${num(b.receiver.arrived)} | ${num(b.receiver.deliveriesPerSecond)} | ` +
        `${num(b.client.latencyMs.p50, 1)} | ${num(b.client.latencyMs.p95, 1)} | ${num(b.client.latencyMs.p99, 1)} | ` +
        `${num(b.client.latencyMs.max, 1)} | ${num(b.client.cpuMsPerRequest, 3)} | ` +
        `${[b.cpu.byProcess.client, b.cpu.byProcess.broker, b.cpu.byProcess.bench, b.cpu.others, b.cpu.machine].map((n) => num(n, 2)).join(' / ')} |`,
    );
  };
  baselineRow('baseline (raw undici)', s.baseline);
  baselineRow('baseline under the dispatcher’s node flags', s.flagged);
  const runs: [string, RunResult][] = [];
  const row = (name: string, r: RunResult | { error: string } | undefined) => {
    if (r === undefined) return;
    if (isError(r)) {
      lines.push(`| ${name} | failed: ${r.error} |`);
      return;
    }
    runs.push([name, r]);
    const incomplete = r.complete ? '' : ` of ${num(r.expected)} (incomplete)`;
    const c = r.cpu;
    const cores = [c.byProcess.dispatcher, c.byProcess.broker, c.byProcess.bench, c.others, c.machine]
      .map((n) => num(n, 2))
      .join(' / ');
    lines.push(
      `| ${name} | ${num(r.arrived)}${incomplete} | ${num(r.deliveriesPerSecond)} | ${num(r.latencyMs.p50, 1)} | ` +
        `${num(r.latencyMs.p95, 1)} | ${num(r.latencyMs.p99, 1)} | ${num(r.latencyMs.max, 1)} | ` +
        `${num(c.dispatcherCpuMsPerDelivery, 3)} | ${cores} |`,
    );
  };
  row('dispatcher, all healthy', s.healthy);
  row(
    `dispatcher, paced ${isError(s.paced) || s.paced === undefined ? '' : num(s.paced.targetRatePerSecond)}/s`,
    s.paced,
  );
  baselineRow('baseline, one endpoint', s.hotBaseline);
  row('dispatcher, one endpoint', s.hot);
  row('dispatcher, 20 % hanging (healthy endpoints)', s.hanging);
  if (s.memory !== undefined && !isError(s.memory)) {
    row(`memory run, paced (${num(s.memory.endpoints)} endpoints)`, s.memory.paced);
    row(`memory run, burst (${num(s.memory.endpoints)} endpoints)`, s.memory.burst);
  } else row('memory run', s.memory);
  if (report.repetitions.length > 1) {
    lines.push(
      '',
      'Baseline (with and without the dispatcher’s node flags), all-healthy and hanging runs are',
      'interleaved (repetition r of each next to the others’), the table shows the median repetition, and',
      'the ratios below are medians of ratios within a repetition (CPU: the sender’s CPU ms per request or',
      'delivery):',
      '',
      '| repetition | baseline deliveries/s | all healthy | ÷ baseline | baseline CPU | all-healthy CPU | ÷ baseline | baseline CPU, dispatcher’s flags | ÷ it | 20 % hanging (healthy endpoints) | ÷ all healthy | per endpoint ÷ all healthy |',
      '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    );
    const scale = s.hanging === undefined || isError(s.hanging) ? null : hangingScale(s.hanging);
    report.repetitions.forEach((r, i) => {
      const over = (a: number | null, b: number | null) => (a === null || b === null ? null : a / b);
      const total = over(r.hanging, r.healthy);
      lines.push(
        `| ${i + 1} | ${num(r.baseline)} | ${num(r.healthy)} | ${num(over(r.healthy, r.baseline), 3)} | ` +
          `${num(r.baselineCpuMs, 3)} | ${num(r.healthyCpuMs, 3)} | ${num(over(r.healthyCpuMs, r.baselineCpuMs), 3)} | ` +
          `${num(r.flaggedCpuMs, 3)} | ${num(over(r.healthyCpuMs, r.flaggedCpuMs), 3)} | ` +
          `${num(r.hanging)} | ${num(total, 3)} | ${num(total === null || scale === null ? null : total * scale, 3)} |`,
      );
    });
  }
  const background = Object.entries(report.backgroundCores)
    .map(([name, cores]) => `${name} ${num(cores, 2)}`)
    .join(', ');
  lines.push(
    '',
    `Sender is the baseline client or the dispatcher. Machine cores busy with other work in the two idle seconds before each run: ${background}.`,
  );
  const discarded = Object.entries(report.discardedRuns);
  lines.push(
    '',
    discarded.length === 0
      ? `No run was discarded for other work on the machine (limit ${String(report.settings.maxBackgroundCores)} cores).`
      : `Runs discarded and repeated because other work kept more than ${String(report.settings.maxBackgroundCores)} cores busy during them: ` +
          `${discarded.map(([name, n]) => `${name} ${n}`).join(', ')}.`,
  );
  if (runs.length > 0) {
    lines.push(
      '',
      '## Inside the dispatcher',
      '',
      'From its own `/metrics`, sampled once a second during each run. The attempt duration is the',
      'sender’s own histogram, from holding a concurrency slot to the end of the response. CPU by',
      'thread is read from `/proc` at the start and the end of the run: the main thread, the sender',
      'thread, V8’s worker threads (the garbage collector’s helpers, background compilation) and the',
      'rest (libuv’s pool, Node’s own).',
      '',
      '| run | attempt duration mean ms | event-loop delay p50 / worst p99 ms | GC share | heap used / reserved max MiB | RSS max MiB | CPU µs per delivery: main / sender / V8 workers / rest | produced/s |',
      '| --- | --- | --- | --- | --- | --- | --- | --- |',
    );
    for (const [name, r] of runs) {
      const rt = r.dispatcherRuntime;
      const t = r.dispatcherThreadsUsPerDelivery;
      const threads = t === undefined ? '–' : `${t.main} / ${t.sender} / ${t.v8} / ${t.other}`;
      lines.push(
        `| ${name} | ${num(r.attemptDurationMeanMs, 1)} | ${num(rt.eventLoopLagP50Ms, 1)} / ${num(rt.eventLoopLagP99MaxMs, 1)} | ${num(rt.gcShare, 3)} | ` +
          `${num(rt.heapUsedMaxMb, 1)} / ${num(rt.heapTotalMaxMb, 1)} | ${num(r.dispatcherRssMaxMb, 1)} | ${threads} | ${num(r.producedPerSecond)} |`,
      );
    }
    const raw = s.baseline === undefined || isError(s.baseline) ? undefined : s.baseline.client.threadsUsPerRequest;
    if (raw !== undefined) {
      lines.push(
        '',
        `Raw undici in the table's baseline run, CPU µs per request: main ${raw.main} / V8 workers ${raw.v8} / rest ${raw.other}.`,
      );
    }
  }
  lines.push('');
  lines.push(
    'Baseline latency is one request, send to response end. Dispatcher latency is produce to arrival:',
    'the producer’s acknowledged write, the consumer’s fetch and the delivery. In the unpaced runs every',
    'record is written at once (by default into a backlog the dispatcher is held from, and latency counts',
    'from its release), so latency there is mostly time spent queued behind earlier records; the paced',
    'run gives the latency at a steady rate.',
    '',
  );

  if (s.memory !== undefined && !isError(s.memory)) {
    const m = s.memory;
    lines.push('## Memory', '', '| moment | dispatcher RSS MiB |', '| --- | --- |');
    lines.push(`| ${num(m.endpoints)} endpoints loaded, idle | ${num(m.readyRssMb, 1)} |`);
    lines.push(`| deliveries flowing, paced (highest sample) | ${num(m.paced.dispatcherRssMaxMb, 1)} |`);
    lines.push(`| burst of ${num(m.burst.expected)} (highest sample) | ${num(m.burst.dispatcherRssMaxMb, 1)} |`);
    lines.push(`| peak over the process's life (VmHWM) | ${num(m.peakRssMb, 1)} |`, '');
  }
  if (s.hot !== undefined && !isError(s.hot) && s.hot.deliveriesPerSecond > 0) {
    const h = s.hot;
    const perEndpoint = Number(report.settings.perEndpointConcurrency ?? 1);
    const laneMs = (1000 / h.deliveriesPerSecond) * perEndpoint;
    lines.push(
      '## One endpoint',
      '',
      `Every delivery to one endpoint, ${perEndpoint} in flight: each delivery holds its lane ${num(laneMs, 2)} ms ` +
        `(1000 ÷ deliveries/s × in flight), of which the attempt itself takes ${num(h.attemptDurationMeanMs, 2)} ms ` +
        '(the sender’s own histogram). The rest is spent on the lane outside the request: waiting for the ' +
        'record to be fetched and handed over, decoding, the token bucket and signing. The attempt record and any ' +
        'retry record are written after the lane moves on; the offset is committed once the broker has them.',
      '',
    );
  }
  if (s.hanging !== undefined && !isError(s.hanging)) {
    const h = s.hanging;
    const c = h.dispatcherCounters;
    lines.push(
      '## Hanging endpoints',
      '',
      `${num(h.hangingEndpoints)} of ${num(h.hangingEndpoints + h.healthyEndpoints)} endpoints never answer. ` +
        `During the run they received ${num(h.hangingRequests)} requests; the dispatcher opened ` +
        `${num(c.breakersOpened)} circuit breakers, counted ${num(c.failedAttempts)} failed attempts and moved ` +
        `${num(c.retriesScheduled)} deliveries to the retry tier (${num(c.retriesCircuitOpen)} of them with the circuit open, no request sent).`,
      '',
    );
  }

  lines.push('## Against the baseline', '', '| ratio | value | of |', '| --- | --- | --- |');
  for (const r of report.ratios) lines.push(`| ${r.name} | ${num(r.value, 3)} | ${r.of} |`);
  lines.push('', '## Targets', '', '| target | value | goal | met |', '| --- | --- | --- | --- |');
  for (const t of report.targets) {
    const met = t.met === null ? 'not measured' : t.met ? 'yes' : 'no';
    lines.push(`| ${t.name} | ${num(t.value, 3)} ${t.unit} | ${t.target} | ${met} |`);
  }
  lines.push('');
  return lines.join('\n');
}
