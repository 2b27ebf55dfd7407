import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { BaselineClientResult, BaselineJob } from './baseline-client.ts';
import type { BenchEndpoint } from './deliveries.ts';
import { type CpuWindow, cpuWindow } from './proc.ts';
import type { Receiver } from './receiver.ts';
import { type RunArrivals, RunTracker } from './tracker.ts';

const CLIENT = fileURLToPath(new URL('./baseline-client.ts', import.meta.url));

/** The raw-undici figures of a run, from both ends. */
export interface BaselineResult {
  /** Deliveries per second and latency as the client measured them. */
  readonly client: BaselineClientResult;
  /** The same requests as the receiver saw them (first to last arrival, like the dispatcher runs). */
  readonly receiver: Omit<RunArrivals, 'latencyMs' | 'firstArrivalAt' | 'lastArrivalAt'>;
  /** CPU use while the client ran (its warm-up included). */
  readonly cpu: CpuWindow;
}

/** Options of {@link runBaseline}. */
export interface BaselineOptions {
  readonly receiver: Receiver;
  readonly endpoints: readonly BenchEndpoint[];
  readonly records: number;
  readonly warmup: number;
  readonly concurrency: number;
  readonly timeoutMs: number;
  /** Node flags of the client process (heap sizes, say). @defaultValue none: Node's defaults */
  readonly nodeFlags?: readonly string[];
  /** Other processes whose CPU use is reported (the broker, the registry). */
  readonly watch?: Readonly<Record<string, number | undefined>>;
}

/** Runs the raw-undici client as a child process against the receiver. */
export async function runBaseline(options: BaselineOptions): Promise<BaselineResult> {
  const tracker = new RunTracker('base', options.records);
  options.receiver.listen(tracker.onArrival);
  const job: BaselineJob = {
    targets: options.endpoints.map((e) => ({ url: e.url, secret: e.secret })),
    warmup: options.warmup,
    records: options.records,
    concurrency: options.concurrency,
    warmupTag: 'basewarm',
    tag: 'base',
    // What the dispatcher's HTTP sender uses (its defaults; the service does not change them).
    connectionsPerOrigin: 8,
    keepAliveTimeoutMs: 4_000,
  };
  const child = spawn(process.execPath, [...(options.nodeFlags ?? []), CLIENT], { stdio: ['pipe', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    out += chunk;
  });
  const cpu = cpuWindow({ client: child.pid, ...options.watch });
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      process.off('exit', killOnExit);
      resolve(code);
    }),
  );
  child.stdin.end(JSON.stringify(job));
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs);
  try {
    const code = await exited;
    if (code !== 0) throw new Error(`the baseline client exited with ${code}`);
  } finally {
    clearTimeout(timer);
    options.receiver.listen(undefined);
  }
  const cpuUse = cpu.end();
  const { latencyMs: _l, firstArrivalAt: _f, lastArrivalAt: _t, ...receiver } = tracker.summary();
  return { client: JSON.parse(out) as BaselineClientResult, receiver, cpu: cpuUse };
}
