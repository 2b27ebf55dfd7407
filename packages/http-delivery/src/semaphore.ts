/** A counting semaphore: at most `limit` holders at once, the rest wait in arrival order. */
export interface Semaphore {
  /**
   * Waits for a free slot and returns the function that gives it back (call it exactly
   * once). Rejects with the signal's reason if `signal` aborts while waiting.
   */
  acquire(signal?: AbortSignal): Promise<() => void>;
  /** Slots currently held. */
  readonly active: number;
  /** Callers waiting for a slot. */
  readonly waiting: number;
}

/** Creates a {@link Semaphore} with `limit` slots. */
export function createSemaphore(limit: number): Semaphore {
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError('semaphore limit must be a positive integer');
  let active = 0;
  const queue: (() => void)[] = [];

  const releaser = (): (() => void) => {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = queue.shift();
      // Hand the slot straight to the next waiter, so a newcomer cannot overtake it.
      if (next === undefined) active -= 1;
      else next();
    };
  };

  return {
    get active() {
      return active;
    },
    get waiting() {
      return queue.length;
    },
    acquire(signal) {
      if (signal?.aborted) return Promise.reject(signal.reason);
      if (active < limit) {
        active += 1;
        return Promise.resolve(releaser());
      }
      return new Promise((resolve, reject) => {
        const grant = (): void => {
          signal?.removeEventListener('abort', onAbort);
          resolve(releaser());
        };
        const onAbort = (): void => {
          const index = queue.indexOf(grant);
          if (index !== -1) queue.splice(index, 1);
          reject(signal?.reason);
        };
        signal?.addEventListener('abort', onAbort, { once: true });
        queue.push(grant);
      });
    },
  };
}
