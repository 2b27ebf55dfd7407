// Session-timeout benchmark (not a test): what a shorter consumer-group session timeout buys
// after a crash, and what it costs under load. kafkajs sends heartbeats from the consumer's
// loop (every session timeout ÷ 10 here), so a member whose loop stalls for a session timeout
// is removed from the group although it is alive.
//
// For each timeout (the first, 30 s by default, is kafkajs's default and was payhook's: the
// baseline of the run) two dispatcher processes share a group on a private pipeline while a
// steady load of deliveries goes to a local receiver (one endpoint in five answers slowly):
//   1. a window without any kill, loaded by a backlog burst at its start and, in its second
//      half, CPU hog processes and another burst: rebalances, member ids that changed, "member
//      removed" errors, duplicate deliveries and the dispatchers' event-loop delay;
//   2. kill -9 of one dispatcher under the same steady load: how long the partitions it owned
//      go without a delivery.
// Writes results/session-timeout.json and .md; the private topics are deleted afterwards.
//
//   node bench/session-timeout.ts [--timeouts 30000,15000,10000,6000] [--rate 300] [--window-seconds 24]
//                                 [--burst 15000] [--hogs 2] [--repeats 1] [--quick]
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createKafkaClient } from '@payhook/kafka';
import { createLogger } from '@payhook/runtime';
import { generateSecret } from '@payhook/signing';
import { localStack, log } from './lib/bench-cli.ts';
import { type BenchEndpoint, endpointId } from './lib/deliveries.ts';
import { startDispatcher } from './lib/dispatcher-process.ts';
import {
  Arrivals,
  startFailoverReceiver,
  startHogs,
  startSteadyLoad,
  watchEventLoop,
  watchGroup,
} from './lib/failover.ts';
import { deployedAllocatorEnv, deployedAllocatorEnvText, deployedNodeFlags } from './lib/options.ts';
import { createBenchPipeline } from './lib/pipeline.ts';
import { cpuWindow, machineLoad, pidListeningOn } from './lib/proc.ts';
import { machineInfo } from './lib/report.ts';
import {
  type FailedRun,
  type HalfFigures,
  heartbeatOf,
  type RunFigures,
  renderMarkdown,
  type SessionTimeoutReport,
  summarize,
} from './lib/session-timeout-report.ts';

const { values: args } = parseArgs({
  options: {
    timeouts: { type: 'string', default: '30000,15000,10000,6000' },
    rate: { type: 'string', default: '300' },
    'window-seconds': { type: 'string', default: '24' },
    burst: { type: 'string', default: '15000' },
    hogs: { type: 'string', default: '2' },
    repeats: { type: 'string', default: '1' },
    partitions: { type: 'string', default: '6' },
    endpoints: { type: 'string', default: '60' },
    'slow-ms': { type: 'string', default: '500' },
    out: { type: 'string', default: fileURLToPath(new URL('./results/', import.meta.url)) },
    quick: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (args.help) {
  process.stdout.write(
    'node bench/session-timeout.ts [--timeouts 30000,15000,10000,6000] [--rate N] [--window-seconds N] [--burst N]\n' +
      '    [--hogs N] [--repeats N] [--partitions N] [--endpoints N] [--slow-ms N] [--out DIR] [--quick]\n' +
      'Two dispatchers in one group per session timeout: spurious rebalances and duplicates in a loaded window\n' +
      'without a kill, then the pause in deliveries after kill -9 of one of them. Needs the local broker and\n' +
      'registry (npm run payhook -- dev up). Writes bench/results/session-timeout.json and .md.\n',
  );
  process.exit(0);
}
const num = (name: string, raw: string | undefined, min = 1) => {
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) {
    process.stderr.write(`--${name} must be an integer ≥ ${min}, got "${raw}"\n`);
    process.exit(2);
  }
  return value;
};
// The broker refuses session timeouts under its group.min.session.timeout.ms (6 s by default).
const TIMEOUTS = (args.quick ? '30000,6000' : (args.timeouts ?? '')).split(',').map((t) => num('timeouts', t, 1000));
const RATE = num('rate', args.rate);
const WINDOW_MS = (args.quick ? 10 : num('window-seconds', args['window-seconds'], 4)) * 1000;
const BURST = args.quick ? 3_000 : num('burst', args.burst, 0);
const HOGS = num('hogs', args.hogs, 0);
const REPEATS = args.quick ? 1 : num('repeats', args.repeats);
const PARTITIONS = num('partitions', args.partitions, 2);
const ENDPOINTS = num('endpoints', args.endpoints, 5);
const SLOW_MS = num('slow-ms', args['slow-ms'], 0);
/** One endpoint in five answers after SLOW_MS and gets SLOW_RATE deliveries/s: its lane busy half the time. */
const isSlow = (index: number) => index % 5 === 1;
const SLOW_RATE = 1;
const WARMUP_MS = 5_000;
const POLL_MS = 250;

const { brokers, registryUrl } = localStack();

const kafka = createKafkaClient({
  brokers,
  clientId: 'payhook-bench',
  logger: createLogger({ name: 'payhook-bench', level: 'error', destination: process.stderr }),
});
const admin = kafka.admin();
const portOf = (hostPort: string) => Number(hostPort.slice(hostPort.lastIndexOf(':') + 1));
// They share the machine with the dispatchers: their CPU use is reported beside the dispatchers'.
const brokerPid = pidListeningOn(portOf(brokers[0] ?? ''));
const registryPid = pidListeningOn(Number(new URL(registryUrl).port || 80));
/** Cleanups of whatever is open, for an interrupt. */
const open = new Set<() => Promise<void>>();

/** One run of one session timeout: setup, the loaded window, the kill, cleanup. */
async function runOnce(sessionTimeoutMs: number, repeat: number): Promise<RunFigures> {
  const backgroundCores = await machineLoad(2_000);
  const loadBefore = os.loadavg()[0] ?? 0;
  const cleanups: (() => Promise<void>)[] = [];
  const cleanup = async () => {
    for (const step of cleanups.reverse()) await step().catch(() => undefined);
    cleanups.length = 0;
  };
  open.add(cleanup);
  try {
    const receiver = await startFailoverReceiver({
      endpoints: ENDPOINTS,
      partitions: PARTITIONS,
      isSlow,
      slowMs: SLOW_MS,
    });
    cleanups.push(() => receiver.close());
    const pipeline = await createBenchPipeline({ kafka, admin, registryUrl, partitions: PARTITIONS });
    cleanups.push(() => pipeline.close());
    const now = Date.now();
    const endpoints: BenchEndpoint[] = receiver.urls.map((url, index) => ({
      index,
      id: endpointId(index),
      url,
      secret: generateSecret(),
      hanging: false,
    }));
    await pipeline.addEndpoints(
      endpoints.map((e) => ({
        endpoint_id: e.id,
        merchant_id: 'mer_0001',
        url: e.url,
        secrets: [{ secret: e.secret, active_from: now - 60_000, expires_at: null }],
        event_types: ['payment.confirmed'],
        rate_limit_per_second: null,
        timeout_ms: null,
        enabled: true,
        disabled_reason: null,
        deleted_at: null,
        description: '',
        updated_at: now,
      })),
    );
    const env = {
      KAFKA_BROKERS: brokers.join(','),
      SCHEMA_REGISTRY_URL: registryUrl,
      PAYHOOK_RETRY_TIERS: pipeline.tiers,
      PAYHOOK_TOPIC_PREFIX: pipeline.prefix,
      LOG_LEVEL: 'info',
      DISPATCHER_DEV_ALLOW_LIST: '127.0.0.1',
      DISPATCHER_SHUTDOWN_DEADLINE_MS: '2000',
      DISPATCHER_SESSION_TIMEOUT_MS: String(sessionTimeoutMs),
      // The per-endpoint token bucket would otherwise hold the bursts back at 50/s an endpoint.
      DISPATCHER_DEFAULT_RATE_PER_SECOND: '1000000',
      ...deployedAllocatorEnv(),
    };
    const nodeFlags = deployedNodeFlags();
    const group = watchGroup(admin, `${pipeline.prefix}payhook-dispatcher`, pipeline.topics.dispatch, POLL_MS);
    cleanups.push(group.stop);
    const a = await startDispatcher({ env, nodeFlags });
    cleanups.push(async () => void (await a.stop(10_000)));
    const b = await startDispatcher({ env, nodeFlags });
    cleanups.push(async () => void (await b.stop(10_000)));
    const twoMembers = await group.stable(2, performance.now(), sessionTimeoutMs + 30_000);

    const arrivals = new Arrivals(PARTITIONS);
    receiver.record(arrivals);
    const tag = `st${sessionTimeoutMs / 1000}r${repeat}`;
    const load = startSteadyLoad({
      pipeline,
      endpoints,
      partitions: PARTITIONS,
      isSlow,
      ratePerSecond: RATE,
      slowRatePerSecond: SLOW_RATE,
      tag,
    });
    cleanups.push(load.stop);
    const bursts = [await load.prepareBurst(`${tag}x`, BURST), await load.prepareBurst(`${tag}y`, BURST)];
    await sleep(WARMUP_MS);

    // 1. The window without a kill: a burst, then the second half under CPU hogs and another burst.
    log(`  ${WINDOW_MS / 1000} s loaded window without a kill`);
    const windowStart = performance.now();
    const errorsBefore = { a: a.errors.length, b: b.errors.length };
    const halves: HalfFigures[] = [];
    for (const [half, burst] of bursts.entries()) {
      const hogs = half === 1 ? startHogs(HOGS) : [];
      const pids = { a: a.pid, b: b.pid, broker: brokerPid, registry: registryPid };
      const cpu = cpuWindow({ ...pids, ...Object.fromEntries(hogs.map((h, i) => [`hog${i + 1}`, h.pid])) });
      const loops = { a: watchEventLoop(a), b: watchEventLoop(b) };
      if (BURST > 0) await burst.send();
      await sleep(Math.max(0, windowStart + ((half + 1) * WINDOW_MS) / 2 - performance.now()));
      for (const hog of hogs) hog.kill('SIGKILL');
      halves.push({ hogs: hogs.length, cpu: cpu.end(), eventLoop: { a: loops.a.stop(), b: loops.b.stop() } });
    }
    // A rebalance the hogs caused settles before the kill: the group must be stable with both.
    const beforeKill = await group.stable(2, performance.now(), sessionTimeoutMs + 30_000);
    const killAt = performance.now();
    const inWindow = group.between(windowStart, killAt);
    const windowErrors = [...a.errors.slice(errorsBefore.a), ...b.errors.slice(errorsBefore.b)];

    // 2. kill -9 of one of them, under the same steady load.
    log('  kill -9 of one dispatcher');
    process.kill(a.pid, 'SIGKILL');
    const alone = await group.stable(1, killAt, sessionTimeoutMs + 30_000);
    const survivor = alone.members[0]?.id;
    const killed = beforeKill.members.find((m) => m.id !== survivor)?.partitions ?? [];
    const kept = beforeKill.members.find((m) => m.id === survivor)?.partitions ?? [];
    const resumedAll = () => killed.every((p) => (arrivals.byPartition[p]?.at(-1) ?? 0) > alone.at);
    for (const deadline = performance.now() + 15_000; !resumedAll() && performance.now() < deadline; ) {
      await sleep(100);
    }
    await sleep(2_000);
    const noticed = group.samples.find((s) => s.at > killAt && (s.state !== 'Stable' || s.members.length !== 2));
    // The gap is searched from a second before the kill: requests the killed process had written
    // just before it died may still arrive after it.
    const pauseByPartitionMs = killed.map((p) => Math.round(arrivals.longestGap(p, killAt - 1_000).end - killAt));
    const survivorGaps = kept.map((p) => {
      const gap = arrivals.longestGap(p, killAt);
      return gap.end - gap.start;
    });
    const duplicatesAfterKill = arrivals.duplicatesBetween(killAt, performance.now());

    await load.stop();
    for (const deadline = performance.now() + 20_000; performance.now() < deadline; ) {
      if (load.produced.every((id) => arrivals.has(id))) break;
      await sleep(250);
    }
    const missing = load.produced.filter((id) => !arrivals.has(id)).length;
    const figures: RunFigures = {
      sessionTimeoutMs,
      heartbeatIntervalMs: heartbeatOf(sessionTimeoutMs),
      repeat,
      backgroundCores,
      loadAverage: { before: loadBefore, after: os.loadavg()[0] ?? 0 },
      window: {
        seconds: Math.round((killAt - windowStart) / 1000),
        arrivals: arrivals.between(windowStart, killAt),
        rebalances: inWindow.rebalances,
        newMemberIds: [...inWindow.memberIds].filter((id) => !twoMembers.members.some((m) => m.id === id)).length,
        memberRemovedErrors: windowErrors.filter((e) => e.includes('not aware of this member')).length,
        duplicates: arrivals.duplicatesBetween(windowStart, killAt),
        errors: windowErrors.length,
        halves,
      },
      kill: {
        killedPartitions: killed,
        groupNoticedMs: noticed === undefined ? Number.NaN : Math.round(noticed.at - killAt),
        stableAgainMs: Math.round(alone.at - killAt),
        pauseMs: Math.max(...pauseByPartitionMs),
        pauseByPartitionMs,
        survivorLongestGapMs: Math.round(Math.max(0, ...survivorGaps)),
        duplicatesAfterKill,
      },
      missing,
      errors: [...new Set([...a.errors, ...b.errors])].slice(0, 20),
    };
    log(
      `  pause ${figures.kill.pauseMs} ms; window: ${inWindow.rebalances} rebalances, ` +
        `${figures.window.duplicates} duplicates, ${windowErrors.length} errors; ${missing} missing`,
    );
    return figures;
  } finally {
    await cleanup();
    open.delete(cleanup);
  }
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    log(`${signal}: cleaning up`);
    const timer = setTimeout(() => process.exit(130), 20_000);
    void Promise.allSettled([...open].map((close) => close())).finally(() => {
      clearTimeout(timer);
      process.exit(130);
    });
  });
}

const startedAt = new Date();
const runs: (RunFigures | FailedRun)[] = [];
await admin.connect();
try {
  // Repetitions go round every timeout, so that drift in the machine's load spreads over all of them.
  for (let repeat = 1; repeat <= REPEATS; repeat++) {
    for (const timeout of TIMEOUTS) {
      log(`session timeout ${timeout} ms, repetition ${repeat}/${REPEATS}`);
      try {
        runs.push(await runOnce(timeout, repeat));
      } catch (error) {
        // Without file paths (a stack line, say).
        const message = (error instanceof Error ? error.message : String(error)).replace(
          /\/[\w.@+-]+(?:\/[\w.@+-]+)+/g,
          '…',
        );
        log(`  failed: ${message}`);
        runs.push({ sessionTimeoutMs: timeout, repeat, error: message });
      }
    }
  }
} finally {
  await admin.disconnect().catch(() => undefined);
}

const report: SessionTimeoutReport = {
  benchmark: 'session-timeout',
  startedAt: startedAt.toISOString(),
  durationSeconds: Math.round((Date.now() - startedAt.getTime()) / 1000),
  machine: machineInfo(),
  settings: {
    sessionTimeoutsMs: TIMEOUTS.join(', '),
    heartbeatInterval: 'session timeout ÷ 10, at least 500 ms (as the dispatcher and the filter set it)',
    dispatchers: 2,
    partitions: PARTITIONS,
    endpoints: ENDPOINTS,
    slowEndpoints: Array.from({ length: ENDPOINTS }, (_, i) => i).filter(isSlow).length,
    slowMs: SLOW_MS,
    slowEndpointRatePerSecond: SLOW_RATE,
    ratePerSecond: RATE,
    warmupSeconds: WARMUP_MS / 1000,
    windowSeconds: WINDOW_MS / 1000,
    burstPerHalf: BURST,
    hogsInSecondHalf: HOGS,
    groupPollMs: POLL_MS,
    repeats: REPEATS,
    dispatcherNodeFlags: deployedNodeFlags().join(' '),
    dispatcherAllocatorEnv: deployedAllocatorEnvText(),
    quick: args.quick ?? false,
  },
  summary: summarize(TIMEOUTS, runs),
  runs,
};
const outDir = args.out ?? '.';
await mkdir(outDir, { recursive: true });
await writeFile(join(outDir, 'session-timeout.json'), `${JSON.stringify(report, null, 2)}\n`);
await writeFile(join(outDir, 'session-timeout.md'), renderMarkdown(report));
log(`results written to ${join(outDir, 'session-timeout.json')} and session-timeout.md`);
for (const r of report.summary) {
  log(
    `${r.sessionTimeoutMs} ms: pause ${r.pauseMs} ms; loaded window ${r.windowSeconds} s: ${r.rebalances} rebalances, ` +
      `${r.duplicatesInWindow} duplicates, worst event-loop delay ${r.worstEventLoopDelayMs} ms`,
  );
}
process.exit(runs.every((r) => !('error' in r)) ? 0 : 1);
