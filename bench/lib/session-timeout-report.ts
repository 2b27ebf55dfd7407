import type { LoopFigures } from './failover.ts';
import type { CpuWindow } from './proc.ts';
import type { MachineInfo } from './report.ts';

/** The dispatcher's and the filter's heartbeat interval for a session timeout. */
export const heartbeatOf = (sessionTimeoutMs: number) => Math.max(500, Math.floor(sessionTimeoutMs / 10));

/** One half of the window without a kill. */
export interface HalfFigures {
  readonly hogs: number;
  readonly cpu: CpuWindow;
  readonly eventLoop: { readonly a: LoopFigures; readonly b: LoopFigures };
}

/** Everything one run of one session timeout measured. */
export interface RunFigures {
  readonly sessionTimeoutMs: number;
  readonly heartbeatIntervalMs: number;
  readonly repeat: number;
  /** Cores busy machine-wide over two idle seconds before the run (work that is not ours). */
  readonly backgroundCores: number | undefined;
  /** One-minute load average before and after the run. */
  readonly loadAverage: { readonly before: number; readonly after: number };
  readonly window: {
    readonly seconds: number;
    /** Requests the receiver saw during the window. */
    readonly arrivals: number;
    /** Times the group left Stable or its members changed, as polled. */
    readonly rebalances: number;
    /** Member ids seen beyond the two at its start: a removed member rejoins under a new id. */
    readonly newMemberIds: number;
    /** kafkajs "not aware of this member" errors either dispatcher logged during the window. */
    readonly memberRemovedErrors: number;
    readonly duplicates: number;
    /** Error lines either dispatcher logged during the window. */
    readonly errors: number;
    readonly halves: readonly HalfFigures[];
  };
  readonly kill: {
    readonly killedPartitions: readonly number[];
    /** From the kill until the coordinator showed the group rebalancing (polled). */
    readonly groupNoticedMs: number;
    /** From the kill until the group was Stable again with the survivor alone (polled). */
    readonly stableAgainMs: number;
    /** From the kill until the first delivery again on the partitions the killed one owned: the worst. */
    readonly pauseMs: number;
    readonly pauseByPartitionMs: readonly number[];
    /** The longest gap on the survivor's own partitions (the rebalance stops it too). */
    readonly survivorLongestGapMs: number;
    /** Requests for webhook-ids that had arrived before: what the killed one sent but had not committed. */
    readonly duplicatesAfterKill: number;
  };
  /** Produced deliveries that had not arrived 20 s after the load stopped. */
  readonly missing: number;
  /** Distinct error lines of both dispatchers over the run (the kill's aftermath included). */
  readonly errors: readonly string[];
}

/** A run that could not be measured. */
export interface FailedRun {
  readonly sessionTimeoutMs: number;
  readonly repeat: number;
  readonly error: string;
}

/** Per session timeout: medians of the kill figures, totals of the window's counts. */
export interface TimeoutSummary {
  readonly sessionTimeoutMs: number;
  readonly heartbeatIntervalMs: number;
  readonly runs: number;
  readonly pauseMs: number;
  readonly groupNoticedMs: number;
  readonly survivorLongestGapMs: number;
  readonly duplicatesAfterKill: number;
  readonly windowSeconds: number;
  readonly rebalances: number;
  readonly newMemberIds: number;
  readonly memberRemovedErrors: number;
  readonly duplicatesInWindow: number;
  readonly windowErrors: number;
  /** The longest event-loop delay of either dispatcher during the windows. */
  readonly worstEventLoopDelayMs: number;
  /**
   * Session timeout − heartbeat interval: a stall of the consumer loop shorter than this never
   * costs the membership, wherever it falls between two heartbeats.
   */
  readonly stallAlwaysSurvivedMs: number;
  readonly missing: number;
}

/** Everything written to `session-timeout.json`. */
export interface SessionTimeoutReport {
  readonly benchmark: 'session-timeout';
  readonly startedAt: string;
  readonly durationSeconds: number;
  readonly machine: MachineInfo;
  readonly settings: Record<string, string | number | boolean>;
  readonly summary: readonly TimeoutSummary[];
  readonly runs: readonly (RunFigures | FailedRun)[];
}

const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)] ?? Number.NaN;
const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);

/** One row per session timeout, in the order given. */
export function summarize(timeouts: readonly number[], runs: readonly (RunFigures | FailedRun)[]): TimeoutSummary[] {
  const ok = runs.filter((r): r is RunFigures => !('error' in r));
  return timeouts.map((t) => {
    const of = ok.filter((r) => r.sessionTimeoutMs === t);
    const loops = of.flatMap((r) => r.window.halves.flatMap((h) => [h.eventLoop.a.maxMs, h.eventLoop.b.maxMs]));
    return {
      sessionTimeoutMs: t,
      heartbeatIntervalMs: heartbeatOf(t),
      runs: of.length,
      pauseMs: median(of.map((r) => r.kill.pauseMs)),
      groupNoticedMs: median(of.map((r) => r.kill.groupNoticedMs)),
      survivorLongestGapMs: median(of.map((r) => r.kill.survivorLongestGapMs)),
      duplicatesAfterKill: median(of.map((r) => r.kill.duplicatesAfterKill)),
      windowSeconds: sum(of.map((r) => r.window.seconds)),
      rebalances: sum(of.map((r) => r.window.rebalances)),
      newMemberIds: sum(of.map((r) => r.window.newMemberIds)),
      memberRemovedErrors: sum(of.map((r) => r.window.memberRemovedErrors)),
      duplicatesInWindow: sum(of.map((r) => r.window.duplicates)),
      windowErrors: sum(of.map((r) => r.window.errors)),
      worstEventLoopDelayMs: loops.length === 0 ? Number.NaN : Math.max(...loops),
      stallAlwaysSurvivedMs: t - heartbeatOf(t),
      missing: sum(of.map((r) => r.missing)),
    };
  });
}

const n = (x: number | undefined | null) =>
  x === undefined || x === null || Number.isNaN(x) ? '–' : x.toLocaleString('en-US');
const seconds = (ms: number) => (Number.isNaN(ms) ? '–' : `${(ms / 1000).toFixed(1)} s`);
const fixed = (x: number | undefined) => (x === undefined ? '–' : x.toFixed(2));

/** The report as Markdown, in the style of the other benchmarks' results. */
export function renderMarkdown(report: SessionTimeoutReport): string {
  const m = report.machine;
  const s = report.settings;
  const lines = [
    '# Session timeout benchmark',
    '',
    `Measured ${report.startedAt} in ${report.durationSeconds} s on ${m.cpuModel} (${m.cores} cores, ${n(m.totalMemoryMb)} MiB), Node ${m.node}, ${m.platform}.`,
    '',
    'Two dispatcher processes in one group on a private pipeline and a steady load of deliveries to a local receiver',
    `(${s.ratePerSecond}/s; one endpoint in five answers after ${s.slowMs} ms), for each session timeout in turn. The first,`,
    '30 s (kafkajs’s default, and payhook’s until this benchmark), is the baseline of the run. A window without a kill',
    '(a backlog burst at its start; CPU hogs and another burst in its second half) counts what a short timeout could',
    'cost: rebalances, members removed and rejoining under a new id, duplicate deliveries. Then one dispatcher is killed',
    'with `kill -9` under the same steady load, and the benchmark measures how long the partitions it owned go without',
    'a delivery.',
    '',
    '## Settings',
    '',
    '| setting | value |',
    '| --- | --- |',
    ...Object.entries(s).map(([k, v]) => `| ${k} | ${String(v)} |`),
    '',
    '## Results',
    '',
    `Kill figures are medians over ${s.repeats} repetition(s); the window's counts are totals.`,
    '',
    '| session timeout (heartbeat) | pause after kill -9 | group noticed | survivor’s own partitions stopped | duplicates after the kill | loaded window | rebalances | new member ids | member removed | duplicates | worst event-loop delay | stall always survived | lost |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...report.summary.map(
      (r) =>
        `| ${seconds(r.sessionTimeoutMs)} (${n(r.heartbeatIntervalMs)} ms) | ${seconds(r.pauseMs)} | ${seconds(r.groupNoticedMs)} | ${n(r.survivorLongestGapMs)} ms | ${n(r.duplicatesAfterKill)} | ${r.windowSeconds} s | ${r.rebalances} | ${r.newMemberIds} | ${r.memberRemovedErrors} | ${r.duplicatesInWindow} | ${n(r.worstEventLoopDelayMs)} ms | ${seconds(r.stallAlwaysSurvivedMs)} | ${r.missing} |`,
    ),
    '',
    '- Pause: from the kill until the first delivery again on each partition the killed dispatcher owned (the worst).',
    '- Group noticed: the first describe of the group (every 250 ms) after the kill that showed it rebalancing.',
    '- Survivor’s own partitions stopped: their longest gap after the kill (a rebalance revokes every partition).',
    '- Duplicates after the kill: deliveries the killed dispatcher had sent but not committed, sent again.',
    '- Worst event-loop delay: the highest `payhook_nodejs_eventloop_lag_max_seconds` of either dispatcher in the window.',
    '- Stall always survived: session timeout − heartbeat interval, the longest stall of the consumer loop after which',
    '  the next heartbeat still reaches the coordinator in time, wherever the stall falls between two heartbeats.',
    '- Lost: produced deliveries that had not arrived 20 s after the load stopped.',
    '',
    '## Runs',
    '',
    '| session timeout | repetition | background cores before | load average before / after | half | hogs | cores busy: dispatchers / broker / hogs / bench / others / machine | event-loop delay p50 / worst p99 / max ms (a; b) | error lines |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const r of report.runs) {
    if ('error' in r) {
      lines.push(`| ${seconds(r.sessionTimeoutMs)} | ${r.repeat} | failed: ${r.error} | | | | | | |`);
      continue;
    }
    for (const [i, h] of r.window.halves.entries()) {
      const p = h.cpu.byProcess;
      const hogs = sum(Object.entries(p).map(([k, v]) => (k.startsWith('hog') ? (v ?? 0) : 0)));
      const loop = (x: LoopFigures) => `${n(x.p50Ms)} / ${n(x.worstP99Ms)} / ${n(x.maxMs)}`;
      const first = i === 0;
      lines.push(
        `| ${seconds(r.sessionTimeoutMs)} | ${r.repeat} | ${first ? n(r.backgroundCores) : ''} | ${first ? `${fixed(r.loadAverage.before)} / ${fixed(r.loadAverage.after)}` : ''} | ${i + 1} | ${h.hogs} | ${fixed((p.a ?? 0) + (p.b ?? 0))} / ${fixed(p.broker)} / ${fixed(hogs)} / ${fixed(p.bench)} / ${fixed(h.cpu.others)} / ${fixed(h.cpu.machine)} | ${loop(h.eventLoop.a)}; ${loop(h.eventLoop.b)} | ${first ? r.window.errors : ''} |`,
      );
    }
  }
  const errors = [...new Set(report.runs.flatMap((r) => ('error' in r ? [] : r.errors)))];
  lines.push(
    '',
    'Background cores: machine-wide busy cores over two idle seconds before the run. Others: cores busy beyond the',
    'processes named, i.e. other work on the machine during the half.',
    '',
    errors.length === 0
      ? 'Neither dispatcher logged an error line in any run.'
      : `Error lines logged by the dispatchers (the kill's aftermath included): ${errors.map((e) => `“${e}”`).join('; ')}.`,
    '',
  );
  return lines.join('\n');
}
