import { type Clock, systemClock } from '@payhook/runtime';
import { requireAtLeast, requireInteger } from './errors.ts';

/** The states of a {@link CircuitBreaker}. */
export const CircuitState = {
  /** Requests flow; consecutive failures are counted. */
  CLOSED: 'closed',
  /** Requests are refused until the cool-down ends. */
  OPEN: 'open',
  /** The cool-down has ended: one probe request may test the endpoint. */
  HALF_OPEN: 'half-open',
} as const;
export type CircuitState = (typeof CircuitState)[keyof typeof CircuitState];

/** A state transition, reported to {@link CircuitBreakerOptions.onStateChange}. */
export interface CircuitStateChange {
  /** The breaker's key, usually the endpoint id. */
  readonly key: string;
  readonly from: CircuitState;
  readonly to: CircuitState;
  /** When the transition was observed, in milliseconds since the epoch. */
  readonly atMs: number;
  /** Consecutive failures counted when it happened (0 after a close). */
  readonly consecutiveFailures: number;
}

/** Options of {@link CircuitBreaker}. */
export interface CircuitBreakerOptions {
  /**
   * Consecutive failures that open a closed breaker.
   * @defaultValue 5
   */
  readonly failureThreshold?: number;
  /**
   * How long an open breaker refuses requests before allowing a probe, in milliseconds.
   * @defaultValue 30_000
   */
  readonly coolDownMs?: number;
  /**
   * How long a probe may go unanswered before another one is allowed, in milliseconds;
   * this keeps a lost probe result from holding the breaker half-open for ever.
   * @defaultValue 60_000
   */
  readonly probeTimeoutMs?: number;
  /** @defaultValue `systemClock` */
  readonly clock?: Clock;
  /** Called after every transition, for metrics and logs. It should not throw. */
  readonly onStateChange?: (change: CircuitStateChange) => void;
}

/** Defaults of {@link CircuitBreakerOptions}. */
export const circuitBreakerDefaults = {
  failureThreshold: 5,
  coolDownMs: 30_000,
  probeTimeoutMs: 60_000,
  clock: systemClock,
} satisfies Partial<CircuitBreakerOptions>;

/** A point-in-time view of a breaker. */
export interface CircuitSnapshot {
  readonly state: CircuitState;
  readonly consecutiveFailures: number;
  /** When the next request may be allowed; `null` when one may be allowed now. */
  readonly nextAllowedAtMs: number | null;
}

/**
 * A per-endpoint circuit breaker.
 *
 * It opens after `failureThreshold` consecutive failures: a plain count rather than a
 * failure ratio over a window, because a dead endpoint fails every request and trips it
 * quickly, while an endpoint that fails only some requests is left to the retry tiers.
 * After `coolDownMs` it goes half-open and lets exactly one probe through; the probe's
 * success closes it and its failure opens it for another cool-down.
 *
 * Callers ask {@link CircuitBreaker.tryAcquire} before each request and report its outcome
 * with {@link CircuitBreaker.onSuccess} or {@link CircuitBreaker.onFailure}. Outcomes that
 * arrive while open come from requests started before it opened and are ignored; one that
 * arrives while half-open settles the probe, whichever request it came from, since it is
 * equally fresh evidence about the endpoint.
 */
export class CircuitBreaker {
  /** The key reported in state changes. */
  readonly key: string;
  readonly #threshold: number;
  readonly #coolDownMs: number;
  readonly #probeTimeoutMs: number;
  readonly #clock: Clock;
  readonly #onStateChange: ((change: CircuitStateChange) => void) | undefined;
  #state: CircuitState = CircuitState.CLOSED;
  #failures = 0;
  #openedAtMs = 0;
  #probeStartedAtMs: number | null = null;

  constructor(key: string, options: CircuitBreakerOptions = {}) {
    const merged = { ...circuitBreakerDefaults, ...options };
    requireInteger('failureThreshold', merged.failureThreshold, 1);
    requireAtLeast('coolDownMs', merged.coolDownMs, 0);
    requireAtLeast('probeTimeoutMs', merged.probeTimeoutMs, 1);
    this.key = key;
    this.#threshold = merged.failureThreshold;
    this.#coolDownMs = merged.coolDownMs;
    this.#probeTimeoutMs = merged.probeTimeoutMs;
    this.#clock = merged.clock;
    this.#onStateChange = options.onStateChange;
  }

  /** The current state; reading it changes nothing (an expired cool-down reads as half-open). */
  get state(): CircuitState {
    if (this.#state === CircuitState.OPEN && this.#clock.now() >= this.#openedAtMs + this.#coolDownMs) {
      return CircuitState.HALF_OPEN;
    }
    return this.#state;
  }

  /**
   * Whether a request may be sent now. In half-open it returns `true` once, for the probe,
   * and `false` until the probe's outcome is reported or the probe times out.
   */
  tryAcquire(): boolean {
    const now = this.#clock.now();
    if (this.#state === CircuitState.OPEN) {
      if (now < this.#openedAtMs + this.#coolDownMs) return false;
      this.#transition(CircuitState.HALF_OPEN, now);
    }
    if (this.#state === CircuitState.CLOSED) return true;
    if (this.#probeStartedAtMs !== null && now < this.#probeStartedAtMs + this.#probeTimeoutMs) return false;
    this.#probeStartedAtMs = now;
    return true;
  }

  /** Reports a successful request. */
  onSuccess(): void {
    const now = this.#clock.now();
    if (this.#state === CircuitState.CLOSED) {
      this.#failures = 0;
    } else if (this.#state === CircuitState.HALF_OPEN) {
      this.#failures = 0;
      this.#probeStartedAtMs = null;
      this.#transition(CircuitState.CLOSED, now);
    }
  }

  /** Reports a failed request. */
  onFailure(): void {
    const now = this.#clock.now();
    if (this.#state === CircuitState.CLOSED) {
      this.#failures++;
      if (this.#failures >= this.#threshold) this.#open(now);
    } else if (this.#state === CircuitState.HALF_OPEN) {
      this.#failures++;
      this.#open(now);
    }
  }

  /** State, failure count, and when the next request may go. */
  snapshot(): CircuitSnapshot {
    const now = this.#clock.now();
    let nextAllowedAtMs: number | null = null;
    if (this.#state === CircuitState.OPEN && now < this.#openedAtMs + this.#coolDownMs) {
      nextAllowedAtMs = this.#openedAtMs + this.#coolDownMs;
    } else if (this.#probeStartedAtMs !== null && now < this.#probeStartedAtMs + this.#probeTimeoutMs) {
      nextAllowedAtMs = this.#probeStartedAtMs + this.#probeTimeoutMs;
    }
    return { state: this.state, consecutiveFailures: this.#failures, nextAllowedAtMs };
  }

  #open(now: number): void {
    this.#openedAtMs = now;
    this.#probeStartedAtMs = null;
    this.#transition(CircuitState.OPEN, now);
  }

  // State is updated before the callback runs, so a callback that throws leaves it consistent.
  #transition(to: CircuitState, atMs: number): void {
    const from = this.#state;
    this.#state = to;
    this.#onStateChange?.({ key: this.key, from, to, atMs, consecutiveFailures: this.#failures });
  }
}
