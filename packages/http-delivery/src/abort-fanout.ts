/** Callbacks waiting on each outside signal; one listener per signal, not per callback. */
const subscribers = new WeakMap<AbortSignal, Set<() => void>>();

/**
 * Calls `onAbort` once when `signal` aborts (at once when it already has), and returns the
 * function that cancels the subscription.
 *
 * The same signal (a service's shutdown signal) usually governs thousands of attempts and
 * waiters over its life: it gets a single listener that calls whichever callbacks are
 * subscribed at that moment, so subscribing and cancelling cost a set insertion and deletion
 * instead of adding and removing a listener (a linear search) or building a composite signal.
 */
export function onAbort(signal: AbortSignal, onAbort: () => void): () => void {
  if (signal.aborted) {
    onAbort();
    return () => undefined;
  }
  let callbacks = subscribers.get(signal);
  if (callbacks === undefined) {
    const set = new Set<() => void>();
    subscribers.set(signal, set);
    signal.addEventListener(
      'abort',
      () => {
        const due = [...set];
        set.clear();
        for (const callback of due) callback();
      },
      { once: true },
    );
    callbacks = set;
  }
  const set = callbacks;
  set.add(onAbort);
  return () => {
    set.delete(onAbort);
  };
}
