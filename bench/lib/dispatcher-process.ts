import { type ChildProcess, spawn } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { createServer } from 'node:net';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { warmedCompileCache } from './compile-cache.ts';
import { memoryOf } from './proc.ts';

/** The services a benchmark starts, each by its composition root (found through its package). */
const SERVICE_MAIN = {
  dispatcher: fileURLToPath(new URL('./main.ts', import.meta.resolve('@payhook/dispatcher'))),
  'confirmation-filter': fileURLToPath(new URL('./main.ts', import.meta.resolve('@payhook/confirmation-filter'))),
} as const;
export type BenchService = keyof typeof SERVICE_MAIN;

/** A service running as a child process, exactly as it runs in production. */
export interface ServiceProcess {
  readonly pid: number;
  /** Port of its `/metrics`, `/healthz`, `/readyz` server. */
  readonly healthPort: number;
  /** Messages of error and fatal log lines so far, with their error's message (no stacks, no values). */
  readonly errors: readonly string[];
  /** Prometheus samples of `/metrics`, keyed `name{labels}`. */
  metrics(): Promise<Map<string, number>>;
  /** SIGTERM, then SIGKILL if it has not exited after `graceMs`. Resolves with its exit code. */
  stop(graceMs?: number): Promise<number | null>;
  /**
   * Holds every thread of the process (SIGSTOP) until {@link ServiceProcess.release}: its
   * sockets keep their data and its timers fall due, as on a paused machine.
   */
  hold(): void;
  /** SIGCONT: the process goes on where it was held. */
  release(): void;
}

/** The dispatcher as a child process. */
export type DispatcherProcess = ServiceProcess;

/** Options of {@link startService}. */
export interface StartServiceOptions {
  /** The service's whole environment on top of this process's. */
  readonly env: Record<string, string>;
  /** Node flags before the script (heap sizes, say). @defaultValue none */
  readonly nodeFlags?: readonly string[];
  /** Writes a CPU profile into this directory when the process exits. */
  readonly cpuProfileDir?: string | undefined;
  /** Until `/readyz` answers 200 (endpoints loaded, group joined). @defaultValue 90_000 */
  readonly readyTimeoutMs?: number;
}

/** A free TCP port on 127.0.0.1 (free now; the dispatcher binds it a moment later). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Options of {@link startDispatcher}. */
export type StartDispatcherOptions = StartServiceOptions;

/** Spawns the dispatcher and waits until its `/readyz` answers 200. */
export function startDispatcher(options: StartDispatcherOptions): Promise<DispatcherProcess> {
  return startService('dispatcher', options);
}

/** Spawns a service and waits until its `/readyz` answers 200. */
export async function startService(service: BenchService, options: StartServiceOptions): Promise<ServiceProcess> {
  const execArgv = [
    ...(options.nodeFlags ?? []),
    ...(options.cpuProfileDir === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${options.cpuProfileDir}`]),
  ];
  // Chosen here rather than read from its logs: the health port is all the benchmark needs.
  const healthPort = await freePort();
  const child: ChildProcess = spawn(process.execPath, [...execArgv, SERVICE_MAIN[service]], {
    env: {
      ...process.env,
      NODE_COMPILE_CACHE: await warmedCompileCache(),
      ...options.env,
      PAYHOOK_HTTP_HOST: '127.0.0.1',
      PAYHOOK_HTTP_PORT: String(healthPort),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const errors: string[] = [];
  const stderrTail: string[] = [];
  // If this process dies first (an uncaught error, say), the service must not outlive it.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  let exitCode: number | null | undefined;
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      exitCode = code;
      process.off('exit', killOnExit);
      resolve(code);
    }),
  );

  createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
    // pino writes one JSON object per line; only errors are kept (their message, no stack).
    if (line.includes('"level":50') || line.includes('"level":60')) {
      const parsed = safeJson(line) as
        | { msg?: string; err?: { message?: string }; error?: string | { code?: string } }
        | undefined;
      // pino's serialised error, or what kafkajs logs beside its own lines (a message or a code).
      const error = parsed?.error;
      const reason = parsed?.err?.message ?? (typeof error === 'string' ? error : error?.code);
      const cause = reason === undefined ? '' : `: ${reason}`;
      if (errors.length < 100) errors.push(`${parsed?.msg ?? 'unparsed error line'}${cause}`);
    }
  });
  createInterface({ input: child.stderr as NodeJS.ReadableStream }).on('line', (line) => {
    stderrTail.push(line);
    if (stderrTail.length > 20) stderrTail.shift();
  });

  const stop = async (graceMs = 30_000): Promise<number | null> => {
    if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
    // A held process would not act on SIGTERM until released.
    child.kill('SIGCONT');
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    try {
      return await exited;
    } finally {
      clearTimeout(timer);
    }
  };

  const deadline = Date.now() + (options.readyTimeoutMs ?? 90_000);
  try {
    for (;;) {
      if (exitCode !== undefined) throw new Error(`the ${service} exited with ${exitCode} before it was ready`);
      const ready = await fetch(`http://127.0.0.1:${healthPort}/readyz`).then(
        (r) => r.status === 200,
        () => false,
      );
      if (ready) break;
      if (Date.now() > deadline) throw new Error(`the ${service} did not become ready in time`);
      await sleep(100);
    }
  } catch (error) {
    await stop(5_000);
    const tail = stderrTail.length > 0 ? `; its last output: ${stderrTail.join(' | ')}` : '';
    const errorLines = errors.length > 0 ? `; it logged: ${errors.join(' | ')}` : '';
    throw new Error(`${error instanceof Error ? error.message : String(error)}${errorLines}${tail}`);
  }
  const pid = child.pid as number;
  if (memoryOf(pid) === undefined) throw new Error(`cannot read /proc for the ${service} process`);

  return {
    pid,
    healthPort,
    errors,
    async metrics() {
      const text = await fetch(`http://127.0.0.1:${healthPort}/metrics`).then((r) => r.text());
      return parsePrometheus(text);
    },
    stop,
    hold: () => child.kill('SIGSTOP'),
    release: () => child.kill('SIGCONT'),
  };
}

function safeJson(line: string): unknown {
  try {
    return JSON.parse(line);
  } catch {
    return undefined;
  }
}

/** Samples of the Prometheus text format, keyed by `name{labels}` exactly as written. */
export function parsePrometheus(text: string): Map<string, number> {
  const samples = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const space = line.lastIndexOf(' ');
    samples.set(line.slice(0, space), Number(line.slice(space + 1)));
  }
  return samples;
}

/** Sum of the samples of `name` whose labels contain every `label="value"` in `where`. */
export function sumOf(samples: Map<string, number>, name: string, where: Record<string, string> = {}): number {
  let sum = 0;
  for (const [key, value] of samples) {
    const brace = key.indexOf('{');
    if ((brace === -1 ? key : key.slice(0, brace)) !== name) continue;
    if (Object.entries(where).every(([label, v]) => key.includes(`${label}="${v}"`))) sum += value;
  }
  return sum;
}

/** Counter increases between two scrapes, per sample key; only keys of `name`. */
export function deltaOf(
  before: Map<string, number>,
  after: Map<string, number>,
  name: string,
  where: Record<string, string> = {},
): number {
  return sumOf(after, name, where) - sumOf(before, name, where);
}
