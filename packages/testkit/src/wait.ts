import { setTimeout as sleep } from 'node:timers/promises';

/** Polls until `condition` holds; fails with `what` after the timeout. */
export async function waitUntil(
  condition: () => boolean | Promise<boolean>,
  options: { timeoutMs?: number; intervalMs?: number; what: string },
): Promise<void> {
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${options.what}`);
    await sleep(options.intervalMs ?? 50);
  }
}

/** Options of {@link waitForProgress}. */
export interface ProgressWaitOptions {
  readonly what: string;
  /** Fails when the progress value has not changed for this long. */
  readonly stallMs: number;
  /** Fails after this long in any case, so that the wait always ends by itself. */
  readonly timeoutMs: number;
  /** @defaultValue 500 */
  readonly intervalMs?: number;
}

/**
 * Polls until `done` holds, for as long as `progress` keeps changing: a loaded machine is slow,
 * not stuck. Fails when the value has not changed for `stallMs`, or after `timeoutMs`.
 * Resolves with the time it took in milliseconds.
 */
export async function waitForProgress(
  done: () => boolean | Promise<boolean>,
  progress: () => number | string,
  options: ProgressWaitOptions,
): Promise<number> {
  const started = Date.now();
  let last = progress();
  let lastChange = started;
  while (!(await done())) {
    const now = Date.now();
    const value = progress();
    if (value !== last) {
      last = value;
      lastChange = now;
    }
    if (now - lastChange > options.stallMs)
      throw new Error(`${options.what}: no progress for ${Math.round(options.stallMs / 1000)} s (at ${String(last)})`);
    if (now - started > options.timeoutMs)
      throw new Error(`${options.what}: not done after ${Math.round(options.timeoutMs / 1000)} s (at ${String(last)})`);
    await sleep(options.intervalMs ?? 500);
  }
  return Date.now() - started;
}
