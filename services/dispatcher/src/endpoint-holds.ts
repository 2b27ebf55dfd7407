/**
 * Endpoints that asked, with a `Retry-After`, to be sent nothing until a time. A hold speaks
 * for the endpoint, not for the one record that met it: every record of that endpoint read
 * before the time moves on without a request. Expired holds are dropped as they are met and
 * in a sweep every {@link SWEEP_EVERY} new holds, so the map stays as small as the set of
 * endpoints held now.
 */
export class EndpointHolds {
  readonly #until = new Map<string, number>();
  #sinceSweep = 0;

  /** Endpoints held now or recently (expired entries not yet swept). */
  get size(): number {
    return this.#until.size;
  }

  /** Holds `endpointId` until `untilMs`; a later hold already in place is kept. */
  hold(endpointId: string, untilMs: number, nowMs: number): void {
    if (untilMs <= nowMs) return;
    const known = this.#until.get(endpointId);
    if (known !== undefined && known >= untilMs) return;
    this.#until.set(endpointId, untilMs);
    if (++this.#sinceSweep >= SWEEP_EVERY) this.#sweep(nowMs);
  }

  /** When the endpoint's hold ends; undefined when it is not held at `nowMs`. */
  until(endpointId: string, nowMs: number): number | undefined {
    const untilMs = this.#until.get(endpointId);
    if (untilMs === undefined) return undefined;
    if (untilMs > nowMs) return untilMs;
    this.#until.delete(endpointId);
    return undefined;
  }

  #sweep(nowMs: number): void {
    this.#sinceSweep = 0;
    for (const [id, untilMs] of this.#until) if (untilMs <= nowMs) this.#until.delete(id);
  }
}

/** New holds between sweeps of expired ones. */
const SWEEP_EVERY = 1_024;
