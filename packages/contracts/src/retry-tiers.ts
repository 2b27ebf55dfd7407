/** One retry tier: a topic whose records wait a fixed delay before the next attempt. */
export interface RetryTier {
  /** Short label used in the topic name, e.g. `5s`, `1m`. */
  readonly label: string;
  /** Delay before a record in this tier is due, in milliseconds. */
  readonly delayMs: number;
}

const UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** The default tiers: 5 s, 1 m, 10 m, 1 h, 6 h, 24 h. */
export const DEFAULT_RETRY_TIERS: readonly RetryTier[] = parseRetryTiers('5s,1m,10m,1h,6h,24h');

/**
 * Parses one duration: a whole number and a unit, `500ms`, `5s`, `1m`, `6h` or `1d`.
 *
 * @throws Error saying what is wrong with `text`.
 */
export function parseDuration(text: string): number {
  const match = /^(\d+)(ms|s|m|h|d)$/.exec(text.trim());
  if (match === null) throw new Error(`"${text}" is not a duration like 500ms, 5s, 1m, 6h or 1d`);
  const amount = Number(match[1]);
  const unit = match[2] as keyof typeof UNIT_MS | 'ms';
  return unit === 'ms' ? amount : amount * UNIT_MS[unit];
}

/**
 * Parses a comma-separated list of durations (`500ms`, `5s`, `1m`, `6h`, `1d`) into tiers,
 * labelled by their own spelling. The delays must grow strictly.
 *
 * @throws Error naming the entry that is malformed.
 */
export function parseRetryTiers(spec: string): RetryTier[] {
  const entries = spec
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  if (entries.length === 0) throw new Error('retry tiers: at least one tier is required');
  const tiers = entries.map((label) => {
    let delayMs: number;
    try {
      delayMs = parseDuration(label);
    } catch (error) {
      throw new Error(`retry tiers: ${(error as Error).message}`);
    }
    if (delayMs <= 0) throw new Error(`retry tiers: "${label}" must be longer than zero`);
    return { label, delayMs };
  });
  for (let i = 1; i < tiers.length; i++) {
    const previous = tiers[i - 1] as RetryTier;
    const current = tiers[i] as RetryTier;
    if (current.delayMs <= previous.delayMs) {
      throw new Error(`retry tiers: "${current.label}" must be longer than the tier before it ("${previous.label}")`);
    }
  }
  return tiers;
}
