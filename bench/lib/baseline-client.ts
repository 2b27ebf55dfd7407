// The baseline: raw undici POSTing the same signed bodies the dispatcher sends, at the
// same concurrency, from a process of its own (as the dispatcher is). Reads its job as JSON
// on stdin and writes one JSON result line on stdout.
import { performance } from 'node:perf_hooks';
import { text } from 'node:stream/consumers';
import { sign } from '@payhook/signing';
import { Agent } from 'undici';
import { deliveryBody, deliveryId } from './deliveries.ts';
import { threadCpuSecondsOf } from './proc.ts';
import { summarize } from './stats.ts';

/** The job the parent hands over. */
export interface BaselineJob {
  readonly targets: readonly { readonly url: string; readonly secret: string }[];
  readonly warmup: number;
  readonly records: number;
  readonly concurrency: number;
  readonly warmupTag: string;
  readonly tag: string;
  /** The sender's defaults, so both pool connections alike. */
  readonly connectionsPerOrigin: number;
  readonly keepAliveTimeoutMs: number;
}

/** What the baseline measured on its side. */
export interface BaselineClientResult {
  readonly requests: number;
  readonly failures: number;
  readonly deliveriesPerSecond: number;
  readonly latencyMs: ReturnType<typeof summarize>;
  readonly cpuMsPerRequest: number;
  /**
   * The same CPU by thread, µs per request: the client's main thread, V8's worker threads (the
   * garbage collector's helpers, background compilation) and the rest (libuv, the inspector).
   * Undefined where /proc cannot be read.
   */
  readonly threadsUsPerRequest: { readonly main: number; readonly v8: number; readonly other: number } | undefined;
  readonly cores: number;
}

/** The kind of one of this process's threads, from its name. */
const threadKind = (name: string): 'main' | 'v8' | 'other' =>
  name === 'MainThread' ? 'main' : name.startsWith('V8Worker') ? 'v8' : 'other';

const job = JSON.parse(await text(process.stdin)) as BaselineJob;
const agent = new Agent({ connections: job.connectionsPerOrigin, keepAliveTimeout: job.keepAliveTimeoutMs });
const targets = job.targets.map((t) => {
  const url = new URL(t.url);
  return { origin: url.origin, path: url.pathname, secrets: [t.secret] };
});

async function phase(tag: string, count: number, latencies?: Float64Array): Promise<number> {
  // Bodies are built up front: the dispatcher reads finished bodies from Kafka too.
  const bodies = Array.from({ length: count }, (_, seq) => deliveryBody(deliveryId(tag, seq), seq, 'mer_0000', 0));
  let next = 0;
  let failures = 0;
  const worker = async (w: number) => {
    const target = targets[w % targets.length] as (typeof targets)[number];
    for (let seq = next++; seq < count; seq = next++) {
      const id = deliveryId(tag, seq);
      const body = bodies[seq] as string;
      const headers = {
        ...sign({ id, timestamp: Math.floor(Date.now() / 1000), body, secrets: target.secrets }),
        'content-type': 'application/json',
        'user-agent': 'payhook-bench',
      };
      const started = performance.now();
      try {
        const response = await agent.request({
          origin: target.origin,
          path: target.path,
          method: 'POST',
          headers,
          body,
        });
        await response.body.text();
        if (response.statusCode !== 200) failures++;
      } catch {
        failures++;
      }
      if (latencies !== undefined) latencies[seq] = performance.now() - started;
    }
  };
  await Promise.all(Array.from({ length: job.concurrency }, (_, w) => worker(w)));
  return failures;
}

await phase(job.warmupTag, job.warmup);
const latencies = new Float64Array(job.records);
const cpuBefore = process.cpuUsage();
const threadsBefore = threadCpuSecondsOf(process.pid, threadKind);
const started = performance.now();
const failures = await phase(job.tag, job.records, latencies);
const elapsedMs = performance.now() - started;
const cpu = process.cpuUsage(cpuBefore);
const threadsAfter = threadCpuSecondsOf(process.pid, threadKind);
const usPerRequest = (kind: 'main' | 'v8' | 'other') =>
  Math.round((((threadsAfter?.[kind] ?? 0) - (threadsBefore?.[kind] ?? 0)) * 1e6) / job.records);
await agent.close();

const result: BaselineClientResult = {
  requests: job.records,
  failures,
  deliveriesPerSecond: Math.round((job.records / elapsedMs) * 1000),
  latencyMs: summarize(latencies),
  cpuMsPerRequest: Math.round(((cpu.user + cpu.system) / job.records) * 1000) / 1_000_000,
  threadsUsPerRequest:
    threadsBefore === undefined || threadsAfter === undefined
      ? undefined
      : { main: usPerRequest('main'), v8: usPerRequest('v8'), other: usPerRequest('other') },
  cores: Math.round(((cpu.user + cpu.system) / 1000 / elapsedMs) * 100) / 100,
};
process.stdout.write(`${JSON.stringify(result)}\n`);
