/**
 * Progress of one assigned partition: which records have started and which have finished,
 * so the committed offset never passes a record that is still unfinished.
 *
 * Offsets are kept as numbers: they stay exact up to 2^53, far beyond any real partition.
 */
export class PartitionProgress {
  /** Started offsets in the order they started (always increasing), from `#head` on. */
  readonly #started: number[] = [];
  #head = 0;
  readonly #finished = new Set<number>();
  #highestStarted = -1;
  #lastCommitted: number | undefined;

  /** Offsets started and not yet finished. */
  get unfinished(): number {
    return this.#started.length - this.#head - this.#finished.size;
  }

  /**
   * Marks a record as started; false when it was seen before in this assignment (kafkajs
   * fetches again from the committed offset after a rebalance, and those records are
   * already in flight or done).
   */
  begin(offset: number): boolean {
    if (offset <= this.#highestStarted) return false;
    this.#highestStarted = offset;
    this.#started.push(offset);
    return true;
  }

  /** Marks a started record as finished (delivered, re-published to a tier, or parked). */
  finish(offset: number): void {
    this.#finished.add(offset);
    while (this.#head < this.#started.length && this.#finished.has(this.#started[this.#head] as number)) {
      this.#finished.delete(this.#started[this.#head] as number);
      this.#head++;
    }
    // Drop the finished prefix now and then rather than on every call.
    if (this.#head > 1_024 && this.#head * 2 > this.#started.length) {
      this.#started.splice(0, this.#head);
      this.#head = 0;
    }
  }

  /**
   * The offset to commit (the next record to read after a restart): the lowest unfinished
   * offset, or one past the highest started when everything finished. Undefined when
   * nothing changed since the last {@link markCommitted}.
   */
  commitPoint(): number | undefined {
    const point = this.#head < this.#started.length ? (this.#started[this.#head] as number) : this.#highestStarted + 1;
    if (point <= 0 || point === this.#lastCommitted) return undefined;
    return point;
  }

  markCommitted(offset: number): void {
    this.#lastCommitted = offset;
  }
}
