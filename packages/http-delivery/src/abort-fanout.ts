/** Controllers following each outside signal; one listener per signal, not per attempt. */
const followers = new WeakMap<AbortSignal, Set<AbortController>>();

/**
 * Aborts `controller` when `signal` aborts, and returns the function that stops following.
 *
 * The same signal (a service's shutdown signal) usually governs thousands of attempts over
 * its life: it gets a single listener that aborts whichever attempts follow it at that
 * moment, so starting and ending an attempt costs a set insertion and deletion instead of a
 * listener or a composite signal.
 */
export function followAbort(signal: AbortSignal, controller: AbortController): () => void {
  if (signal.aborted) {
    controller.abort(signal.reason);
    return () => undefined;
  }
  let members = followers.get(signal);
  if (members === undefined) {
    const set = new Set<AbortController>();
    followers.set(signal, set);
    signal.addEventListener(
      'abort',
      () => {
        for (const follower of set) follower.abort(signal.reason);
        set.clear();
      },
      { once: true },
    );
    members = set;
  }
  members.add(controller);
  const set = members;
  return () => {
    set.delete(controller);
  };
}
