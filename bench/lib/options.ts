import { parseArgs } from 'node:util';

/** What one benchmark run does; every count and time is bounded. */
export interface BenchOptions {
  /** Deliveries per measured run (baseline, all healthy, 20 % hanging). */
  readonly records: number;
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
  /** Where the dispatcher child writes CPU profiles (`node --cpu-prof`); none when undefined. */
  readonly cpuProfileDir: string | undefined;
  /** Where the results go. */
  readonly outDir: string;
  readonly quick: boolean;
}

/** The scenarios, in the order they run by default. */
export const SCENARIOS = ['baseline', 'healthy', 'paced', 'hanging', 'memory'] as const;
export type Scenario = (typeof SCENARIOS)[number];

const full = {
  records: 20_000,
  warmup: 2_000,
  endpoints: 200,
  pacedRate: 1_000,
  pacedSeconds: 20,
  memoryEndpoints: 10_000,
  runTimeoutMs: 180_000,
} as const;

const quick = {
  records: 2_000,
  warmup: 300,
  endpoints: 50,
  pacedRate: 1_000,
  pacedSeconds: 5,
  memoryEndpoints: 2_000,
  runTimeoutMs: 60_000,
} as const;

export const HELP = `Usage: node bench/dispatcher.ts [options]

Benchmarks the webhook dispatcher against the real broker and schema registry (from
KAFKA_BROKERS and SCHEMA_REGISTRY_URL) and a local HTTP receiver on 127.0.0.1, and
compares it with raw undici measured in the same run. Runs the dispatcher as a child
process on a private pipeline (its own topic prefix, subjects and group), deletes the
topics afterwards, and writes results/dispatcher.json and results/dispatcher.md.

Scenarios:
  baseline   raw undici POSTs of the same signed bodies at the same concurrency
  healthy    --records deliveries over --endpoints endpoints, produced at once: throughput
  paced      --paced-rate deliveries/s for --paced-seconds: latency at that rate
  hanging    like healthy, but --hanging-share of the endpoints never answer
  memory     --memory-endpoints endpoints loaded, deliveries flowing: dispatcher RSS

Options:
  --records N            deliveries per measured run          (default ${full.records}, quick ${quick.records})
  --warmup N             unmeasured deliveries before each run (default ${full.warmup}, quick ${quick.warmup})
  --endpoints N          endpoints of the healthy/hanging runs (default ${full.endpoints}, quick ${quick.endpoints})
  --origins N            receiver ports the endpoints spread over (default: one per endpoint, at most 200)
  --concurrency N        baseline requests in flight (default: endpoints x per-endpoint)
  --per-endpoint N       DISPATCHER_PER_ENDPOINT_CONCURRENCY   (default 1)
  --partitions N         partitions of the stream topics       (default 6)
  --paced-rate N         deliveries/s of the paced run         (default ${full.pacedRate})
  --paced-seconds N      length of the paced run               (default ${full.pacedSeconds}, quick ${quick.pacedSeconds})
  --hanging-share X      share of endpoints that never answer  (default 0.2)
  --hang-timeout-ms N    request timeout of the hanging run    (default 2000)
  --memory-endpoints N   endpoints of the memory run           (default ${full.memoryEndpoints}, quick ${quick.memoryEndpoints})
  --run-timeout-ms N     longest wait for one run's deliveries (default ${full.runTimeoutMs}, quick ${quick.runTimeoutMs})
  --only a,b             run only these scenarios (baseline is added when a ratio needs it)
  --cpu-prof DIR         write CPU profiles of the dispatcher child into DIR
  --out DIR              results directory                     (default bench/results)
  --quick                small counts, for a smoke run
  -h, --help             this text
`;

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
  if (!(share > 0 && share < 1)) throw new UsageError(`--hanging-share must be between 0 and 1, got "${v['hanging-share']}"`);
  let scenarios: Scenario[] = [...SCENARIOS];
  if (v.only !== undefined) {
    const wanted = v.only.split(',').map((s) => s.trim());
    for (const name of wanted) {
      if (!(SCENARIOS as readonly string[]).includes(name))
        throw new UsageError(`--only: unknown scenario "${name}" (known: ${SCENARIOS.join(', ')})`);
    }
    // The ratios are against figures of the same run: keep what they are computed from.
    if (wanted.includes('healthy')) wanted.push('baseline');
    if (wanted.includes('hanging') || wanted.includes('paced')) wanted.push('healthy', 'baseline');
    scenarios = SCENARIOS.filter((s) => wanted.includes(s));
  }
  return {
    records: count('records', v.records, base.records),
    warmup: count('warmup', v.warmup, base.warmup, 0),
    endpoints,
    origins: count('origins', v.origins, Math.min(endpoints, 200)),
    concurrency: count('concurrency', v.concurrency, endpoints * perEndpoint),
    perEndpoint,
    partitions: count('partitions', v.partitions, 6),
    pacedRate: count('paced-rate', v['paced-rate'], base.pacedRate),
    pacedSeconds: count('paced-seconds', v['paced-seconds'], base.pacedSeconds),
    hangingShare: share,
    hangTimeoutMs: count('hang-timeout-ms', v['hang-timeout-ms'], 2_000),
    memoryEndpoints: count('memory-endpoints', v['memory-endpoints'], base.memoryEndpoints),
    runTimeoutMs: count('run-timeout-ms', v['run-timeout-ms'], base.runTimeoutMs, 1_000),
    scenarios,
    cpuProfileDir: v['cpu-prof'],
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
      warmup: text,
      endpoints: text,
      origins: text,
      concurrency: text,
      'per-endpoint': text,
      partitions: text,
      'paced-rate': text,
      'paced-seconds': text,
      'hanging-share': text,
      'hang-timeout-ms': text,
      'memory-endpoints': text,
      'run-timeout-ms': text,
      only: text,
      'cpu-prof': text,
      out: text,
      quick: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}
