import { type RetryTier, retryTopic } from '@payhook/contracts';
import { RetryOptionError, requireAtLeast, requireInteger } from './errors.ts';

/** Why a delivery stops being retried. */
export const DeadLetterReason = {
  /** Every tier (and every repeat of the last) has been tried with a request. */
  RETRIES_EXHAUSTED: 'retries_exhausted',
  /** The delivery is older than the maximum age, whatever attempts it has left. */
  MAX_AGE_EXCEEDED: 'max_age_exceeded',
} as const;
export type DeadLetterReason = (typeof DeadLetterReason)[keyof typeof DeadLetterReason];

/** What {@link nextStep} and {@link holdStep} share. */
interface StepInputBase {
  /** The retry tiers in order, usually `DEFAULT_RETRY_TIERS` or `parseRetryTiers(…)`. */
  readonly tiers: readonly RetryTier[];
  /** When the decision is taken (the attempt failed, or the record was held), in ms since the epoch. */
  readonly failedAtMs: number;
  /**
   * Extra delay as a fraction of the tier's delay, drawn uniformly from `[0, jitter)`.
   * It spreads out deliveries that failed together; it only ever adds delay, and bounds how
   * late any record in a tier may be due: write time + delay × (1 + jitter).
   * @defaultValue 0.1
   */
  readonly jitter?: number;
  /** Uniform random numbers in `[0, 1)`; @defaultValue `Math.random`. Tests pass a fixed one. */
  readonly random?: () => number;
  /**
   * When the delivery entered the pipeline (or was replayed), in ms since the epoch; with
   * `maxAgeMs`, a delivery older than that goes to the DLQ instead of waiting again.
   * @defaultValue none: no age limit
   */
  readonly firstSeenAtMs?: number;
  /**
   * The longest a delivery is kept trying, in milliseconds from `firstSeenAtMs`.
   * @defaultValue `Infinity`
   */
  readonly maxAgeMs?: number;
}

/** What {@link nextStep} needs to decide where a failed delivery goes. */
export interface NextStepInput extends StepInputBase {
  /** The 1-based number of the request that just failed: the first delivery is attempt 1. */
  readonly attempt: number;
  /**
   * The least delay the receiver asked for (a parsed, clamped `Retry-After`), in milliseconds
   * after `failedAtMs`. A wait longer than the attempt's own tier moves the record to the first
   * tier whose delay covers it (the last tier caps it).
   * @defaultValue none
   */
  readonly retryAfterMs?: number | null;
  /**
   * How many more times the last tier is used after its first use.
   * @defaultValue 0
   */
  readonly lastTierRepeats?: number;
}

/** What {@link holdStep} needs to move a record that waits without a request. */
export interface HoldStepInput extends StepInputBase {
  /** How long the record should wait (an open breaker's cool-down, a `Retry-After` still running), in ms. */
  readonly waitMs: number;
}

/** Defaults of {@link NextStepInput} and {@link HoldStepInput}. */
export const nextStepDefaults = {
  jitter: 0.1,
  random: Math.random,
  lastTierRepeats: 0,
  maxAgeMs: Number.POSITIVE_INFINITY,
} satisfies Partial<NextStepInput>;

/** Retry in a tier's topic, not before `dueAtMs`. */
export interface RetryDecision {
  readonly kind: 'retry';
  readonly tier: RetryTier;
  /** 0-based position of `tier` in the tier list. */
  readonly tierIndex: number;
  /** The tier's topic, `webhooks.retry.<label>`. */
  readonly topic: string;
  /** When the record is due in that tier, in ms since the epoch: never later than decision time + the tier's delay × (1 + jitter). */
  readonly dueAtMs: number;
}

/** Give up: send the delivery to the dead-letter topic. */
export interface DeadLetterDecision {
  readonly kind: 'dead-letter';
  readonly reason: DeadLetterReason;
}

/** The outcome of {@link nextStep} or {@link holdStep}. */
export type RetryStep = RetryDecision | DeadLetterDecision;

/**
 * Decides what follows a failed request. Attempt `n` failing goes to tier `n` (attempt 1 to
 * the first tier), due after the tier's delay plus jitter; past the last tier, and its
 * repeats, the delivery is dead-lettered (`retries_exhausted`), and so is a delivery older
 * than `maxAgeMs` (`max_age_exceeded`).
 *
 * A `Retry-After` longer than that tier's delay moves the record to the first later tier whose
 * delay covers it, due at the time asked for; beyond the last tier's delay it is capped there.
 * So no record is ever due later than its write time plus its tier's delay (and jitter): a
 * tier partition paused for its head waits at most its own delay, whatever a receiver says.
 *
 * @throws RetryOptionError when an input is out of range.
 */
export function nextStep(input: NextStepInput): RetryStep {
  const merged = { ...nextStepDefaults, ...input };
  const { tiers, attempt, retryAfterMs, lastTierRepeats } = merged;
  checkBase(merged);
  requireInteger('attempt', attempt, 1);
  requireInteger('lastTierRepeats', lastTierRepeats, 0);
  if (retryAfterMs !== undefined && retryAfterMs !== null) requireAtLeast('retryAfterMs', retryAfterMs, 0);

  if (attempt > tiers.length + lastTierRepeats) {
    return { kind: 'dead-letter', reason: DeadLetterReason.RETRIES_EXHAUSTED };
  }
  if (tooOld(merged)) return { kind: 'dead-letter', reason: DeadLetterReason.MAX_AGE_EXCEEDED };
  const ownIndex = Math.min(attempt, tiers.length) - 1;
  const ownDelayMs = withJitter(tierAt(tiers, ownIndex).delayMs, merged);
  return placeInTier(tiers, ownIndex, Math.max(ownDelayMs, Math.ceil(retryAfterMs ?? 0)), merged);
}

/**
 * Moves a record that must wait without a request (an open breaker, an endpoint's
 * `Retry-After`, an endpoint that leaves an attempt unanswered): to the first tier whose
 * delay covers `waitMs` (the last tier caps it), due then. No attempt is spent; only the
 * maximum age sends such a record to the DLQ.
 *
 * @throws RetryOptionError when an input is out of range.
 */
export function holdStep(input: HoldStepInput): RetryStep {
  const merged = { ...nextStepDefaults, ...input };
  checkBase(merged);
  requireAtLeast('waitMs', merged.waitMs, 0);
  if (tooOld(merged)) return { kind: 'dead-letter', reason: DeadLetterReason.MAX_AGE_EXCEEDED };
  // Jitter spreads records held by the same breaker, which would otherwise all be due at once.
  const waitMs = Math.ceil(merged.waitMs * (1 + merged.jitter * draw(merged)));
  return placeInTier(merged.tiers, 0, waitMs, merged);
}

/** The most requests a delivery gets: the first, one per tier, and the last tier's repeats. */
export function maxAttempts(tiers: readonly RetryTier[], lastTierRepeats = 0): number {
  return 1 + tiers.length + lastTierRepeats;
}

/**
 * The latest a record written to `tier` may be due, in ms after its write: the tier's delay
 * plus the most jitter adds. Consumers clamp due times to it, so that no header can hold a
 * tier partition longer.
 */
export function tierCapMs(tier: RetryTier, jitter: number): number {
  return Math.ceil(tier.delayMs * (1 + jitter));
}

type Resolved = StepInputBase & typeof nextStepDefaults;

function checkBase(input: Resolved): void {
  const { tiers, failedAtMs, jitter, maxAgeMs, firstSeenAtMs } = input;
  if (tiers.length === 0) throw new RetryOptionError('tiers', 'must name at least one tier');
  tiers.forEach((tier, i) => {
    requireAtLeast(`tiers[${i}].delayMs`, tier.delayMs, 0);
  });
  requireAtLeast('failedAtMs', failedAtMs, 0);
  requireAtLeast('jitter', jitter, 0);
  if (jitter > 1) throw new RetryOptionError('jitter', `must be at most 1, got ${jitter}`);
  if (!(maxAgeMs > 0)) throw new RetryOptionError('maxAgeMs', `must be positive, got ${maxAgeMs}`);
  if (firstSeenAtMs !== undefined) requireAtLeast('firstSeenAtMs', firstSeenAtMs, 0);
}

const tooOld = ({ firstSeenAtMs, maxAgeMs, failedAtMs }: Resolved): boolean =>
  firstSeenAtMs !== undefined && failedAtMs - firstSeenAtMs >= maxAgeMs;

function tierAt(tiers: readonly RetryTier[], index: number): RetryTier {
  const tier = tiers[index];
  if (tier === undefined) throw new RetryOptionError('tiers', `has no tier ${index}`);
  return tier;
}

function draw({ jitter, random }: Resolved): number {
  if (jitter === 0) return 0;
  const value = random();
  if (!(value >= 0 && value < 1)) throw new RetryOptionError('random', `must return a number in [0, 1), got ${value}`);
  return value;
}

/** The tier's delay with a random share of the jitter, rounded up so that it is never early. */
const withJitter = (delayMs: number, input: Resolved): number => Math.ceil(delayMs * (1 + input.jitter * draw(input)));

/** The first tier from `fromIndex` on that can hold a wait of `waitMs`, the last one capping it. */
function placeInTier(tiers: readonly RetryTier[], fromIndex: number, waitMs: number, input: Resolved): RetryDecision {
  let index = fromIndex;
  while (index < tiers.length - 1 && tierCapMs(tierAt(tiers, index), input.jitter) < waitMs) index++;
  const tier = tierAt(tiers, index);
  const capMs = tierCapMs(tier, input.jitter);
  // A wait beyond the last tier's cap is spread over that tier's own jitter rather than all due at its cap.
  const delayMs = waitMs <= capMs ? waitMs : withJitter(tier.delayMs, input);
  return { kind: 'retry', tier, tierIndex: index, topic: retryTopic(tier.label), dueAtMs: input.failedAtMs + delayMs };
}
