import type { BaselineResult } from './baseline.ts';
import type { PipelineRunResult } from './pipeline-session.ts';
import type { MachineInfo, Repeated } from './report.ts';

/** One saturation variant: the events topic's partition count, and the median repetition. */
export interface SaturationResult {
  readonly eventsPartitions: number;
  readonly run: Repeated<PipelineRunResult> | { readonly error: string };
  /**
   * Webhooks/s (first to last arrival) ÷ raw undici's deliveries/s at the receiver, taken
   * within each repetition (the two ran a minute apart) and the median kept.
   */
  readonly ratioToBaseline: number | null;
  /** The ratio of every repetition, in order (null for one that did not deliver everything). */
  readonly repeatRatios: readonly (number | null)[];
  /** Repetitions whose webhooks did not all arrive within the run's time limit. */
  readonly incompleteRepetitions: number;
}

/** One paced run. */
export interface PacedResult {
  readonly eventsPartitions: number;
  readonly targetWebhooksPerSecond: number;
  readonly eventsPerSecond: number;
  /** Every event written at ≥ 95 % of the pace, every webhook arrived, at ≥ 90 % of it. */
  readonly reached: boolean;
  readonly run: PipelineRunResult | { readonly error: string };
}

/** Everything bench/pipeline.ts writes to results/pipeline.json. */
export interface PipelineReport {
  readonly benchmark: 'pipeline';
  readonly startedAt: string;
  durationSeconds: number;
  readonly machine: MachineInfo;
  /** `uptime`'s 1-minute load average, sampled at the start of every run and at the end. */
  readonly loadAverage: Record<string, number>;
  readonly settings: Record<string, string | number | boolean>;
  baseline: Repeated<BaselineResult> | { readonly error: string } | undefined;
  /** Error lines the services logged, by session: how many and the first. */
  readonly serviceErrors: Record<string, { readonly count: number; readonly first: string }>;
  readonly saturation: SaturationResult[];
  readonly paced: PacedResult[];
}

const fmt = (n: number | null | undefined) =>
  n === null || n === undefined || Number.isNaN(n) ? '–' : n.toLocaleString('en-US');
const ok = <T extends object>(r: T | { readonly error: string } | undefined): T | undefined =>
  r === undefined || 'error' in r ? undefined : (r as T);

const stalled = (s: SaturationResult) =>
  s.incompleteRepetitions > 0 ? `; ${s.incompleteRepetitions} more did not deliver every webhook in time` : '';

/** Filter and dispatcher CPU per webhook, ms, and its ratio to the raw client's per request. */
function cpuPerWebhook(r: PipelineRunResult, rawMs: number | undefined): string {
  if (r.filterCpuMsPerEvent === undefined || r.dispatcherCpuMsPerWebhook === undefined || r.arrived === 0) return '–';
  const ms = (r.filterCpuMsPerEvent * r.eventsWritten) / r.arrived + r.dispatcherCpuMsPerWebhook;
  const times = rawMs === undefined || rawMs === 0 ? '–' : fmt(Math.round((ms / rawMs) * 100) / 100);
  return `${fmt(Math.round(ms * 1000) / 1000)} (${times})`;
}

/** results/pipeline.md: the figures as tables, then how they were taken. */
export function renderPipelineMarkdown(report: PipelineReport): string {
  const base = ok(report.baseline);
  const loads = Object.values(report.loadAverage);
  const lines = [
    '## Pipeline, end to end (bench/pipeline.ts)',
    '',
    `${report.startedAt}, ${report.durationSeconds} s; ${report.machine.cores} × ${report.machine.cpuModel}, ` +
      `Node ${report.machine.node}. Load average (1 min) during the run: ${fmt(Math.min(...loads))}–${fmt(Math.max(...loads))} ` +
      `on ${report.machine.cores} cores, so other work shared the machine; absolute figures are noisy and the ratio ` +
      'to raw undici measured in the same run is the figure to read.',
    '',
    `Input: payment events written by two interleaving transactional writers (two chains, events and checkpoint per transaction) ` +
      `for merchants with 1, 3 and 10 endpoints (${report.settings.merchants}; ${report.settings.endpoints} endpoints, ` +
      `${report.settings.meanFanOut} webhooks per event on average); the confirmation filter and the dispatcher as processes; ` +
      `a receiver counting every webhook and verifying one signature in ${report.settings.verifyEvery} with standardwebhooks.`,
    '',
    '### Saturation',
    '',
    `Raw undici, ${fmt(base?.client.requests)} POSTs at concurrency ${report.settings.baselineConcurrency} to the same receiver: ` +
      `**${fmt(base?.receiver.deliveriesPerSecond)}/s** median (${base?.repeatRates.map(fmt).join(', ') ?? '–'}; ` +
      `client ${fmt(base?.cpu.byProcess.client)} cores busy). Each ratio is taken within a repetition (baseline r, then ` +
      "every variant r) and the median of the repetitions kept: the machine's speed moves a lot between minutes.",
    '',
    `CPU per webhook is steadier than webhooks/s on a shared machine: the raw client spent ${fmt(base?.client.cpuMsPerRequest)} ms per request; ` +
      "the last column gives the filter's and the dispatcher's CPU per webhook together, and that sum ÷ the raw client's.",
    '',
    '| payments.events partitions | events | webhooks arrived | webhooks/s (repetitions) | ratio to raw undici (repetitions) | from first write | filter cores | dispatcher cores | broker cores | other work, cores | filter CPU ms/event | dispatcher CPU ms/webhook | filter RSS MiB | dispatcher RSS MiB | signatures verified (bad) | filter + dispatcher CPU ms/webhook (÷ raw client) |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const s of report.saturation) {
    const r = ok(s.run);
    if (r === undefined) {
      lines.push(`| ${s.eventsPartitions} | failed: ${'error' in s.run ? s.run.error : ''} ||||||||||||||`);
      continue;
    }
    const p = r.cpu.byProcess;
    lines.push(
      `| ${s.eventsPartitions} | ${fmt(r.events)} | ${fmt(r.arrived)}/${fmt(r.expected)} | **${fmt(r.webhooksPerSecond)}** ` +
        `(${r.repeatRates.map(fmt).join(', ')}${stalled(s)}) | **${fmt(s.ratioToBaseline)}** (${s.repeatRatios.map(fmt).join(', ')}) | ${fmt(r.endToEndPerSecond)}/s | ${fmt(p.filter)} | ` +
        `${fmt(p.dispatcher)} | ${fmt(p.broker)} | ${fmt(r.cpu.others)} | ${fmt(r.filterCpuMsPerEvent)} | ${fmt(r.dispatcherCpuMsPerWebhook)} | ` +
        `${fmt(r.rssMaxMb.filter)} | ${fmt(r.rssMaxMb.dispatcher)} | ${fmt(r.verified)} (${fmt(r.badSignatures)}) | ` +
        `${cpuPerWebhook(r, base?.client.cpuMsPerRequest)} |`,
    );
  }
  lines.push(
    '',
    '### What the transactions cost',
    '',
    'Every transaction leaves a commit marker in each partition it wrote; the filter handles the partition batches of a fetch ' +
      'of payments.events at once and commits them in one transaction (those arriving while a commit is in flight go in the ' +
      'next), with no interval or size setting of its own.',
    '',
    '| run | writer transactions | filter: delivery records | commit markers in webhooks.dispatch | filter transactions (at least) | records per marker | write → arrival p50 ms |',
    '|---|---|---|---|---|---|---|',
  );
  const txRow = (label: string, r: PipelineRunResult) => {
    const t = r.transactions;
    lines.push(
      `| ${label} | ${fmt(t.writerTransactions)} | ${fmt(t.filterRecords)} | ${fmt(t.dispatchMarkers)} | ` +
        `${fmt(t.filterTransactionsAtLeast)} | ${fmt(t.recordsPerMarker)} | ${fmt(r.latencyMs.p50)} |`,
    );
  };
  for (const s of report.saturation) {
    const r = ok(s.run);
    if (r !== undefined) txRow(`saturation, ${s.eventsPartitions} events partition(s)`, r);
  }
  for (const p of report.paced) {
    const r = ok(p.run);
    if (r !== undefined)
      txRow(`paced ${fmt(p.targetWebhooksPerSecond)}/s, ${p.eventsPartitions} events partition(s)`, r);
  }
  lines.push(
    '',
    '### Paced: event write → webhook arrival',
    '',
    `From the start of the event's transaction to the webhook's arrival at the receiver; each writer commits every ${report.settings.blockMs} ms. ` +
      'Reached: every event written at ≥ 95 % of the pace, every webhook arrived, at ≥ 90 % of the pace from first to last arrival. ' +
      'Split: a read_committed probe beside the dispatcher notes when each delivery record becomes readable in webhooks.dispatch ' +
      "(write → dispatch: the writer's transaction, the filter's fetch, decode and transaction; dispatch → arrival: the dispatcher). " +
      "The probe shares the benchmark's process with the writers and the receiver and can read a record tens of ms after the " +
      'dispatcher did (a negative dispatch → arrival): the split is indicative, the total is exact.',
    '',
    '| payments.events partitions | target webhooks/s | events/s | reached | arrived | webhooks/s | p50 ms | p95 ms | p99 ms | max ms | write → dispatch p50 / p99 ms | dispatch → arrival p50 / p99 ms | filter cores | dispatcher cores | broker cores | bench cores | machine cores busy |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
  );
  for (const p of report.paced) {
    const r = ok(p.run);
    if (r === undefined) {
      lines.push(
        `| ${p.eventsPartitions} | ${fmt(p.targetWebhooksPerSecond)} | ${fmt(p.eventsPerSecond)} | failed ||||||||||||||`,
      );
      continue;
    }
    const c = r.cpu.byProcess;
    const l = r.latencyMs;
    lines.push(
      `| ${p.eventsPartitions} | ${fmt(p.targetWebhooksPerSecond)} | ${fmt(p.eventsPerSecond)} | ${p.reached ? 'yes' : '**not reached**'} | ` +
        `${fmt(r.arrived)}/${fmt(r.expected)} | ${fmt(r.webhooksPerSecond)} | ${fmt(l.p50)} | ${fmt(l.p95)} | ${fmt(l.p99)} | ` +
        `${fmt(l.max)} | ${fmt(r.split?.toDispatchMs.p50)} / ${fmt(r.split?.toDispatchMs.p99)} | ` +
        `${fmt(r.split?.dispatchToArrivalMs.p50)} / ${fmt(r.split?.dispatchToArrivalMs.p99)} | ${fmt(c.filter)} | ` +
        `${fmt(c.dispatcher)} | ${fmt(c.broker)} | ${fmt(c.bench)} | ${fmt(r.cpu.machine)}/${r.cpu.cores} |`,
    );
  }
  const errors = Object.entries(report.serviceErrors);
  if (errors.length > 0) {
    lines.push('', 'Errors the services logged:', '');
    for (const [where, e] of errors) lines.push(`- ${where}: ${e.count} error lines, the first: "${e.first}"`);
  }
  lines.push('', 'Settings:', '', ...Object.entries(report.settings).map(([k, v]) => `- ${k}: ${v}`), '');
  return `${lines.join('\n')}\n`;
}
