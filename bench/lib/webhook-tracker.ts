import { Webhook } from 'standardwebhooks';
import { PATH } from './deliveries.ts';
import type { Arrival } from './receiver.ts';
import { type LatencySummary, ratePerSecond, summarize } from './stats.ts';
import { settlesWithin } from './tracker.ts';

/** What arrived of one run's webhooks. */
export interface WebhookArrivals {
  readonly expected: number;
  /** Distinct expected webhooks that arrived. */
  readonly arrived: number;
  readonly complete: boolean;
  /** Requests for a webhook that had already arrived (at-least-once redelivery). */
  readonly duplicates: number;
  /** Requests whose id no event of the run explains. */
  readonly unexpected: number;
  /** Signatures checked with the standardwebhooks library, and how many of them failed. */
  readonly verified: number;
  readonly badSignatures: number;
  /** Webhooks per second from the first to the last arrival. */
  readonly webhooksPerSecond: number;
  /** Webhooks per second from the first event written to the last arrival. */
  readonly endToEndPerSecond: number;
  /** From an event's transaction starting to its webhook's arrival. */
  readonly latencyMs: LatencySummary;
  /**
   * The same split where a dispatch probe ran: write → the delivery record readable
   * (read_committed) in webhooks.dispatch, and from then → arrival.
   */
  readonly split?: { readonly toDispatchMs: LatencySummary; readonly dispatchToArrivalMs: LatencySummary };
}

/**
 * Follows one run: every webhook expected (its delivery id, derived as the filter derives
 * it) and the event it comes from; when each event's transaction began and when each
 * webhook first arrived; one signature in `verifyEvery` checked with the endpoint's secret.
 */
export class WebhookTracker {
  readonly #eventOf: ReadonlyMap<string, number>;
  readonly #writtenAt: Float64Array;
  readonly #verifiers: ReadonlyMap<string, Webhook>;
  readonly #verifyEvery: number;
  readonly #arrivedAt = new Map<string, number>();
  readonly #visibleAt = new Map<string, number>();
  readonly #done = Promise.withResolvers<void>();
  #duplicates = 0;
  #unexpected = 0;
  #verified = 0;
  #bad = 0;
  #requests = 0;
  #firstWrite = Number.POSITIVE_INFINITY;
  #first = Number.POSITIVE_INFINITY;
  #last = Number.NEGATIVE_INFINITY;

  /**
   * @param eventOf delivery id → index of its event
   * @param secrets endpoint id → `whsec_` secret
   */
  constructor(
    eventOf: ReadonlyMap<string, number>,
    events: number,
    secrets: ReadonlyMap<string, string>,
    verifyEvery: number,
  ) {
    this.#eventOf = eventOf;
    this.#writtenAt = new Float64Array(events).fill(Number.NaN);
    this.#verifiers = new Map([...secrets].map(([id, secret]) => [id, new Webhook(secret)]));
    this.#verifyEvery = verifyEvery;
    if (eventOf.size === 0) this.#done.resolve();
  }

  /** The writers' hook: these events' transaction begins now. */
  readonly written = (indexes: readonly number[], at: number): void => {
    if (at < this.#firstWrite) this.#firstWrite = at;
    for (const i of indexes) this.#writtenAt[i] = at;
  };

  /** A dispatch probe's listener: this delivery record became readable now. */
  readonly visible = (deliveryId: string, at: number): void => {
    if (this.#eventOf.has(deliveryId) && !this.#visibleAt.has(deliveryId)) this.#visibleAt.set(deliveryId, at);
  };

  /** The receiver's listener. */
  readonly onArrival = (arrival: Arrival): void => {
    if (!this.#eventOf.has(arrival.id)) {
      this.#unexpected++;
      return;
    }
    if (this.#requests++ % this.#verifyEvery === 0) this.#verify(arrival);
    if (this.#arrivedAt.has(arrival.id)) {
      this.#duplicates++;
      return;
    }
    this.#arrivedAt.set(arrival.id, arrival.at);
    if (arrival.at < this.#first) this.#first = arrival.at;
    if (arrival.at > this.#last) this.#last = arrival.at;
    if (this.#arrivedAt.size >= this.#eventOf.size) this.#done.resolve();
  };

  #verify(arrival: Arrival): void {
    const endpoint = arrival.path.startsWith(PATH.OK) ? arrival.path.slice(PATH.OK.length) : '';
    const verifier = this.#verifiers.get(endpoint);
    const h = arrival.headers;
    try {
      if (verifier === undefined) throw new Error('no such endpoint');
      verifier.verify(arrival.body.toString('utf8'), {
        'webhook-id': String(h['webhook-id'] ?? ''),
        'webhook-timestamp': String(h['webhook-timestamp'] ?? ''),
        'webhook-signature': String(h['webhook-signature'] ?? ''),
      });
      this.#verified++;
    } catch {
      this.#bad++;
    }
  }

  /** Resolves true once every expected webhook arrived, false after `timeoutMs`. */
  wait(timeoutMs: number): Promise<boolean> {
    return settlesWithin(this.#done.promise, timeoutMs);
  }

  summary(): WebhookArrivals {
    const latencies: number[] = [];
    const toDispatch: number[] = [];
    const dispatchToArrival: number[] = [];
    for (const [id, at] of this.#arrivedAt) {
      const written = this.#writtenAt[this.#eventOf.get(id) as number] as number;
      if (!Number.isNaN(written)) latencies.push(at - written);
      const visible = this.#visibleAt.get(id);
      if (visible === undefined) continue;
      if (!Number.isNaN(written)) toDispatch.push(visible - written);
      dispatchToArrival.push(at - visible);
    }
    const arrived = this.#arrivedAt.size;
    return {
      expected: this.#eventOf.size,
      arrived,
      complete: arrived >= this.#eventOf.size,
      duplicates: this.#duplicates,
      unexpected: this.#unexpected,
      verified: this.#verified,
      badSignatures: this.#bad,
      webhooksPerSecond: ratePerSecond(arrived, this.#first, this.#last),
      endToEndPerSecond: ratePerSecond(arrived, this.#firstWrite, this.#last),
      latencyMs: summarize(latencies),
      ...(this.#visibleAt.size > 0
        ? { split: { toDispatchMs: summarize(toDispatch), dispatchToArrivalMs: summarize(dispatchToArrival) } }
        : {}),
    };
  }
}
