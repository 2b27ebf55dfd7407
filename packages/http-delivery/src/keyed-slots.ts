import { createSemaphore, type Semaphore } from './semaphore.ts';

/** Gives back a slot; call it exactly once. */
export type Release = () => void;

/** A semaphore per key (an origin, say). */
export interface KeyedSlots {
  /**
   * A slot of `key`: its release at once when one is free, otherwise a promise of it that
   * rejects with the signal's reason if `signal` aborts while waiting.
   */
  take(key: string, signal?: AbortSignal): Release | Promise<Release>;
  /** Keys whose semaphore is kept now (idle ones are dropped from time to time). */
  readonly keys: number;
}

/** Keys kept before idle ones are dropped. */
const MIN_SWEEP_AT = 1_024;

/**
 * Creates {@link KeyedSlots} with `limit` slots per key. A key's semaphore is kept while it is
 * idle, so that a key used again and again does not build a new one each time; once more
 * keys are kept than a threshold, the idle ones are dropped (and the threshold follows the
 * number of busy keys, so sweeping stays rare).
 */
export function createKeyedSlots(limit: number): KeyedSlots {
  const semaphores = new Map<string, Semaphore>();
  let sweepAt = MIN_SWEEP_AT;
  const sweep = () => {
    for (const [key, semaphore] of semaphores) {
      if (semaphore.active === 0 && semaphore.waiting === 0) semaphores.delete(key);
    }
    sweepAt = Math.max(MIN_SWEEP_AT, semaphores.size * 2);
  };
  return {
    get keys() {
      return semaphores.size;
    },
    take(key, signal) {
      let semaphore = semaphores.get(key);
      if (semaphore === undefined) {
        if (semaphores.size >= sweepAt) sweep();
        semaphore = createSemaphore(limit);
        semaphores.set(key, semaphore);
      }
      return semaphore.tryAcquire() ?? semaphore.acquire(signal);
    },
  };
}
