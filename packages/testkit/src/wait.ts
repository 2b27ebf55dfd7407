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
