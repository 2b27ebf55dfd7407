/**
 * Runs parts of work that arrive together as one unit: the parts submitted in the same turn of
 * the event loop share one call of `run`, and while a call is in flight the parts submitted
 * meanwhile wait and go together in the next. Every part's promise settles with its call's
 * outcome, so a failed call fails each of its parts, and each part's caller undoes its own.
 *
 * The confirmation filter commits the batches of one fetch, one per partition, in a single
 * transaction this way: one transaction's round trips per fetch instead of one per partition,
 * which is what a paced stream's latency is made of.
 */
export function groupCommits<P>(run: (parts: readonly P[]) => Promise<void>): (part: P) => Promise<void> {
  let waiting: { readonly part: P; readonly resolve: () => void; readonly reject: (error: unknown) => void }[] = [];
  let scheduled = false;
  let running = false;

  const schedule = () => {
    if (scheduled || running || waiting.length === 0) return;
    scheduled = true;
    // After the current turn: parts being prepared beside this one join it.
    setImmediate(flush);
  };

  function flush(): void {
    scheduled = false;
    const taken = waiting;
    waiting = [];
    running = true;
    let outcome: Promise<void>;
    try {
      outcome = run(taken.map((w) => w.part));
    } catch (error) {
      outcome = Promise.reject(error);
    }
    void outcome
      .then(
        () => {
          for (const w of taken) w.resolve();
        },
        (error: unknown) => {
          for (const w of taken) w.reject(error);
        },
      )
      .finally(() => {
        running = false;
        schedule();
      });
  }

  return (part) => {
    const { promise, resolve, reject } = Promise.withResolvers<void>();
    waiting.push({ part, resolve, reject });
    schedule();
    return promise;
  };
}
