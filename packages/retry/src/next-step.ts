import { type RetryTier, retryTopic } from '@payhook/contracts';
import { RetryOptionError, requireAtLeast, requireInteger } from './errors.ts';

/** Why a delivery stops being retried. */
export const DeadLetterReason = {
  /** Every tier (and every repeat of the last) has been tried. */
  RETRIES_EXHAUSTED: 'retries_exhausted',
} as const;
export type DeadLetterReason = (typeof DeadLetterReason)[keyof typeof DeadLetterReason];

/** What {@link nextStep} needs to decide where a failed delivery goes. */
export interface NextStepInput {
  /** The retry tiers in order, usually `DEFAULT_RETRY_TIERS` or `parseRetryTiers(…)`. */
  readonly tiers: readonly RetryTier[];
  /** The 1-based number of the attempt that just failed: the first delivery is attempt 1. */
  readonly attempt: number;
  /** When that attempt failed, in milliseconds since the epoch. */
  readonly failedAtMs: number;
  /**
   * The least delay the receiver asked for (a parsed `Retry-After`), in milliseconds after
   * `failedAtMs`. An open circuit breaker's remaining cool-down fits here too.
   * @defaultValue none
   */
  readonly retryAfterMs?: number | null;
  /**
   * Extra delay as a fraction of the tier's delay, drawn uniformly from `[0, jitter)`.
   * It spreads out deliveries that failed together; it only ever adds delay.
   * @defaultValue 0.1
   */
  readonly jitter?: number;
  /** Uniform random numbers in `[0, 1)`; @defaultValue `Math.random`. Tests pass a fixed one. */
  readonly random?: () => number;
  /**
   * How many more times the last tier is used after its first use.
   * @defaultValue 0
   */
  readonly lastTierRepeats?: number;
}

/** Defaults of {@link NextStepInput}. */
export const nextStepDefaults = {
  jitter: 0.1,
  random: Math.random,
  lastTierRepeats: 0,
} satisfies Partial<NextStepInput>;

/** Retry in a tier's topic, not before `dueAtMs`. */
export interface RetryDecision {
  readonly kind: 'retry';
  readonly tier: RetryTier;
  /** 0-based position of `tier` in the tier list. */
  readonly tierIndex: number;
  /** The tier's topic, `webhooks.retry.<label>`. */
  readonly topic: string;
  /** The number the next attempt will carry (`attempt + 1`). */
  readonly nextAttempt: number;
  /** When the next attempt is due, in milliseconds since the epoch. */
  readonly dueAtMs: number;
}

/** Give up: send the delivery to the dead-letter topic. */
export interface DeadLetterDecision {
  readonly kind: 'dead-letter';
  readonly reason: DeadLetterReason;
  /** How many attempts were made. */
  readonly attempts: number;
}

/** The outcome of {@link nextStep}. */
export type RetryStep = RetryDecision | DeadLetterDecision;

/**
 * Decides what follows a failed attempt. Attempt `n` failing goes to tier `n` (attempt 1 to
 * the first tier); past the last tier, and its repeats, the delivery is dead-lettered.
 *
 * The due time is the tier's delay plus jitter, pushed later (never earlier) by
 * `retryAfterMs`. A long `Retry-After` keeps the delivery in its tier rather than skipping
 * tiers, so it costs no more than one attempt.
 *
 * @throws RetryOptionError when an input is out of range.
 */
export function nextStep(input: NextStepInput): RetryStep {
  const { tiers, attempt, failedAtMs, retryAfterMs, jitter, random, lastTierRepeats } = {
    ...nextStepDefaults,
    ...input,
  };
  if (tiers.length === 0) throw new RetryOptionError('tiers', 'must name at least one tier');
  requireInteger('attempt', attempt, 1);
  requireAtLeast('failedAtMs', failedAtMs, 0);
  requireAtLeast('jitter', jitter, 0);
  if (jitter > 1) throw new RetryOptionError('jitter', `must be at most 1, got ${jitter}`);
  requireInteger('lastTierRepeats', lastTierRepeats, 0);
  if (retryAfterMs !== undefined && retryAfterMs !== null) requireAtLeast('retryAfterMs', retryAfterMs, 0);

  if (attempt > tiers.length + lastTierRepeats) {
    return { kind: 'dead-letter', reason: DeadLetterReason.RETRIES_EXHAUSTED, attempts: attempt };
  }
  const tierIndex = Math.min(attempt, tiers.length) - 1;
  const tier = tiers[tierIndex] as RetryTier;
  requireAtLeast(`tiers[${tierIndex}].delayMs`, tier.delayMs, 0);

  const draw = jitter === 0 ? 0 : random();
  if (!(draw >= 0 && draw < 1)) throw new RetryOptionError('random', `must return a number in [0, 1), got ${draw}`);
  // Rounding up keeps "never earlier than the tier delay" true for fractional delays too.
  const delayMs = Math.ceil(tier.delayMs * (1 + jitter * draw));
  const dueAtMs = failedAtMs + Math.max(delayMs, Math.ceil(retryAfterMs ?? 0));
  return { kind: 'retry', tier, tierIndex, topic: retryTopic(tier.label), nextAttempt: attempt + 1, dueAtMs };
}

/** The most attempts a delivery gets: the first, one per tier, and the last tier's repeats. */
export function maxAttempts(tiers: readonly RetryTier[], lastTierRepeats = 0): number {
  return 1 + tiers.length + lastTierRepeats;
}
