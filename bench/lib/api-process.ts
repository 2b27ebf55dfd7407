// The API service as its own process, for the read-model benchmarks: started from its main.ts
// with the bench's environment, its log read for the port and for named lines, keys made by the
// CLI as an operator would.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** A running API process. */
export interface ApiProcess {
  /** `http://127.0.0.1:<port>`. */
  readonly base: string;
  /** The first log line with this `msg`, parsed, once the process writes it. */
  logLine<T>(msg: string, timeoutMs?: number): Promise<T>;
  /**
   * A key made with `payhook api-keys create <args> --json`, once the API accepts it.
   * @returns the request headers that carry it
   */
  createKey(args: readonly string[], timeoutMs?: number): Promise<Record<string, string>>;
  /** SIGTERM, then waits for the exit. */
  stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `probe` until it returns a value, failing after `timeoutMs` with `what`. */
async function until<T>(probe: () => T | undefined | Promise<T | undefined>, timeoutMs: number, what: string) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`gave up after ${timeoutMs} ms waiting for ${what}`);
    await sleep(20);
  }
}

/** Starts `services/api/src/main.ts` with `env` (PAYHOOK_HTTP_PORT 0: the port is read from its log). */
export async function startApiProcess(env: Record<string, string>, timeoutMs = 120_000): Promise<ApiProcess> {
  const child: ChildProcess = spawn(process.execPath, [join(ROOT, 'services/api/src/main.ts')], {
    env,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let stdout = '';
  let exited = false;
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  child.once('exit', () => (exited = true));
  const alive = () => {
    if (exited) throw new Error(`the API process exited; its log:\n${stdout.slice(-2_000)}`);
  };
  const logLine = <T>(msg: string, wait = timeoutMs) =>
    until(
      () => {
        alive();
        const line = stdout.split('\n').find((l) => l.includes(`"msg":${JSON.stringify(msg)}`));
        return line === undefined ? undefined : (JSON.parse(line) as T);
      },
      wait,
      `the API to log ${JSON.stringify(msg)}`,
    );
  try {
    const { port } = await logLine<{ port: number }>('started');
    const base = `http://127.0.0.1:${port}`;
    return {
      base,
      logLine,
      async createKey(args, wait = timeoutMs) {
        const made = spawnSync(
          process.execPath,
          [join(ROOT, 'services/cli/src/main.ts'), 'api-keys', 'create', ...args, '--json'],
          { env, encoding: 'utf8' },
        );
        if (made.status !== 0) throw new Error(`api-keys create ${args.join(' ')} failed: ${made.stderr}`);
        const headers = { authorization: `Bearer ${(JSON.parse(made.stdout) as { key: string }).key}` };
        // The key reaches the API through its compacted topic.
        await until(
          async () => {
            alive();
            return (await fetch(`${base}/v1/deliveries?limit=1`, { headers })).status === 200 ? true : undefined;
          },
          wait,
          'the API to accept a new key',
        );
        return headers;
      },
      async stop() {
        if (exited) return;
        child.kill('SIGTERM');
        await once(child, 'exit');
      },
    };
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
}
