import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { openSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** One payhook service process (scanner, confirmation-filter or dispatcher). */
export interface RunningService {
  readonly name: string;
  readonly process: ChildProcess;
  readonly logFile: string;
}

/** Starts `services/<name>/src/main.ts` (its composition root) with the environment given; logs go to a file. */
export function startService(name: string, env: Record<string, string>, logDir: string): RunningService {
  const logFile = join(logDir, `${name}.log`);
  const log = openSync(logFile, 'a');
  const child = spawn(process.execPath, [join(ROOT, 'services', name, 'src', 'main.ts')], {
    env: { ...process.env, LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', log, log],
  });
  return { name, process: child, logFile };
}

/** Stops services with SIGTERM (they drain and commit), then SIGKILL after a grace period. */
export async function stopServices(services: readonly RunningService[], graceMs = 25_000): Promise<void> {
  await Promise.all(
    services.map(async ({ process: child }) => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    }),
  );
}

/** A service process that is started again whenever it exits on its own, as Kubernetes would. */
export interface SupervisedService {
  readonly name: string;
  /** The current process; undefined before the first start. */
  readonly current: RunningService | undefined;
  /** How each exit the test did not cause ended (`status 1`, `SIGABRT`), oldest first. */
  readonly unexpectedExits: readonly string[];
  /** Starts the service (a no-op while it is supervised already). */
  start(): void;
  /** `kill -9` now; the service stays down until `start()`. */
  kill(): void;
  /** SIGTERM (it drains and commits), then SIGKILL after the grace period; no restart. */
  stop(graceMs?: number): Promise<void>;
}

/** Options of {@link superviseService}. */
export interface SuperviseOptions {
  /** @defaultValue 2_000 */
  readonly restartDelayMs?: number;
  /** Told about every restart. @defaultValue none */
  readonly log?: (line: string) => void;
}

/** Runs `services/<name>/src/main.ts` under a supervisor that restarts it after any exit it did not ask for. */
export function superviseService(
  name: string,
  env: Record<string, string>,
  logDir: string,
  options: SuperviseOptions = {},
): SupervisedService {
  const delayMs = options.restartDelayMs ?? 2_000;
  const unexpectedExits: string[] = [];
  let current: RunningService | undefined;
  let wanted = false;
  let timer: NodeJS.Timeout | undefined;

  const launch = () => {
    const service = startService(name, env, logDir);
    current = service;
    service.process.once('exit', (code, signal) => {
      if (!wanted || current !== service) return;
      const how = signal ?? `status ${code}`;
      unexpectedExits.push(how);
      options.log?.(`${name} exited (${how}); restarting it in ${delayMs} ms`);
      timer = setTimeout(() => {
        if (wanted && current === service) launch();
      }, delayMs);
    });
  };
  const halt = () => {
    wanted = false;
    clearTimeout(timer);
  };

  return {
    name,
    get current() {
      return current;
    },
    unexpectedExits,
    start() {
      if (wanted) return;
      wanted = true;
      launch();
    },
    kill() {
      halt();
      current?.process.kill('SIGKILL');
    },
    async stop(graceMs) {
      halt();
      if (current !== undefined) await stopServices([current], graceMs);
    },
  };
}
