import { RetryOptionError, requireAtLeast } from './errors.ts';

/** A rate limit: a sustained rate and a burst allowance. */
export interface RateLimit {
  /** Sustained requests per second; may be below 1 (0.5 is one every two seconds). */
  readonly ratePerSecond: number;
  /**
   * Requests that may go at once after a quiet period: the bucket's capacity.
   * @defaultValue the rate rounded up, and at least 1
   */
  readonly burst?: number;
}

/** The burst a limit allows, its default applied. */
export function burstOf(limit: RateLimit): number {
  return limit.burst ?? Math.max(1, Math.ceil(limit.ratePerSecond));
}

// Refill arithmetic is in floating point; without slack, waiting exactly the advised time
// could leave 0.9999999 tokens and advise a further 1 ms.
const EPSILON = 1e-9;

/**
 * A token bucket: it holds up to `burst` tokens, refills at `ratePerSecond`, and each
 * request takes one token. It starts full. Time is passed in by the caller, so the bucket
 * is a pure state machine; a clock that steps backwards refills nothing.
 */
export class TokenBucket {
  #rate = 0;
  #burst = 0;
  #tokens: number;
  #updatedAtMs: number;

  constructor(limit: RateLimit, nowMs: number) {
    this.#set(limit);
    this.#tokens = this.#burst;
    this.#updatedAtMs = nowMs;
  }

  /** The limit in force, with its burst resolved. */
  get limit(): Required<RateLimit> {
    return { ratePerSecond: this.#rate, burst: this.#burst };
  }

  /**
   * Takes a token if one is available: returns 0 when the request may go, otherwise the
   * milliseconds until a token will be available (nothing is taken then).
   */
  tryTake(nowMs: number): number {
    this.#refill(nowMs);
    if (this.#tokens >= 1 - EPSILON) {
      this.#tokens = Math.max(0, this.#tokens - 1);
      return 0;
    }
    return Math.max(1, Math.ceil(((1 - this.#tokens) * 1000) / this.#rate));
  }

  /** Tokens available at `nowMs`, without taking any. */
  tokensAt(nowMs: number): number {
    const elapsed = Math.max(0, nowMs - this.#updatedAtMs);
    return Math.min(this.#burst, this.#tokens + (elapsed * this.#rate) / 1000);
  }

  /**
   * Changes the limit from `nowMs` on: time so far refills at the old rate, and tokens
   * above the new burst are dropped.
   */
  setLimit(limit: RateLimit, nowMs: number): void {
    this.#refill(nowMs);
    this.#set(limit);
    this.#tokens = Math.min(this.#tokens, this.#burst);
  }

  #refill(nowMs: number): void {
    this.#tokens = this.tokensAt(nowMs);
    this.#updatedAtMs = Math.max(this.#updatedAtMs, nowMs);
  }

  #set(limit: RateLimit): void {
    if (!(Number.isFinite(limit.ratePerSecond) && limit.ratePerSecond > 0)) {
      throw new RetryOptionError('ratePerSecond', `must be a finite number > 0, got ${limit.ratePerSecond}`);
    }
    const burst = burstOf(limit);
    requireAtLeast('burst', burst, 1);
    this.#rate = limit.ratePerSecond;
    this.#burst = burst;
  }
}
