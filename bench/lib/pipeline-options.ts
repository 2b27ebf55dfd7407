import { parseArgs } from 'node:util';
import { deployedNodeFlags, UsageError } from './options.ts';

/** What one run of bench/pipeline.ts does; every count and time is bounded. */
export interface PipelineBenchOptions {
  /** Payment events of each saturation run (each fans out to its merchant's endpoints). */
  readonly events: number;
  /** Unmeasured events sent through a fresh pipeline before it is measured. */
  readonly warmupEvents: number;
  /** Merchants with 1, 3 and 10 subscribed endpoints. */
  readonly merchants: readonly [number, number, number];
  /** Partitions of `payments.events`, one variant (saturation and paced runs) each. */
  readonly eventsPartitions: readonly number[];
  /** Partitions of the other stream topics (`webhooks.dispatch`, the retry tiers, …). */
  readonly partitions: number;
  /** Repetitions of the baseline and every saturation variant; the median is kept. */
  readonly repeats: number;
  /** Events per scanner transaction when writing a backlog (saturation). */
  readonly txEvents: number;
  /** Paced runs: webhooks per second to aim at. */
  readonly pacedRates: readonly number[];
  readonly pacedSeconds: number;
  /** Paced runs: each of the two writers commits one transaction (a block) this often. */
  readonly blockMs: number;
  /** Verify the signature of one webhook in this many (all are counted). */
  readonly verifyEvery: number;
  /** Longest wait for one run's webhooks before it is reported as incomplete. */
  readonly runTimeoutMs: number;
  /** Node flags of the dispatcher child: by default those of its Kubernetes manifest. */
  readonly nodeFlags: readonly string[];
  readonly outDir: string;
  readonly quick: boolean;
}

const full = { events: 5_000, warmupEvents: 1_000, repeats: 3, pacedSeconds: 15, runTimeoutMs: 90_000 } as const;
const quick = { events: 600, warmupEvents: 150, repeats: 1, pacedSeconds: 4, runTimeoutMs: 60_000 } as const;

export const PIPELINE_HELP = `Usage: node bench/pipeline.ts [options]

Benchmarks the pipeline end to end on the real broker and schema registry (KAFKA_BROKERS,
SCHEMA_REGISTRY_URL): payment events written to payments.events by two interleaving
transactional writers (as two chains' scanners write them, events and checkpoint in one
transaction), the confirmation filter and the dispatcher as child processes, and a receiver
on 127.0.0.1 that counts every webhook and verifies a sample of signatures with the
standardwebhooks library. Raw undici at the same concurrency to the same receiver is the
baseline, measured in the same run. Every run gets a private pipeline (its own topic
prefix, subjects and groups), deleted afterwards; Ctrl-C stops the children and cleans up.
Writes results/pipeline.json and results/pipeline.md.

Runs:
  baseline     raw undici POSTs, as many as a saturation run's webhooks, concurrency = endpoints
  saturation   --events events written as a backlog: webhooks/s, once per --events-partitions
               value (how the filter's transactions are cut: one per fetch, its partitions together)
  paced        --paced-rates webhooks/s for --paced-seconds each, once per --events-partitions
               value: write -> arrival latency, split at webhooks.dispatch by a probe

Options:
  --events N              events per saturation run              (default ${full.events}, quick ${quick.events})
  --warmup-events N       unmeasured events before measuring     (default ${full.warmupEvents}, quick ${quick.warmupEvents})
  --merchants A,B,C       merchants with 1, 3 and 10 endpoints   (default 20,20,12: 200 endpoints)
  --events-partitions L   partitions of payments.events, one saturation variant each (default 6,3,1)
  --partitions N          partitions of the other stream topics  (default 6)
  --repeats N             repetitions of baseline and saturation; median kept (default 3, quick 1)
  --tx-events N           events per writer transaction in a backlog (default 200)
  --paced-rates L         webhooks/s of the paced runs            (default 1000,3000)
  --paced-seconds N       length of each paced run               (default ${full.pacedSeconds}, quick ${quick.pacedSeconds})
  --block-ms N            paced: each writer commits this often  (default 100)
  --verify-every N        verify one signature in N webhooks     (default 20)
  --run-timeout-ms N      longest wait for one run's webhooks    (default ${full.runTimeoutMs}, quick ${quick.runTimeoutMs})
  --node-flags="F ..."    node flags of the dispatcher (default: deploy/k8s/dispatcher.yaml's)
  --out DIR               results directory                      (default bench/results)
  --quick                 small counts, for a smoke run
  -h, --help              this text
`;

function int(name: string, raw: string | undefined, fallback: number, min = 1): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) throw new UsageError(`--${name} must be an integer >= ${min}, got "${raw}"`);
  return n;
}

function ints(name: string, raw: string | undefined, fallback: readonly number[], min = 1): number[] {
  if (raw === undefined) return [...fallback];
  const list = raw.split(',').map((part) => int(name, part.trim(), 0, min));
  if (list.length === 0) throw new UsageError(`--${name} must list at least one integer`);
  return list;
}

/** Parses the command line; `undefined` when help was asked for. */
export function parsePipelineOptions(argv: readonly string[], benchDir: string): PipelineBenchOptions | undefined {
  const text = { type: 'string' } as const;
  let values: ReturnType<typeof parseArgs>['values'];
  try {
    values = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        events: text,
        'warmup-events': text,
        merchants: text,
        'events-partitions': text,
        partitions: text,
        repeats: text,
        'tx-events': text,
        'paced-rates': text,
        'paced-seconds': text,
        'block-ms': text,
        'verify-every': text,
        'run-timeout-ms': text,
        'node-flags': text,
        out: text,
        quick: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }).values;
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const v = values as Record<string, string | undefined> & { quick?: boolean; help?: boolean };
  if (v.help === true) return undefined;
  const base = v.quick === true ? quick : full;
  const merchants = ints('merchants', v.merchants, [20, 20, 12], 0);
  if (merchants.length !== 3 || merchants.every((m) => m === 0))
    throw new UsageError(`--merchants must be three counts (1, 3 and 10 endpoints), not all 0, got "${v.merchants}"`);
  return {
    events: int('events', v.events, base.events),
    warmupEvents: int('warmup-events', v['warmup-events'], base.warmupEvents, 0),
    merchants: merchants as [number, number, number],
    eventsPartitions: ints('events-partitions', v['events-partitions'], [6, 3, 1]),
    partitions: int('partitions', v.partitions, 6),
    repeats: int('repeats', v.repeats, base.repeats),
    txEvents: int('tx-events', v['tx-events'], 200),
    pacedRates: ints('paced-rates', v['paced-rates'], [1_000, 3_000]),
    pacedSeconds: int('paced-seconds', v['paced-seconds'], base.pacedSeconds),
    blockMs: int('block-ms', v['block-ms'], 100, 5),
    verifyEvery: int('verify-every', v['verify-every'], 20),
    runTimeoutMs: int('run-timeout-ms', v['run-timeout-ms'], base.runTimeoutMs, 1_000),
    nodeFlags: v['node-flags'] === undefined ? deployedNodeFlags() : v['node-flags'].split(/\s+/).filter(Boolean),
    outDir: v.out ?? `${benchDir}/results`,
    quick: v.quick === true,
  };
}
