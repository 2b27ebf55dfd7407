/** What a sweep does with one entry. */
export type SweepDecision = 'evict' | 'keep' | 'stop';

interface Entry<V> {
  readonly value: V;
  usedAtMs: number;
}

/**
 * A string-keyed map that remembers use order (least recently used first) and when each
 * entry was last used, so registries can bound their memory. It relies on `Map` keeping
 * insertion order: a use deletes and re-inserts the entry.
 */
export class LruMap<V> {
  readonly #entries = new Map<string, Entry<V>>();

  get size(): number {
    return this.#entries.size;
  }

  /** The value, marking it used at `nowMs`. */
  use(key: string, nowMs: number): V | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    this.#entries.delete(key);
    entry.usedAtMs = Math.max(entry.usedAtMs, nowMs);
    this.#entries.set(key, entry);
    return entry.value;
  }

  /** The value, without marking it used. */
  peek(key: string): V | undefined {
    return this.#entries.get(key)?.value;
  }

  /** Adds a value as the most recently used. */
  add(key: string, value: V, nowMs: number): void {
    this.#entries.delete(key);
    this.#entries.set(key, { value, usedAtMs: nowMs });
  }

  delete(key: string): boolean {
    return this.#entries.delete(key);
  }

  /**
   * Visits entries from the least recently used, evicting or keeping each as `decide` says,
   * until it says stop. Returns how many were evicted.
   */
  sweep(decide: (value: V, usedAtMs: number) => SweepDecision): number {
    let evicted = 0;
    for (const [key, entry] of this.#entries) {
      const decision = decide(entry.value, entry.usedAtMs);
      if (decision === 'stop') break;
      if (decision === 'evict') {
        this.#entries.delete(key);
        evicted++;
      }
    }
    return evicted;
  }

  /** Evicts the least recently used entry that `prefer` accepts, or else the least recently used. */
  evictOne(prefer: (value: V) => boolean): void {
    let oldest: string | undefined;
    for (const [key, entry] of this.#entries) {
      oldest ??= key;
      if (prefer(entry.value)) {
        this.#entries.delete(key);
        return;
      }
    }
    if (oldest !== undefined) this.#entries.delete(oldest);
  }
}
