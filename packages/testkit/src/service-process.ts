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
