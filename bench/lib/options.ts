import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { parseAllDocuments } from 'yaml';

interface Container {
  readonly command?: string[];
  readonly env?: { readonly name: string; readonly value?: string }[];
}

/** What one benchmark run does; every count and time is bounded. */
export interface BenchOptions {
  /** Deliveries per measured run (baseline, all healthy, 20 % hanging). */
  readonly records: number;
  /** Repetitions of the baseline, all-healthy and hanging runs; the median is reported. */
  readonly repeats: number;
  /** Unmeasured deliveries sent first in each run, to warm the JIT, pools and the group. */
  readonly warmup: number;
  /** Endpoints of the throughput and hanging runs. */
  readonly endpoints: number;
  /** Receiver ports (distinct origins); endpoints are spread over them round-robin. */
  readonly origins: number;
  /** Requests in flight in the baseline; by default what the dispatcher's lanes allow. */
  readonly concurrency: number;
  /** `DISPATCHER_PER_ENDPOINT_CONCURRENCY`. */
  readonly perEndpoint: number;
  /** Partitions of the stream topics. */
  readonly partitions: number;
  /** Deliveries of the one-endpoint run. */
  readonly hotRecords: number;
  /** Target rate of the paced run, deliveries per second. */
  readonly pacedRate: number;
  /** Length of the paced run. */
  readonly pacedSeconds: number;
  /** Share of endpoints that never answer in the hanging run. */
  readonly hangingShare: number;
  /** `DISPATCHER_REQUEST_TIMEOUT_MS` of the hanging run. */
  readonly hangTimeoutMs: number;
  /** Endpoints materialised in the memory run. */
  readonly memoryEndpoints: number;
  /** Longest wait for one run's deliveries before it is reported as incomplete. */
  readonly runTimeoutMs: number;
  /** Scenarios to run, in this order. */
  readonly scenarios: readonly Scenario[];
  /** Busy cores (machine-wide, before a scenario) above which the benchmark waits for quiet. */
  readonly maxBackground: number;
  /** How long to wait for quiet before a scenario; then it runs regardless (and says so). */
  readonly quietWaitSeconds: number;
  /**
   * Tries per measured run: a run during which other work kept more than `maxBackground`
   * cores busy is discarded and repeated, up to this many times in all.
   */
  readonly attempts: number;
  /** Extra dispatcher environment (`--env KEY=VALUE`), for trying its settings. */
  readonly dispatcherEnv: Readonly<Record<string, string>>;
  /** Node flags of the dispatcher child: by default those of its Kubernetes manifest. */
  readonly nodeFlags: readonly string[];
  /** Node flags of the raw-undici client: none by default (Node's own heap sizing). */
  readonly baselineNodeFlags: readonly string[];
  /** Where the dispatcher child writes CPU profiles (`node --cpu-prof`); none when undefined. */
  readonly cpuProfileDir: string | undefined;
  /**
   * Unpaced runs produce while the dispatcher consumes, instead of into a backlog it is held
   * from: the benchmark's own producer then shares the machine with the dispatcher.
   */
  readonly liveProduce: boolean;
  /** Where the results go. */
  readonly outDir: string;
  readonly quick: boolean;
}

/** The scenarios, in the order they run by default. */
export const SCENARIOS = ['baseline', 'flagged', 'healthy', 'paced', 'hot', 'hanging', 'memory'] as const;
export type Scenario = (typeof SCENARIOS)[number];

const full = {
  records: 20_000,
  repeats: 3,
  attempts: 4,
  warmup: 5_000,
  endpoints: 200,
  hotRecords: 2_000,
  pacedRate: 1_000,
  pacedSeconds: 20,
  memoryEndpoints: 10_000,
  runTimeoutMs: 180_000,
  quietWaitSeconds: 120,
} as const;

const quick = {
  records: 2_000,
  repeats: 1,
  attempts: 1,
  warmup: 300,
  endpoints: 50,
  hotRecords: 300,
  pacedRate: 1_000,
  pacedSeconds: 5,
  memoryEndpoints: 2_000,
  runTimeoutMs: 60_000,
  quietWaitSeconds: 10,
} as const;

export const HELP = `Usage: node bench/dispatcher.ts [options]

Benchmarks the webhook dispatcher against the real broker and schema registry (from
KAFKA_BROKERS and SCHEMA_REGISTRY_URL) and a local HTTP receiver on 127.0.0.1, and
compares it with raw undici measured in the same run. Runs the dispatcher as a child
process on a private pipeline (its own topic prefix, subjects and group), deletes the
topics afterwards, and writes results/dispatcher.json and results/dispatcher.md.

Scenarios:
  baseline   raw undici POSTs of the same signed bodies at the same concurrency
  flagged    the same raw client again, under the dispatcher's node flags: how much of the
             ratio to the baseline those flags make, rather than the dispatcher's code
  healthy    --records deliveries over --endpoints endpoints, a backlog drained: throughput
  paced      --paced-rate deliveries/s for --paced-seconds: latency at that rate
  hot        --hot-records deliveries to one endpoint, against raw undici to one endpoint
  hanging    like healthy, but --hanging-share of the endpoints never answer
  memory     --memory-endpoints endpoints loaded, deliveries flowing: dispatcher RSS

Options:
  --records N            deliveries per measured run          (default ${full.records}, quick ${quick.records})
  --repeats N            repetitions of baseline, healthy, hanging; median kept (default ${full.repeats}, quick ${quick.repeats})
  --warmup N             unmeasured deliveries before each run (default ${full.warmup}, quick ${quick.warmup})
  --endpoints N          endpoints of the healthy/hanging runs (default ${full.endpoints}, quick ${quick.endpoints})
  --origins N            receiver ports the endpoints spread over (default: one per endpoint, at most 200)
  --concurrency N        baseline requests in flight (default: endpoints x per-endpoint)
  --per-endpoint N       DISPATCHER_PER_ENDPOINT_CONCURRENCY   (default 1)
  --partitions N         partitions of the stream topics       (default 6)
  --hot-records N        deliveries of the one-endpoint run   (default ${full.hotRecords}, quick ${quick.hotRecords})
  --paced-rate N         deliveries/s of the paced run         (default ${full.pacedRate})
  --paced-seconds N      length of the paced run               (default ${full.pacedSeconds}, quick ${quick.pacedSeconds})
  --hanging-share X      share of endpoints that never answer  (default 0.2)
  --hang-timeout-ms N    request timeout of the hanging run    (default 2000)
  --memory-endpoints N   endpoints of the memory run           (default ${full.memoryEndpoints}, quick ${quick.memoryEndpoints})
  --run-timeout-ms N     longest wait for one run's deliveries (default ${full.runTimeoutMs}, quick ${quick.runTimeoutMs})
  --max-background X     busy cores of other work tolerated before and during a run (default 0.4)
  --quiet-wait-seconds N how long to wait for that before going on anyway (default ${full.quietWaitSeconds}, quick ${quick.quietWaitSeconds})
  --attempts N           tries per measured run: one disturbed by more than that other work is
                         discarded and run again                (default ${full.attempts}, quick ${quick.attempts})
  --only a,b             run only these scenarios (baseline is added when a ratio needs it)
  --env KEY=VALUE        extra dispatcher environment, repeatable (e.g. DISPATCHER_MAX_IN_FLIGHT=256)
  --node-flags="F ..."   node flags of the dispatcher (default: those of deploy/k8s/dispatcher.yaml;
                         "" for none)
  --baseline-node-flags="F ..."
                         node flags of the raw-undici client (default none, Node's own heap
                         sizing; the dispatcher's flags show what its heap limits cost)
  --cpu-prof DIR         write CPU profiles of the dispatcher child into DIR
  --live-produce         unpaced runs produce while the dispatcher consumes (by default the
                         dispatcher is held with SIGSTOP while the batch is written, then
                         released, so that it drains a backlog without sharing the machine
                         with the benchmark's producer, as the baseline does not)
  --out DIR              results directory                     (default bench/results)
  --quick                small counts, for a smoke run
  -h, --help             this text
`;

let manifestContainer: Container | undefined;

/** The dispatcher's container in the Kubernetes manifest, read once. */
function deployedContainer(): Container {
  if (manifestContainer !== undefined) return manifestContainer;
  const text = readFileSync(new URL('../../deploy/k8s/dispatcher.yaml', import.meta.url), 'utf8');
  const deployment = parseAllDocuments(text)
    .map((doc) => doc.toJS() as { kind?: string; spec?: { template?: { spec?: { containers?: Container[] } } } })
    .find((doc) => doc?.kind === 'Deployment');
  const container = deployment?.spec?.template?.spec?.containers?.[0];
  if (container === undefined) throw new Error('deploy/k8s/dispatcher.yaml: no Deployment with a container');
  manifestContainer = container;
  return container;
}

/** The node flags the Kubernetes manifest runs the dispatcher with (between `node` and its script). */
export function deployedNodeFlags(): string[] {
  const command = deployedContainer().command ?? [];
  if (command.length === 0) throw new Error('deploy/k8s/dispatcher.yaml: no Deployment with a command');
  return command.slice(
    1,
    command.findIndex((arg) => arg.endsWith('.ts')),
  );
}

/**
 * The C library's settings the manifest gives the dispatcher (`MALLOC_*`): they change its
 * memory, so a benchmark runs it with them as deployed.
 */
export function deployedAllocatorEnv(): Record<string, string> {
  const settings: Record<string, string> = {};
  for (const { name, value } of deployedContainer().env ?? [])
    if (name.startsWith('MALLOC_') && value !== undefined) settings[name] = value;
  return settings;
}

/** `deployedAllocatorEnv()` for a report's settings. */
export function deployedAllocatorEnvText(): string {
  const pairs = Object.entries(deployedAllocatorEnv()).map(([name, value]) => `${name}=${value}`);
  return pairs.join(' ') || 'none (the C library’s defaults)';
}

/** A usage error: the message names the option. */
export class UsageError extends Error {}

function count(name: string, raw: string | undefined, fallback: number, min = 1): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) throw new UsageError(`--${name} must be an integer >= ${min}, got "${raw}"`);
  return n;
}

/** Parses the command line; `undefined` when help was asked for. */
export function parseOptions(argv: readonly string[], benchDir: string): BenchOptions | undefined {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const v = parsed.values;
  if (v.help === true) return undefined;
  const isQuick = v.quick === true;
  const base = isQuick ? quick : full;
  const endpoints = count('endpoints', v.endpoints, base.endpoints);
  const perEndpoint = count('per-endpoint', v['per-endpoint'], 1);
  const share = v['hanging-share'] === undefined ? 0.2 : Number(v['hanging-share']);
  if (!(share > 0 && share < 1))
    throw new UsageError(`--hanging-share must be between 0 and 1, got "${v['hanging-share']}"`);
  const maxBackground = v['max-background'] === undefined ? 0.4 : Number(v['max-background']);
  if (!(maxBackground >= 0))
    throw new UsageError(`--max-background must be a number >= 0, got "${v['max-background']}"`);
  const dispatcherEnv: Record<string, string> = {};
  for (const pair of v.env ?? []) {
    const eq = pair.indexOf('=');
    if (eq < 1) throw new UsageError(`--env must be KEY=VALUE, got "${pair}"`);
    dispatcherEnv[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  let scenarios: Scenario[] = [...SCENARIOS];
  if (v.only !== undefined) {
    const wanted = v.only.split(',').map((s) => s.trim());
    for (const name of wanted) {
      if (!(SCENARIOS as readonly string[]).includes(name))
        throw new UsageError(`--only: unknown scenario "${name}" (known: ${SCENARIOS.join(', ')})`);
    }
    // The ratios are against figures of the same run: keep what they are computed from.
    if (wanted.includes('healthy') || wanted.includes('flagged')) wanted.push('baseline');
    if (wanted.includes('flagged')) wanted.push('healthy');
    if (['hanging', 'paced', 'hot'].some((name) => wanted.includes(name))) wanted.push('healthy', 'baseline');
    scenarios = SCENARIOS.filter((s) => wanted.includes(s));
  }
  return {
    records: count('records', v.records, base.records),
    repeats: count('repeats', v.repeats, base.repeats),
    warmup: count('warmup', v.warmup, base.warmup, 0),
    endpoints,
    origins: count('origins', v.origins, Math.min(endpoints, 200)),
    concurrency: count('concurrency', v.concurrency, endpoints * perEndpoint),
    perEndpoint,
    partitions: count('partitions', v.partitions, 6),
    hotRecords: count('hot-records', v['hot-records'], base.hotRecords),
    pacedRate: count('paced-rate', v['paced-rate'], base.pacedRate),
    pacedSeconds: count('paced-seconds', v['paced-seconds'], base.pacedSeconds),
    hangingShare: share,
    hangTimeoutMs: count('hang-timeout-ms', v['hang-timeout-ms'], 2_000),
    memoryEndpoints: count('memory-endpoints', v['memory-endpoints'], base.memoryEndpoints),
    runTimeoutMs: count('run-timeout-ms', v['run-timeout-ms'], base.runTimeoutMs, 1_000),
    scenarios,
    maxBackground,
    attempts: count('attempts', v.attempts, base.attempts),
    quietWaitSeconds: count('quiet-wait-seconds', v['quiet-wait-seconds'], base.quietWaitSeconds, 0),
    dispatcherEnv,
    nodeFlags: v['node-flags'] === undefined ? deployedNodeFlags() : v['node-flags'].split(/\s+/).filter(Boolean),
    baselineNodeFlags: (v['baseline-node-flags'] ?? '').split(/\s+/).filter(Boolean),
    cpuProfileDir: v['cpu-prof'],
    liveProduce: v['live-produce'] === true,
    outDir: v.out ?? `${benchDir}/results`,
    quick: isQuick,
  };
}

function parse(argv: readonly string[]) {
  const text = { type: 'string' } as const;
  return parseArgs({
    args: [...argv],
    strict: true,
    allowPositionals: false,
    options: {
      records: text,
      repeats: text,
      warmup: text,
      endpoints: text,
      origins: text,
      concurrency: text,
      'per-endpoint': text,
      partitions: text,
      'hot-records': text,
      'paced-rate': text,
      'paced-seconds': text,
      'hanging-share': text,
      'hang-timeout-ms': text,
      'memory-endpoints': text,
      'run-timeout-ms': text,
      'max-background': text,
      'quiet-wait-seconds': text,
      attempts: text,
      only: text,
      env: { type: 'string', multiple: true },
      'cpu-prof': text,
      'node-flags': text,
      'baseline-node-flags': text,
      out: text,
      quick: { type: 'boolean' },
      'live-produce': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}
