/**
 * The highest event sequence handled per payment, bounded (oldest payments forgotten first).
 * A payment's events share a partition and arrive in order, so an event at or below the
 * highest sequence seen is a repeat: it produces nothing new.
 */
export class SeenEvents {
  readonly #max: number;
  readonly #highest = new Map<string, number>();

  constructor(maxPayments = 500_000) {
    this.#max = maxPayments;
  }

  /** Records the event; false when it (or a later one of the payment) was seen before. */
  firstTime(paymentId: string, sequence: number): boolean {
    const highest = this.#highest.get(paymentId);
    if (highest !== undefined && sequence <= highest) return false;
    this.#highest.delete(paymentId);
    this.#highest.set(paymentId, sequence);
    if (this.#highest.size > this.#max) this.#highest.delete(this.#highest.keys().next().value as string);
    return true;
  }

  /** Forgets events recorded by a transaction that was aborted. */
  restore(snapshot: ReadonlyMap<string, number | undefined>): void {
    for (const [id, sequence] of snapshot) {
      if (sequence === undefined) this.#highest.delete(id);
      else this.#highest.set(id, sequence);
    }
  }

  /** The current value for a payment (to snapshot before a transaction). */
  get(paymentId: string): number | undefined {
    return this.#highest.get(paymentId);
  }
}
