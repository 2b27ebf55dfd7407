import { tagOf } from './deliveries.ts';
import type { Arrival } from './receiver.ts';
import { type LatencySummary, ratePerSecond, summarize } from './stats.ts';

/** What arrived of one run. */
export interface RunArrivals {
  /** Distinct deliveries of the run that arrived (answered endpoints only). */
  readonly arrived: number;
  readonly expected: number;
  readonly complete: boolean;
  /** Requests for a delivery that had already arrived (at-least-once redelivery). */
  readonly duplicates: number;
  /** Requests that reached a never-answering endpoint. */
  readonly hangingRequests: number;
  /** Deliveries per second from the first to the last arrival. */
  readonly deliveriesPerSecond: number;
  /** From the first record produced to the last arrival, in ms. */
  readonly wallMs: number;
  /** Produce-to-arrival latency (only for deliveries whose produce time is known). */
  readonly latencyMs: LatencySummary;
  readonly firstArrivalAt: number;
  readonly lastArrivalAt: number;
}

/**
 * Follows one run's deliveries: when each was produced and when it first arrived. Arrivals
 * of other runs (a late warm-up request, say) are ignored by their tag.
 */
export class RunTracker {
  readonly #tag: string;
  readonly #expected: number;
  readonly #sentAt = new Map<string, number>();
  readonly #arrivedAt = new Map<string, number>();
  #duplicates = 0;
  #hanging = 0;
  #firstSent = Number.POSITIVE_INFINITY;
  #first = Number.POSITIVE_INFINITY;
  #last = Number.NEGATIVE_INFINITY;
  readonly #done = Promise.withResolvers<void>();

  constructor(tag: string, expected: number) {
    this.#tag = tag;
    this.#expected = expected;
    if (expected === 0) this.#done.resolve();
  }

  /** Records that these deliveries are handed to the producer now. */
  sent(ids: readonly string[], at: number): void {
    if (at < this.#firstSent) this.#firstSent = at;
    for (const id of ids) this.#sentAt.set(id, at);
  }

  /** The receiver's listener. */
  readonly onArrival = (arrival: Arrival): void => {
    if (tagOf(arrival.id) !== this.#tag) return;
    if (arrival.hanging) {
      this.#hanging++;
      return;
    }
    if (this.#arrivedAt.has(arrival.id)) {
      this.#duplicates++;
      return;
    }
    this.#arrivedAt.set(arrival.id, arrival.at);
    if (arrival.at < this.#first) this.#first = arrival.at;
    if (arrival.at > this.#last) this.#last = arrival.at;
    if (this.#arrivedAt.size >= this.#expected) this.#done.resolve();
  };

  get arrived(): number {
    return this.#arrivedAt.size;
  }

  /** Resolves true once every expected delivery arrived, false after `timeoutMs`. */
  wait(timeoutMs: number): Promise<boolean> {
    return settlesWithin(this.#done.promise, timeoutMs);
  }

  summary(): RunArrivals {
    const latencies: number[] = [];
    for (const [id, at] of this.#arrivedAt) {
      const sent = this.#sentAt.get(id);
      if (sent !== undefined) latencies.push(at - sent);
    }
    const arrived = this.#arrivedAt.size;
    return {
      arrived,
      expected: this.#expected,
      complete: arrived >= this.#expected,
      duplicates: this.#duplicates,
      hangingRequests: this.#hanging,
      deliveriesPerSecond: ratePerSecond(arrived, this.#first, this.#last),
      wallMs: Number.isFinite(this.#firstSent) ? Math.round(this.#last - this.#firstSent) : Number.NaN,
      latencyMs: summarize(latencies),
      firstArrivalAt: this.#first,
      lastArrivalAt: this.#last,
    };
  }
}

/** Resolves true once `done` resolves, false after `timeoutMs`. */
export async function settlesWithin(done: Promise<void>, timeoutMs: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  try {
    return await Promise.race([done.then(() => true as const), timedOut]);
  } finally {
    clearTimeout(timer);
  }
}
