import { onAbort } from './abort-fanout.ts';

/** A counting semaphore: at most `limit` holders at once, the rest wait in arrival order. */
export interface Semaphore {
  /**
   * Waits for a free slot and returns the function that gives it back (call it exactly
   * once). Rejects with the signal's reason if `signal` aborts while waiting.
   */
  acquire(signal?: AbortSignal): Promise<() => void>;
  /** Takes a free slot at once and returns its release, or undefined when none is free. */
  tryAcquire(): (() => void) | undefined;
  /** Slots currently held. */
  readonly active: number;
  /** Callers waiting for a slot. */
  readonly waiting: number;
}

interface Waiter {
  readonly grant: () => void;
  /** Set when its signal aborted: releasing skips it. */
  aborted: boolean;
  /** Cancels the waiter's abort subscription. */
  unsubscribe: () => void;
}

/**
 * Creates a {@link Semaphore} with `limit` slots.
 *
 * Waiters usually share one signal (the service's shutdown signal); their abort
 * subscriptions go through {@link onAbort}, so thousands of waiters cost no listener
 * bookkeeping on the signal, and an aborted waiter is only marked (releasing skips it).
 */
export function createSemaphore(limit: number): Semaphore {
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError('semaphore limit must be a positive integer');
  let active = 0;
  let queue: Waiter[] = [];
  let head = 0;
  /** Queued waiters that did not abort. */
  let waiting = 0;

  const releaser = (): (() => void) => {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      // Hand the slot straight to the next waiter, so a newcomer cannot overtake it.
      let next: Waiter | undefined;
      while (head < queue.length && next === undefined) {
        const candidate = queue[head] as Waiter;
        head += 1;
        if (!candidate.aborted) next = candidate;
      }
      if (head === queue.length) {
        queue = [];
        head = 0;
      } else if (head > 1_024 && head * 2 > queue.length) {
        queue = queue.slice(head);
        head = 0;
      }
      if (next === undefined) {
        active -= 1;
        return;
      }
      waiting -= 1;
      next.unsubscribe();
      next.grant();
    };
  };

  return {
    get active() {
      return active;
    },
    get waiting() {
      return waiting;
    },
    tryAcquire() {
      if (active >= limit) return undefined;
      active += 1;
      return releaser();
    },
    acquire(signal) {
      if (signal?.aborted) return Promise.reject(signal.reason);
      if (active < limit) {
        active += 1;
        return Promise.resolve(releaser());
      }
      return new Promise((resolve, reject) => {
        const waiter: Waiter = { grant: () => resolve(releaser()), aborted: false, unsubscribe: () => undefined };
        queue.push(waiter);
        waiting += 1;
        if (signal !== undefined) {
          waiter.unsubscribe = onAbort(signal, () => {
            waiter.aborted = true;
            waiting -= 1;
            reject(signal.reason);
          });
        }
      });
    },
  };
}
