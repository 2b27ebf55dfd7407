import type { Clock } from '@payhook/runtime';
import { CircuitBreaker, type CircuitBreakerOptions, CircuitState, circuitBreakerDefaults } from './circuit-breaker.ts';
import { requireAtLeast, requireInteger } from './errors.ts';
import { LruMap } from './lru-map.ts';

/** Options of {@link CircuitBreakerRegistry}: those of every breaker, plus the memory bounds. */
export interface CircuitBreakerRegistryOptions extends CircuitBreakerOptions {
  /**
   * The most breakers kept. When full, the least recently used closed breaker is dropped
   * (or, if every breaker is open or half-open, the least recently used one).
   * @defaultValue 10_000
   */
  readonly maxBreakers?: number;
  /**
   * A closed breaker unused for this long is dropped; a new one starts closed with no
   * failures, which is the same. Open and half-open breakers are kept while there is room.
   * @defaultValue 600_000 (10 minutes)
   */
  readonly idleMs?: number;
}

/** Defaults of {@link CircuitBreakerRegistryOptions}. */
export const circuitBreakerRegistryDefaults = {
  ...circuitBreakerDefaults,
  maxBreakers: 10_000,
  idleMs: 600_000,
} satisfies Partial<CircuitBreakerRegistryOptions>;

// Sweeps walk past open breakers, so they run at most this often rather than on every call.
const SWEEP_INTERVAL_MS = 1_000;

/** Circuit breakers keyed by endpoint id, created on first use, with bounded memory. */
export class CircuitBreakerRegistry {
  readonly #options: CircuitBreakerOptions;
  readonly #breakers = new LruMap<CircuitBreaker>();
  readonly #maxBreakers: number;
  readonly #idleMs: number;
  readonly #clock: Clock;
  #lastSweepMs = Number.NEGATIVE_INFINITY;

  constructor(options: CircuitBreakerRegistryOptions = {}) {
    const { maxBreakers, idleMs, ...breaker } = { ...circuitBreakerRegistryDefaults, ...options };
    requireInteger('maxBreakers', maxBreakers, 1);
    requireAtLeast('idleMs', idleMs, 0);
    // Validates the breaker options once, up front, rather than at the first endpoint.
    void new CircuitBreaker('', breaker);
    this.#options = breaker;
    this.#maxBreakers = maxBreakers;
    this.#idleMs = idleMs;
    this.#clock = breaker.clock;
  }

  /** The number of breakers held. */
  get size(): number {
    return this.#breakers.size;
  }

  /** The breaker of `key`, created closed if there is none. */
  get(key: string): CircuitBreaker {
    const now = this.#clock.now();
    if (now - this.#lastSweepMs >= SWEEP_INTERVAL_MS) this.sweep();
    const existing = this.#breakers.use(key, now);
    if (existing !== undefined) return existing;
    if (this.#breakers.size >= this.#maxBreakers) this.#breakers.evictOne(isClosed);
    const breaker = new CircuitBreaker(key, this.#options);
    this.#breakers.add(key, breaker, now);
    return breaker;
  }

  /** The breaker of `key` if one is held, without creating or touching it. */
  peek(key: string): CircuitBreaker | undefined {
    return this.#breakers.peek(key);
  }

  /** Forgets the breaker of `key`, e.g. when the endpoint is deleted or disabled. */
  delete(key: string): boolean {
    return this.#breakers.delete(key);
  }

  /** Drops closed breakers unused for `idleMs`; returns how many. Runs by itself from {@link get}. */
  sweep(): number {
    const now = this.#clock.now();
    this.#lastSweepMs = now;
    return this.#breakers.sweep((breaker, usedAtMs) => {
      if (now - usedAtMs < this.#idleMs) return 'stop';
      return isClosed(breaker) ? 'evict' : 'keep';
    });
  }
}

function isClosed(breaker: CircuitBreaker): boolean {
  return breaker.state === CircuitState.CLOSED;
}
