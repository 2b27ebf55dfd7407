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

interface Waiter {
  readonly signal: AbortSignal | undefined;
  readonly grant: () => void;
  readonly reject: (reason: unknown) => void;
}

/**
 * Creates a {@link Semaphore} with `limit` slots.
 *
 * Waiters usually share one signal (the service's shutdown signal), so the semaphore listens
 * to each distinct signal once rather than once per waiter: thousands of waiters then cost
 * no listener bookkeeping, and an abort rejects all of that signal's waiters in one pass.
 */
export function createSemaphore(limit: number): Semaphore {
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError('semaphore limit must be a positive integer');
  let active = 0;
  let queue: Waiter[] = [];
  let head = 0;
  const watched = new WeakSet<AbortSignal>();

  const releaser = (): (() => void) => {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = queue[head];
      // Hand the slot straight to the next waiter, so a newcomer cannot overtake it.
      if (next === undefined) {
        active -= 1;
        return;
      }
      queue[head] = undefined as unknown as Waiter;
      head += 1;
      if (head === queue.length) {
        queue = [];
        head = 0;
      } else if (head > 1_024 && head * 2 > queue.length) {
        queue = queue.slice(head);
        head = 0;
      }
      next.grant();
    };
  };

  const watch = (signal: AbortSignal): void => {
    if (watched.has(signal)) return;
    watched.add(signal);
    signal.addEventListener(
      'abort',
      () => {
        const waiting = queue.slice(head);
        queue = waiting.filter((w) => w.signal !== signal);
        head = 0;
        for (const w of waiting) if (w.signal === signal) w.reject(signal.reason);
      },
      { once: true },
    );
  };

  return {
    get active() {
      return active;
    },
    get waiting() {
      return queue.length - head;
    },
    acquire(signal) {
      if (signal?.aborted) return Promise.reject(signal.reason);
      if (active < limit) {
        active += 1;
        return Promise.resolve(releaser());
      }
      return new Promise((resolve, reject) => {
        if (signal !== undefined) watch(signal);
        queue.push({ signal, grant: () => resolve(releaser()), reject });
      });
    },
  };
}
